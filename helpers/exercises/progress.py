"""The student's progress file: answers and results kept on their machine across sessions.

Every check writes the answer, its result and the number of tries to one JSON file outside the
repository: ``~/.afghanistan-course/progress.json``, or the file named by the environment variable
``AFG_COURSE_PROGRESS``. A kernel restart or a closed notebook loses nothing.

* Writes are atomic: the new content goes to a temporary file in the same folder, which then
  replaces the old one (``os.replace``), so a crash leaves the old file or the new, never half.
* Two notebooks open at once lose no update: each write holds a lock (``fcntl`` on POSIX,
  ``msvcrt`` on Windows; without either the write still happens) while it reads the current file,
  applies its change and writes the result.
* A file that cannot be read as progress is set aside, renamed to
  ``progress.corrupt-<UTC time>.json`` and never deleted, with a warning; a new file is begun.
* :func:`export_progress` writes every answer to one CSV or JSON file for an instructor.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers.errors import UsageError
from helpers.exercises.grading import RANK

ENV_VAR = "AFG_COURSE_PROGRESS"
FORMAT_NAME = "afghanistan-course-progress"
FORMAT_VERSION = 1
EXPORT_FIELDS = ("exercise_id", "notebook", "kind", "status", "best_status", "score", "tries",
                 "hints_used", "revealed", "answer", "first_seen", "updated")
#: Largest progress file read; far above a whole course's answers.
MAX_FILE_BYTES = 20 * 1024 * 1024


class ProgressFileWarning(UserWarning):
    """The progress file could not be read or written; the message says what happened."""


def progress_path() -> Path:
    """Return where progress is kept: ``$AFG_COURSE_PROGRESS`` or the default in the home folder."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    return Path.home() / ".afghanistan-course" / "progress.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _empty() -> dict[str, Any]:
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "exercises": {}}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` for the block (best effort off POSIX)."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            return
        try:
            import msvcrt
        except ImportError:
            yield  # no locking available: still write, atomically
            return
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)


def _valid(doc: object) -> bool:
    return (isinstance(doc, dict) and doc.get("format") == FORMAT_NAME
            and isinstance(doc.get("version"), int) and isinstance(doc.get("exercises"), dict)
            and all(isinstance(k, str) and isinstance(v, dict)
                    for k, v in doc["exercises"].items()))


def _set_aside(path: Path, reason: str) -> Path | None:
    """Rename an unreadable progress file out of the way (never delete it); warn either way."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        suffix = f"-{n}" if n else ""
        target = path.with_name(f"{path.stem}.corrupt-{stamp}{suffix}{path.suffix or '.json'}")
        if target.exists():
            continue
        try:
            os.replace(path, target)
        except OSError as exc:
            warnings.warn(ProgressFileWarning(
                f"the progress file {path} {reason}, and it could not be set aside "
                f"({exc.strerror or exc}). Answers from now on are kept for this session only; "
                "move or repair the file to keep them."), stacklevel=4)
            return None
        warnings.warn(ProgressFileWarning(
            f"the progress file {path} {reason}. It was kept as {target.name} (not deleted), "
            "and a new progress file was begun."), stacklevel=4)
        return target
    return None


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class ProgressStore:
    """Read and update one progress file; every update is locked, merged and atomic."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else progress_path()
        self._memory: dict[str, Any] | None = None  # used when the file cannot be written
        self._warned = False

    def _read(self) -> dict[str, Any]:
        """Return the file's content; set it aside and start afresh if it is not progress."""
        path = self.path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return _empty()
        except OSError as exc:
            self._warn(f"the progress file {path} cannot be read ({exc.strerror or exc})")
            return _empty()
        reason = None
        doc: object = None
        if size > MAX_FILE_BYTES:
            reason = f"is {size:,} bytes, too large to be a progress file"
        else:
            try:
                doc = json.loads(path.read_bytes().decode("utf-8"))
            except PermissionError:
                reason = "cannot be read (no permission)"
            except (UnicodeDecodeError, json.JSONDecodeError):
                reason = "is not valid JSON (it may have been edited or damaged)"
            except OSError as exc:
                reason = f"cannot be read ({exc.strerror or exc})"
            else:
                if not _valid(doc):
                    reason = "does not have the layout of a progress file"
        if reason is not None:
            _set_aside(path, reason)
            return _empty()
        return doc if isinstance(doc, dict) else _empty()

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(ProgressFileWarning(
                f"{message}. Answers are kept for this session only."), stacklevel=4)

    def load(self) -> dict[str, Any]:
        """Return the whole progress document (a copy; changing it changes nothing on disk)."""
        if self._memory is not None:
            return json.loads(json.dumps(self._memory))
        return self._read()

    def entries(self) -> dict[str, dict[str, Any]]:
        """Return the saved entry of every exercise the student has tried, by exercise id."""
        return self.load()["exercises"]

    def update(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Apply ``change`` to the current document under the lock and save it atomically.

        If the file cannot be written (read-only folder, full disk), a warning says so once and
        the answers are kept in memory for the rest of the session.
        """
        if self._memory is not None:
            change(self._memory)
            return self._memory
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path):
                doc = self._read()
                change(doc)
                _write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=1,
                                                    sort_keys=True))
            return doc
        except OSError as exc:
            self._warn(f"progress cannot be saved to {self.path} ({exc.strerror or exc})")
            self._memory = _empty()
            change(self._memory)
            return self._memory

    def record(self, exercise_id: str, *, notebook: str, kind: str, answer: Any, status: str,
               score: float, counts_as_try: bool = True) -> dict[str, Any]:
        """Save one checked answer: last answer and status, best status, number of tries."""
        now = _now()

        def change(doc: dict[str, Any]) -> None:
            entry = _entry(doc, exercise_id, notebook, kind, now)
            if counts_as_try:
                entry["tries"] = _int(entry.get("tries")) + 1
            entry["status"] = status
            entry["answer"] = answer
            best = entry.get("best_status")
            if best not in RANK or RANK[status] > RANK[best]:
                entry["best_status"] = status
            entry["score"] = max(_float(entry.get("score")), float(score))
            entry["updated"] = now

        return self.update(change)["exercises"][exercise_id]

    def record_event(self, exercise_id: str, *, notebook: str, kind: str,
                     event: str) -> dict[str, Any]:
        """Save that a hint was shown (``event='hint'``) or the answer revealed (``'reveal'``)."""
        now = _now()

        def change(doc: dict[str, Any]) -> None:
            entry = _entry(doc, exercise_id, notebook, kind, now)
            if event == "hint":
                entry["hints_used"] = _int(entry.get("hints_used")) + 1
            elif event == "reveal":
                entry["revealed"] = True
                if entry.get("best_status") not in RANK:
                    entry["best_status"] = "revealed"
            entry["updated"] = now

        return self.update(change)["exercises"][exercise_id]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _float(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return 0.0


def _entry(doc: dict[str, Any], exercise_id: str, notebook: str, kind: str,
           now: str) -> dict[str, Any]:
    entry = doc["exercises"].setdefault(exercise_id, {})
    entry.setdefault("first_seen", now)
    entry["notebook"] = notebook
    entry["kind"] = kind
    entry.setdefault("tries", 0)
    entry.setdefault("hints_used", 0)
    entry.setdefault("revealed", False)
    return entry


# --------------------------------------------------------------------------------------------
# Export


def _export_rows(entries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for exercise_id in sorted(entries):
        entry = entries[exercise_id]
        row = {name: entry.get(name, "") for name in EXPORT_FIELDS}
        row["exercise_id"] = exercise_id
        rows.append(row)
    return rows


def _csv_cell(value: Any) -> str:
    """Return a CSV cell; lists and tables as JSON, formulas neutralised for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text  # a spreadsheet would run it as a formula
    return text


def export_text(entries: dict[str, dict[str, Any]], fmt: str, student: str = "") -> str:
    """Return the student's answers as CSV or JSON text (``fmt`` is 'csv' or 'json')."""
    rows = _export_rows(entries)
    if fmt == "json":
        doc = {"format": "afghanistan-course-answers", "version": FORMAT_VERSION,
               "student": student, "exported": _now(), "answers": rows}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("student", *EXPORT_FIELDS))
    for row in rows:
        writer.writerow((_csv_cell(student), *(_csv_cell(row[n]) for n in EXPORT_FIELDS)))
    return buffer.getvalue()


def export_progress(path: str | Path | None = None, *, fmt: str | None = None,
                    student: str = "", store: ProgressStore | None = None) -> Path:
    """Write every saved answer to one CSV or JSON file for an instructor; return its path.

    ``path`` defaults to ``course-answers.csv`` in the current folder (the folder of the
    notebook). The format follows ``fmt`` or else the file's extension (``.json`` or ``.csv``).
    ``student`` is an optional name written on every row.
    """
    if path is None:
        target = Path.cwd() / f"course-answers.{fmt or 'csv'}"
    elif isinstance(path, (str, Path)) and str(path).strip():
        target = Path(str(path).strip()).expanduser()
    else:
        raise UsageError("export_progress() takes a file path such as 'my-answers.csv'.")
    if fmt is None:
        fmt = "json" if target.suffix.lower() == ".json" else "csv"
    if fmt not in ("csv", "json"):
        raise UsageError(f"the export format is 'csv' or 'json', not {fmt!r}.")
    if not isinstance(student, str) or len(student) > 200:
        raise UsageError("the student name is text of at most 200 characters.")
    if target.is_dir():
        raise UsageError(f"{target} is a folder; give a file name such as "
                         f"{target / ('course-answers.' + fmt)}.")
    if not target.parent.is_dir():
        raise UsageError(f"the folder {target.parent} does not exist; create it or choose "
                         "another place.")
    store = store or ProgressStore()
    text = export_text(store.entries(), fmt, student.strip())
    try:
        _write_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}.") from None
    return target.resolve()
