"""The student release (python -m helpers.release): hidden answers, same grading, nbval.

The release is built once per test session (the ``release`` fixture), because building it runs
every notebook. The search for answers is defined in :func:`test_no_answer_text_in_release` and
:func:`test_no_answer_number_in_banks_or_exercise_outputs`.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.errors import DataError
from helpers.exercises import bank as bank_module
from helpers.exercises.answers import target_for
from helpers.exercises.grading import format_number, grade, reveal
from helpers.exercises.render import exercise_html, exercise_text, shown_order
from helpers.exercises.schema import Exercise
from helpers.exercises.seal import (
    seal_exercise,
    sealed_file_text,
    unseal_exercise,
)
from helpers.paths import PROJECT_DIR
from helpers.release import (
    INSTRUCTOR_MODULES,
    MARKER,
    build_release,
    check_outdir,
    kept,
    main,
    release_files,
    strip_instructor_cells,
)

SALT = "test-release-salt"
SOURCE_BANKS = sorted((PROJECT_DIR / "data" / "exercises").glob("[0-9][0-9]_*.toml"))


def _git_state() -> str:
    out = subprocess.run(["git", "-C", str(PROJECT_DIR), "status", "--porcelain",
                          "--untracked-files=all"], capture_output=True, text=True, check=True)
    return out.stdout


def _source_snapshot() -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in [*SOURCE_BANKS,
                                            *sorted((PROJECT_DIR / "notebooks").glob("*.ipynb"))]}


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The student release, built once for the whole session; the checkout is left unchanged."""
    before_git, before = _git_state(), _source_snapshot()
    out = tmp_path_factory.mktemp("release") / "student"
    build_release(out, salt=SALT)
    assert _git_state() == before_git
    assert _source_snapshot() == before
    yield out


@pytest.fixture(scope="session")
def banks(release: Path) -> tuple[dict[str, Exercise], dict[str, Exercise]]:
    """The instructor bank and the release's bank (unsealed in memory), by id."""
    source = bank_module.check_files(SOURCE_BANKS)
    paths = sorted((release / "data" / "exercises").glob("*.toml"))
    sealed = bank_module.check_files(paths)
    assert source[1] == [] and sealed[1] == []
    return source[0].exercises, sealed[0].exercises


def _raw_exercises() -> list[dict[str, Any]]:
    out = []
    for path in SOURCE_BANKS:
        out += tomllib.loads(path.read_text(encoding="utf-8"))["exercise"]
    return out


# --------------------------------------------------------------------------------------------
# Sealing


def test_seal_round_trip_for_every_exercise_in_the_bank() -> None:
    raws = _raw_exercises()
    assert len(raws) >= 60
    for index, raw in enumerate(raws):
        sealed = seal_exercise(raw, SALT, f"file#{index}")
        assert set(sealed) == {"kind", "sealed"}
        assert re.fullmatch(r"[a-p]+", sealed["sealed"])
        assert unseal_exercise(sealed, SALT, f"file#{index}") == raw


def test_salt_changes_the_sealed_text_and_is_needed_to_unseal() -> None:
    raw = _raw_exercises()[0]
    one, other = seal_exercise(raw, SALT, "f#1"), seal_exercise(raw, "another-salt-1", "f#1")
    assert one["sealed"] != other["sealed"]
    assert seal_exercise(raw, SALT, "f#1") == one  # the same salt gives the same file
    assert seal_exercise(raw, SALT, "f#2") != one  # each place has its own key
    with pytest.raises(DataError, match="does not match this release's salt"):
        unseal_exercise(one, "another-salt-1", "f#1")
    with pytest.raises(DataError, match="does not match this release's salt"):
        unseal_exercise(one, SALT, "f#2")


