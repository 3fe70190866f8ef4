"""Safety of adaptation: every way an instructor can break an exercise file gives ONE message.

For each slip the test writes a throw-away exercise file holding two good exercises and one
broken one, then checks the three places an instructor meets the slip:

* the validator (``python -m helpers.exercises``) reports exactly one line naming the file, the
  exercise and the field;
* in the notebook, ``show_exercise("bad-id")`` shows that message in place of the exercise (as a
  displayed warning, not a raised error or a traceback, so "Run All" carries on);
* the file's other exercises still load and show.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_exercises_bank import course_data, one_exercise  # noqa: F401 (fixture)

from helpers.errors import DataError
from helpers.exercises import api, bank
from helpers.exercises.widgets import ExerciseView

FILE = "data/exercises/02_doha.toml"

GOOD_A = one_exercise(id="02-first")
GOOD_B = one_exercise(id="02-last", question="Where?")


def _file(course: Path, middle: str | bytes, name: str = "02_doha.toml") -> Path:
    """Write GOOD_A, the broken exercise, GOOD_B into one file, as bytes."""
    body = middle if isinstance(middle, bytes) else middle.encode("utf-8")
    path = course / "exercises" / name
    path.write_bytes(GOOD_A.encode("utf-8") + b"\n" + body + b"\n" + GOOD_B.encode("utf-8"))
    return path


BROKEN = {
    "bad TOML (unclosed quote)": (
        '[[exercise]]\nid = "02-bad"\nkind = "single_choice"\nquestion = "Which?\n'
        'answer = "Doha"\n', "question", "not valid TOML"),
    "bad TOML (missing comma in a list)": (
        one_exercise(id="02-bad").replace('sources = ["DOHA-2020"]',
                                          'sources = ["DOHA-2020" "UNSC-2513"]'),
        "sources", "not valid TOML"),
    "unknown kind": (one_exercise(id="02-bad", kind="multiple_choice"), "kind",
                     "unknown kind 'multiple_choice'"),
    "missing field": (one_exercise(id="02-bad", question=None), "question", "is missing"),
    "wrong type": (one_exercise(id="02-bad", tries_before_reveal="2"), "tries_before_reveal",
                   "must be a whole number"),
    "misspelt key": (one_exercise(id="02-bad", anwser="Doha"), "anwser",
                     "did you mean 'answer'?"),
    "answer not among the options": (one_exercise(id="02-bad", answer="Dhoa"), "answer",
                                     "is not among the options"),
    "source id not in the list": (one_exercise(id="02-bad", sources=["DOHA-2021"]), "sources",
                                  "is not an id in data/sources.csv"),
    "not UTF-8 (Latin-1 text)": (
        one_exercise(id="02-bad", question="Qué?").encode("utf-8").replace(
            "Qué".encode(), "Qué".encode("latin-1")), "question", "not UTF-8"),
    "byte-order mark inside the file": (
        "\ufeff" + one_exercise(id="02-bad"), "id", "byte-order mark"),
}


def _notebook_message(exercise_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a notebook cell ``show_exercise(exercise_id)`` shows in place of the exercise.

    It is displayed, not raised, so that "Run All" goes on to the notebook's other exercises.
    """
    shown: list[object] = []
    with monkeypatch.context() as patch:
        patch.setattr(api, "_display", shown.append)
        api.show_exercise(exercise_id)
    (box,) = shown
    assert not isinstance(box, ExerciseView)
    text, html = repr(box), box._repr_html_()  # type: ignore[attr-defined]
    assert text.startswith("⚠ Problem:") and "⚠ Problem:" in html and 'role="alert"' in html
    assert "Traceback" not in text + html
    return text


def test_an_unknown_id_still_raises_a_clear_error(course_data: Path) -> None:  # noqa: F811
    _file(course_data, one_exercise(id="02-mid"))
    with pytest.raises(DataError, match=r"no exercise '02-midd'.*Did you mean '02-mid'"):
        api.show_exercise("02-midd")


