"""The student's progress file: answers and results kept on their machine across sessions.

Every check writes the answer, its result and the number of tries to one JSON file outside the
repository: ``~/.afghanistan-course/progress.json``, or the file named by the environment variable
``AFG_COURSE_PROGRESS``. A kernel restart or a closed notebook loses nothing.

* Writes are atomic: the new content goes to a temporary file in the same folder, which then
  replaces the old one (``os.replace``), so a crash leaves the old file or the new, never half.
* Two notebooks open at once lose no update: each write holds a lock (``fcntl`` on POSIX,
  ``msvcrt`` on Windows; without either the write still happens) while it reads the current file,
  applies its change and writes the result.
* A file that cannot be read as progress (not JSON, a byte-order mark aside; the wrong layout;
  fields of the wrong type; nested too deeply) is set aside, renamed to
  ``progress.corrupt-<UTC time>.json`` and never deleted, with a warning; a new file is begun
  with every entry of the old one that could still be read.
* When the file cannot be written (read-only folder, full disk, a folder at its path), the answers
  are kept in memory, starting from what the file held, and the student is told once where they
  are. Every later change tries the file again and, once it can be written, saves them all.
* A symlinked progress file is written through the link; temporary files left by a killed write
  are removed by the next write. Text that cannot be encoded (a lone surrogate half) is saved
  with U+FFFD in its place.
* :func:`export_progress` writes every answer to one CSV or JSON file for an instructor, in the
  progress file's folder unless told otherwise.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import stat
import tempfile
import unicodedata
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
#: Deepest nesting accepted in a progress file (an answer is at most a list of tables).
MAX_DEPTH = 12
#: Fields of an entry that must hold text, numbers or true/false (never lists or tables).
SCALAR_FIELDS = ("notebook", "kind", "status", "best_status", "score", "tries", "hints_used",
                 "revealed", "first_seen", "updated")


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


def clean_text(text: str) -> str:
    """Return ``text`` as it can be saved in UTF-8: surrogate pairs joined, lone halves U+FFFD.

    Text pasted in a browser can arrive as UTF-16 halves; a pair is the character it encodes,
    a lone half (which no file can hold) becomes the replacement character.
    """
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _clean(value: Any, depth: int = 0) -> Any:
    """Return JSON-ready data that can be written as UTF-8 JSON (text cleaned, depth capped)."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if depth >= MAX_DEPTH:
        return repr(value)[:500]
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, depth + 1) for v in value]
    return clean_text(str(value))[:500]


def _depth(value: object) -> int:
    """Return how deeply lists and tables nest in ``value`` (without recursion)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level + 1)
            if level + 1 > MAX_DEPTH + 1:
                return deepest
            stack.extend((v, level + 1) for v in item)
    return deepest


def _entry_problem(entry: object) -> str | None:
    """Say what is wrong with one saved entry, or return None when it can be used."""
    if not isinstance(entry, dict):
        return "an entry is not a table"
    for name in SCALAR_FIELDS:
        if isinstance(entry.get(name), (dict, list)):
            return f"field '{name}' holds a {type(entry[name]).__name__}"
    if _depth(entry) > MAX_DEPTH:
        return "an entry nests too deeply"
    return None


class _Blocked(Exception):
    """The progress file must not be written now (a folder at its path, damage kept in place)."""


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


def _set_aside(path: Path, reason: str) -> Path:
    """Rename an unreadable progress file out of the way (never delete it) and warn.

    Raises :class:`_Blocked` when it cannot be renamed: the damaged file is then left exactly
    as it is and must not be overwritten.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        suffix = f"-{n}" if n else ""
        target = path.with_name(f"{path.stem}.corrupt-{stamp}{suffix}{path.suffix or '.json'}")
        if target.exists() or target.is_symlink():
            continue
        try:
            os.replace(path, target)
        except OSError as exc:
            raise _Blocked(f"the progress file {path} {reason}, and it could not be set aside "
                           f"({exc.strerror or exc}); move or repair it") from None
        warnings.warn(ProgressFileWarning(
            f"the progress file {path} {reason}. It was kept as {target.name} (not deleted), "
            "and a new progress file was begun."), stacklevel=5)
        return target
    raise _Blocked(f"the progress file {path} {reason}, and there are too many set-aside "
                   "copies next to it to keep another; move some of them")