def test_damaged_sealed_exercise_is_reported_and_the_others_still_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tomllib.loads(SOURCE_BANKS[2].read_text(encoding="utf-8"))
    stem = SOURCE_BANKS[2].stem
    text = sealed_file_text(doc, SALT, stem=stem)
    first = doc["exercise"][0]["id"]
    sealed = seal_exercise(doc["exercise"][0], SALT, f"{stem}#1")["sealed"]
    damaged = sealed[:40] + ("a" if sealed[40] != "a" else "b") + sealed[41:]
    data = tmp_path / "data"
    shutil.copytree(PROJECT_DIR / "data", data, ignore=shutil.ignore_patterns("exercises"))
    (data / "exercises").mkdir()
    path = data / "exercises" / SOURCE_BANKS[2].name
    path.write_text(text.replace(sealed, damaged), encoding="utf-8")
    monkeypatch.setenv("AFG_COURSE_DATA", str(data))
    bank, problems = bank_module.check_files([path])
    assert [(p.exercise, p.field) for p in problems] == [("#1", "sealed")]
    assert str(problems[0]).startswith(f"data/exercises/{stem}.toml: exercise '#1', field")
    assert "Rebuild the student release" in str(problems[0])
    assert first not in bank.exercises
    assert len(bank.exercises) == len(doc["exercise"]) - 1
    with pytest.raises(DataError, match="cannot be shown") as raised:
        bank_module.get_exercise(first)
    assert "cannot be unsealed" in str(raised.value) or "does not match" in str(raised.value)
    assert bank_module.get_exercise(doc["exercise"][1]["id"]).sealed


def test_damaged_salt_is_reported_for_the_file(tmp_path: Path) -> None:
    doc = tomllib.loads(SOURCE_BANKS[0].read_text(encoding="utf-8"))
    text = sealed_file_text(doc, SALT, stem=SOURCE_BANKS[0].stem)
    path = tmp_path / SOURCE_BANKS[0].name
    path.write_text(re.sub(r'(?m)^salt = "[a-p]+"', 'salt = "xyz1"', text), encoding="utf-8")
    bank, problems = bank_module.check_files([path])
    assert bank.exercises == {}
    assert len(problems) == 1 and "field 'salt'" in str(problems[0])
    assert "Rebuild the student release" in str(problems[0])


def test_sealed_static_rendering_leaves_out_the_choices() -> None:
    source = bank_module.check_files(SOURCE_BANKS)[0].exercises
    for ex in source.values():
        if ex.kind not in ("single_choice", "select_all", "ordering", "matching"):
            continue
        sealed = dataclasses.replace(ex, sealed=True)
        shown = exercise_text(sealed) + exercise_html(sealed)
        assert ex.question.split("\n")[0][:40] in html.unescape(shown)
        texts = [o.text for o in ex.options] + list(ex.items) + \
            [r for _, r in ex.pairs] + list(ex.distractors)
        asked = (ex.question + ex.title).casefold()  # "Evidence, claim or speculation?"
        for text in texts:
            if text.casefold() not in asked:
                assert text not in html.unescape(shown), (ex.id, text)
        # the instructor version still shows them
        assert all(t in html.unescape(exercise_text(ex) + exercise_html(ex)) for t in texts)


# --------------------------------------------------------------------------------------------
# Files and instructor cells


def test_instructor_cells_are_removed() -> None:
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "For students"},
        {"cell_type": "markdown", "metadata": {"tags": ["instructor"]}, "source": "Teacher note"},
        {"cell_type": "code", "metadata": {"tags": ["hide-input", "instructor"]}, "source": "x"},
        {"cell_type": "code", "metadata": {"tags": ["instructors-only"]}, "source": "y"},
    ]}
    assert strip_instructor_cells(nb) == 2
    assert [c["source"] for c in nb["cells"]] == ["For students", "y"]


@pytest.mark.parametrize(("path", "expected"), [
    ("notebooks/02_doha.ipynb", True),
    ("data/timeline.csv", True),
    ("data/exercises/02_doha.toml", True),
    ("helpers/exercises/grading.py", True),
    ("README.md", True),
    ("LICENSE-CONTENT.md", True),
    ("requirements.txt", True),
    ("docs/accessibility.md", True),
    ("tests/test_release.py", False),
    ("tests/nbval_sanitize.cfg", False),
    ("benchmarks/bench_notebooks.py", False),
    (".ci/run", False),
    ("docs/instructor-guide.md", False),
    ("docs/answer-key/02_doha.md", False),
    ("docs/answer-key.csv", False),
    ("data/exercises/README.md", False),
    ("data/build/build_open_data.py", False),
    ("notebooks/instructor_notes.ipynb", False),
    ("helpers/__pycache__/x.pyc", False),
    ("helpers/answer_key.py", False),
    ("helpers/class_report.py", False),
    ("helpers/release.py", False),
])
def test_which_files_a_student_copy_keeps(path: str, expected: bool) -> None:
    assert kept(path) is expected


