"""Exercise files: loading, the validator's one-line messages, and answer keys from the data.

Most tests work in a throw-away data folder (``AFG_COURSE_DATA``) holding a copy of the source
list, a small table for data questions and exercise files written by the test, so each broken
file can be checked for exactly the one clear message it deserves.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.errors import DataError, UsageError
from helpers.exercises import answers, bank
from helpers.exercises.api import make_exercise, validate_exercises
from helpers.exercises.schema import exercise_from_dict
from helpers.paths import PROJECT_DIR

TABLE_SCHEMA = '''

[fixture_deaths]
file = "derived/fixture_deaths.csv"
title = "Test table"
[fixture_deaths.columns.year]
type = "int"
required = true
[fixture_deaths.columns.conflict_id]
type = "int"
[fixture_deaths.columns.label]
type = "string"
[fixture_deaths.columns.day]
type = "date"
[fixture_deaths.columns.deaths_low]
type = "int"
[fixture_deaths.columns.deaths_best]
type = "int"
[fixture_deaths.columns.share]
type = "float"
'''
TABLE_CSV = """year,conflict_id,label,day,deaths_low,deaths_best,share
2020,333,gov,2020-06-01,18696,20159,0.5
2020,13637,isk,2020-07-01,279,316,0.25
2021,333,gov,2021-06-01,33413,35329,
2021,13637,isk,2021-07-01,206,264,0.75
"""

GOOD = '''
title = "Test"

[[exercise]]
id = "02-city"
kind = "text"
question = "Which city?"
answers = ["Doha", "Doha, Qatar"]
explanation = "It was signed in Doha [DOHA-2020]."
sources = ["DOHA-2020"]

[[exercise]]
id = "02-choice"
kind = "single_choice"
question = "Which?"
answer = "Doha"
explanation = "Doha."
sources = ["DOHA-2020"]
options = [
  { text = "Doha", explanation = "Right." },
  { text = "Kabul", explanation = "Wrong." },
]

[[exercise]]
id = "02-deaths"
kind = "data"
question = "Sum 2021."
answer_from = { table = "fixture_deaths", filter = { year = 2021 }, column = "deaths_best", agg = "sum" }
mistakes = [{ answer_from = { filter = { year = 2020 } }, message = "Wrong year." }]
explanation = "The sum."
sources = ["UCDP-BRD-24.1"]
'''


@pytest.fixture
def course_data(data_folder: Path) -> Path:
    """A data folder with the real source list and schema, a small table and no exercises."""
    real = PROJECT_DIR / "data"
    shutil.copy(real / "sources.csv", data_folder / "sources.csv")
    schema = (real / "schema.toml").read_text(encoding="utf-8") + TABLE_SCHEMA
    (data_folder / "schema.toml").write_text(schema, encoding="utf-8")
    (data_folder / "derived").mkdir()
    (data_folder / "derived" / "fixture_deaths.csv").write_text(TABLE_CSV, encoding="utf-8")
    (data_folder / "exercises").mkdir()
    return data_folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "exercises" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def one_exercise(**fields: object) -> str:
    """Return TOML for one exercise: a valid single choice with ``fields`` replaced."""
    base: dict[str, object] = {
        "id": "02-x", "kind": "single_choice", "question": "Which?", "answer": "Doha",
        "explanation": "Doha.", "sources": ["DOHA-2020"],
        "options": [{"text": "Doha", "explanation": "Right."},
                    {"text": "Kabul", "explanation": "Wrong."}],
    }
    base.update(fields)
    return "[[exercise]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in base.items()
                                      if v is not None)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in validate_exercises([path])]


# --------------------------------------------------------------------------------------------
# The course's own files


def test_course_exercise_files_are_valid() -> None:
    problems = [str(p) for p in validate_exercises()]
    assert problems == []


def test_start_here_has_one_exercise_of_each_kind() -> None:
    from helpers.exercises.schema import KINDS

    kinds = {bank.get_exercise(i).kind for i in bank.exercises_by_notebook()["00_start_here"]}
    assert kinds == set(KINDS)


def test_validator_command_exits_0_on_the_course_files() -> None:
    run = subprocess.run([sys.executable, "-m", "helpers.exercises"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "are valid" in run.stdout


# --------------------------------------------------------------------------------------------
# One clear message per slip


def test_good_file_is_clean(course_data: Path) -> None:
    assert problems_of(write(course_data, "02_doha.toml", GOOD)) == []


@pytest.mark.parametrize(("fields", "expected"), [
    ({"kind": "singel_choice"},
     "exercise '02-x', field 'kind': unknown kind 'singel_choice'; use one of single_choice, "
     "select_all, number, text, ordering, matching, data, reflection (did you mean "
     "'single_choice'?)."),
    ({"answer": "Dohaa"},
     "exercise '02-x', field 'answer': 'Dohaa' is not among the options (did you mean 'Doha'?); "
     "copy the right option's text exactly."),
    ({"explanation": None},
     "exercise '02-x', field 'explanation': is missing; every exercise of this kind needs it."),
    ({"options": [{"text": "Doha", "explanation": "Right."}, {"text": "Kabul"}]},
     "exercise '02-x', field 'options[2].explanation': is missing for option 'Kabul'; every "
     "option needs an explanation of why it is right or wrong."),
    ({"sources": ["DOHA-2002"]},
     "exercise '02-x', field 'sources': 'DOHA-2002' is not an id in data/sources.csv (did you "
     "mean 'DOHA-2020'?)."),
    ({"explanation": "As [NOPE-1999] says."},
     "exercise '02-x', field 'explanation': cites [NOPE-1999], which is not an id in "
     "data/sources.csv."),
    ({"tries_before_reveal": "two"},
     "exercise '02-x', field 'tries_before_reveal': must be a whole number, not text."),
    ({"options": "Doha, Kabul"},
     "exercise '02-x', field 'options': must be a list of tables, each with 'text' and "
     "'explanation', not text."),
    ({"explaination": "typo"},
     "exercise '02-x', field 'explaination': is not a known field (did you mean "
     "'explanation'?)."),
    ({"id": "2-x"},
     "exercise '2-x', field 'id': must be the notebook number, a hyphen and lowercase words "
     "joined by hyphens, such as '02-signatories'."),
    ({"id": "03-x"}, "exercise '03-x', field 'id': must start with '02-', the number of its "
                     "file."),
    ({"question": 5}, "exercise '02-x', field 'question': must be text in quotes, not a whole "
                      "number."),
    ({"items": ["a", "b"]}, "exercise '02-x', field 'items': is not used by a 'single_choice' "
                            "exercise; remove it."),
])
def test_each_slip_gives_one_clear_message(course_data: Path, fields: dict,
                                           expected: str) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(**fields))
    assert problems_of(path) == [f"data/exercises/02_doha.toml: {expected}"]


def test_duplicate_ordering_items(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="ordering", answer=None, options=None, items=["a", "b", "c", "B"]))
    assert problems_of(path) == ["data/exercises/02_doha.toml: exercise '02-x', field 'items': "
                                 "'B' appears twice (as 'b'); each entry must be different."]


def test_ordering_needs_4_to_8_items(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="ordering", answer=None, options=None, items=["a", "b", "c"]))
    assert problems_of(path) == ["data/exercises/02_doha.toml: exercise '02-x', field 'items': "
                                 "has 3 items; it needs 4 to 8."]


def test_select_all_answer_not_among_options(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="select_all", answer=None, answers=["Doha", "Herat"]))
    assert problems_of(path) == [
        "data/exercises/02_doha.toml: exercise '02-x', field 'answers': 'Herat' is not among "
        "the options; copy the option's text exactly."]


def test_toml_syntax_error_is_one_line_naming_the_line(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", '[[exercise]]\nid = "02-x\nkind = "text"\n')
    (problem,) = problems_of(path)
    assert problem.startswith("data/exercises/02_doha.toml: exercise '02-x', field 'id': not "
                              "valid TOML:")
    assert "line 2" in problem and "\n" not in problem


def test_missing_id_is_named_by_position(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", GOOD + one_exercise(id=None))
    assert problems_of(path) == ["data/exercises/02_doha.toml: exercise '#4 (no id)', field "
                                 "'id': is missing; every exercise of this kind needs it."]


def test_duplicate_ids_across_files(course_data: Path) -> None:
    write(course_data, "02_doha.toml", GOOD)
    write(course_data, "02_more.toml", one_exercise(id="02-city"))
    assert [str(p) for p in validate_exercises()] == [
        "data/exercises/02_more.toml: exercise '02-city', field 'id': the id is also used in "
        "data/exercises/02_doha.toml; ids must be unique across the course."]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the file has no exercises; start each with [[exercise]]."),
    ('[[exercises]]\nid = "02-x"\n', "unknown top-level key 'exercises' (did you mean "
                                     "'exercise'?); each exercise starts with a line "
                                     "[[exercise]]."),
    ('exercise = "x"\n', "'exercise' must be an array of tables: start each exercise with "
                         "[[exercise]] (two brackets)."),
])
def test_file_level_slips(course_data: Path, text: str, expected: str) -> None:
    path = write(course_data, "02_doha.toml", text)
    assert f"data/exercises/02_doha.toml: {expected}" in problems_of(path)


def test_not_utf8_file(course_data: Path) -> None:
    path = course_data / "exercises" / "02_doha.toml"
    path.write_bytes('[[exercise]]\nid = "02-é"\n'.encode("latin-1"))
    (problem,) = problems_of(path)
    assert "not UTF-8" in problem


def test_missing_file(course_data: Path) -> None:
    assert problems_of(course_data / "exercises" / "02_none.toml") == [
        "data/exercises/02_none.toml: the file does not exist."]


@pytest.mark.parametrize(("kind_fields", "expected"), [
    ({"kind": "number", "answer": "12"}, "field 'answer': must be a number (write it without "
                                         "quotes), not text."),
    ({"kind": "number", "answer": 12, "range": [20, 10]},
     "field 'range': the low end 20 is above the high end 10."),
    ({"kind": "number", "answer": 12, "tolerance": 1, "rel_tolerance": 0.1},
     "field 'rel_tolerance': give only one of tolerance, rel_tolerance or range; this exercise "
     "has tolerance and rel_tolerance."),
    ({"kind": "number", "answer": None}, "field 'answer': is missing: give 'answer' (a number), "
                                         "'answer_from' (computed from a table) or 'range' "
                                         "(low and high)."),
    ({"kind": "text", "answer": None, "answers": ["Doha"],
      "mistakes": [{"text": "doha", "message": "m"}]},
     "field 'mistakes[1].text': 'doha' is also an accepted answer; a mistake must be a wrong "
     "answer."),
    ({"kind": "matching", "answer": None,
      "pairs": [{"left": "a", "right": "1"}, {"left": "a", "right": "2"}]},
     "field 'pairs[2]': 'a' appears twice on the left; each item is paired once."),
    ({"kind": "matching", "answer": None, "distractors": ["1"],
      "pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"}]},
     "field 'distractors': '1' is also a right answer; a distractor must match nothing."),
    ({"kind": "reflection", "answer": None, "model_answer": "M", "rubric": "one"},
     "field 'rubric': must be a list of text, such as [\"a\", \"b\"], not one text."),
    ({"kind": "data", "answer": None,
      "answer_from": {"table": "fixture_deaths", "column": "deaths_best", "agg": "total"}},
     "field 'answer_from.agg': 'total' is not one of sum, mean, median, min, max, count, "
     "nunique."),
])
def test_kind_specific_slips(course_data: Path, kind_fields: dict, expected: str) -> None:
    fields = {"options": None, **kind_fields}
    path = write(course_data, "02_doha.toml", one_exercise(**fields))
    assert problems_of(path) == [f"data/exercises/02_doha.toml: exercise '02-x', {expected}"]


@pytest.mark.parametrize(("answer_from", "words"), [
    ({"table": "nope", "column": "deaths_best", "agg": "sum"}, "there is no table called"),
    ({"table": "fixture_deaths", "column": "deaths", "agg": "sum"}, "has no column 'deaths'"),
    ({"table": "fixture_deaths", "column": "deaths_best", "agg": "sum",
      "filter": {"year": 1900}}, "selects no rows"),
    ({"table": "fixture_deaths", "column": "deaths_best", "agg": "sum",
      "filter": {"yaer": 2020}}, "names column 'yaer'"),
    ({"table": "fixture_deaths", "column": "label", "agg": "sum"}, "does not hold numbers"),
    ({"table": "fixture_deaths", "column": "deaths_best", "agg": "sum",
      "filter": {"year": {"min": "x"}}}, "different kinds"),
])
def test_answer_from_that_does_not_compute(course_data: Path, answer_from: dict,
                                           words: str) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="data", answer=None, options=None, answer_from=answer_from))
    (problem,) = problems_of(path)
    assert problem.startswith("data/exercises/02_doha.toml: exercise '02-x', field "
                              "'answer_from': ")
    assert words in problem


def test_validator_command_reports_lines_and_exit_1(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(kind="singel_choice") +
                 one_exercise(id="02-y", answer="Herat"))
    run = subprocess.run([sys.executable, "-m", "helpers.exercises", str(path)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("data/exercises/02_doha.toml: exercise '02-x', field 'kind'")
    assert lines[1].startswith("data/exercises/02_doha.toml: exercise '02-y', field 'answer'")
    assert "Traceback" not in run.stdout + run.stderr
    assert "2 problems in 1 file." in run.stderr


def test_validator_command_on_a_syntax_error_has_no_traceback(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", "[[exercise]\n")
    run = subprocess.run([sys.executable, "-m", "helpers.exercises.validate", str(path)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert "not valid TOML" in run.stdout and "Traceback" not in run.stderr


# --------------------------------------------------------------------------------------------
# Loading and looking up


def test_get_exercise_and_reload_after_edit(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", GOOD)
    assert bank.get_exercise("02-city").answers == ("Doha", "Doha, Qatar")
    time.sleep(0.01)
    path.write_text(GOOD.replace('"Doha, Qatar"', '"Doha (Qatar)"'), encoding="utf-8")
    assert bank.get_exercise("02-city").answers == ("Doha", "Doha (Qatar)")


def test_get_exercise_unknown_id_suggests(course_data: Path) -> None:
    write(course_data, "02_doha.toml", GOOD)
    with pytest.raises(DataError, match=r"no exercise '02-cty'.*Did you mean '02-city'"):
        bank.get_exercise("02-cty")


def test_get_exercise_with_problems_lists_them(course_data: Path) -> None:
    write(course_data, "02_doha.toml", GOOD + one_exercise(answer="Herat"))
    with pytest.raises(DataError, match=r"(?s)'02-x' cannot be shown.*'answer': 'Herat'"):
        bank.get_exercise("02-x")
    assert bank.get_exercise("02-city").kind == "text"  # the file's good exercises still work


def test_get_exercise_wrong_type() -> None:
    with pytest.raises(UsageError, match="exercise id is text"):
        bank.get_exercise(2)  # type: ignore[arg-type]


def test_validate_takes_a_list() -> None:
    with pytest.raises(UsageError, match="list of file paths"):
        validate_exercises("data/exercises/00_start_here.toml")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Answer keys from the data


@pytest.mark.parametrize(("spec", "value"), [
    ({"filter": {"year": 2021}, "agg": "sum"}, 35329 + 264),
    ({"filter": {"year": 2020, "conflict_id": 333}, "agg": "sum"}, 20159),
    ({"filter": {"year": [2020, 2021]}, "agg": "max"}, 35329),
    ({"filter": {"year": {"min": 2021, "max": 2021}}, "agg": "min"}, 264),
    ({"filter": {"day": {"min": "2020-06-15", "max": "2021-06-30"}}, "agg": "count"}, 2),
    ({"filter": {"label": "isk"}, "agg": "mean"}, (316 + 264) / 2),
    ({"agg": "median"}, (316 + 20159) / 2),
    ({"column": "label", "agg": "nunique"}, 2),
    ({"column": "share", "agg": "count"}, 3),
    ({"column": "share", "agg": "sum"}, 1.5),
])
def test_answer_from_computes(course_data: Path, spec: dict, value: float) -> None:
    full = {"table": "fixture_deaths", "column": "deaths_best", **spec}
    assert answers.compute(full) == pytest.approx(value)


def test_data_target_follows_the_data_and_its_mistakes(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", GOOD)
    ex = bank.get_exercise("02-deaths")
    target = answers.target_for(ex)
    assert target.value == 35593
    assert target.mistakes == ((20475.0, 0.0, "Wrong year."),)
    csv_path = course_data / "derived" / "fixture_deaths.csv"
    time.sleep(0.01)
    csv_path.write_text(TABLE_CSV.replace("35329", "35330"), encoding="utf-8")
    assert answers.target_for(ex).value == 35594
    assert path.exists()


def test_data_target_with_missing_data_file_names_it(course_data: Path) -> None:
    write(course_data, "02_doha.toml", GOOD)
    (course_data / "derived" / "fixture_deaths.csv").unlink()
    with pytest.raises(DataError, match=r"fixture_deaths\.csv: the file is missing"):
        answers.target_for(bank.get_exercise("02-deaths"))


def test_tolerances_and_ranges_make_the_target() -> None:
    base = {"id": "02-n", "kind": "number", "question": "?", "explanation": "e",
            "sources": ["COURSE"]}
    assert answers.target_for(exercise_from_dict({**base, "answer": 100, "tolerance": 5})).low \
        == 95
    rel = answers.target_for(exercise_from_dict({**base, "answer": 100, "rel_tolerance": 0.1}))
    assert (rel.low, rel.high) == (90, 110)
    ranged = answers.target_for(exercise_from_dict({**base, "range": [1, 3]}))
    assert (ranged.low, ranged.high, ranged.value) == (1, 3, None)


# --------------------------------------------------------------------------------------------
# Inline exercises


def test_inline_exercise_uses_the_same_schema(course_data: Path) -> None:
    with pytest.raises(DataError, match="field 'answer': 'Herat' is not among the options"):
        make_exercise("single_choice", id="02-inline", question="?", answer="Herat",
                      explanation="e", sources=["COURSE"],
                      options=[("Doha", "right"), ("Kabul", "wrong")])
    view = make_exercise("single_choice", id="02-inline", question="?", answer="Doha",
                         explanation="e", sources=["COURSE"],
                         options=[("Doha", "right"), ("Kabul", "wrong")])
    assert view.exercise.options[0].explanation == "right"


def test_inline_exercise_may_not_reuse_a_file_id(course_data: Path) -> None:
    write(course_data, "02_doha.toml", GOOD)
    with pytest.raises(UsageError, match="'02-city' is already used"):
        make_exercise("text", id="02-city", question="?", answers=["x"], explanation="e",
                      sources=["COURSE"])


# --------------------------------------------------------------------------------------------
# Listed slips must be told apart: two slips with the same value, or a slip that is accepted
# as right, would give a student the wrong diagnosis.


def test_two_slips_giving_the_same_value_are_rejected(course_data: Path) -> None:
    # In the fixture table both 2021 rows are the only rows for 2021, so "every conflict of
    # 2021" and "the rows of 2021 with any label" select the same rows and give 35,593.
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="data", answer=None, options=None,
        answer_from={"table": "fixture_deaths", "filter": {"year": 2020},
                     "column": "deaths_best", "agg": "sum"},
        mistakes=[{"answer_from": {"filter": {"year": 2021}}, "message": "Wrong year."},
                  {"answer_from": {"filter": {"year": 2021, "label": ["gov", "isk"]}},
                   "message": "Every label."}]))
    (problem,) = problems_of(path)
    assert problem.startswith("data/exercises/02_doha.toml: exercise '02-x', field "
                              "'mistakes': ")
    assert "mistakes 1 and 2" in problem and "35,593" in problem
    assert "Wrong year." in problem and "Every label." in problem


def test_a_slip_that_counts_as_right_is_rejected(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="number", answer=100, tolerance=5, options=None,
        mistakes=[{"value": 103, "message": "Inside the accepted range."}]))
    (problem,) = problems_of(path)
    assert "field 'mistakes'" in problem and "mistake 1" in problem
    assert "accepted as right" in problem


def test_slips_with_distinct_values_pass(course_data: Path) -> None:
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="number", answer=100, tolerance=5, options=None,
        mistakes=[{"value": 50, "message": "Half."}, {"value": 200, "message": "Double."}]))
    assert problems_of(path) == []


def test_same_message_at_the_same_value_is_not_a_collision(course_data: Path) -> None:
    # Two spellings of one slip (same message) do not mislead anyone.
    path = write(course_data, "02_doha.toml", one_exercise(
        kind="number", answer=100, options=None,
        mistakes=[{"value": 50, "message": "Half."}, {"value": 50.0, "message": "Half."}]))
    assert problems_of(path) == []