def test_a_message_in_place_is_escaped(course_data: Path,  # noqa: F811
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _file(course_data, one_exercise(id="02-bad", answer="<b>Doha</b>"))
    html = _html_of("02-bad", monkeypatch)
    assert "<b>Doha</b>" not in html and "&lt;b&gt;Doha&lt;/b&gt;" in html


def _html_of(exercise_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
    shown: list[object] = []
    monkeypatch.setattr(api, "_display", shown.append)
    api.show_exercise(exercise_id)
    return shown[0]._repr_html_()  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", list(BROKEN))
def test_one_message_naming_file_exercise_and_field(course_data: Path,  # noqa: F811
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    case: str) -> None:
    middle, field, words = BROKEN[case]
    path = _file(course_data, middle)
    problems = [str(p) for p in api.validate_exercises([path])]
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"{FILE}: exercise '02-bad', field '{field}': "), problem
    assert words in problem and "\n" not in problem

    shown = _notebook_message("02-bad", monkeypatch)
    assert problem in shown

    monkeypatch.setattr(api, "_display", lambda obj: None)
    for good in ("02-first", "02-last"):
        assert isinstance(api.exercise_view(good), ExerciseView)
        api.show_exercise(good)


def test_duplicate_id_across_files_names_both_and_blocks_only_that_id(
        course_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _file(course_data, one_exercise(id="02-mid"))
    (course_data / "exercises" / "02_extra.toml").write_text(
        one_exercise(id="02-mid", question="A copy edited for my class?") +
        one_exercise(id="02-mine"), encoding="utf-8")
    problems = [str(p) for p in api.validate_exercises()]
    assert problems == [
        "data/exercises/02_extra.toml: exercise '02-mid', field 'id': the id is also used in "
        f"{FILE}; ids must be unique across the course."]
    # Which of the two a notebook would show is ambiguous: it says so rather than guess.
    assert problems[0] in _notebook_message("02-mid", monkeypatch)
    monkeypatch.setattr(api, "_display", lambda obj: None)
    for good in ("02-first", "02-last", "02-mine"):
        api.show_exercise(good)


def test_utf8_byte_order_mark_at_the_start_is_accepted(course_data: Path) -> None:  # noqa: F811
    path = course_data / "exercises" / "02_doha.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (GOOD_A + GOOD_B).encode("utf-8"))
    assert api.validate_exercises([path]) == []
    assert bank.get_exercise("02-last").question == "Where?"


def test_utf16_file_says_how_to_save_it(course_data: Path,  # noqa: F811
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = course_data / "exercises" / "02_doha.toml"
    path.write_bytes((GOOD_A + GOOD_B).encode("utf-16"))
    problems = [str(p) for p in api.validate_exercises([path])]
    assert problems == [f"{FILE}: the file is saved as UTF-16; save it as UTF-8 (in most "
                        "editors: Save As, Encoding: UTF-8)."]
    with pytest.raises(DataError) as caught:
        bank.get_exercise("02-first")
    assert problems[0] in str(caught.value)
    assert problems[0] in _notebook_message("02-first", monkeypatch)


def test_validator_command_reports_every_case_without_traceback(
        course_data: Path) -> None:  # noqa: F811
    files = []
    for n, (middle, _, _) in enumerate(BROKEN.values()):
        body = middle if isinstance(middle, bytes) else middle.encode("utf-8")
        path = course_data / "exercises" / f"02_case{n:02d}.toml"
        good = one_exercise(id=f"02-good{n}").encode("utf-8")
        path.write_bytes(good + b"\n" + body.replace(b"02-bad", f"02-bad{n}".encode()))
        files.append(str(path))
    run = subprocess.run([sys.executable, "-m", "helpers.exercises", *files],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(BROKEN)
    for n, line in enumerate(lines):
        assert line.startswith(f"data/exercises/02_case{n:02d}.toml: exercise '02-bad{n}', "
                               "field '"), line