def test_release_holds_what_a_student_needs_and_nothing_for_instructors(release: Path) -> None:
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    wanted = set(release_files()) | {"STUDENT-RELEASE.md", MARKER, "nbval_sanitize.cfg"}
    assert files == wanted
    for needed in ("README.md", "requirements.txt", "pyproject.toml", "LICENSE",
                   "LICENSE-CONTENT.md", "CITATION.cff", "helpers/__init__.py",
                   "data/sources.csv", "notebooks/00_start_here.ipynb"):
        assert needed in files
    assert not any(f.startswith(("tests/", "benchmarks/", ".ci/", "docs/answer-key"))
                   for f in files)
    assert "docs/instructor-guide.md" not in files
    notebooks = sorted(p.name for p in (PROJECT_DIR / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in (release / "notebooks").glob("*.ipynb")) == notebooks
    for name in notebooks:
        nb = json.loads((release / "notebooks" / name).read_text(encoding="utf-8"))
        assert not any("instructor" in (c["metadata"].get("tags") or []) for c in nb["cells"])
        assert "widgets" not in nb["metadata"]
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                assert not any("jupyter.widget" in m for m in output.get("data", {}))
    # the helpers a notebook imports in the release are the instructor version's, unchanged
    for path in (PROJECT_DIR / "helpers").rglob("*.py"):
        rel = path.relative_to(PROJECT_DIR)
        if rel.as_posix() in INSTRUCTOR_MODULES:
            assert not (release / rel).exists(), rel
            continue
        assert (release / rel).read_bytes() == path.read_bytes(), rel
    assert "Student release" in (release / "README.md").read_text(encoding="utf-8")
    assert "obfuscation, not cryptographic secrecy" in \
        (release / "STUDENT-RELEASE.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The same verdicts


def _typo(text: str) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text + "x"
    i = letters[len(letters) // 2]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:] if i + 1 < len(text) else text + "x"


def inputs_for(ex: Exercise, target: Any) -> list[Any]:
    """What a student might give: the right answer, each wrong option and edge cases per kind."""
    common: list[Any] = [None, "", "   ", 7, ["x"], {"x": 1}]
    if ex.kind == "single_choice":
        texts = [o.text for o in ex.options]
        letters = [chr(ord("A") + i) for i in range(len(texts))]
        return common + texts + letters + [ex.answer.upper(), f"  {ex.answer.lower()}  ",
                                           ex.answer + ".", "Z", "none of these"]
    if ex.kind == "select_all":
        texts = [o.text for o in ex.options]
        right = list(ex.answers)
        wrong = [t for t in texts if t not in right]
        out = [*common, right, texts, [], right[:1], right[1:], [t.upper() for t in right], right + wrong[:1], wrong, list(reversed(right)), [*right, *right]]
        out += [[t] for t in texts]
        return out
    if ex.kind in ("number", "data"):
        low, high, value = target.low, target.high, target.value
        centre = value if value is not None else (low + high) / 2
        width = max(high - low, abs(centre) * 1e-6, 1e-9)
        out = [*common, centre, low, high, low - width * 0.01 - 1e-06, high + width * 0.01 + 1e-06, low - width, high + width, centre * 1000, centre / 1000, centre * 100, centre / 100, -centre, centre + 1, centre - 1, str(centre), format_number(centre), format_number(centre, ex.unit), f"{centre}%", "abc", "1,2", True, [centre], float("nan")]
        out += [m[0] for m in target.mistakes]
        return out
    if ex.kind == "text":
        out = [*common, "zzz", "the", "I don't know"]
        for answer in ex.answers:
            out += [answer, answer.upper(), answer.lower(), f"  {answer}  ",
                    " ".join(answer.split()) + " ", f"the {answer}", f"{answer} and more",
                    _typo(answer), answer.replace(" ", "  ")]
        out += [m.text for m in ex.mistakes]
        return out
    if ex.kind == "ordering":
        items = list(ex.items)
        swapped = [items[1], items[0], *items[2:]]
        return [*common, items, list(reversed(items)), shown_order(ex), swapped, items[:-1], {item: i + 1 for i, item in enumerate(items)}, {item: i + 1 for i, item in enumerate(reversed(items))}, {item: 1 for item in items}, {items[0]: 1}, {item.upper(): i + 1 for i, item in enumerate(items)}]
    if ex.kind == "matching":
        pairs = dict(ex.pairs)
        rights = [r for _, r in ex.pairs]
        lefts = list(pairs)
        rotated = dict(zip(lefts, rights[1:] + rights[:1], strict=True))
        out = [*common, pairs, rotated, {lefts[0]: rights[0]}, dict.fromkeys(lefts, rights[0]), {k.upper(): v for k, v in pairs.items()}, {"nobody": rights[0]}, {}]
        out += [dict.fromkeys(lefts, d) for d in ex.distractors]
        return out
    # reflection
    return [*common, "too short", "word " * (ex.min_words - 1), "word " * ex.min_words, "A longer answer that weighs both sources and says why one is stronger."]


def test_every_exercise_grades_the_same_in_the_release(
        banks: tuple[dict[str, Exercise], dict[str, Exercise]], release: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source, sealed = banks
    assert sorted(source) == sorted(sealed)
    source_targets = {i: target_for(ex) if ex.kind in ("number", "data") else None
                      for i, ex in source.items()}
    monkeypatch.setenv("AFG_COURSE_DATA", str(release / "data"))
    checked = 0
    for exercise_id, ex in source.items():
        other = sealed[exercise_id]
        assert other.sealed and not ex.sealed
        target = source_targets[exercise_id]
        other_target = target_for(other) if ex.kind in ("number", "data") else None
        assert other_target == target, exercise_id
        assert other.hints == ex.hints and other.tries_before_reveal == ex.tries_before_reveal
        for given in inputs_for(ex, target):
            mine = grade(ex, given, target)
            theirs = grade(other, given, other_target)
            assert theirs == mine, (exercise_id, given)
            checked += 1
        assert reveal(other, other_target) == reveal(ex, target), exercise_id
    assert checked > 1000
    kinds = {ex.kind for ex in source.values()}
    assert len(kinds) == 8  # every kind was exercised


def test_inputs_cover_right_wrong_and_partial_verdicts(
        banks: tuple[dict[str, Exercise], dict[str, Exercise]]) -> None:
    """The equivalence test is only as good as its inputs: they reach every verdict."""
    source, _ = banks
    seen: dict[str, set[str]] = {}
    for ex in source.values():
        target = target_for(ex) if ex.kind in ("number", "data") else None
        for given in inputs_for(ex, target):
            seen.setdefault(ex.kind, set()).add(grade(ex, given, target).status)
    for kind in ("single_choice", "number", "data"):
        assert {"correct", "incorrect", "invalid"} <= seen[kind], kind
    for kind in ("select_all", "text", "ordering", "matching"):
        assert {"correct", "partial", "incorrect", "invalid"} <= seen[kind], kind
    assert {"recorded", "invalid"} <= seen["reflection"]


def test_progress_hints_and_reveal_work_in_the_release(release: Path, tmp_path: Path) -> None:
    """Run the release's own helpers in a fresh interpreter, as a notebook kernel would."""
    script = r"""
import json, sys
import helpers
from helpers import check
from helpers.exercises import session
from helpers.exercises.bank import get_exercise
from helpers.exercises.widgets import ExerciseWidget
print(json.dumps({"helpers": helpers.__file__}))
ex = get_exercise("02-signatories")
wrong = next(o.text for o in ex.options if o.text != ex.answer)
print(json.dumps({"wrong": check("02-signatories", wrong).status}))
print(json.dumps({"right": check("02-signatories", ex.answer).status}))
other = get_exercise(sys.argv[1])
widget = ExerciseWidget(other)
hint = widget.on_hint()
for _ in range(other.tries_before_reveal):
    session.submit(other, "definitely wrong")
widget.refresh()
result = widget.on_reveal()
print(json.dumps({"hint": hint, "revealed": result.status, "answer": result.message}))
"""
    source = bank_module.check_files(SOURCE_BANKS)[0].exercises
    with_hints = next(e for e in source.values() if e.hints and e.kind == "text")
    progress = tmp_path / "progress.json"
    env = {k: v for k, v in os.environ.items() if k != "AFG_COURSE_DATA"}
    env.update(PYTHONPATH=str(release), AFG_COURSE_PROGRESS=str(progress))
    done = subprocess.run([sys.executable, "-c", script, with_hints.id], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert Path(lines[0]["helpers"]).resolve().is_relative_to(release.resolve())
    assert lines[1] == {"wrong": "incorrect"}
    assert lines[2] == {"right": "correct"}
    assert lines[3]["hint"] == with_hints.hints[0]
    assert lines[3]["revealed"] == "revealed"
    assert with_hints.answers[0] in lines[3]["answer"]
    saved = json.loads(progress.read_text(encoding="utf-8"))
    text = json.dumps(saved)
    assert "02-signatories" in text and with_hints.id in text
    assert '"correct"' in text


# --------------------------------------------------------------------------------------------
# Searching the release for answers


def _norm(text: str) -> str:
    return " ".join(html.unescape(text).casefold().split())


def _file_texts(root: Path) -> dict[str, str]:
    """Every file of the release as searchable text; notebooks also with JSON strings decoded."""
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        text = raw
        if path.suffix == ".ipynb":
            text += "\n" + "\n".join(_strings(json.loads(raw)))
        out[path.relative_to(root).as_posix()] = _norm(text)
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            yield "".join(value)
        for item in value:
            yield from _strings(item)


def _answer_texts(source: dict[str, Exercise]) -> list[tuple[str, str]]:
    """(exercise id, text) for every right option, accepted text answer, matching pair and
    order, explanation shown after a right answer, and model answer."""
    out = []
    for ex in source.values():
        if ex.kind == "single_choice":
            out.append((ex.id, ex.answer))
        if ex.kind in ("select_all", "text"):
            out += [(ex.id, a) for a in ex.answers]
        if ex.kind in ("single_choice", "select_all"):
            right = {ex.answer, *ex.answers}
            out += [(ex.id, o.explanation) for o in ex.options if o.text in right]
        if ex.kind == "matching":
            out += [(ex.id, f"{left} → {right}") for left, right in ex.pairs]
        if ex.kind == "ordering":
            out.append((ex.id, f"1. {ex.items[0]}"))
        for text in (ex.explanation, ex.model_answer):
            if text:
                out.append((ex.id, text))
    return out


def _lesson_text() -> str:
    """What the course says outside its exercise bank and outside stored outputs: notebook
    cell sources, the data, the READMEs and the helpers' code. An answer that occurs here is
    part of the lesson (a country, a name, a date) and cannot be hidden from a student."""
    parts = []
    for path in sorted((PROJECT_DIR / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        parts += ["".join(c["source"]) for c in nb["cells"]]
    for pattern in ("data/**/*.csv", "data/**/*.toml", "data/**/*.md", "data/**/*.geojson",
                    "helpers/**/*.py", "README.md"):
        for path in sorted(PROJECT_DIR.glob(pattern)):
            if path.parent.name == "exercises":
                continue  # the bank itself, and its authoring guide, are not the lesson
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return _norm("\n".join(parts))


EXERCISE_CALL = re.compile(r"\b(show_exercise|exercise|check|progress)\(")
SHOW_CALL = re.compile(r"\b(show_exercise|exercise|progress)\(")


def _exercise_outputs(release: Path, ids: list[str]) -> dict[tuple[str, int], Any]:
    """(notebook, cell index) -> (stored outputs as folded text, the exercise ids the cell's
    source names, whether it shows exercises or the progress panel), for every code cell that
    shows, checks or counts exercises."""
    out = {}
    for path in sorted((release / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb["cells"]):
            source = "".join(cell["source"])
            named = {i for i in ids if f'"{i}"' in source or f"'{i}'" in source}
            calls = EXERCISE_CALL.search(source)
            if cell["cell_type"] == "code" and (calls or named):
                text = "\n".join(_strings(cell.get("outputs", [])))
                shows = bool(SHOW_CALL.search(source))
                out[(path.name, index)] = (_norm(text), named, shows)
    return out


def test_no_answer_text_in_release(banks: tuple[dict[str, Exercise], dict[str, Exercise]],
                                   release: Path) -> None:
    """Every answer text (see _answer_texts), case and spacing folded, HTML and JSON escapes
    decoded, is searched for in every file of the release:

    * the exercise files (data/exercises/*.toml) hold none of them;
    * no file at all holds an answer that is not also part of the lesson itself (see
      _lesson_text);
    * an answer that is part of the lesson (a country's name, "ISAF", the date of the Doha
      Agreement) appears in the lesson's prose, data and charts by design, and in the question
      of another exercise; it must not appear in the stored output of the cells that show or
      check its own exercise. Exercise ids are removed from those outputs first: they are
      names the notebook's source shows anyway.
    """
    source, _ = banks
    files = _file_texts(release)
    lesson = _lesson_text()
    ids = list(source)
    outputs = _exercise_outputs(release, ids)
    assert len(outputs) >= len(source)  # every show_exercise cell was found
    needles = [(i, _norm(t)) for i, t in _answer_texts(source) if len(_norm(t)) >= 3]
    assert len(needles) > 100
    leaks = []
    for exercise_id, needle in needles:
        for name, text in files.items():
            in_bank = name.startswith("data/exercises/")
            if needle in text and (in_bank or needle not in lesson):
                leaks.append((exercise_id, needle[:60], name))
        for (nb, index), (text, named, _) in outputs.items():
            if exercise_id not in named:
                continue
            for other in ids:
                text = text.replace(other.casefold(), " ")
            if needle in text:
                leaks.append((exercise_id, needle[:60], f"{nb} cell {index}"))
    assert leaks == []
    # the search can fail: the instructor version's files and outputs do hold the answers
    instructor = _norm("\n".join(p.read_text(encoding="utf-8") for p in SOURCE_BANKS))
    plain = [n for _, n in needles if "→" not in n and not n.startswith("1. ")]
    assert sum(n in instructor for n in plain) >= 0.8 * len(plain)  # some hold TOML escapes
    distinctive = [n for _, n in needles if n not in lesson]
    assert len(distinctive) > 80
    stored = _norm("\n".join((PROJECT_DIR / "notebooks" / p.name).read_text(encoding="utf-8")
                             for p in (release / "notebooks").glob("*.ipynb")))
    assert sum(n in stored for n in distinctive) > 20  # the instructor outputs show them


def _number_pattern(value: float) -> re.Pattern[str]:
    forms = {format_number(value)}
    if float(value).is_integer():
        forms |= {str(int(value)), f"{value:.1f}"}
    else:
        forms |= {repr(value), f"{value:g}"}
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w.,])(?:{alternatives})(?![\w]|[.,]\d)")


def test_no_answer_number_in_banks_or_exercise_outputs(
        banks: tuple[dict[str, Exercise], dict[str, Exercise]], release: Path) -> None:
    """The answer of every number and data question, as digits, with thousands separators
    or with one decimal, as a whole token (not part of a longer number or of a hex string):

    * appears in no exercise file of the release;
    * unless it is a one-digit whole number (2, 6, 9: every date, count and "Hints available:
      2" holds one), appears in no stored output of a cell that shows exercises or the progress
      panel (show_exercise, progress), nor of a cell that checks that exercise. (A worked
      example checking another exercise may show a figure from the data as a wrong answer:
      notebook 00's demonstration shows 2019's battle deaths, the answer of an exercise in
      notebook 01 whose charts show it too.)
    * and there is no stored widget state to search (test_release_holds_what...).

    The data tables (data/*.csv, data/derived/) and the charts and tables drawn from them hold
    these numbers by design: a data question is answered from them.
    """
    source, _ = banks
    numbers = {i: target_for(ex).value for i, ex in source.items()
               if ex.kind in ("number", "data") and target_for(ex).value is not None}
    assert len(numbers) >= 10
    banks_text = {p.name: p.read_text(encoding="utf-8")
                  for p in (release / "data" / "exercises").glob("*.toml")}
    outputs = _exercise_outputs(release, list(source))
    for name, text in banks_text.items():  # sealed text is letters only: no digit at all
        body = [line for line in text.splitlines() if not line.startswith(("#", "title"))]
        assert not re.search(r"\d", "\n".join(body)), name
    leaks = []
    for exercise_id, value in numbers.items():
        pattern = _number_pattern(value)
        leaks += [(exercise_id, name) for name, text in banks_text.items() if pattern.search(text)]
        if float(value).is_integer() and abs(value) < 10:
            continue
        for (nb, index), (text, named, shows) in outputs.items():
            if (shows or exercise_id in named) and pattern.search(text):
                leaks.append((exercise_id, f"{nb} cell {index}"))
    assert leaks == []
    # the search can fail: the instructor bank holds the literal answers
    literal = [ex for ex in source.values() if ex.kind == "number" and ex.answer is not None]
    instructor = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE_BANKS)
    assert all(_number_pattern(ex.answer).search(instructor) for ex in literal)


# --------------------------------------------------------------------------------------------
# The release runs


def test_exercise_validator_passes_in_the_release(release: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AFG_COURSE_DATA"}
    env["PYTHONPATH"] = str(release)
    done = subprocess.run([sys.executable, "-m", "helpers.exercises"], cwd=release, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(_raw_exercises())
    assert f"All {count} exercises in {len(SOURCE_BANKS)} files are valid." in done.stdout


def test_nbval_passes_on_the_release(release: Path, tmp_path: Path) -> None:
    """pytest --nbval in the release folder, with the release's own helpers and config."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("AFG_COURSE_DATA", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env.update(PYTHONPATH=str(release), AFG_COURSE_PROGRESS=str(tmp_path / "progress.json"),
               IPYTHONDIR=str(tmp_path / "ipython"), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"],
                          cwd=release, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", done.stdout)
    assert "failed" not in done.stdout.splitlines()[-1]


# --------------------------------------------------------------------------------------------
# The command line


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "OUTDIR" in text and "--force" in text and "--salt" in text
    assert "obfuscation" in text


def test_missing_outdir_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "OUTDIR" in err and "Traceback" not in err


def test_non_empty_outdir_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = _run([str(tmp_path)], capsys)
    assert code == 2
    assert "exists and is not empty" in err and "--force" in err and "Traceback" not in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_force_replaces_only_an_earlier_release(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = _run([str(tmp_path), "--force"], capsys)
    assert code == 2
    assert "does not hold a student release" in err
    assert (tmp_path / "notes.txt").exists()
    (tmp_path / MARKER).write_text("{}", encoding="utf-8")
    assert check_outdir(tmp_path, force=True) == tmp_path.resolve()


@pytest.mark.parametrize("inside", [".", "notebooks", "data/new-release", "tests/x/y"])
def test_outdir_inside_the_checkout_is_refused(inside: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([str(PROJECT_DIR / inside)], capsys)
    assert code == 2
    assert "inside the course checkout" in err and "Traceback" not in err


def test_outdir_containing_the_checkout_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([str(PROJECT_DIR.parent), "--force"], capsys)
    assert code == 2
    assert "contains the course checkout" in err


def test_outdir_that_is_a_file_or_under_a_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "a-file"
    file.write_text("x", encoding="utf-8")
    code, _, err = _run([str(file)], capsys)
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = _run([str(file / "release")], capsys)
    assert code == 2 and "is a file, not a folder" in err


def test_unwritable_outdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["/proc/afg-student-release"], capsys)
    assert code == 2 and "cannot write in /proc" in err and "Traceback" not in err
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        try:
            code, _, err = _run([str(locked / "release")], capsys)
            assert code == 2 and "cannot write in" in err
        finally:
            locked.chmod(0o755)


@pytest.mark.parametrize("salt", ["short", "has space in it", "x" * 65, "semi;colon-salt"])
def test_bad_salt_is_a_usage_error(salt: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([str(tmp_path / "out"), "--salt", salt], capsys)
    assert code == 2
    assert "--salt" in err and "8 to 64 letters" in err
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # no half-made build left behind


def test_cli_runs_as_a_module_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "helpers.release", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert "error:" in done.stderr and "Traceback" not in done.stderr
