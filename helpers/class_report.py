"""The class report: read the answer files students hand in and write a report for the teacher.

Each student exports their answers from the progress panel (``progress()``, the last cell of every
notebook) as one CSV or JSON file (:func:`helpers.exercises.progress.export_progress`). Collect
the files in one folder and run::

    python -m helpers.class_report handed-in/ --out class-report/
    python -m helpers.class_report handed-in/ --out class-report/ --anonymous
    python -m helpers.class_report handed-in/ --out class-report/ --names roster.csv

The folder may hold CSV and JSON files in any mix; it is only read, never changed. OUT (created
if need be, and not inside the folder) receives:

* ``report.html`` (one self-contained page, charts included, to open in a browser) and
  ``report.md`` (the same in Markdown, with the charts in ``charts/``): per notebook and exercise,
  how many students tried it and got it right, the most common wrong answers, hints and answers
  shown; per student, what they did in each notebook; the files that were skipped and why.
* ``gradebook.csv``, for a learning-management system (UTF-8, comma-separated, one header row):
  one row per student. ``student`` is the name the student typed when exporting, or else the
  file's name without its extension (``Student 01``… with ``--anonymous``); ``file`` is the file
  read (left out with ``--anonymous``). Then one column per exercise, headed by its id
  (``02-signatories``), holding the student's best score from 0 to 1 (partly right answers score
  between; a saved reflection scores 1), empty when the student did not try it. Last come
  ``exercises_tried``, ``exercises_right``, ``hints_used``, ``answers_shown``, ``total_score``
  (the sum of the scores), ``out_of`` (the number of exercises) and ``percent``. With
  ``--names``, ``student`` is the roster's name and an ``id`` column (the roster's ``id``, e.g.
  the learning-management system's username) follows it when the roster has ids.
* ``exercises.csv``: one row per exercise with the figures of the report.

A file is skipped, and listed in the report with the reason, when it is empty, binary, not
UTF-8, not valid JSON or CSV, cut short, of another format or version, from another course (none
of its exercise ids is in this course), or a duplicate. Duplicates: a file with the same answers
(to the second) as another is a copy, and only the first by file name counts; two files carrying
the same student name (ignoring case and spaces) are two exports by one student, and only the
newer counts. The rest still count.

With ``--anonymous`` every student is called ``Student 01``, ``Student 02``… (numbered in an order
fixed by the names, so the same folder gives the same pseudonyms again), and no name or file
name appears anywhere in the output; skipped files are then identified by the first 12 digits of
their SHA-256 checksum (``sha256sum`` on Linux, ``shasum -a 256`` on macOS,
``Get-FileHash`` on Windows).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import hashlib
import html
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers.errors import CourseError, UsageError
from helpers.exercises.grading import RANK, STATUSES
from helpers.exercises.progress import (
    EXPORT_FIELDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    ProgressStore,
    _csv_cell,
    _entry_problem,
    _formula_like,
)

#: What an export says it is (``format`` in JSON).
EXPORT_FORMAT = "afghanistan-course-answers"
#: Most wrong answers listed per exercise.
TOP_WRONG = 3
#: Longest rendering of one answer in the report.
ANSWER_CHARS = 160
TOTAL_COLUMNS = ("exercises_tried", "exercises_right", "hints_used", "answers_shown",
                 "total_score", "out_of", "percent")
EXERCISE_COLUMNS = ("notebook", "exercise_id", "title", "kind", "students", "tried", "right",
                    "partly_right", "reflections_saved", "last_answer_wrong",
                    "students_using_hints", "hints_used", "answers_shown", "mean_tries",
                    "most_common_wrong_answer", "most_common_wrong_count")
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")
CHART_SOURCE = "answer files exported from the course's progress panel"


class SkipFile(CourseError):
    """One handed-in file cannot be counted; the message says why, for the report."""


@dataclass
class Submission:
    """One student's counted file: who, from which file, and their answers by exercise id."""

    file: str
    digest: str
    name: str
    exported: str
    entries: dict[str, dict[str, Any]]
    unknown: list[str] = field(default_factory=list)
    label: str = ""
    progress_file: bool = False
    lms_id: str = ""
    typed: str = ""  # the name as the student typed it, before a --names roster renamed them


@dataclass
class Skipped:
    """A file that was not counted, and why."""

    file: str
    digest: str
    reason: str


@dataclass
class ClassData:
    """Everything read from the folder."""

    submissions: list[Submission]
    skipped: list[Skipped]


# --------------------------------------------------------------------------------------------
# Reading one file


def _text_of(data: bytes) -> str:
    if not data.strip():
        raise SkipFile("the file is empty" if not data else "the file holds only blank space")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SkipFile("the file is binary, not text: it is not a course export")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"the file is not UTF-8 text (byte {exc.start:,} is not UTF-8); it was "
                       "probably opened and re-saved in a spreadsheet. Ask the student to "
                       "export again from the progress panel and hand in that file unchanged"
                       ) from None


def _uncell(text: str) -> str:
    """Undo the apostrophe that the export puts before a cell a spreadsheet could run."""
    if text.startswith("'") and _formula_like(text[1:]):
        return text[1:]
    return text