def _remove_leftovers(path: Path) -> None:
    """Remove temporary files left by killed writes (called while holding the lock)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\..+\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if pattern.fullmatch(name):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


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
    """Read and update one progress file; every update is locked, merged and atomic.

    When the file cannot be written, the store keeps the answers in memory, starting from what
    the file held, remembers each change, and replays the changes onto the file as soon as a
    later update finds it writable again (merging with what other notebooks wrote meanwhile).
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else progress_path()
        self._memory: dict[str, Any] | None = None  # used while the file cannot be written
        self._pending: list[Callable[[dict[str, Any]], None]] = []
        self._warned = False
        self._salvaged: dict[str, Any] | None = None  # readable entries of a set-aside file

    @property
    def in_memory(self) -> bool:
        """True while answers are kept in memory because the file cannot be written."""
        return self._memory is not None

    # -- reading ----------------------------------------------------------------------------

    def _target(self) -> Path:
        """Return the file to read and write: the path, or what a symlink at it points to."""
        path = self.path
        try:
            return path.resolve() if path.is_symlink() else path
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise _Blocked(f"{path} is a symbolic link that cannot be followed ({exc})") from None

    def _parse(self, target: Path) -> tuple[dict[str, Any] | None, str | None, dict[str, Any]]:
        """Return (document, reason it is unusable, salvaged document) for the file's content."""
        try:
            info = target.stat()
        except FileNotFoundError:
            return _empty(), None, _empty()
        size = info.st_size
        if stat.S_ISDIR(info.st_mode):
            raise _Blocked(f"{self.path} is a folder, not a file; move the folder or set "
                           f"{ENV_VAR} to a file path such as {self.path / 'progress.json'}")
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device must not be renamed
            raise _Blocked(f"{self.path} is not a regular file; set {ENV_VAR} to a file path "
                           f"such as {self.path.parent / 'progress.json'}")
        if size > MAX_FILE_BYTES:
            return None, f"is {size:,} bytes, too large to be a progress file", _empty()
        try:
            doc = json.loads(target.read_bytes().decode("utf-8-sig"))
        except PermissionError:
            return None, "cannot be read (no permission)", _empty()
        except RecursionError:
            return None, "nests too deeply to be a progress file", _empty()
        except (UnicodeDecodeError, ValueError):  # JSONDecodeError, or a number too long
            return None, "is not valid JSON (it may have been edited or damaged)", _empty()
        except OSError as exc:
            return None, f"cannot be read ({exc.strerror or exc})", _empty()
        if not _valid(doc):
            return None, "does not have the layout of a progress file", _empty()
        salvaged = _empty()
        problems = []
        for exercise_id, entry in doc["exercises"].items():
            problem = _entry_problem(entry)
            if problem is None:
                salvaged["exercises"][exercise_id] = entry
            else:
                problems.append(f"{problem} (exercise '{exercise_id[:80]}')")
        if problems or _depth(doc) > MAX_DEPTH + 2:
            first = problems[0] if problems else "it nests too deeply"
            reason = (f"has entries that cannot be read: {first}"
                      + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")
                      + f"; the {len(salvaged['exercises'])} readable entries were kept")
            return None, reason, salvaged
        return doc, None, doc

    def _read(self) -> dict[str, Any]:
        """Return the file's content; set it aside (keeping what is readable) if it is damaged.

        Raises :class:`_Blocked` when the file must not be written: a folder at the path, or a
        damaged file that could not be set aside.
        """
        target = self._target()
        doc, reason, salvaged = self._parse(target)
        if doc is not None:
            return doc
        _set_aside(target, str(reason))
        if salvaged["exercises"]:
            # the readable entries go straight into the new file, so nothing shown is lost
            self._salvaged = salvaged
            with contextlib.suppress(OSError):
                _write_atomic(target, _dumps(salvaged))
        return salvaged

    def _read_quietly(self) -> dict[str, Any]:
        """Return what the file holds without changing anything on disk (empty if unreadable)."""
        try:
            _, _, salvaged = self._parse(self._target())
        except (_Blocked, OSError):
            salvaged = _empty()
        if not salvaged["exercises"] and self._salvaged is not None:
            return json.loads(json.dumps(self._salvaged))
        return salvaged

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(ProgressFileWarning(message), stacklevel=4)

    def _tell_in_memory(self, why: str, count: int) -> None:
        earlier = f", including the {count} saved earlier," if count else ""
        self._warn(f"{why}. Your answers{earlier} are kept in memory while this notebook runs "
                   f"and are written to {self.path} as soon as it can be written again. To keep "
                   "a copy now, export them from the progress panel (progress()).")

    def load(self) -> dict[str, Any]:
        """Return the whole progress document (a copy; changing it changes nothing on disk)."""
        if self._memory is not None:
            return json.loads(json.dumps(self._memory))
        try:
            return self._read()
        except (_Blocked, OSError) as exc:
            doc = self._read_quietly()
            self._tell_in_memory(_reason(exc), len(doc["exercises"]))
            return doc

    def entries(self) -> dict[str, dict[str, Any]]:
        """Return the saved entry of every exercise the student has tried, by exercise id."""
        return self.load()["exercises"]

    # -- writing ----------------------------------------------------------------------------

    def _write(self, changes: list[Callable[[dict[str, Any]], None]]) -> dict[str, Any]:
        """Apply ``changes`` to the file's current content under the lock and write it."""
        target = self._target()
        target.parent.mkdir(parents=True, exist_ok=True)
        with _locked(target):
            _remove_leftovers(target)
            doc = self._read()
            for change in changes:
                change(doc)
            doc = _clean(doc)
            _write_atomic(target, _dumps(doc))
        self._salvaged = None
        return doc

    def update(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Apply ``change`` to the current document under the lock and save it atomically.

        If the file cannot be written (read-only folder, full disk), a warning says so once and
        the answers are kept in memory, starting from what the file held; each later update
        tries the file again and writes every kept change once it can.
        """
        if self._memory is not None:
            change(self._memory)
            self._pending.append(change)
            try:
                doc = self._write(self._pending)
            except (_Blocked, OSError):
                return self._memory
            self._memory, self._pending = None, []
            return doc
        try:
            return self._write([change])
        except (_Blocked, OSError) as exc:
            self._memory = self._read_quietly()
            self._tell_in_memory(_reason(exc), len(self._memory["exercises"]))
            change(self._memory)
            self._pending = [change]
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


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(_clean(doc), ensure_ascii=False, indent=1, sort_keys=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = getattr(exc, "filename", None)
        return f"progress cannot be saved{f' to {where}' if where else ''} " \
               f"({exc.strerror or exc})"
    return str(exc)


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


#: Characters a spreadsheet skips or folds before it looks for a formula sign.
_FORMULA_SIGNS = frozenset("=+-@\u2212\u2012\u2013\u2014\ufe62\ufe63\ufe6b")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    """True when a spreadsheet could take ``text`` as a formula, however the sign is disguised.

    Leading spaces, control characters and invisible marks (zero-width, byte-order, direction)
    are skipped, and full-width signs fold to their ASCII form, as spreadsheets do. A plain
    number such as ``-5`` is not a formula.
    """
    if _PLAIN_NUMBER.fullmatch(text):
        return False
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Co",
                                                        "Cn", "Cs"):
            continue
        return unicodedata.normalize("NFKC", ch)[:1] in _FORMULA_SIGNS or ch in _FORMULA_SIGNS
    return bool(text) and text[0] in "\t\r"


def _csv_cell(value: Any) -> str:
    """Return a CSV cell; lists and tables as JSON, formulas neutralised for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = json.dumps(_clean(value), ensure_ascii=False, sort_keys=True)
    else:
        text = clean_text(str(value))
    return "'" + text if _formula_like(text) else text


def export_text(entries: dict[str, dict[str, Any]], fmt: str, student: str = "") -> str:
    """Return the student's answers as CSV or JSON text (``fmt`` is 'csv' or 'json').

    The CSV quotes every field that holds a quote, comma, carriage return or line feed (lines
    end in CR LF, as RFC 4180 says), and a cell a spreadsheet could run as a formula starts
    with an apostrophe.
    """
    rows = _export_rows(entries)
    if fmt == "json":
        doc = {"format": "afghanistan-course-answers", "version": FORMAT_VERSION,
               "student": clean_text(student), "exported": _now(), "answers": _clean(rows)}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(("student", *EXPORT_FIELDS))
    for row in rows:
        writer.writerow((_csv_cell(student), *(_csv_cell(row[n]) for n in EXPORT_FIELDS)))
    return buffer.getvalue()


def export_folder(store: ProgressStore | None = None) -> Path:
    """Return where exports go by default: the progress file's folder.

    That is ``~/.afghanistan-course/``, or the folder of the file ``AFG_COURSE_PROGRESS`` names,
    never the course's ``notebooks/`` folder (which git and nbgitpuller manage).
    """
    path = store.path if store is not None else progress_path()
    return path.expanduser().absolute().parent


def export_progress(path: str | Path | None = None, *, fmt: str | None = None,
                    student: str = "", store: ProgressStore | None = None) -> Path:
    """Write every saved answer to one CSV or JSON file for an instructor; return its path.

    ``path`` defaults to ``course-answers.csv`` in :func:`export_folder` (the progress file's
    folder, ``~/.afghanistan-course/`` unless ``AFG_COURSE_PROGRESS`` names another); a name
    without a folder goes there too, an absolute path where it says. The format follows ``fmt``
    or else the file's extension (``.json`` or ``.csv``). ``student`` is an optional name written
    on every row.
    """
    store = store or ProgressStore()
    if path is None:
        target = export_folder(store) / f"course-answers.{fmt or 'csv'}"
    elif isinstance(path, (str, Path)) and str(path).strip():
        target = Path(str(path).strip()).expanduser()
        if not target.is_absolute():
            target = export_folder(store) / target
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
    own = store.path.expanduser().absolute()
    with contextlib.suppress(OSError, RuntimeError):
        if target.absolute().resolve() in (own.resolve(),
                                           own.resolve().with_name(own.resolve().name + ".lock")):
            raise UsageError(f"{target} is the progress file itself; give the export another "
                             "name, such as course-answers.csv.")
    if target.parent == export_folder(store):
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.is_dir():
        raise UsageError(f"the folder {target.parent} does not exist; create it or choose "
                         "another place.")
    text = export_text(store.entries(), fmt, student.strip())
    try:
        _write_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}.") from None
    return target.resolve()
