"""Grading of every exercise kind, without widgets or files: right, wrong, partly right, bad input.

Each kind is tested with a right answer, a wrong one, a partly right one where the kind has it,
and input that is not an answer (empty, whitespace, very long, wrong type, Unicode, HTML), which
must come back as an 'invalid' result with a plain message, never an exception. Hypothesis then
throws arbitrary values at every kind and at the number reader.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.exercises.grading import (
    LABELS,
    STATUSES,
    SYMBOLS,
    NotANumber,
    NumericTarget,
    Result,
    format_number,
    grade,
    normalise_text,
    parse_number,
    reveal,
)
from helpers.exercises.schema import exercise_from_dict

SINGLE = exercise_from_dict({
    "id": "02-signing-city", "kind": "single_choice", "question": "Where was it signed?",
    "options": [
        {"text": "Kabul", "explanation": "Kabul is where the joint declaration was issued."},
        {"text": "Doha", "explanation": "Doha is where the agreement was signed."},
        {"text": "Istanbul", "explanation": "Istanbul hosted no signing."},
    ],
    "answer": "Doha", "explanation": "Signed in Doha.", "sources": ["DOHA-2020"],
})
SELECT = exercise_from_dict({
    "id": "00-articles", "kind": "select_all", "question": "Which are articles?",
    "options": [{"text": t, "explanation": f"About {t}."} for t in
                ("AVIM-2021", "EPC-2021", "DOHA-2020", "SHAH-2022", "UNSC-2593")],
    "answers": ["AVIM-2021", "EPC-2021", "SHAH-2022"],
    "explanation": "Three of them are articles.", "sources": ["COURSE"],
})
NUMBER = exercise_from_dict({
    "id": "00-count", "kind": "number", "question": "How many?", "answer": 1000,
    "tolerance": 10, "mistakes": [{"value": 500, "message": "That is half of it."}],
    "explanation": "It is 1,000.", "sources": ["COURSE"],
})
NUMBER_TARGET = NumericTarget(low=990, high=1010, value=1000,
                              mistakes=((500.0, 10.0, "That is half of it."),), close_margin=40)
PERCENT_TARGET = NumericTarget(low=11.5, high=12.5, value=12, unit="%", close_margin=2)
TEXT = exercise_from_dict({
    "id": "02-city", "kind": "text", "question": "Which city?",
    "answers": ["Doha", "Doha, Qatar"],
    "mistakes": [{"text": "Kabul", "message": "Kabul issued the joint declaration."}],
    "explanation": "Doha.", "sources": ["DOHA-2020"],
})
ITEMS = ["first", "second", "third", "fourth", "fifth"]
ORDER = exercise_from_dict({
    "id": "01-timeline", "kind": "ordering", "question": "Order them.", "items": ITEMS,
    "explanation": "In time order.", "sources": ["COURSE"],
})
MATCH = exercise_from_dict({
    "id": "04-positions", "kind": "matching", "question": "Match them.",
    "pairs": [{"left": "A", "right": "one"}, {"left": "B", "right": "two"},
              {"left": "C", "right": "three"}, {"left": "D", "right": "one"}],
    "distractors": ["four"], "explanation": "Pairs.", "sources": ["COURSE"],
})
REFLECTION = exercise_from_dict({
    "id": "05-reflect", "kind": "reflection", "question": "Why?", "min_words": 5,
    "model_answer": "Because sources differ.", "rubric": ["Names a reason.", "Gives a check."],
    "sources": ["COURSE"],
})
DATA = exercise_from_dict({
    "id": "03-deaths", "kind": "data", "question": "Sum it.", "answer": 35593,
    "mistakes": [{"value": 33619, "message": "That is the low estimate."}],
    "explanation": "The sum.", "sources": ["UCDP-BRD-24.1"],
})
DATA_TARGET = NumericTarget(low=35593, high=35593, value=35593,
                            mistakes=((33619.0, 0.0, "That is the low estimate."),))

LONG = "x" * 100_000
HTML = "<script>alert('x')</script>"
BAD_INPUTS = [None, "", "   \n\t", LONG, 3, 2.5, True, [], {}, ("zz",), object(), b"bytes", HTML,
              "\u202e\u0000ديوحه", float("nan")]


def _target(ex):
    return {"number": NUMBER_TARGET, "data": DATA_TARGET}.get(ex.kind)


# --------------------------------------------------------------------------------------------
# Reading numbers


@pytest.mark.parametrize(("text", "value", "percent"), [
    ("1,000", 1000, False),
    ("1 000", 1000, False),
    (" 35 593 ", 35593, False),
    ("35\u00a0593", 35593, False),  # no-break space
    ("35\u202f593", 35593, False),  # narrow no-break space
    ("12%", 12, True),
    ("12 %", 12, True),
    ("3.5k", 3500, False),
    ("2.1m", 2_100_000, False),
    ("1 million", 1_000_000, False),
    ("4bn", 4e9, False),
    ("\u22125", -5, False),  # Unicode minus sign
    ("-5", -5, False),
    ("+7", 7, False),
    ("1.5e3", 1500, False),
    ("$1,200", 1200, False),
    (".5", 0.5, False),
    ("1,234.5", 1234.5, False),
    ("\uff11\uff12", 12, False),  # full-width digits
])
def test_parse_number_accepts_what_people_type(text: str, value: float, percent: bool) -> None:
    parsed = parse_number(text)
    assert parsed.value == pytest.approx(value)
    assert parsed.percent is percent


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("    ", "empty"),
    ("abc", "not a number"),
    ("six", "in words"),
    ("3,5", "ambiguous"),
    ("1,00", "commas"),
    ("12 apples", "not a number"),
    ("nan", "not a number"),
    ("inf", "not a number"),
    ("--5", "not a number"),
    ("1e99999", "not a number"),
    ("1e308000", "not a number"),
    ("9" * 400, "too large"),
    (HTML, "not a number"),
    (LONG, "too long"),
])
def test_parse_number_says_plainly_what_is_not_a_number(text: str, words: str) -> None:
    with pytest.raises(NotANumber, match=words):
        parse_number(text)


def test_parse_number_quotes_long_input_shortly() -> None:
    with pytest.raises(NotANumber) as info:
        parse_number("word " * 150)
    assert len(str(info.value)) < 200


def test_normalise_text_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalise_text("  Doha,  QATAR ") == normalise_text("doha qatar") == "doha qatar"
    assert normalise_text("Kābul") == "kabul"
    assert normalise_text("The Taliban") == "taliban"
    assert normalise_text("Ankara!") == "ankara"
    assert normalise_text("") == ""


def test_format_number_is_readable() -> None:
    assert format_number(35593) == "35,593"
    assert format_number(12, "%") == "12%"
    assert format_number(1.25, "notebooks") == "1.25 notebooks"
    assert "e" in format_number(1e20)


# --------------------------------------------------------------------------------------------
# Single choice


def test_single_choice_right_explains_the_option() -> None:
    result = grade(SINGLE, "Doha")
    assert result.status == "correct" and result.score == 1
    assert "signed" in result.explanation and result.sources == ("DOHA-2020",)


def test_single_choice_accepts_the_option_letter_and_folded_text() -> None:
    assert grade(SINGLE, "B").correct
    assert grade(SINGLE, "  doha ").correct


def test_single_choice_wrong_explains_the_chosen_option_only() -> None:
    result = grade(SINGLE, "Kabul")
    assert result.status == "incorrect"
    assert "joint declaration" in result.explanation
    assert "agreement was signed" not in result.explanation


@pytest.mark.parametrize("answer", [*BAD_INPUTS, "Zzz", "D"])
def test_single_choice_bad_input_is_invalid(answer: object) -> None:
    result = grade(SINGLE, answer)
    assert result.status == "invalid"
    assert not result.counts_as_try


# --------------------------------------------------------------------------------------------
# Select all


def test_select_all_right() -> None:
    result = grade(SELECT, ["SHAH-2022", "AVIM-2021", "EPC-2021"])
    assert result.correct and "Three" in result.explanation


def test_select_all_partly_right_counts_without_naming() -> None:
    result = grade(SELECT, ["AVIM-2021", "DOHA-2020"])
    assert result.status == "partial"
    assert "1 of the 2 options you ticked is right" in result.message
    assert "2 right options are not ticked yet" in result.message
    for option in SELECT.options:
        assert option.text not in result.message + "".join(result.details)


def test_select_all_wrong() -> None:
    result = grade(SELECT, ["DOHA-2020", "UNSC-2593"])
    assert result.status == "incorrect" and result.score == pytest.approx(0)


def test_select_all_accepts_sets_and_tuples() -> None:
    assert grade(SELECT, {"AVIM-2021", "EPC-2021", "SHAH-2022"}).correct
    assert grade(SELECT, ("AVIM-2021", "EPC-2021", "SHAH-2022")).correct


@pytest.mark.parametrize("answer", [*BAD_INPUTS, ["nope"], [1, 2], ["AVIM-2021"] * 500])
def test_select_all_bad_input_is_invalid(answer: object) -> None:
    assert grade(SELECT, answer).status == "invalid"


# --------------------------------------------------------------------------------------------
# Number


@pytest.mark.parametrize("answer", ["1,000", 1000, 1005, "1 005", 995.5, "1k", np.int64(1000),
                                    np.float32(1000), Decimal("1000"), Fraction(2000, 2),
                                    pd.Series([1000]), pd.DataFrame({"a": [1000]})])
def test_number_right(answer: object) -> None:
    result = grade(NUMBER, answer, NUMBER_TARGET)
    assert result.correct, result.message


def test_number_single_value_container_is_read_with_a_note() -> None:
    result = grade(NUMBER, pd.Series([1000]), NUMBER_TARGET)
    assert result.correct and "Series" in result.details[0]


def test_number_wrong_says_direction() -> None:
    assert "too high" in grade(NUMBER, 5000, NUMBER_TARGET).message
    assert "too low" in grade(NUMBER, 3, NUMBER_TARGET).message


def test_number_close_is_partly_right() -> None:
    result = grade(NUMBER, 1030, NUMBER_TARGET)
    assert result.status == "partial" and "close" in result.message


@pytest.mark.parametrize(("answer", "words"), [
    (1_000_000, "1,000 times too large"),
    (1, "1,000 times too small"),
    (-1000, "sign is wrong"),
    (500, "half of it"),
])
def test_number_names_the_likely_mistake(answer: float, words: str) -> None:
    result = grade(NUMBER, answer, NUMBER_TARGET)
    assert result.status == "incorrect" and words in result.message


def test_number_percent_and_fraction() -> None:
    assert grade(NUMBER, "12%", PERCENT_TARGET).correct
    assert grade(NUMBER, "12", PERCENT_TARGET).correct
    assert "fraction where a percentage" in grade(NUMBER, 0.12, PERCENT_TARGET).message
    fraction = NumericTarget(low=0.119, high=0.121, value=0.12)
    assert grade(NUMBER, "12%", fraction).correct


@pytest.mark.parametrize(("answer", "words"), [
    (None, "None"), ("", "empty"), ("   ", "empty"), (LONG, "too long"), (True, "yes/no"),
    ([1, 2], "list"), (float("nan"), "NaN"), (float("inf"), "infinite"), (1 + 2j, "complex"),
    (pd.Series([1, 2, 3]), "3 values"), (pd.Series([], dtype=float), "empty"),
    (pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "select one column"), (pd.NA, "missing"),
    (HTML, "not a number"), ("ستة", "not a number"), (10**400, "too large"),
    (object(), "not a number"), (np.array([[1, 2]]), "2 values"),
])
def test_number_bad_input_says_what_is_wrong(answer: object, words: str) -> None:
    result = grade(NUMBER, answer, NUMBER_TARGET)
    assert result.status == "invalid"
    assert words in result.message


def test_number_needs_its_target() -> None:
    with pytest.raises(TypeError, match="00-count"):
        grade(NUMBER, 5)


# --------------------------------------------------------------------------------------------
# Text


@pytest.mark.parametrize("answer", ["Doha", "doha", " DOHA ", "Dóha", "Doha, Qatar",
                                    "doha qatar", "Doha (Qatar)"])
def test_text_right_variants(answer: str) -> None:
    assert grade(TEXT, answer).correct


@pytest.mark.parametrize(("answer", "words"), [("in Doha", "contains the answer"),
                                               ("Doah", "spelling")])
def test_text_partly_right(answer: str, words: str) -> None:
    result = grade(TEXT, answer)
    assert result.status == "partial" and words in result.message


def test_text_wrong_with_known_mistake() -> None:
    result = grade(TEXT, "kabul")
    assert result.status == "incorrect" and "joint declaration" in result.message


def test_text_wrong_echoes_html_as_text() -> None:
    result = grade(TEXT, HTML)
    assert result.status == "incorrect"
    assert "<script>" in result.message  # plain text here; escaped when rendered as HTML


@pytest.mark.parametrize("answer", [None, "", "   ", "!!!", LONG, 5, ["Doha"], b"Doha"])
def test_text_bad_input_is_invalid(answer: object) -> None:
    assert grade(TEXT, answer).status == "invalid"


# --------------------------------------------------------------------------------------------
# Ordering


def test_ordering_right_as_list_and_as_positions() -> None:
    assert grade(ORDER, list(ITEMS)).correct
    assert grade(ORDER, {item: i for i, item in enumerate(ITEMS, start=1)}).correct


def test_ordering_one_moved_item_is_named_not_the_whole_order() -> None:
    moved = ITEMS[1:] + ITEMS[:1]  # "first" put last
    result = grade(ORDER, moved)
    assert result.status == "partial"
    assert "4 of 5" in result.message and "1 is out of place" in result.message
    assert result.details == ("“first” (your position 5)",)


def test_ordering_reversed_is_wrong() -> None:
    result = grade(ORDER, list(reversed(ITEMS)))
    assert result.status == "incorrect" and "4 are out of place" in result.message


@pytest.mark.parametrize(("answer", "words"), [
    ({"first": 1, "second": 2}, "3 still need"),
    ({"first": 1, "second": 1, "third": 3, "fourth": 4, "fifth": 5}, "more than once"),
    ({"first": 9}, "from 1 to 5"),
    ({"first": True}, "whole number"),
    ({"nope": 1}, "not one of"),
    (["first", "second"], "exactly once"),
    ([*ITEMS, "first"], "exactly once"),
    ("first", "list"),
    (None, "list"),
    ([1, 2, 3, 4, 5], "text"),
    ({str(i): 1 for i in range(200)}, "far more"),
])
def test_ordering_bad_input_is_invalid(answer: object, words: str) -> None:
    result = grade(ORDER, answer)
    assert result.status == "invalid" and words in result.message


# --------------------------------------------------------------------------------------------
# Matching


def test_matching_right() -> None:
    assert grade(MATCH, {"A": "one", "B": "two", "C": "three", "D": "one"}).correct


def test_matching_partly_right_names_wrong_left_items() -> None:
    result = grade(MATCH, {"A": "one", "B": "three", "C": "three", "D": None})
    assert result.status == "partial" and result.message == "2 of 4 pairs are right."
    assert result.details == ("Look again at “B”.", "1 item is not paired yet.")


def test_matching_all_wrong() -> None:
    result = grade(MATCH, {"A": "four", "B": "four", "C": "four", "D": "four"})
    assert result.status == "incorrect" and result.score == 0


@pytest.mark.parametrize(("answer", "words"), [
    ({}, "at least one"), ({"A": None}, "at least one"), ({"Z": "one"}, "not one of the items"),
    ({"A": "zzz"}, "not one of the choices"), ({"A": 5}, "not one of the choices"),
    (["A", "one"], "mapping"), (None, "mapping"), (HTML, "mapping"),
    ({str(i): "one" for i in range(500)}, "far more"),
])
def test_matching_bad_input_is_invalid(answer: object, words: str) -> None:
    result = grade(MATCH, answer)
    assert result.status == "invalid" and words in result.message


# --------------------------------------------------------------------------------------------
# Data question


def test_data_right_wrong_and_named_mistakes() -> None:
    assert grade(DATA, 35593, DATA_TARGET).correct
    assert grade(DATA, " 35 593 ", DATA_TARGET).correct
    assert "low estimate" in grade(DATA, 33619, DATA_TARGET).message
    assert "thousands" in grade(DATA, 35.593, DATA_TARGET).message
    assert grade(DATA, 36000, DATA_TARGET).status == "incorrect"


@pytest.mark.parametrize("answer", [None, "", pd.Series([1, 2]), pd.DataFrame(), "many", True])
def test_data_bad_input_is_invalid(answer: object) -> None:
    assert grade(DATA, answer, DATA_TARGET).status == "invalid"


# --------------------------------------------------------------------------------------------
# Reflection


def test_reflection_is_recorded_never_graded_and_shows_model_answer() -> None:
    result = grade(REFLECTION, "Sources differ because authors stand in different places.")
    assert result.status == "recorded" and result.counts_as_try is False
    assert "Model answer: Because sources differ." in result.explanation
    assert "- Names a reason." in result.explanation


def test_reflection_keeps_html_as_text() -> None:
    assert grade(REFLECTION, f"{HTML} one two three four five").status == "recorded"


@pytest.mark.parametrize(("answer", "words"), [
    (None, "few sentences"), ("", "few sentences"), ("   ", "few sentences"),
    ("too short", "at least 5 words"), ("word " * 5000, "under 10,000"), (12, "text"),
])
def test_reflection_bad_input_is_invalid(answer: object, words: str) -> None:
    result = grade(REFLECTION, answer)
    assert result.status == "invalid" and words in result.message


# --------------------------------------------------------------------------------------------
# Reveal and the result's words and symbols


@pytest.mark.parametrize("ex", [SINGLE, SELECT, NUMBER, TEXT, ORDER, MATCH, DATA, REFLECTION],
                         ids=lambda e: e.kind)
def test_reveal_gives_answer_explanation_and_sources(ex) -> None:
    result = reveal(ex, _target(ex))
    assert result.status == "revealed" and result.sources
    text = result.text()
    assert text.startswith("↪ Answer:")
    expected = {"single_choice": "Doha", "select_all": "SHAH-2022", "number": "1,000",
                "text": "Doha", "ordering": "1. first", "matching": "A → one",
                "data": "35,593", "reflection": "Because sources differ."}[ex.kind]
    assert expected in text


def test_reveal_of_a_range() -> None:
    target = NumericTarget(low=10, high=20)
    assert "any value from 10 to 20" in reveal(NUMBER, target).message


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_a_symbol_and_words(status: str) -> None:
    text = Result(status, "message").text()
    assert text.startswith(f"{SYMBOLS[status]} {LABELS[status]}: message")


# --------------------------------------------------------------------------------------------
# Property tests: no input makes a check raise

ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary()
    | st.decimals() | st.fractions() | st.complex_numbers() | st.sampled_from([*ITEMS, "A", "B"]),
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=5) | st.sampled_from([*ITEMS, "A", "B"]), children,
                      max_size=6)
    | st.tuples(children, children)
    | st.frozensets(st.text(max_size=5), max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=ANY_VALUE)
def test_no_input_makes_a_check_raise(value: object) -> None:
    for ex in (SINGLE, SELECT, NUMBER, TEXT, ORDER, MATCH, DATA, REFLECTION):
        result = grade(ex, value, _target(ex))
        assert result.status in STATUSES
        assert result.text().startswith(result.symbol)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60) | st.from_regex(r"[ +\-−$]?[0-9 ,.]{0,12}[e%kmb]?[0-9]{0,3}"))
def test_parse_number_returns_a_finite_number_or_says_why_not(text: str) -> None:
    try:
        parsed = parse_number(text)
    except NotANumber as exc:
        assert str(exc)
    else:
        assert math.isfinite(parsed.value)


@settings(max_examples=200, deadline=None)
@given(mapping=st.dictionaries(st.sampled_from(ITEMS), st.integers(-3, 9) | st.none()))
def test_ordering_positions_never_raise(mapping: dict[str, int | None]) -> None:
    assert grade(ORDER, mapping).status in STATUSES
