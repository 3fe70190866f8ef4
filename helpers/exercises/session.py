"""What happens when a student checks an answer, shared by the widgets and by ``check()``.

:func:`submit` grades an answer (computing a data question's key from the data), saves it in the
progress file and counts the try; :func:`reveal_answer` and :func:`next_hint` do the same for the
"Show answer" and "Hint" buttons. Tries and hints are counted per exercise for the running kernel,
so a ``check()`` call in one cell makes the "Show answer" button of that exercise's widget appear
in another; widgets register to be told.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

from helpers.exercises.grading import NumericTarget, Result, grade, reveal
from helpers.exercises.progress import ProgressStore, progress_path
from helpers.exercises.schema import Exercise

#: Longest answer text kept in the progress file.
MAX_SAVED_CHARS = 10_000


@dataclass
class Attempts:
    """Tries, hints shown and whether the answer was revealed, for one exercise this session."""

    tries: int = 0
    hints: int = 0
    revealed: bool = False
    #: the last answer counted as a try (its saved form); the same answer again is not a new try
    last_counted: Any = None


_ATTEMPTS: dict[str, Attempts] = {}
_LISTENERS: dict[str, weakref.WeakSet[Any]] = {}
_STORES: dict[str, ProgressStore] = {}


def attempts(exercise_id: str) -> Attempts:
    """Return this session's counters for an exercise."""
    return _ATTEMPTS.setdefault(exercise_id, Attempts())


def reset() -> None:
    """Forget this session's counters (the progress file is untouched); used by tests."""
    _ATTEMPTS.clear()
    _STORES.clear()


def subscribe(exercise_id: str, listener: Any) -> None:
    """Register an object whose ``refresh()`` is called after each submit for the exercise."""
    _LISTENERS.setdefault(exercise_id, weakref.WeakSet()).add(listener)


def _notify(exercise_id: str) -> None:
    for listener in list(_LISTENERS.get(exercise_id, ())):
        listener.refresh()


def store() -> ProgressStore:
    """Return the progress store of the current progress file (``AFG_COURSE_PROGRESS``)."""
    path = progress_path()
    key = str(path)
    if key not in _STORES:
        _STORES[key] = ProgressStore(path)
    return _STORES[key]


def target(ex: Exercise) -> NumericTarget | None:
    """Return the target of a number or data question (computed from the data if need be)."""
    if ex.kind not in ("number", "data"):
        return None
    from helpers.exercises.answers import target_for

    return target_for(ex)


def saved_form(value: object, depth: int = 0) -> Any:
    """Return an answer as JSON-ready data for the progress file (text kept exactly, capped)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value[:MAX_SAVED_CHARS]
    if isinstance(value, int) and abs(value) < 2**63:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth < 2 and isinstance(value, dict):
        return {str(k)[:500]: saved_form(v, depth + 1) for k, v in list(value.items())[:100]}
    if depth < 2 and isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [saved_form(v, depth + 1) for v in list(items)[:100]]
    try:
        number = float(value)  # numpy and other number types
    except (TypeError, ValueError, OverflowError):
        try:
            return repr(value)[:500]
        except (RecursionError, ValueError):  # a structure nested too deeply to print
            return f"<a {type(value).__name__} nested too deeply to save>"
    return number if math.isfinite(number) else str(number)


def preview(ex: Exercise, answer: object) -> Result:
    """Grade an answer without saving it or counting a try (feedback shown while a click
    settles; :func:`submit` records the answer once it has)."""
    return grade(ex, answer, target(ex))


def submit(ex: Exercise, answer: object) -> Result:
    """Grade an answer, save it in the progress file and count the try; return the result.

    The same answer checked again straight after (a repeated click) is saved but is not a new
    try.
    """
    result = grade(ex, answer, target(ex))
    state = attempts(ex.id)
    saved = saved_form(answer)
    counts = result.counts_as_try and (state.last_counted is None
                                       or state.last_counted != ("answer", saved))
    if counts:
        state.tries += 1
        state.last_counted = ("answer", saved)
    if result.counts_as_try or result.status == "recorded":
        store().record(ex.id, notebook=ex.notebook or "inline", kind=ex.kind,
                       answer=saved, status=result.status, score=result.score,
                       counts_as_try=counts)
    _notify(ex.id)
    return result


def can_reveal(ex: Exercise) -> bool:
    """True when the student has tried enough times to be offered the answer."""
    return ex.kind != "reflection" and attempts(ex.id).tries >= ex.tries_before_reveal


def reveal_answer(ex: Exercise) -> Result:
    """Return the answer with its explanation, and save that it was revealed."""
    result = reveal(ex, target(ex))
    attempts(ex.id).revealed = True
    store().record_event(ex.id, notebook=ex.notebook or "inline", kind=ex.kind, event="reveal")
    _notify(ex.id)
    return result


def next_hint(ex: Exercise) -> tuple[int, str] | None:
    """Return (number, text) of the next hint, or None when all are shown; save that it was."""
    state = attempts(ex.id)
    if state.hints >= len(ex.hints):
        return None
    state.hints += 1
    store().record_event(ex.id, notebook=ex.notebook or "inline", kind=ex.kind, event="hint")
    return state.hints, ex.hints[state.hints - 1]

