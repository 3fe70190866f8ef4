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


def _read_file(path: Path) -> tuple[object, Problem | None]:
    rel = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Problem(rel, f"the file is {size:,} bytes; an exercise file should be "
                                 f"far smaller than {MAX_FILE_BYTES:,}. Is it the right file?")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None, Problem(rel, "the file does not exist.")
    except UnicodeDecodeError as exc:
        return None, Problem(rel, f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8.")
    except OSError as exc:
        return None, Problem(rel, f"the file cannot be read: {exc.strerror or exc}.")
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, Problem(rel, f"not valid TOML: {exc}. Check the quotes, brackets and "
                             "commas on that line and the one before.")
    except ValueError:  # a whole number of more than 4,300 digits
        return None, Problem(rel, "a number in the file is too long to read (thousands of "
                             "digits); numbers here have at most 15 digits.")
    except RecursionError:
        return None, Problem(rel, "the file nests brackets too deeply to be read; an exercise "
                             "needs at most a list of tables.")


def _build(paths: Sequence[Path]) -> Bank:
    bank = Bank()
    source_ids, problems = _source_ids()
    bank.problems.extend(problems)
    where: dict[str, str] = {}
    for path in paths:
        rel = display_path(path)
        bank.files.append(rel)
        doc, problem = _read_file(path)
        if problem is not None:
            bank.problems.append(problem)
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
    if found is not None:
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