def _number(value: object, what: str, row: int, *, whole: bool) -> float | int:
    if value in ("", None):
        return 0
    if isinstance(value, bool):
        raise SkipFile(f"answer {row}: '{what}' is true/false, not a number")
    try:
        number = float(value) if not isinstance(value, (int, float)) else value
    except (TypeError, ValueError):
        raise SkipFile(f"answer {row}: '{what}' is {str(value)[:30]!r}, not a number; the "
                       "file was edited or damaged") from None
    if number != number or number < 0 or (whole and number != int(number)) \
            or (not whole and number > 1) or number > 1e9:
        raise SkipFile(f"answer {row}: '{what}' is {value!r}, which an export never holds")
    return int(number) if whole else float(number)


def _entry(raw: dict[str, Any], row: int) -> tuple[str, dict[str, Any]]:
    """Check one answer row (from CSV or JSON) and return (exercise id, entry)."""
    problem = _entry_problem(raw)
    if problem is not None:
        raise SkipFile(f"answer {row}: {problem}")
    ex_id = raw.get("exercise_id")
    if not isinstance(ex_id, str) or not ex_id.strip():
        raise SkipFile(f"answer {row} has no exercise id")
    for name in ("status", "best_status"):
        if raw.get(name) not in ("", None, *STATUSES):
            raise SkipFile(f"answer {row}: '{name}' is {str(raw.get(name))[:30]!r}, not one "
                           "of the statuses an export holds")
    revealed = raw.get("revealed")
    if revealed not in (True, False, "true", "false", "", None):
        raise SkipFile(f"answer {row}: 'revealed' is {str(revealed)[:30]!r}, not true/false")
    entry = {
        "notebook": str(raw.get("notebook") or ""),
        "kind": str(raw.get("kind") or ""),
        "status": raw.get("status") or "",
        "best_status": raw.get("best_status") or "",
        "score": _number(raw.get("score"), "score", row, whole=False),
        "tries": _number(raw.get("tries"), "tries", row, whole=True),
        "hints_used": _number(raw.get("hints_used"), "hints_used", row, whole=True),
        "revealed": revealed in (True, "true"),
        "answer": raw.get("answer"),
        "updated": str(raw.get("updated") or ""),
        "first_seen": str(raw.get("first_seen") or ""),
    }
    return ex_id.strip(), entry


