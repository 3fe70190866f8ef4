"""Bank-wide checks that keep answer keys honest: no giveaway option, no answer in the lead-in.

Two slips make an exercise test nothing. When the right option is usually the longest (the most
careful, most hedged wording), a student can guess it without reading the lesson; and when the
markdown cell just before an exercise states its answer, the student only copies it.
:func:`longest_right_options` finds the choice exercises whose right option is the longest, and
:func:`answers_in_lead_ins` finds exercises whose answer text appears in the markdown cell right
before the cell that shows them. The test suite runs both over every exercise file and every
notebook, so they apply to lessons written later too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.errors import DataError
from helpers.exercises.schema import Exercise

#: The largest share of choice exercises whose right option may be the longest.
MAX_LONGEST_RIGHT_SHARE = 1 / 3

_SHOW = re.compile(r"""\b(?:show_exercise|exercise)\(\s*["']([^"']+)["']""")


def is_longest_right(ex: Exercise) -> bool:
    """True when a choice exercise's longest option (in characters) is a right one.

    A tie counts against the exercise: if a right option is as long as the longest wrong one,
    length does not point away from it. Other kinds are never counted.
    """
    if ex.kind not in ("single_choice", "select_all"):
        return False
    right = set(ex.answers) if ex.kind == "select_all" else {ex.answer}
    longest = max(len(o.text.strip()) for o in ex.options)
    return any(len(o.text.strip()) == longest for o in ex.options if o.text in right)


def longest_right_options(exercises: Iterable[Exercise]) -> tuple[list[str], int]:
    """Return the ids of choice exercises whose right option is the longest, and how many
    choice exercises there are in all."""
    choice = [ex for ex in exercises if ex.kind in ("single_choice", "select_all")]
    return [ex.id for ex in choice if is_longest_right(ex)], len(choice)


def _numbers(value: float) -> list[str]:
    if float(value).is_integer():
        whole = int(value)
        return sorted({f"{whole:,}", str(whole), f"{whole:,}".replace(",", " ")})
    return [f"{value:g}", f"{value:,.2f}".rstrip("0").rstrip(".")]


def answer_texts(ex: Exercise, computed: float | None = None) -> list[str]:
    """Return the texts that would give an exercise away if a lead-in stated them.

    The right option(s) of a choice exercise, every accepted answer of a text question, and the
    number of a number or data question (``computed`` is a data question's key on the current
    data), written with and without thousands separators. Ordering, matching and reflection
    exercises have no single answer text and give an empty list.
    """
    if ex.kind == "single_choice":
        return [ex.answer]
    if ex.kind in ("select_all", "text"):
        return list(ex.answers)
    if ex.kind in ("number", "data"):
        value = computed if computed is not None else ex.answer
        return _numbers(value) if value is not None else []
    return []


def _normal(text: str) -> str:
    text = re.sub(r"[*_`]", "", text)  # markdown emphasis and code marks
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


def text_contains(haystack: str, needle: str) -> bool:
    """True when ``needle`` appears in ``haystack`` as whole words, ignoring case, spacing and
    markdown marks (so 'UAE' is found in 'the UAE,' but not in 'UAEs' or 'QUAEST')."""
    needle = _normal(needle)
    if not needle:
        return False
    pattern = r"(?<![\w])" + re.escape(needle) + r"(?![\w])"
    return re.search(pattern, _normal(haystack)) is not None


@dataclass(frozen=True)
class LeadInProblem:
    """An exercise whose answer appears in the markdown cell just before it."""

    notebook: str
    cell: int
    exercise_id: str
    answer: str

    def __str__(self) -> str:
        return (f"{self.notebook}: cell {self.cell} shows exercise '{self.exercise_id}', and the "
                f"markdown cell before it already says its answer '{self.answer}'; move that "
                "text after the exercise or ask something the student must work out.")


def lead_ins(cells: Sequence[dict]) -> list[tuple[int, str, str]]:
    """Return (cell index, exercise id, lead-in markdown) for each exercise a notebook shows.

    The lead-in is the last markdown cell before the code cell that calls ``show_exercise``;
    code cells in between (a table, a chart) do not end it. An exercise with no markdown cell
    before it has an empty lead-in.
    """
    found = []
    last_markdown = ""
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            last_markdown = source
        elif cell.get("cell_type") == "code":
            for match in _SHOW.finditer(source):
                found.append((index, match.group(1), last_markdown))
    return found


def answers_in_lead_ins(notebook: Path, exercises: dict[str, Exercise],
                        computed: dict[str, float] | None = None) -> list[LeadInProblem]:
    """Return every exercise in ``notebook`` whose answer text is in its lead-in markdown."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{notebook.name}: cannot read the notebook's cells ({exc}).") from None
    problems = []
    for index, exercise_id, lead_in in lead_ins(cells):
        ex = exercises.get(exercise_id)
        if ex is None:
            continue  # an unknown id is reported by the notebook itself when it runs
        for answer in answer_texts(ex, (computed or {}).get(exercise_id)):
            if text_contains(lead_in, answer):
                problems.append(LeadInProblem(notebook.name, index, exercise_id, answer))
                break
    return problems
