"""Bank-wide checks: the right option must not stand out by length, and no exercise's answer may
sit in the markdown cell just before it. First on made-up examples (so each check is seen to
fail), then over every exercise file and every notebook of the course, lessons to come included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.exercises import audit
from helpers.exercises.answers import target_for
from helpers.exercises.bank import load_bank
from helpers.exercises.schema import Exercise, exercise_from_dict
from helpers.paths import PROJECT_DIR

IDS = {"DOHA-2020"}


def choice(kind: str, options: list[str], right: list[str], id: str = "09-x") -> Exercise:
    raw = {"id": id, "kind": kind, "question": "Q?", "explanation": "E.",
           "sources": ["DOHA-2020"], "options": [{"text": t, "explanation": "x"} for t in options]}
    raw.update({"answer": right[0]} if kind == "single_choice" else {"answers": right})
    return exercise_from_dict(raw, source_ids=IDS)


def text_ex(answers: list[str], id: str = "09-t") -> Exercise:
    return exercise_from_dict({"id": id, "kind": "text", "question": "Q?", "answers": answers,
                               "explanation": "E.", "sources": ["DOHA-2020"]}, source_ids=IDS)


def notebook(tmp_path: Path, cells: list[tuple[str, str]]) -> Path:
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": k, "source": s, "metadata": {}}
                                          for k, s in cells]}), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Longest right option, on made-up exercises


@pytest.mark.parametrize(("kind", "options", "right", "expected"), [
    ("single_choice", ["Doha", "Kabul, the capital"], ["Kabul, the capital"], True),
    ("single_choice", ["Doha", "Kabul, the capital"], ["Doha"], False),
    ("single_choice", ["Doha", "Oslo"], ["Doha"], True),  # a tie counts against it
    ("select_all", ["a", "bb", "the longest one"], ["a", "the longest one"], True),
    ("select_all", ["a", "bb", "the longest one"], ["a", "bb"], False),
])
def test_is_longest_right(kind: str, options: list[str], right: list[str],
                          expected: bool) -> None:
    assert audit.is_longest_right(choice(kind, options, right)) is expected


def test_longest_right_options_counts_only_choice_kinds() -> None:
    exercises = [choice("single_choice", ["a", "long right"], ["long right"], "09-a"),
                 choice("single_choice", ["long wrong", "a"], ["a"], "09-b"),
                 text_ex(["Doha"])]
    assert audit.longest_right_options(exercises) == (["09-a"], 2)


# --------------------------------------------------------------------------------------------
# Answers in the lead-in, on made-up notebooks


@pytest.mark.parametrize(("haystack", "needle", "expected"), [
    ("Only **Pakistan** kept relations.", "pakistan", True),
    ("the UAE, then Saudi Arabia", "UAE", True),
    ("QUAESTOR", "UAE", False),
    ("20,475 deaths", "20,475", True),
    ("120,475 deaths", "20,475", False),
    ("a line\nbreak inside the  answer", "break inside the answer", True),
    ("", "Doha", False),
])
def test_text_contains_whole_words(haystack: str, needle: str, expected: bool) -> None:
    assert audit.text_contains(haystack, needle) is expected


def test_the_lead_in_is_the_last_markdown_cell_even_across_code_cells(tmp_path: Path) -> None:
    exercises = {"09-t": text_ex(["Pakistan"])}
    giveaway = notebook(tmp_path, [
        ("markdown", "Pakistan kept relations until November."),
        ("code", "table  # a code cell between the text and the exercise"),
        ("code", 'show_exercise("09-t")'),
    ])
    (problem,) = audit.answers_in_lead_ins(giveaway, exercises)
    assert (problem.cell, problem.exercise_id, problem.answer) == (2, "09-t", "Pakistan")
    assert "99_test.ipynb: cell 2 shows exercise '09-t'" in str(problem)
    fine = notebook(tmp_path, [
        ("markdown", "Pakistan kept relations until November."),
        ("markdown", "Now check what you read."),
        ("code", 'show_exercise("09-t")'),
        ("markdown", "Pakistan, as the table shows."),
    ])
    assert audit.answers_in_lead_ins(fine, exercises) == []


def test_every_accepted_variant_and_number_format_is_looked_for(tmp_path: Path) -> None:
    exercises = {"09-t": text_ex(["United Arab Emirates", "UAE"]),
                 "09-n": exercise_from_dict({"id": "09-n", "kind": "number", "question": "Q?",
                                             "answer": 20475, "explanation": "E.",
                                             "sources": ["DOHA-2020"]}, source_ids=IDS)}
    path = notebook(tmp_path, [("markdown", "The UAE broke first."),
                               ("code", 'show_exercise("09-t")'),
                               ("markdown", "UCDP counts 20475 deaths."),
                               ("code", 'show_exercise("09-n")')])
    found = {(p.exercise_id, p.answer) for p in audit.answers_in_lead_ins(path, exercises)}
    assert found == {("09-t", "UAE"), ("09-n", "20475")}


def test_a_data_question_is_checked_against_its_computed_key(tmp_path: Path) -> None:
    ex = exercise_from_dict({"id": "09-d", "kind": "data", "question": "Q?", "answer": 1,
                             "explanation": "E.", "sources": ["DOHA-2020"]}, source_ids=IDS)
    path = notebook(tmp_path, [("markdown", "The total is 35,593."),
                               ("code", 'show_exercise("09-d")')])
    assert audit.answers_in_lead_ins(path, {"09-d": ex}, {"09-d": 35593.0})
    assert not audit.answers_in_lead_ins(path, {"09-d": ex}, {"09-d": 20475.0})


# --------------------------------------------------------------------------------------------
# The whole course


def test_the_right_option_is_the_longest_in_at_most_a_third_of_choice_exercises() -> None:
    longest, total = audit.longest_right_options(load_bank().exercises.values())
    assert total > 0
    assert len(longest) <= total * audit.MAX_LONGEST_RIGHT_SHARE, (
        f"the right option is the longest in {len(longest)} of {total} choice exercises "
        f"(at most a third allowed): {', '.join(longest)}")


def test_no_exercise_answer_is_in_the_markdown_just_before_it() -> None:
    exercises = load_bank().exercises
    computed = {i: target_for(ex).value for i, ex in exercises.items()
                if ex.kind == "data" and target_for(ex).value is not None}
    notebooks = sorted((PROJECT_DIR / "notebooks").glob("*.ipynb"))
    assert notebooks
    problems = [str(p) for nb in notebooks
                for p in audit.answers_in_lead_ins(nb, exercises, computed)]
    assert problems == []
