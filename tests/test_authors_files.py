"""Issue 14, authors' files: one clear message naming file, exercise and field; the rest works.

An exercise file written by an instructor can hold a number too large for any answer, a range of
not-a-numbers, or be unreadable as a whole. Each must give one message that names the file (and
the exercise and field where there is one), and every other exercise in every other file must
still load. The notebook must name an unreadable file and its problem when it asks for an
exercise from it, not say that the exercise does not exist.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from helpers.errors import DataError
from helpers.exercises import bank
from helpers.exercises.answers import target_for
from helpers.exercises.grading import format_number, reveal
from helpers.exercises.schema import exercise_from_dict
from helpers.paths import PROJECT_DIR

GOOD = '''
[[exercise]]
id = "01-city"
kind = "text"
question = "Which city?"
answers = ["Doha"]
explanation = "It was signed in Doha [DOHA-2020]."
sources = ["DOHA-2020"]
'''

NUMBER = '''
[[exercise]]
id = "02-n"
kind = "number"
question = "How many?"
explanation = "Some."
sources = ["DOHA-2020"]
{fields}
'''


@pytest.fixture
def course_data(data_folder: Path) -> Path:
    real = PROJECT_DIR / "data"
    shutil.copy(real / "sources.csv", data_folder / "sources.csv")
    shutil.copy(real / "schema.toml", data_folder / "schema.toml")
    (data_folder / "exercises").mkdir()
    (data_folder / "exercises" / "01_good.toml").write_text(GOOD, encoding="utf-8")
    return data_folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "exercises" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def number_file(folder: Path, fields: str) -> Path:
    return write(folder, "02_numbers.toml", NUMBER.format(fields=fields))


HUGE = "9" * 400
HUGE_FIELDS = [
    f"answer = {HUGE}",
    f"answer = -{HUGE}",
    f"answer = 5\ntolerance = {HUGE}",
    f"range = [0, {HUGE}]",
    f"range = [{HUGE}, {HUGE}]",
    f"answer = 5\ntries_before_reveal = {HUGE}",
    f"answer = 5\nmistakes = [{{ value = {HUGE}, message = \"Too many.\" }}]",
    f"answer = 5\nmistakes = [{{ value = 4, tolerance = {HUGE}, message = \"Off.\" }}]",
    f"answer = 5\nunit = {HUGE}",
    f"answer = 5\nhints = [{HUGE}]",
    f"answer = {'9' * 5000}",
]


@pytest.mark.parametrize("fields", HUGE_FIELDS)
def test_a_huge_integer_is_one_message_and_the_rest_loads(course_data: Path,
                                                          fields: str) -> None:
    path = number_file(course_data, fields)
    problems = [str(p) for p in bank.validate([path])]
    assert problems and all(p.startswith("data/exercises/02_numbers.toml") for p in problems)
    assert len(problems) == 1, problems
    assert bank.get_exercise("01-city").answers == ("Doha",)  # every other file still loads


@pytest.mark.parametrize("fields", [
    "range = [nan, nan]", "range = [0, nan]", "range = [nan, 5]", "range = [-inf, inf]",
    "range = [0, inf]", "answer = nan", "answer = inf", "answer = 5\ntolerance = nan",
    "answer = 5\nrel_tolerance = nan", "answer = 5\ntolerance = inf",
])
def test_not_a_number_or_infinite_bounds_are_refused(course_data: Path, fields: str) -> None:
    path = number_file(course_data, fields)
    problems = [str(p) for p in bank.validate([path])]
    assert len(problems) == 1, problems
    assert "exercise '02-n'" in problems[0] and "finite" in problems[0]


def test_reveal_of_a_non_finite_target_never_raises() -> None:
    assert format_number(float("nan")) and format_number(float("inf"))
    ex = exercise_from_dict({"id": "02-n", "kind": "number", "question": "How many?",
                             "range": [1, 2], "explanation": "Some.", "sources": ["C"]})
    from helpers.exercises.grading import NumericTarget

    nan = NumericTarget(low=float("nan"), high=float("nan"))
    assert reveal(ex, nan).status == "revealed"
    assert target_for(ex).low == 1


@pytest.mark.parametrize(("name", "content", "words"), [
    ("02_bad.toml", b'[[exercise]]\nid = "02-a\n', "not valid TOML"),
    ("02_bad.toml", b'[[exercise]]\nid = "02-a"\nquestion = "\xff\xfe"\n', "not UTF-8"),
    ("02_bad.toml", b'[exercise]\nid = "02-a"\n', "array of tables"),
    ("02_bad.toml", b'exercise = "02-a"\n', "array of tables"),
    ("02_bad.toml", b"[[exercise]]\nanswer = " + b"9" * 5000 + b"\n", "too long"),
])
def test_an_unreadable_file_is_named_when_its_exercise_is_asked_for(
        course_data: Path, name: str, content: bytes, words: str) -> None:
    (course_data / "exercises" / name).write_bytes(content)
    with pytest.raises(DataError) as caught:
        bank.get_exercise("02-a")
    message = str(caught.value)
    assert f"data/exercises/{name}" in message and words in message
    assert "python -m helpers.exercises" in message
    assert bank.get_exercise("01-city").id == "01-city"


def test_a_file_too_large_is_named_when_its_exercise_is_asked_for(
        course_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bank, "MAX_FILE_BYTES", 100)
    write(course_data, "02_big.toml", GOOD.replace("01-", "02-") + "# " + "x" * 200 + "\n")
    with pytest.raises(DataError, match=r"data/exercises/02_big.toml.*bytes"):
        bank.get_exercise("02-city")


def test_an_unreadable_file_of_another_number_is_not_blamed(course_data: Path) -> None:
    (course_data / "exercises" / "03_bad.toml").write_bytes(b"[[exercise]\n")
    with pytest.raises(DataError) as caught:
        bank.get_exercise("02-nothing")
    assert "there is no exercise '02-nothing'" in str(caught.value)
    assert "03_bad.toml" not in str(caught.value)


def test_an_unexpected_error_in_one_exercise_does_not_stop_the_bank(
        course_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(course_data, "02_numbers.toml", NUMBER.format(fields="answer = 5"))
    real = bank.parse_document

    def explode(doc: object, *, file: str, **kwargs: object):
        if "02_numbers" in file:
            raise RecursionError("maximum recursion depth exceeded")
        return real(doc, file=file, **kwargs)

    monkeypatch.setattr(bank, "parse_document", explode)
    problems = [str(p) for p in bank.validate(bank.exercise_files())]
    assert any("02_numbers.toml" in p and "could not be checked" in p for p in problems)
    assert bank.get_exercise("01-city").id == "01-city"