def _entries(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for number, raw in enumerate(rows, start=1):
        ex_id, entry = _entry(raw, number)
        if ex_id in entries:
            raise SkipFile(f"exercise '{ex_id[:60]}' appears twice; an export lists each "
                           "exercise once, so the file was edited or joined from two")
        entries[ex_id] = entry
    return entries


def _read_json(text: str, path: Path) -> tuple[str, str, dict[str, dict[str, Any]], bool]:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise SkipFile("the JSON nests too deeply to be an export") from None
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        cut = " It ends too early: the file looks truncated." if \
            "Unterminated" in str(exc) or getattr(exc, "pos", 0) >= len(text.rstrip()) - 1 \
            else ""
        raise SkipFile(f"not valid JSON{where}.{cut} Ask the student to export again"
                       ) from None
    if not isinstance(doc, dict):
        raise SkipFile("the JSON is not a course export (no 'format' field)")
    fmt = doc.get("format")
    if fmt == FORMAT_NAME:  # the progress file itself, handed in by mistake: read it as it is
        _, reason, _ = ProgressStore(path)._parse(path)  # reads only; never sets aside
        if reason is not None:
            raise SkipFile(f"a progress file (not an export) that {reason}")
        return "", "", _entries([{**e, "exercise_id": k}
                                 for k, e in doc["exercises"].items()]), True
    if fmt != EXPORT_FORMAT:
        shown = f"'{str(fmt)[:40]}'" if fmt is not None else "none"
        raise SkipFile(f"not a course export: its format is {shown}, not '{EXPORT_FORMAT}'")
    if doc.get("version") != FORMAT_VERSION:
        raise SkipFile(f"version {str(doc.get('version'))[:20]} of the export format; this "
                       f"report reads version {FORMAT_VERSION}. Update the course, then run "
                       "the report again")
    answers = doc.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise SkipFile("the export's 'answers' is not a list of answers")
    student = doc.get("student", "")
    if not isinstance(student, str):
        raise SkipFile("the export's 'student' is not text")
    exported = doc.get("exported", "")
    return student.strip(), exported if isinstance(exported, str) else "", \
        _entries(answers), False


def _read_csv(text: str) -> tuple[str, str, dict[str, dict[str, Any]], bool]:
    header = ["student", *EXPORT_FIELDS]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise SkipFile(f"not valid CSV ({exc}); the file looks truncated or edited") from None
    if not rows or [c.strip() for c in rows[0]] != header:
        first = ", ".join(rows[0][:4])[:80] if rows else ""
        raise SkipFile(f"not a course export: its first line is '{first}…', not the export's "
                       f"columns ({', '.join(header[:4])}, …)")
    dicts = []
    names = set()
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise SkipFile(f"line {number} has {len(row)} fields instead of {len(header)}: the "
                           "file is truncated or was edited")
        cells = {h: _uncell(c) for h, c in zip(header, row, strict=True)}
        answer = cells["answer"]
        if cells["kind"] in ("select_all", "ordering", "matching") and answer[:1] in "[{":
            with contextlib.suppress(ValueError):
                cells["answer"] = json.loads(answer)
        names.add(cells.pop("student").strip())
        dicts.append(cells)
    if not text.endswith("\n"):
        raise SkipFile("the last line is cut short (no line break at the end): the file is "
                       "truncated; ask the student to export again")
    if len(names) > 1:
        raise SkipFile("its rows carry different student names; an export is one student's")
    entries = _entries(dicts)
    exported = max((e["updated"] for e in entries.values()), default="")
    return (names.pop() if names else ""), exported, entries, False


def read_export(path: Path) -> Submission:
    """Read one handed-in file; raise :class:`SkipFile` saying why it cannot be counted.

    The file is opened once, for reading; nothing on disk changes.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SkipFile(f"the file is {size:,} bytes, far larger than any export")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"the file cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    text = _text_of(data)
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith("{")):
        name, exported, entries, progress_file = _read_json(text, path)
    elif suffix == ".csv" or text.startswith("student,"):
        name, exported, entries, progress_file = _read_csv(text)
    else:
        raise SkipFile("neither a .csv nor a .json file: not a course export")
    return Submission(path.name, digest, name, exported, entries, progress_file=progress_file)


# --------------------------------------------------------------------------------------------
# Reading the folder


def _sort_key(path: Path) -> tuple[str, str]:
    return (path.stem.casefold(), path.name)


def _same_name(name: str) -> str:
    return " ".join(name.casefold().split())


def read_folder(folder: Path, known_ids: set[str]) -> ClassData:
    """Read every file in ``folder`` (not its subfolders); sort them into counted and skipped."""
    submissions: list[Submission] = []
    skipped: list[Skipped] = []
    for path in sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                       key=_sort_key):
        if not path.is_file():
            continue
        try:
            sub = read_export(path)
        except SkipFile as exc:
            digest = ""
            with contextlib.suppress(OSError):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            skipped.append(Skipped(path.name, digest, str(exc)))
            continue
        except OSError as exc:
            skipped.append(Skipped(path.name, "", f"the file cannot be read "
                                                  f"({exc.strerror or exc})"))
            continue
        sub.unknown = sorted(i for i in sub.entries if i not in known_ids)
        if sub.entries and len(sub.unknown) == len(sub.entries):
            skipped.append(Skipped(sub.file, sub.digest, (
                f"from another course: none of its {len(sub.entries)} exercise ids is in "
                f"this course (it has '{sub.unknown[0][:40]}')")))
            continue
        submissions.append(sub)
    submissions, copies = _drop_copies(submissions)
    submissions, older = _drop_older(submissions)
    return ClassData(submissions, skipped + copies + older)


def _answers_key(sub: Submission) -> str:
    return json.dumps(sub.entries, sort_keys=True, ensure_ascii=False, default=str)


def _drop_copies(subs: list[Submission]) -> tuple[list[Submission], list[Skipped]]:
    kept: dict[str, Submission] = {}
    skipped = []
    for sub in subs:
        key = _answers_key(sub) if sub.entries else sub.digest
        first = kept.get(key)
        if first is None:
            kept[key] = sub
            continue
        same = "the same bytes" if first.digest == sub.digest else \
            "the same answers, to the second,"
        skipped.append(Skipped(sub.file, sub.digest, (
            f"a copy: {same} as {first.file}, which is counted once")))
    return [s for s in subs if s in kept.values()], skipped


def _drop_older(subs: list[Submission]) -> tuple[list[Submission], list[Skipped]]:
    by_name: dict[str, list[Submission]] = {}
    for sub in subs:
        if sub.name:
            by_name.setdefault(_same_name(sub.name), []).append(sub)
    dropped: list[Skipped] = []
    drop_files = set()
    for group in by_name.values():
        if len(group) < 2:
            continue
        newest = max(group, key=lambda s: (s.exported, _sort_key(Path(s.file))))
        for sub in group:
            if sub is not newest:
                drop_files.add(sub.file)
                dropped.append(Skipped(sub.file, sub.digest, (
                    f"an older export by the same student ({newest.name}) as {newest.file}, "
                    f"which is newer and is counted instead")))
    return [s for s in subs if s.file not in drop_files], dropped


@dataclass
class Roster:
    """Names (and LMS ids) for the students, matched by file name or by the name they typed."""

    by_file: dict[str, tuple[str, str]] = field(default_factory=dict)
    by_student: dict[str, tuple[str, str]] = field(default_factory=dict)
    has_ids: bool = False

    def find(self, sub: Submission) -> tuple[str, str] | None:
        return self.by_file.get(sub.file) or self.by_student.get(_same_name(sub.name))

    def names(self) -> list[str]:
        return sorted({n for n, _ in [*self.by_file.values(), *self.by_student.values()]})


def read_roster(path: Path) -> Roster:
    """Read ``--names``: a UTF-8 CSV with a ``name`` column, and ``file`` and/or ``student``.

    ``file`` is the handed-in file's name (``student-07.csv``), ``student`` the name the
    student typed when exporting; ``name`` is how the report and gradebook call them, and an
    optional ``id`` column (the learning-management system's username or e-mail) becomes the
    gradebook's ``id`` column.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"--names {path}: the file does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"--names {path} is a folder; give a CSV file.") from None
    except UnicodeDecodeError:
        raise UsageError(f"--names {path} is not UTF-8; save it as 'CSV UTF-8'.") from None
    except OSError as exc:
        raise UsageError(f"--names {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UsageError(f"--names {path} is not a valid CSV file ({exc}).") from None
    head = {(h or "").strip().lower() for h in (rows[0].keys() if rows else [])}
    if "name" not in head or not head & {"file", "student"}:
        raise UsageError(f"--names {path} needs a header row with a 'name' column and a 'file' "
                         "or 'student' column (and, if you like, an 'id' column).")
    roster = Roster()
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str)}
        name = row.get("name", "")
        if not name:
            raise UsageError(f"--names {path}, line {number}: the 'name' is empty.")
        value = (name, row.get("id", ""))
        roster.has_ids = roster.has_ids or bool(value[1])
        if row.get("file"):
            roster.by_file[row["file"]] = value
        if row.get("student"):
            roster.by_student[_same_name(row["student"])] = value
        if not row.get("file") and not row.get("student"):
            raise UsageError(f"--names {path}, line {number}: give the 'file' or the 'student' "
                             f"that {name} goes with.")
    return roster


def _labels(subs: list[Submission], anonymous: bool, roster: Roster | None = None) -> None:
    for sub in subs:
        sub.typed = sub.name
        found = roster.find(sub) if roster is not None else None
        if found is not None:
            sub.name, sub.lms_id = found
    if anonymous:
        order = sorted(subs, key=lambda s: hashlib.sha256(
            (_same_name(s.name) or s.file).encode("utf-8")).hexdigest())
        width = max(2, len(str(len(subs))))
        for number, sub in enumerate(order, start=1):
            sub.label = f"Student {number:0{width}d}"
        return
    seen: Counter[str] = Counter(s.name or Path(s.file).stem for s in subs)
    for sub in subs:
        base = sub.name or Path(sub.file).stem
        sub.label = base if seen[base] == 1 else f"{base} ({sub.file})"


# --------------------------------------------------------------------------------------------
# Figures


@dataclass
class ExerciseFigures:
    """The class's figures for one exercise."""

    tried: int = 0
    right: int = 0
    partly: int = 0
    saved: int = 0
    last_wrong: int = 0
    hint_students: int = 0
    hints: int = 0
    shown: int = 0
    tries: list[tuple[int, bool]] = field(default_factory=list)  # (tries, right in the end)
    wrong: Counter[str] = field(default_factory=Counter)
    diagnosis: dict[str, str] = field(default_factory=dict)


def _tried(entry: dict[str, Any]) -> bool:
    """Tried means an answer was checked (as the progress panel counts), not only revealed."""
    best = entry.get("best_status")
    return best in RANK and best not in ("revealed", "invalid")


def _short(text: str, limit: int = ANSWER_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_answer(ex: Any, answer: Any) -> str:
    """Return an answer as a teacher reads it: options in quotes, an order, wrong pairs."""
    if ex.kind in ("select_all",) and isinstance(answer, list):
        return " + ".join(f"“{_short(a, 60)}”" for a in answer) if answer else "(none ticked)"
    if ex.kind == "ordering":
        order = answer
        if isinstance(answer, dict):
            try:
                order = [k for k, _ in sorted(answer.items(), key=lambda kv: int(kv[1]))]
            except (TypeError, ValueError):
                order = list(answer)
        if isinstance(order, list):
            return _short(" ".join(f"{n}. {_short(str(i), 40)}" for n, i in
                                   enumerate(order, start=1)), 600)
    if ex.kind == "matching" and isinstance(answer, dict):
        right = dict(ex.pairs)
        wrong = [f"{_short(k, 40)} → {_short(str(v), 50)}" for k, v in answer.items()
                 if right.get(k) != v]
        return _short("; ".join(wrong), 600) if wrong else "(all pairs right)"
    if ex.kind in ("single_choice", "text"):
        return f"“{_short(answer)}”"
    if ex.kind in ("number", "data") and isinstance(answer, str) and _PLAIN.fullmatch(answer):
        answer = float(answer)  # a CSV holds as text what a JSON export holds as a number
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    return _short(json.dumps(answer, ensure_ascii=False) if isinstance(answer, (list, dict))
                  else str(answer))


def _diagnose(ex: Any, answer: Any) -> str:
    """Return what the course's grading tells a student who gives this answer ('' if none)."""
    from helpers.exercises import session
    from helpers.exercises.grading import grade

    try:
        result = grade(ex, answer, session.target(ex))
    except Exception:  # one odd answer must never stop the report
        return ""
    return _short(result.message, 300)


def exercise_figures(subs: list[Submission], bank: Any) -> dict[str, ExerciseFigures]:
    """Return the figures of every exercise in the bank over the counted students."""
    figures = {ex_id: ExerciseFigures() for ex_id in bank.exercises}
    for sub in subs:
        for ex_id, entry in sub.entries.items():
            fig = figures.get(ex_id)
            if fig is None:
                continue
            ex = bank.exercises[ex_id]
            if _tried(entry):
                fig.tried += 1
                fig.tries.append((entry["tries"], entry["best_status"] == "correct"))
            fig.right += entry["best_status"] == "correct"
            fig.partly += entry["best_status"] == "partial"
            fig.saved += entry["best_status"] == "recorded"
            fig.hints += entry["hints_used"]
            fig.hint_students += entry["hints_used"] > 0
            fig.shown += entry["revealed"]
            if entry["status"] in ("incorrect", "partial"):
                fig.last_wrong += 1
                shown = render_answer(ex, entry["answer"])
                fig.wrong[shown] += 1
                if shown not in fig.diagnosis:
                    fig.diagnosis[shown] = _diagnose(ex, entry["answer"])
    return figures


def student_totals(sub: Submission, bank: Any) -> dict[str, Any]:
    """Return one student's totals over the course's exercises."""
    known = {k: e for k, e in sub.entries.items() if k in bank.exercises}
    tried = [e for e in known.values() if _tried(e)]
    total = sum(e["score"] for e in known.values())
    out_of = len(bank.exercises)
    return {"exercises_tried": len(tried),
            "exercises_right": sum(e["best_status"] == "correct" for e in known.values()),
            "hints_used": sum(e["hints_used"] for e in known.values()),
            "answers_shown": sum(e["revealed"] for e in known.values()),
            "total_score": round(total, 2), "out_of": out_of,
            "percent": round(100 * total / out_of, 1) if out_of else 0.0}


# --------------------------------------------------------------------------------------------
# Output: a tiny document model rendered as Markdown and as HTML


def _md(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text))
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


class Doc:
    """Blocks of a report, written out as Markdown and as a self-contained HTML page."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Any, ...]] = []

    def h(self, level: int, text: str, code: str = "") -> None:
        self.blocks.append(("h", level, text, code))

    def p(self, text: str, code: Sequence[str] = ()) -> None:
        """A paragraph; each ``{}`` in ``text`` is filled with the next ``code`` item."""
        self.blocks.append(("p", text, tuple(code)))

    def ul(self, items: Sequence[str]) -> None:
        self.blocks.append(("ul", tuple(items)))

    def table(self, head: Sequence[str], rows: Sequence[Sequence[Any]],
              code_first: bool = False) -> None:
        self.blocks.append(("table", tuple(head), [tuple(r) for r in rows], code_first))

    def img(self, path: str, alt: str, png: bytes) -> None:
        self.blocks.append(("img", path, alt, png))

    def markdown(self) -> str:
        out = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                _, level, text, code = block
                title = _md(text) + (f" `{code}`" if code else "")
                out.append(f"{'#' * level} {title}")
            elif kind == "p":
                _, text, code = block
                parts = text.split("{}")
                line = _md(parts[0]) + "".join(f"`{c}`" + _md(rest)
                                               for c, rest in zip(code, parts[1:], strict=True))
                out.append(line)
            elif kind == "ul":
                out.append("\n".join(f"* {_md(item)}" for item in block[1]))
            elif kind == "table":
                _, head, rows, code_first = block
                lines = ["| " + " | ".join(_md(h) for h in head) + " |",
                         "|" + "|".join("---" for _ in head) + "|"]
                for row in rows:
                    cells = [_md(c) for c in row]
                    if code_first and cells:
                        cells[0] = f"`{row[0]}`"
                    lines.append("| " + " | ".join(cells) + " |")
                out.append("\n".join(lines))
            else:
                _, path, alt, _ = block
                out.append(f"![{_md(alt)}]({path})")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        e = html.escape
        body = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                _, level, text, code = block
                extra = f" <code>{e(code)}</code>" if code else ""
                body.append(f"<h{level}>{e(text)}{extra}</h{level}>")
            elif kind == "p":
                _, text, code = block
                parts = text.split("{}")
                body.append("<p>" + e(parts[0]) + "".join(
                    f"<code>{e(c)}</code>{e(rest)}"
                    for c, rest in zip(code, parts[1:], strict=True)) + "</p>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                _, head, rows, code_first = block
                cells = "".join(f"<th scope='col'>{e(str(h))}</th>" for h in head)
                trs = []
                for row in rows:
                    first = f"<code>{e(str(row[0]))}</code>" if code_first else e(str(row[0]))
                    rest = "".join(f"<td>{e(str(c))}</td>" for c in row[1:])
                    trs.append(f"<tr><th scope='row'>{first}</th>{rest}</tr>")
                body.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(trs)}"
                            "</tbody></table>")
            else:
                _, _, alt, png = block
                data = base64.b64encode(png).decode("ascii")
                body.append(f"<figure><img src=\"data:image/png;base64,{data}\" "
                            f"alt=\"{e(alt, quote=True)}\"><figcaption>{e(alt)}</figcaption>"
                            "</figure>")
        style = ("body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;"
                 "padding:0 1rem;line-height:1.5;color:#222}table{border-collapse:collapse;"
                 "margin:1rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;"
                 "vertical-align:top}thead th{background:#eee}img{max-width:100%;height:auto}"
                 "figcaption{font-size:.9rem;color:#555}code{background:#f3f3f3;padding:0 .2rem}"
                 "@media print{h2{break-before:page}}")
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                f"<title>{e(title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")


# --------------------------------------------------------------------------------------------
# Charts


STACK = (("right", "Right", "#0072B2", ""), ("partly", "Partly right", "#56B4E9", "//"),
         ("saved", "Reflection saved", "#009E73", ".."),
         ("wrong", "Tried, not right", "#E69F00", "xx"), ("none", "Not tried", "#dddddd", ""))


def _chart_right(notebook: str, ids: list[str], bank: Any, figures: dict[str, ExerciseFigures],
                 students: int) -> tuple[bytes, str]:
    from helpers.plots import figure_png, finish, new_figure

    height = 1.2 + 0.42 * len(ids)
    fig, ax = new_figure(f"{notebook}: how many students got each exercise right",
                         size=(10, height), figure_title=True)
    labels = [_short(f"{i}  {bank.exercises[i].title}".strip(), 55) for i in ids]
    parts = {"right": [figures[i].right for i in ids],
             "partly": [figures[i].partly for i in ids],
             "saved": [figures[i].saved for i in ids],
             "wrong": [figures[i].tried - figures[i].right - figures[i].partly - figures[i].saved
                       for i in ids],
             "none": [students - figures[i].tried for i in ids]}
    y = list(range(len(ids)))
    left = [0] * len(ids)
    for key, name, colour, hatch in STACK:
        if key in ("partly", "saved") and not any(parts[key]):
            continue
        ax.barh(y, parts[key], left=left, label=name, color=colour, hatch=hatch,
                edgecolor="white", linewidth=0.6)
        left = [a + b for a, b in zip(left, parts[key], strict=True)]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(students, 1))
    ax.set_xlabel(f"Students (of {students})")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=10,
              borderaxespad=0.3)
    graded = [i for i in ids if bank.exercises[i].kind != "reflection"] or ids
    shares = sorted(graded, key=lambda i: (figures[i].right, i))
    low, high = shares[0], shares[-1]
    alt = (f"Horizontal stacked bar chart, one bar per exercise of {notebook}, showing how many "
           f"of the {students} students got it right, partly right, saved a reflection, tried "
           f"it without getting it right, or did not try it. Most often right: {high} "
           f"({figures[high].right} of {students}); least often right: {low} "
           f"({figures[low].right} of {students}).")
    finish(fig, source=CHART_SOURCE, alt=alt)
    return figure_png(fig), alt


def _chart_tries(figures: dict[str, ExerciseFigures], bank: Any) -> tuple[bytes, str] | None:
    from helpers.plots import figure_png, finish, new_figure

    tries = [(min(t, 5), right) for i, f in figures.items() for t, right in f.tries
             if t > 0 and bank.exercises[i].kind != "reflection"]
    if not tries:
        return None
    right = Counter(t for t, ok in tries if ok)
    not_right = Counter(t for t, ok in tries if not ok)
    fig, ax = new_figure("Tries per exercise, and whether the student got there", size=(8, 4.2))
    xs = [1, 2, 3, 4, 5]
    ax.bar(xs, [right[x] for x in xs], color="#0072B2", label="Right in the end")
    ax.bar(xs, [not_right[x] for x in xs], bottom=[right[x] for x in xs], color="#E69F00",
           hatch="xx", edgecolor="white", label="Not right (yet)")
    ax.set_xticks(xs, ["1", "2", "3", "4", "5 or more"])
    ax.set_xlabel("Tries at one exercise")
    ax.set_ylabel("Exercises tried, all students")
    for x in xs:
        total = right[x] + not_right[x]
        ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=10)
    ax.legend(loc="upper right")
    words = ", ".join(f"{right[x] + not_right[x]} with {x if x < 5 else '5 or more'} "
                      f"tr{'y' if x == 1 else 'ies'} ({right[x]} right in the end)" for x in xs)
    alt = (f"Stacked bar chart of the graded exercises (reflections left out) students tried, "
           f"by the number of tries: "
           f"{words}.")
    finish(fig, source=CHART_SOURCE, alt=alt)
    return figure_png(fig), alt


def _chart_students(shares: list[float]) -> tuple[bytes, str] | None:
    from helpers.plots import figure_png, finish, new_figure

    if not shares:
        return None
    bins = [0] * 10
    for share in shares:
        bins[min(int(share * 10), 9)] += 1
    fig, ax = new_figure("Students by share of exercises right", size=(8, 4))
    labels = [f"{10 * i}–{10 * i + 9}%" if i < 9 else "90–100%" for i in range(10)]
    ax.bar(range(10), bins, color="#009E73")
    ax.set_xticks(range(10), labels, rotation=30)
    ax.set_xlabel("Share of the graded exercises right (reflections left out)")
    ax.set_ylabel("Students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    busiest = max(range(10), key=lambda i: bins[i])
    alt = (f"Bar chart of the {len(shares)} students by the share of the course's graded "
           f"exercises (reflections left out) they got right, in bands of ten percent; the "
           f"most common band is {labels[busiest]} with {bins[busiest]} students. Lowest share "
           f"{min(shares):.0%}, highest {max(shares):.0%}.")
    finish(fig, source=CHART_SOURCE, alt=alt)
    return figure_png(fig), alt


# --------------------------------------------------------------------------------------------
# The report


def _write_csv(path: Path, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def build_report(folder: Path, out: Path, *, anonymous: bool = False,
                 roster: Roster | None = None) -> ClassData:
    """Read ``folder`` and write the report, gradebook and charts into ``out``."""
    from helpers.exercises.bank import load_bank
    from helpers.exercises.widgets import progress_rows

    bank = load_bank()
    data = read_folder(folder, set(bank.exercises))
    subs = data.submissions
    _labels(subs, anonymous, roster)
    subs.sort(key=lambda s: s.label.casefold())
    n = len(subs)
    figures = exercise_figures(subs, bank)
    by_notebook: dict[str, list[str]] = {}
    for ex in bank.exercises.values():
        by_notebook.setdefault(ex.notebook, []).append(ex.id)
    charts = out / "charts"
    charts.mkdir(parents=True, exist_ok=True)

    doc = Doc()
    doc.h(1, "Class report")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc.p(f"Made {now} from {n} student file{'s' if n != 1 else ''} "
          f"({len(data.skipped)} skipped, listed at the end)"
          + ("; names replaced by pseudonyms." if anonymous else "."))
    doc.p("Each file holds one student's best result per exercise, the number of tries, hints "
          "and answers shown, and the last answer given. So the wrong answers below are the "
          "last answers that were wrong when the student exported, not every slip along the "
          "way. 'Tried' counts exercises with a checked answer; an answer shown without a try "
          "is counted under 'answers shown' only. Reflections are not graded: a saved one counts "
          "as tried (never as right) and scores 1 in the gradebook.")
    totals = [student_totals(s, bank) for s in subs]
    doc.h(2, "Overview")
    overview = []
    for nb, ids in by_notebook.items():
        tried = sum(figures[i].tried for i in ids)
        right = sum(figures[i].right for i in ids)
        overview.append((nb, len(ids), tried, right,
                         f"{100 * right / tried:.0f}%" if tried else "–",
                         sum(figures[i].hints for i in ids),
                         sum(figures[i].shown for i in ids)))
    doc.table(("Notebook", "Exercises", "Exercises tried (all students)", "Right",
               "Right when tried", "Hints used", "Answers shown"), overview, code_first=True)
    graded = sum(ex.kind != "reflection" for ex in bank.exercises.values())
    for made, name in ((_chart_students([t["exercises_right"] / max(1, graded)
                                         for t in totals]), "students.png"),
                       (_chart_tries(figures, bank), "tries.png")):
        if made is not None:
            (charts / name).write_bytes(made[0])
            doc.img(f"charts/{name}", made[1], made[0])

    doc.h(2, "Exercises")
    for nb, ids in by_notebook.items():
        doc.h(3, "Notebook", nb)
        if n:
            png, alt = _chart_right(nb, ids, bank, figures, n)
            name = f"right-{nb}.png"
            (charts / name).write_bytes(png)
            doc.img(f"charts/{name}", alt, png)
        rows = []
        for i in ids:
            f = figures[i]
            reflection = bank.exercises[i].kind == "reflection"
            rows.append((i, _short(bank.exercises[i].title or bank.exercises[i].question, 70),
                         bank.exercises[i].kind.replace("_", " "), f"{f.tried} of {n}",
                         f"– ({f.saved} saved)" if reflection else f.right,
                         "–" if reflection else f.partly,
                         f"{f.hints} ({f.hint_students} student"
                         f"{'s' if f.hint_students != 1 else ''})", f.shown))
        doc.table(("Exercise", "Title", "Kind", "Tried", "Right", "Partly right",
                   "Hints used", "Answers shown"), rows, code_first=True)
        for i in ids:
            f = figures[i]
            if not f.wrong:
                continue
            ex = bank.exercises[i]
            doc.p(f"Most common wrong answers to {{}} ({ex.title or ex.kind}):", (i,))
            items = []
            for answer, count in f.wrong.most_common(TOP_WRONG):
                why = f.diagnosis.get(answer)
                items.append(f"{count} × {answer}" + (f" — the course tells them: {why}"
                                                      if why else ""))
            doc.ul(items)

    doc.h(2, "Students")
    doc.p("Tried, right, hints used and answers shown over the whole course, then right/tried "
          "in each notebook.")
    head = ["Student", "Tried", "Right", "Hints", "Answers shown", "Score",
            *by_notebook]
    rows = []
    for sub, tot in zip(subs, totals, strict=True):
        per_nb = {r["notebook"]: r for r in progress_rows(sub.entries, by_notebook)}
        rows.append((sub.label, tot["exercises_tried"], tot["exercises_right"],
                     tot["hints_used"], tot["answers_shown"],
                     f"{_fmt(tot['total_score'])} / {tot['out_of']}",
                     *(f"{per_nb[nb]['right']}/{per_nb[nb]['tried']}" for nb in by_notebook)))
    doc.table(head, rows)
    if roster is not None:
        counted = {_same_name(s.name) for s in subs}
        missing = [name for name in roster.names() if _same_name(name) not in counted]
        if missing and anonymous:
            doc.p(f"{len(missing)} student(s) on the --names list have no counted file.")
        elif missing:
            doc.p("On the --names list but with no counted file (not handed in, or skipped):")
            doc.ul(missing)
    unknown = [s for s in subs if s.unknown]
    if unknown:
        doc.p("Answers to exercises that are not in this version of the course (inline "
              "exercises, or exercises since removed) are not counted:")
        doc.ul([f"{s.label}: {len(s.unknown)} answer{'s' if len(s.unknown) != 1 else ''}"
                for s in unknown])

    doc.h(2, "Skipped files")
    if data.skipped:
        doc.p("These files were not counted; the rest were. Ask the student to export again "
              "from the progress panel and hand in the file unchanged.")
        skipped_rows = []
        for number, skip in enumerate(sorted(data.skipped, key=lambda s: _sort_key(
                Path(s.file))), start=1):
            if anonymous:
                who = f"file {number} (SHA-256 {skip.digest[:12] or 'unknown'})"
                reason = _anonymise_reason(skip.reason, data, folder)
            else:
                who, reason = skip.file, skip.reason
            skipped_rows.append((who, reason))
        doc.table(("File", "Why it was skipped"), skipped_rows, code_first=not anonymous)
    else:
        doc.p("None: every file was counted.")

    doc.h(2, "About gradebook.csv")
    doc.p("One row per student, one column per exercise headed by its id, holding the "
          "student's best score from 0 to 1 (empty: not tried), then the totals "
          + ", ".join(TOTAL_COLUMNS) + ". Import it into your learning-management system as a "
          "CSV (UTF-8, comma-separated); match students on the 'student' column.")

    (out / "report.md").write_text(doc.markdown(), encoding="utf-8")
    (out / "report.html").write_text(doc.html("Class report"), encoding="utf-8")
    _write_gradebook(out / "gradebook.csv", subs, totals, bank, anonymous,
                     roster is not None and roster.has_ids and not anonymous)
    _write_csv(out / "exercises.csv", EXERCISE_COLUMNS, [
        (bank.exercises[i].notebook, i, bank.exercises[i].title, bank.exercises[i].kind, n,
         f.tried, f.right, f.partly, f.saved, f.last_wrong, f.hint_students, f.hints, f.shown,
         f"{sum(t for t, _ in f.tries) / len(f.tries):.2f}" if f.tries else "",
         *(f.wrong.most_common(1)[0] if f.wrong else ("", "")))
        for i, f in figures.items()])
    return data


def _anonymise_reason(reason: str, data: ClassData, folder: Path) -> str:
    """Remove file names and student names from a skip reason."""
    names = {s.file for s in data.skipped} | {s.file for s in data.submissions} | {
        n for s in data.submissions for n in (s.name, s.typed) if n}
    for name in sorted(names, key=len, reverse=True):
        reason = re.sub(re.escape(name), "another file" if "." in name else "a student", reason,
                        flags=re.IGNORECASE)
    return reason


def _write_gradebook(path: Path, subs: list[Submission], totals: list[dict[str, Any]],
                     bank: Any, anonymous: bool, with_ids: bool = False) -> None:
    ids = list(bank.exercises)
    head = ["student", *(["id"] if with_ids else []), *([] if anonymous else ["file"]), *ids,
            *TOTAL_COLUMNS]
    rows = []
    for sub, tot in zip(subs, totals, strict=True):
        scores = [_fmt(round(sub.entries[i]["score"], 2)) if i in sub.entries else ""
                  for i in ids]
        rows.append([sub.label, *([sub.lms_id] if with_ids else []),
                     *([] if anonymous else [sub.file]), *scores,
                     *(tot[c] for c in TOTAL_COLUMNS)])
    _write_csv(path, head, rows)


# --------------------------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def _check_arguments(folder: Path, out: Path) -> None:
    if not folder.exists():
        raise UsageError(f"the folder {folder} does not exist; give the folder where you "
                         "collected the students' files.")
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; give the folder that holds the students' "
                         "files, not one file.")
    if not any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir()):
        raise UsageError(f"the folder {folder} is empty: there are no files to read.")
    real_folder, real_out = folder.resolve(), out.resolve()
    if real_out == real_folder or real_folder in real_out.parents:
        raise UsageError(f"--out {out} is inside the folder {folder} that is read; write the "
                         "report somewhere else, e.g. next to it.")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder; give a folder for the report.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".class-report-{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out} ({exc.strerror or exc}); choose a "
                         "folder you can write to.") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; return 0 when the report is written, 1 when no file could be counted.

    Bad arguments end with a message and exit status 2.
    """
    parser = _Parser(prog="python -m helpers.class_report", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, metavar="FOLDER",
                        help="the folder of exported answer files (CSV and JSON); only read")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT",
                        help="folder to write report.html, report.md, gradebook.csv, "
                             "exercises.csv and charts/ into (created if need be)")
    parser.add_argument("--anonymous", action="store_true",
                        help="call the students Student 01, Student 02... everywhere")
    parser.add_argument("--names", type=Path, metavar="ROSTER.csv",
                        help="optional CSV with columns name, file and/or student, and id: the "
                             "name to use for each file or typed name, and the student's id in "
                             "your learning-management system (an 'id' column in the gradebook)")
    args = parser.parse_args(argv)
    try:
        _check_arguments(args.folder, args.out)
        roster = read_roster(args.names) if args.names is not None else None
        data = build_report(args.folder, args.out, anonymous=args.anonymous, roster=roster)
    except UsageError as exc:
        parser.error(str(exc))
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the report ({exc.strerror or exc}).", file=sys.stderr)
        return 1
    n, k = len(data.submissions), len(data.skipped)
    print(f"Counted {n} student file{'s' if n != 1 else ''}, skipped {k}. Report: "
          f"{args.out / 'report.html'} (and report.md); gradebook: "
          f"{args.out / 'gradebook.csv'}.")
    if not data.submissions:
        print("No file could be counted; see 'Skipped files' in the report.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
