"""What notebooks call: show an exercise, check a computed value, see progress, validate files.

* ``show_exercise("02-signatories")`` (also ``exercise(...)``) shows an exercise from
  ``data/exercises/`` in one line; the builders (:func:`single_choice`, :func:`select_all`,
  :func:`number_question`, :func:`text_question`, :func:`ordering_question`,
  :func:`matching_question`, :func:`data_question`, :func:`reflection_question`) make one inline,
  checked against the same schema.
* ``check("03-deaths-2021", value)`` grades a value computed in a code cell.
* ``progress()`` shows what is done, per notebook and across the course, and exports answers.
* ``validate_exercises()`` returns every problem in every exercise file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.errors import UsageError
from helpers.exercises.schema import Exercise, Problem, exercise_from_dict

_INLINE: dict[str, Exercise] = {}


def _display(obj: object) -> None:
    from IPython.display import display

    display(obj)


def _lookup(exercise_id: str) -> Exercise:
    if isinstance(exercise_id, str) and exercise_id in _INLINE:
        return _INLINE[exercise_id]
    from helpers.exercises.bank import get_exercise

    return get_exercise(exercise_id)


def exercise_view(exercise: str | Exercise) -> Any:
    """Return the displayable form of an exercise (by id, or an Exercise object)."""
    from helpers.exercises.widgets import ExerciseView

    if isinstance(exercise, ExerciseView):
        return exercise
    found = exercise if isinstance(exercise, Exercise) else _lookup(exercise)
    return ExerciseView(found)


class ExerciseProblem:
    """What a notebook shows in place of an exercise that its file defines but gets wrong.

    Displayed, not raised, so that "Run All" goes on and the notebook's other exercises work; the
    text names file, exercise and field, as ``python -m helpers.exercises`` does.
    """

    def __init__(self, exercise_id: str, problems: Sequence[Problem]) -> None:
        self.exercise_id = exercise_id
        self.problems = tuple(problems)

    def __repr__(self) -> str:
        lines = "\n".join(f"  {p}" for p in self.problems)
        return (f"⚠ Problem: exercise '{self.exercise_id}' cannot be shown until its file is "
                f"fixed:\n{lines}\nRun `python -m helpers.exercises` to check every file.")

    def _repr_html_(self) -> str:
        from html import escape

        items = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in self.problems)
        return (f'<div role="alert" style="border:2px solid #b35900;padding:0.5em 1em">'
                f"<p><strong>⚠ Problem:</strong> exercise <code>{escape(self.exercise_id)}"
                f"</code> cannot be shown until its file is fixed:</p><ul>{items}</ul>"
                "<p>Run <code>python -m helpers.exercises</code> to check every file.</p></div>")


def show_exercise(exercise: str | Exercise) -> None:
    """Show an exercise in the notebook: ``show_exercise("02-signatories")``.

    The output holds the live widget and, for GitHub, nbviewer and PDF, the question and its
    options as text. When the exercise's file has a problem, the problem is shown in its place
    (naming file, exercise and field) and the notebook runs on. Raises
    :class:`~helpers.errors.DataError` naming the id when no file defines such an exercise.
    """
    if isinstance(exercise, str) and exercise not in _INLINE:
        from helpers.exercises.bank import file_problems

        problems = file_problems(exercise)
        if problems:
            _display(ExerciseProblem(exercise, problems))
            return
    _display(exercise_view(exercise))


#: Short alias of :func:`show_exercise`.
exercise = show_exercise


def check(exercise_id: str, value: object, *, demo: bool = False) -> Any:
    """Check a value computed in a code cell: ``check("03-deaths-2021", total)``.

    Returns the feedback, which the notebook shows as text with a symbol (✓, ◐, ✗ or ⚠) and, for
    a wrong number, the likely slip (wrong year, wrong column, thousands vs units). The answer
    is saved in the progress file. Any kind of exercise can be checked this way.

    ``demo=True`` marks a worked example written by the author, not the student's answer: it is
    graded and shown as "Example only, not saved", but never saved and never counted as a try.
    Under Voilà, where a student cannot edit the cell, it shows no verdict at all.
    """
    from helpers.exercises import session
    from helpers.exercises.widgets import DemoFeedback, Feedback

    if not isinstance(exercise_id, str):
        raise UsageError("check() takes the exercise id first, as text: "
                         "check(\"03-deaths-2021\", value).")
    if not isinstance(demo, bool):
        raise UsageError("check()'s demo is True (a worked example, not saved) or False (the "
                         f"student's answer), not {demo!r}.")
    ex = _lookup(exercise_id)
    if demo:
        from helpers.exercises.grading import grade

        return DemoFeedback(exercise_id, grade(ex, value, session.target(ex)))
    return Feedback(exercise_id, session.submit(ex, value))


def progress() -> None:
    """Show the progress widget: what is done per notebook and across the course, and export."""
    from helpers.exercises.widgets import ProgressWidget

    _display(ProgressWidget())


def validate_exercises(paths: Sequence[str | Path] | None = None) -> list[Problem]:
    """Return every problem in the exercise files (default: all of ``data/exercises/``).

    Each problem prints as one line naming file, exercise id and field. An empty list means
    every file is clean. The command ``python -m helpers.exercises`` prints the same.
    """
    from helpers.exercises.bank import validate

    return validate(paths)


def export_progress(path: str | Path | None = None, *, fmt: str | None = None,
                    student: str = "") -> Path:
    """Write all saved answers to one CSV or JSON file for an instructor; return its path."""
    from helpers.exercises import session
    from helpers.exercises.progress import export_progress as _export

    return _export(path, fmt=fmt, student=student, store=session.store())


# --------------------------------------------------------------------------------------------
# Inline builders


def _options(options: object) -> object:
    """Accept options as tables or as (text, explanation) pairs."""
    if isinstance(options, (list, tuple)):
        out = []
        for option in options:
            if isinstance(option, (list, tuple)) and len(option) == 2:
                out.append({"text": option[0], "explanation": option[1]})
            else:
                out.append(option)
        return out
    return options


def _pairs(pairs: object) -> object:
    if isinstance(pairs, dict):
        return [{"left": k, "right": v} for k, v in pairs.items()]
    if isinstance(pairs, (list, tuple)):
        return [{"left": p[0], "right": p[1]} if isinstance(p, (list, tuple)) and len(p) == 2
                else p for p in pairs]
    return pairs


def make_exercise(kind: str, **fields: Any) -> Any:
    """Build an inline exercise of any kind from the same fields as the TOML files.

    Returns a displayable exercise (put it last in a cell, or pass it to ``show_exercise``).
    Raises :class:`~helpers.errors.DataError` listing every problem when a field is wrong.
    """
    from helpers.exercises.bank import _source_ids, load_bank
    from helpers.exercises.widgets import ExerciseView

    raw: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    raw["kind"] = kind
    for key in ("sources", "hints", "answers", "items", "rubric", "distractors", "range"):
        if isinstance(raw.get(key), tuple):
            raw[key] = list(raw[key])
    if "options" in raw:
        raw["options"] = _options(raw["options"])
    if "pairs" in raw:
        raw["pairs"] = _pairs(raw["pairs"])
    source_ids, _ = _source_ids()
    ex = exercise_from_dict(raw, source_ids=source_ids)
    if ex.id in load_bank().exercises:
        raise UsageError(f"the id '{ex.id}' is already used in "
                         f"{load_bank().exercises[ex.id].file}; give the inline exercise "
                         "another id.")
    _INLINE[ex.id] = ex
    return ExerciseView(ex)


def single_choice(id: str, question: str, *, options: Sequence[Any], answer: str,
                  explanation: str, sources: Sequence[str], **more: Any) -> Any:
    """Build a single-choice exercise inline; every option has an explanation."""
    return make_exercise("single_choice", id=id, question=question, options=options,
                         answer=answer, explanation=explanation, sources=sources, **more)


def select_all(id: str, question: str, *, options: Sequence[Any], answers: Sequence[str],
               explanation: str, sources: Sequence[str], **more: Any) -> Any:
    """Build a select-all-that-apply exercise inline."""
    return make_exercise("select_all", id=id, question=question, options=options,
                         answers=answers, explanation=explanation, sources=sources, **more)


def number_question(id: str, question: str, *, explanation: str, sources: Sequence[str],
                    **more: Any) -> Any:
    """Build a number exercise inline (``answer`` with ``tolerance``, or ``range``...)."""
    return make_exercise("number", id=id, question=question, explanation=explanation,
                         sources=sources, **more)


def text_question(id: str, question: str, *, answers: Sequence[str], explanation: str,
                  sources: Sequence[str], **more: Any) -> Any:
    """Build a short-text exercise inline with its accepted variants."""
    return make_exercise("text", id=id, question=question, answers=answers,
                         explanation=explanation, sources=sources, **more)


def ordering_question(id: str, question: str, *, items: Sequence[str], explanation: str,
                      sources: Sequence[str], **more: Any) -> Any:
    """Build an ordering exercise inline; ``items`` are given in the right order."""
    return make_exercise("ordering", id=id, question=question, items=items,
                         explanation=explanation, sources=sources, **more)


def matching_question(id: str, question: str, *, pairs: Any, explanation: str,
                      sources: Sequence[str], **more: Any) -> Any:
    """Build a matching exercise inline from pairs (a dict or a list of (left, right))."""
    return make_exercise("matching", id=id, question=question, pairs=pairs,
                         explanation=explanation, sources=sources, **more)


def data_question(id: str, question: str, *, explanation: str, sources: Sequence[str],
                  **more: Any) -> Any:
    """Build a data question inline (``answer`` or ``answer_from``); check it with ``check()``."""
    return make_exercise("data", id=id, question=question, explanation=explanation,
                         sources=sources, **more)


def reflection_question(id: str, question: str, *, model_answer: str, rubric: Sequence[str],
                        sources: Sequence[str], **more: Any) -> Any:
    """Build a reflection inline: saved, never graded; a model answer and rubric follow."""
    return make_exercise("reflection", id=id, question=question, model_answer=model_answer,
                         rubric=rubric, sources=sources, **more)
