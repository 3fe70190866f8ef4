"""Issue 14, verdicts: a right answer is marked right and a wrong one wrong, with the right diagnosis.

Each case is what students really type or pass: wrong dates that look like spelling slips,
abbreviations with dots or spaces, words carrying invisible characters from pasted text, numbers
with invisible marks, curly apostrophes or the unit beside them, percentages where a count is
asked, pandas extension arrays, complex and masked values. Property-based tests then vary each
form over many values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers.exercises.grading import NumericTarget, grade, normalise_text
from helpers.exercises.schema import exercise_from_dict

DATE = exercise_from_dict({
    "id": "02-signed", "kind": "text", "question": "When was it signed?",
    "answers": ["29 February 2020", "2020-02-29"],
    "explanation": "On 29 February 2020.", "sources": ["DOHA-2020"],
})
ABBREV = exercise_from_dict({
    "id": "01-force", "kind": "text", "question": "Which NATO-led force?",
    "answers": ["ISAF", "International Security Assistance Force"],
    "explanation": "ISAF.", "sources": ["COURSE"],
})
WORD = exercise_from_dict({
    "id": "02-city", "kind": "text", "question": "Which city?", "answers": ["Doha"],
    "explanation": "Doha.", "sources": ["DOHA-2020"],
})
COUNT = exercise_from_dict({
    "id": "00-count", "kind": "number", "question": "How many notebooks?", "answer": 6,
    "unit": "notebooks", "explanation": "Six.", "sources": ["COURSE"],
})
COUNT_TARGET = NumericTarget(low=6, high=6, value=6, unit="notebooks")
DEATHS = exercise_from_dict({
    "id": "03-deaths", "kind": "data", "question": "How many deaths?", "answer": 20475,
    "unit": "deaths", "explanation": "20,475.", "sources": ["COURSE"],
})
DEATHS_TARGET = NumericTarget(low=20475, high=20475, value=20475, unit="deaths")
BIG_TARGET = NumericTarget(low=1_234_567, high=1_234_567, value=1_234_567)
FRACTION_TARGET = NumericTarget(low=0.119, high=0.121, value=0.12)
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u200e", "\u200f", "\u2066", "\u2069",
             "\u061c", "\u00ad", "\u2060", "\u202a", "\u202c"]


# --------------------------------------------------------------------------------------------
# Text: the typo allowance is for letters only


@pytest.mark.parametrize("answer", ["28 February 2020", "29 February 2021", "2020-02-28",
                                    "2021-02-29", "19 February 2020", "29 February 2002",
                                    "29 January 2020", "29 March 2020"])
def test_a_wrong_date_is_wrong_not_a_spelling_slip(answer: str) -> None:
    result = grade(DATE, answer)
    assert result.status == "incorrect", result.message


@pytest.mark.parametrize("answer", ["29 Febuary 2020", "29 Februray 2020", "29 february 2020"])
def test_a_misspelt_month_in_the_right_date_is_a_spelling_slip(answer: str) -> None:
    assert grade(DATE, answer).status in ("partial", "correct")


@pytest.mark.parametrize("answer", ["I.S.A.F.", "I.S.A.F", "I S A F", "i. s. a. f.", "isaf",
                                    "I.S.A.F.\u200b"])
def test_abbreviations_with_dots_or_spaces_are_right(answer: str) -> None:
    assert grade(ABBREV, answer).correct, grade(ABBREV, answer).message


@pytest.mark.parametrize("mark", INVISIBLE)
def test_invisible_characters_inside_a_word_are_ignored(mark: str) -> None:
    assert grade(WORD, f"Do{mark}ha").correct
    assert grade(WORD, f"{mark}Doha{mark}").correct


def test_soft_hyphen_in_a_long_answer() -> None:
    assert grade(ABBREV, "Inter\u00adnational Security Assis\u00adtance Force").correct


# --------------------------------------------------------------------------------------------
# Numbers as students type them


@pytest.mark.parametrize("answer", ["6\u200b", "\u200f6", "\ufeff6", "\u202a6\u202c", "6\u00ad",
                                    "\u2066" + "6" + "\u2069", "\u061c6"])
def test_invisible_marks_around_a_number_are_ignored(answer: str) -> None:
    assert grade(COUNT, answer, COUNT_TARGET).correct


@pytest.mark.parametrize("answer", ["1’234’567", "1'234'567", "1‘234‘567", "1ʼ234ʼ567",
                                    "1＇234＇567"])
def test_apostrophes_as_thousands_separators(answer: str) -> None:
    assert grade(COUNT, answer, BIG_TARGET).correct


@pytest.mark.parametrize("answer", ["1’23’4567", "12’34"])
def test_misplaced_apostrophes_are_not_a_number(answer: str) -> None:
    assert grade(COUNT, answer, BIG_TARGET).status == "invalid"


@pytest.mark.parametrize(("ex", "target", "answer"), [
    (COUNT, COUNT_TARGET, "6 notebooks"), (COUNT, COUNT_TARGET, "6 Notebooks"),
    (COUNT, COUNT_TARGET, "6notebooks"), (COUNT, COUNT_TARGET, "6 notebook"),
    (DEATHS, DEATHS_TARGET, "20475 deaths"), (DEATHS, DEATHS_TARGET, "20,475 deaths"),
    (DEATHS, DEATHS_TARGET, "20 475 deaths."), (DEATHS, DEATHS_TARGET, "20475 death"),
])
def test_the_unit_typed_next_to_the_number_is_accepted(ex, target, answer: str) -> None:
    assert grade(ex, answer, target).correct


def test_a_different_word_after_the_number_is_still_not_a_number() -> None:
    assert grade(COUNT, "6 apples", COUNT_TARGET).status == "invalid"


@pytest.mark.parametrize("answer", ["600%", "600 %", "600 percent"])
def test_a_percentage_is_not_read_as_a_count(answer: str) -> None:
    result = grade(COUNT, answer, COUNT_TARGET)
    assert not result.correct
    assert "notebooks" in result.message


def test_a_percentage_still_answers_a_fraction() -> None:
    assert grade(COUNT, "12%", FRACTION_TARGET).correct


# --------------------------------------------------------------------------------------------
# Values passed to check()


@pytest.mark.parametrize("value", [
    pd.array([20475], dtype="Int64"), pd.Series([20475], dtype="Int64").values,
    pd.array([20475.0], dtype="Float64"), pd.Series([20475], dtype="Int64"),
    pd.array([20475], dtype="Int32"), np.array([20475]), np.array([[20475]]),
    pd.Series([20475], dtype="Int64").to_frame(),
])
def test_one_value_containers_of_any_dtype_are_read(value: object) -> None:
    result = grade(DEATHS, value, DEATHS_TARGET)
    assert result.correct, result.message


@pytest.mark.parametrize("value", [
    pd.array([20000, 475], dtype="Int64"), pd.Series([20000, 475], dtype="Int64").values,
    pd.array([1.0, 2.0], dtype="Float64"), [20000, 475], (20000, 475), np.array([1, 2]),
    pd.Series([1, 2]),
])
def test_several_values_get_a_did_you_forget_to_sum_hint(value: object) -> None:
    result = grade(DEATHS, value, DEATHS_TARGET)
    assert result.status == "invalid"
    assert "sum" in result.message


@pytest.mark.parametrize("value", [
    np.complex64(20475 + 1j), np.complex64(20475), np.complex128(20475 + 0j), 20475 + 0j,
    complex(20475, 3), np.array([20475 + 1j], dtype=np.complex64),
    pd.Series([20475 + 0j]), "20475+0j",
])
def test_complex_numbers_are_refused(value: object) -> None:
    result = grade(DEATHS, value, DEATHS_TARGET)
    assert result.status == "invalid"


@pytest.mark.parametrize("value", [
    np.ma.masked, np.ma.array([20475], mask=[True]), np.ma.array([0], mask=[True]),
    np.ma.array([[5]], mask=[[True]]), pd.array([None], dtype="Int64"),
])
def test_masked_or_missing_values_are_not_read_as_zero(value: object) -> None:
    result = grade(DEATHS, value, DEATHS_TARGET)
    assert result.status == "invalid"
    assert "missing" in result.message or "masked" in result.message


def test_an_unmasked_masked_array_is_read() -> None:
    assert grade(DEATHS, np.ma.array([20475], mask=[False]), DEATHS_TARGET).correct


# --------------------------------------------------------------------------------------------
# Property-based: vary the forms over many values

VALUES = st.integers(min_value=0, max_value=10**12)
MARKS = st.sampled_from(INVISIBLE)


def _target(value: int, unit: str = "") -> NumericTarget:
    return NumericTarget(low=value, high=value, value=value, unit=unit)


def _grouped(value: int, sep: str) -> str:
    return f"{value:,}".replace(",", sep)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(VALUES, st.sampled_from([",", "’", "'", " ", "\u202f", "\u00a0", ""]), MARKS, MARKS)
def test_right_numbers_are_right_in_every_typed_form(value: int, sep: str, before: str,
                                                     after: str) -> None:
    text = f"{before}{_grouped(value, sep)}{after}"
    assert grade(COUNT, text, _target(value)).correct, text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(VALUES, st.sampled_from(["deaths", "notebooks", "people", "km", "USD"]),
       st.sampled_from(["", " "]))
def test_right_numbers_with_their_unit_are_right(value: int, unit: str, space: str) -> None:
    assert grade(COUNT, f"{value:,}{space}{unit}", _target(value, unit)).correct


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.integers(min_value=2, max_value=10**6), st.sampled_from(["%", " %", " percent"]))
def test_a_percentage_never_answers_a_count(value: int, sign: str) -> None:
    result = grade(COUNT, f"{value * 100}{sign}", _target(value, "notebooks"))
    assert not result.correct


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.integers(min_value=-10**9, max_value=10**9),
       st.sampled_from(["Int64", "Int32", "Float64", "int64", "float64", "UInt64"]))
def test_one_value_arrays_of_every_dtype_read_as_that_value(value: int, dtype: str) -> None:
    assume(value >= 0 or not dtype.startswith("U"))
    assert grade(DEATHS, pd.array([value], dtype=dtype), _target(value)).correct


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=50),
       st.sampled_from(["Int64", "Float64", "int64"]))
def test_several_values_always_get_the_sum_hint(values: list[int], dtype: str) -> None:
    result = grade(DEATHS, pd.array(values, dtype=dtype), _target(sum(values)))
    assert result.status == "invalid" and "sum" in result.message


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e9),
       st.sampled_from([complex, np.complex64, np.complex128]))
def test_complex_numbers_are_never_right(value: complex, kind: type) -> None:
    result = grade(DEATHS, kind(value), _target(round(value.real)))
    assert result.status == "invalid"


@st.composite
def dates(draw: st.DrawFn) -> tuple[str, str]:
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    day, month, year = (draw(st.integers(1, 28)), draw(st.sampled_from(months)),
                        draw(st.integers(1900, 2099)))
    day2, month2, year2 = (draw(st.integers(1, 28)), draw(st.sampled_from(months)),
                           draw(st.integers(1900, 2099)))
    assume((day, month, year) != (day2, month2, year2))
    return f"{day} {month} {year}", f"{day2} {month2} {year2}"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(dates())
def test_a_different_date_is_never_partly_right(pair: tuple[str, str]) -> None:
    right, wrong = pair
    ex = exercise_from_dict({"id": "02-d", "kind": "text", "question": "When?",
                             "answers": [right], "explanation": "Then.", "sources": ["C"]})
    assert grade(ex, wrong).status == "incorrect", (right, wrong)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=6),
       st.sampled_from([".", ". ", " ", "\u200b"]), st.booleans())
def test_abbreviations_are_right_with_dots_or_spaces(letters: str, sep: str,
                                                     trailing: bool) -> None:
    ex = exercise_from_dict({"id": "02-a", "kind": "text", "question": "Which?",
                             "answers": [letters], "explanation": "It.", "sources": ["C"]})
    typed = sep.join(letters) + (sep.strip() if trailing else "")
    assert grade(ex, typed).correct, typed


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzāīūکابل", min_size=2, max_size=15),
       st.data())
def test_invisible_characters_never_change_a_text_verdict(word: str, data: st.DataObject) -> None:
    ex = exercise_from_dict({"id": "02-w", "kind": "text", "question": "Which?",
                             "answers": [word], "explanation": "It.", "sources": ["C"]})
    at = data.draw(st.integers(0, len(word)))
    mark = data.draw(MARKS)
    assert grade(ex, word[:at] + mark + word[at:]).correct
    assert normalise_text(word[:at] + mark + word[at:]) == normalise_text(word)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.integers(0, 10**8), st.integers(0, 10**8))
def test_a_changed_number_in_a_text_answer_is_never_a_spelling_slip(a: int, b: int) -> None:
    assume(a != b)
    ex = exercise_from_dict({"id": "02-n", "kind": "text", "question": "Which?",
                             "answers": [f"Resolution {a}"], "explanation": "It.",
                             "sources": ["C"]})
    assert grade(ex, f"Resolution {b}").status == "incorrect"


# --------------------------------------------------------------------------------------------
# Found by attacking the engine beyond the listed examples


@pytest.mark.parametrize("answer", ["۲۹ February ۲۰۲۰", "٢٩ February ٢٠٢٠", "۲۰۲۰-۰۲-۲۹"])
def test_dari_and_arabic_digits_in_a_date(answer: str) -> None:
    assert grade(DATE, answer).correct


@pytest.mark.parametrize("answer", ["۲۰٬۴۷۵", "٢٠٤٧٥", "۲۰,۴۷۵ deaths", "\u200f۲۰۴۷۵"])
def test_dari_and_arabic_digits_in_a_number(answer: str) -> None:
    assert grade(DEATHS, answer, DEATHS_TARGET).correct


def test_a_name_that_looks_like_a_month_keeps_its_spelling_allowance() -> None:
    ex = exercise_from_dict({"id": "02-p", "kind": "text", "question": "Who?",
                             "answers": ["Jana Smith"], "explanation": "Her.", "sources": ["C"]})
    assert grade(ex, "Jane Smith").status == "partial"


def test_a_misspelt_number_word_is_a_spelling_slip_a_different_one_is_wrong() -> None:
    ex = exercise_from_dict({"id": "02-w", "kind": "text", "question": "Which war?",
                             "answers": ["Second Anglo-Afghan War"], "explanation": "It.",
                             "sources": ["C"]})
    assert grade(ex, "Secnd Anglo-Afghan War").status == "partial"
    assert grade(ex, "Third Anglo-Afghan War").status == "incorrect"


def test_ordering_positions_may_be_numpy_integers() -> None:
    items = ["a", "b", "c", "d"]
    ex = exercise_from_dict({"id": "02-o", "kind": "ordering", "question": "Order.",
                             "items": items, "explanation": "So.", "sources": ["C"]})
    assert grade(ex, {item: np.int64(i + 1) for i, item in enumerate(items)}).correct


def test_deeply_nested_one_value_lists_are_refused_not_a_crash() -> None:
    value: object = 6
    for _ in range(5000):
        value = [value]
    assert grade(COUNT, value, COUNT_TARGET).status == "invalid"
    assert grade(COUNT, [6], COUNT_TARGET).correct


def test_matching_and_ordering_given_in_code_fold_case_and_invisible_marks() -> None:
    match = exercise_from_dict({
        "id": "04-m", "kind": "matching", "question": "Match.",
        "pairs": [{"left": "Qatar", "right": "hosted the talks"},
                  {"left": "Pakistan", "right": "borders Afghanistan"}],
        "explanation": "So.", "sources": ["C"]})
    typed = {"qatar\u200b": "Hosted the talks", " PAKISTAN": "borders  afghanistan"}
    assert grade(match, typed).correct
    items = ["Bonn Agreement", "Doha Agreement", "Kabul falls", "UN resolution 2593"]
    order = exercise_from_dict({"id": "04-o", "kind": "ordering", "question": "Order.",
                                "items": items, "explanation": "So.", "sources": ["C"]})
    assert grade(order, {item.lower(): i + 1 for i, item in enumerate(items)}).correct
    assert grade(order, {"Bonn agreement!!": 1}).status == "invalid"  # the rest are missing

