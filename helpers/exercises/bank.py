"""The exercise bank: every exercise file under ``data/exercises/``, loaded, checked and indexed.

:func:`load_bank` reads each ``NN_slug.toml`` file with the standard library's TOML reader, checks
every exercise against the schema (:mod:`helpers.exercises.schema`) and the source list, and keeps
the good exercises by id. It is cached until a file changes on disk. :func:`validate` does the same
for any list of files and adds the checks that need the data (that each ``answer_from`` recipe
computes); it returns every problem found, each naming file, exercise id and field, which is what
``python -m helpers.exercises`` prints.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpers.errors import CourseError, DataError, UsageError
from helpers.exercises.schema import Exercise, Problem, parse_document
from helpers.exercises.seal import is_sealed, unseal_document
from helpers.paths import data_dir

EXERCISE_FOLDER = "exercises"
#: Largest exercise file accepted; a course file is a few tens of kilobytes.
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class Bank:
    """The exercises of a set of files: good ones by id, problems, and ids that have problems."""

    exercises: dict[str, Exercise] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    broken: dict[str, list[Problem]] = field(default_factory=dict)


def exercise_dir() -> Path:
    """Return the folder of exercise files, ``data/exercises/``."""
    return data_dir() / EXERCISE_FOLDER


def exercise_files() -> list[Path]:
    """Return the exercise files in reading order (``00_….toml`` first)."""
    folder = exercise_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if not p.name.startswith(("_", ".")))


def display_path(path: Path) -> str:
    """Return the path as messages show it: ``data/exercises/02_doha.toml`` inside the data."""
    try:
        return "data/" + path.resolve().relative_to(data_dir().resolve()).as_posix()
    except (ValueError, DataError):
        return str(path)


def _source_ids() -> tuple[set[str] | None, list[Problem]]:
    from helpers.data import load_table

    try:
        ids = load_table("sources")["id"].dropna()
    except CourseError as exc:
        return None, [Problem("data/sources.csv", f"source ids cannot be checked: {exc}")]
    return {str(i) for i in ids}, []


def _read_file(path: Path) -> tuple[object, list[Problem]]:
    """Return the parsed file and its problems; a slip inside one exercise spares the others."""
    rel = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(rel, f"the file is {size:,} bytes; an exercise file should be "
                                  f"far smaller than {MAX_FILE_BYTES:,}. Is it the right file?")]
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(rel, "the file does not exist.")]
    except OSError as exc:
        return None, [Problem(rel, f"the file cannot be read: {exc.strerror or exc}.")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(rel, "the file is saved as UTF-16; save it as UTF-8 (in most "
                              "editors: Save As, Encoding: UTF-8).")]
    try:
        return tomllib.loads(raw.decode("utf-8-sig")), []
    except UnicodeDecodeError as exc:
        whole = Problem(rel, f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8.")
    except tomllib.TOMLDecodeError as exc:
        whole = Problem(rel, f"not valid TOML: {exc}. Check the quotes, brackets and "
                        "commas on that line and the one before.")
    except ValueError:  # a whole number of more than 4,300 digits
        return None, [Problem(rel, "a number in the file is too long to read (thousands of "
                              "digits); numbers here have at most 15 digits.")]
    except RecursionError:
        return None, [Problem(rel, "the file nests brackets too deeply to be read; an "
                              "exercise needs at most a list of tables.")]
    salvaged = _salvage(raw, rel)
    return salvaged if salvaged is not None else (None, [whole])


_HEADER = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t]*\[\[[ \t]*exercise[ \t]*\]\][ \t]*(?:#.*)?$")
_KEY = re.compile(r"^[\ufeff \t]*([A-Za-z0-9_-]+)[ \t]*=")
_SUBTABLE = re.compile(r"^[\ufeff \t]*\[\[?[ \t]*exercise\.([A-Za-z0-9_-]+)")
_ID = re.compile(r"^[\ufeff \t]*id[ \t]*=[ \t]*[\"']([^\"'\n]*)", re.MULTILINE)


def _field_at(lines: list[str], index: int) -> str | None:
    """Return the field a line of an exercise belongs to: the key on or before it, else after."""
    def key(i: int) -> str | None:
        found = _KEY.match(lines[i])
        if not found:
            return None
        for j in range(i, -1, -1):  # a key under [[exercise.options]] is an option's field
            sub = _SUBTABLE.match(lines[j])
            if sub:
                return f"{sub.group(1)}.{found.group(1)}"
        return found.group(1)

    index = max(0, min(index, len(lines) - 1))
    for i in [*range(index, -1, -1), *range(index + 1, len(lines))]:
        name = key(i)
        if name is not None:
            return name
    return None


def _salvage(raw: bytes, rel: str) -> tuple[dict, list[Problem]] | None:
    """Read a file that does not parse one ``[[exercise]]`` at a time.

    Each exercise is decoded and parsed on its own (padded with blank lines so that line numbers
    stay those of the file), so a slip is reported against its exercise and field and the
    file's other exercises still load. Returns None when the slip is not inside an exercise.
    """
    lines = raw.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line.rstrip(b"\r\n"))]
    if not starts:
        return None
    bounds = [(0, starts[0]), *zip(starts, [*starts[1:], len(lines)], strict=True)]
    doc: dict = {}
    exercises: list[object] = []
    problems: list[Problem] = []
    for number, (first, end) in enumerate(bounds):
        chunk = b"".join(lines[first:end])
        loose = chunk.decode("utf-8", errors="replace").lstrip("\ufeff")
        text_lines = loose.splitlines()
        found = _ID.search(loose)
        label = found.group(1).strip() if found and found.group(1).strip() else \
            f"#{number} (no id)"
        try:
            text = chunk.decode("utf-8-sig" if first == 0 else "utf-8")
        except UnicodeDecodeError as exc:
            if number == 0:
                return None
            line = chunk[:exc.start].count(b"\n")
            problems.append(Problem(rel, f"line {first + line + 1} is not UTF-8 (a byte that "
                                    "no UTF-8 text has); save the file as UTF-8 and retype "
                                    "any letter that looks wrong.", label,
                                    _field_at(text_lines, line)))
            continue
        if number and "\ufeff" in text:
            row = text[:text.index("\ufeff")].count("\n")
            problems.append(Problem(rel, f"line {first + row + 1} holds an invisible byte-order "
                                    "mark (U+FEFF), often left where two files were pasted "
                                    "together; delete that line's first character or retype "
                                    "it.", label, _field_at(text_lines, row)))
            continue
        try:
            part = tomllib.loads("\n" * first + text)
        except tomllib.TOMLDecodeError as exc:
            if number == 0:
                return None
            at = re.search(r"at line (\d+)", str(exc))
            row = int(at.group(1)) - 1 - first if at else 0
            problems.append(Problem(rel, f"not valid TOML: {exc}. Check the quotes, brackets "
                                    "and commas on that line and the one before.", label,
                                    _field_at(text_lines, row)))
            continue
        except Exception:  # numbers too long, nesting too deep: leave it to the whole-file message
            return None
        for key, value in part.items():
            if key == "exercise" and isinstance(value, list):
                exercises.extend(value)
            else:
                doc[key] = value
    if not problems:
        return None
    doc["exercise"] = exercises
    return doc, problems


def _build(paths: Sequence[Path]) -> Bank:
    bank = Bank()
    source_ids, problems = _source_ids()
    bank.problems.extend(problems)
    where: dict[str, str] = {}
    for path in paths:
        rel = display_path(path)
        bank.files.append(rel)
        doc, read_problems = _read_file(path)
        for problem in read_problems:
            bank.problems.append(problem)
            if problem.exercise is not None:
                bank.broken.setdefault(problem.exercise, []).append(problem)
        if doc is None or (read_problems and not doc.get("exercise")):  # type: ignore[union-attr]
            continue
        sealed = is_sealed(doc)
        if sealed:  # a student release: unseal, then parse exactly as an instructor's file
            doc, found = unseal_document(doc, file=rel, stem=path.stem)
            bank.problems.extend(found)
            if doc is None:
                continue
        try:
            exercises, found = parse_document(doc, file=rel, notebook=path.stem,
                                              source_ids=source_ids)
        except Exception as exc:  # one file must never stop the others
            bank.problems.append(Problem(rel, f"the file could not be checked "
                                         f"({type(exc).__name__}: {str(exc)[:200]}); fix the "
                                         "last exercise you changed, or report this."))
            continue
        bank.problems.extend(found)
        for problem in found:
            if problem.exercise is not None:
                bank.broken.setdefault(problem.exercise, []).append(problem)
        for parsed in exercises:
            exercise = dataclasses.replace(parsed, sealed=True) if sealed else parsed
            if exercise.id in where:
                dup = Problem(rel, f"the id is also used in {where[exercise.id]}; ids must be "
                              "unique across the course.", exercise.id, "id")
                bank.problems.append(dup)
                bank.broken.setdefault(exercise.id, []).append(dup)
                continue
            where[exercise.id] = rel
            bank.exercises[exercise.id] = exercise
    return bank


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in paths:
        try:
            stat = path.stat()
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((str(path), -1, -1))
    return tuple(out)


@lru_cache(maxsize=4)
def _cached_bank(stamp: tuple[tuple[str, int, int], ...]) -> Bank:
    return _build([Path(p) for p, _, _ in stamp[:-1]])


def load_bank() -> Bank:
    """Return the bank of every file in ``data/exercises/``, re-read when a file changes."""
    paths = exercise_files()
    return _cached_bank(_stamp([*paths, data_dir() / "sources.csv"]))


def _data_problems(bank: Bank) -> list[Problem]:
    """Check that every answer_from recipe computes and that listed slips can be told apart."""
    from helpers.exercises.answers import slip_problems, target_for

    problems = []
    for exercise in bank.exercises.values():
        if exercise.kind not in ("number", "data"):
            continue
        try:
            target = target_for(exercise)
        except CourseError as exc:
            problems.append(Problem(exercise.file, str(exc), exercise.id, "answer_from"))
            continue
        except Exception as exc:  # one recipe must never stop the others
            problems.append(Problem(exercise.file, f"cannot be computed ({type(exc).__name__}: "
                                    f"{str(exc)[:200]}).", exercise.id, "answer_from"))
            continue
        problems.extend(Problem(exercise.file, text, exercise.id, "mistakes")
                        for text in slip_problems(exercise, target))
    return problems


def validate(paths: Sequence[str | Path] | None = None) -> list[Problem]:
    """Return every problem in the given exercise files (default: all of ``data/exercises/``).

    Checks each file's TOML syntax, each exercise against the schema, that every source id
    resolves in ``data/sources.csv``, that ids are unique, and that every ``answer_from`` recipe
    computes on the current data. An empty list means the files are clean.
    """
    if paths is None:
        chosen = exercise_files()
        if not chosen:
            return [Problem(f"data/{EXERCISE_FOLDER}", "there are no exercise files (*.toml).")]
    else:
        if isinstance(paths, (str, Path)):
            raise UsageError("validate() takes a list of file paths, not one path; wrap it in "
                             "brackets: validate([path]).")
        chosen = [Path(p) for p in paths]
    return check_files(chosen)[1]


def check_files(paths: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Return the bank of these files and all their problems, data checks included."""
    bank = _build(list(paths))
    return bank, bank.problems + _data_problems(bank)


def get_exercise(exercise_id: str) -> Exercise:
    """Return the exercise with this id from ``data/exercises/``, or say clearly why not."""
    if not isinstance(exercise_id, str):
        raise UsageError(f"an exercise id is text such as '02-signatories', not "
                         f"{type(exercise_id).__name__}.")
    bank = load_bank()
    found = bank.exercises.get(exercise_id)
    if found is not None and exercise_id not in bank.broken:
        return found
    if exercise_id in bank.broken:
        lines = "\n".join(f"  {p}" for p in bank.broken[exercise_id])
        raise DataError(f"exercise '{exercise_id}' cannot be shown until its file is fixed:\n"
                        f"{lines}\nRun `python -m helpers.exercises` to check every file.")
    unreadable = _unreadable_files(bank, exercise_id)
    if unreadable:
        lines = "\n".join(f"  {p}" for p in unreadable)
        raise DataError(f"exercise '{exercise_id}' cannot be shown: the exercise file it would "
                        f"be in cannot be read:\n{lines}\nFix the file, then run "
                        "`python -m helpers.exercises` to check every file.")
    close = difflib.get_close_matches(exercise_id, list(bank.exercises), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    if not bank.files:
        hint += f" There are no exercise files in data/{EXERCISE_FOLDER}/."
    raise DataError(f"there is no exercise '{exercise_id}' in data/{EXERCISE_FOLDER}/.{hint}")


def file_problems(exercise_id: str) -> list[Problem]:
    """Return why an exercise that the files define cannot be shown (empty if it can be, or if
    no file defines it): its own problems, or those of the file it would be in."""
    if not isinstance(exercise_id, str):
        return []
    bank = load_bank()
    if exercise_id in bank.broken:
        return list(bank.broken[exercise_id])
    if exercise_id in bank.exercises:
        return []
    return _unreadable_files(bank, exercise_id)


def _unreadable_files(bank: Bank, exercise_id: str) -> list[Problem]:
    """Return the problems of the files an id's number points to (``02-…``) that can hide an
    exercise: the file cannot be read, or (student release) an exercise cannot be unsealed."""
    prefix = exercise_id[:3]
    if len(prefix) < 3 or not prefix[:2].isdigit() or prefix[2] != "-":
        return []
    return [p for p in bank.problems if (p.exercise is None or p.field == "sealed")
            and p.file.startswith("data/") and Path(p.file).name.startswith(prefix[:2] + "_")]


def exercises_by_notebook() -> dict[str, list[str]]:
    """Return the ids of the bank's exercises grouped by notebook (file stem), in file order."""
    grouped: dict[str, list[str]] = {}
    for exercise in load_bank().exercises.values():
        grouped.setdefault(exercise.notebook, []).append(exercise.id)
    return grouped
