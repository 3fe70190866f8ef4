"""Answer an exercise in the browser the way a student does, by mouse or by keyboard.

The right and wrong answers are derived from the exercise's own data (data/exercises/*.toml), so
any exercise in any notebook can be answered without writing a test for it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat

from helpers.exercises.answers import target_for
from helpers.exercises.bank import get_exercise
from helpers.exercises.schema import Exercise
from helpers.paths import notebooks_dir

#: Kinds answered through controls and graded (data questions are answered in a code cell;
#: reflections are never graded).
GRADED_IN_WIDGET = ("single_choice", "select_all", "number", "text", "ordering", "matching")
SHOW_CALL = re.compile(r"""show_exercise\(\s*["']([^"']+)["']""")
WRONG_TEXT = "Zzyzx"
FEEDBACK_SECONDS = 20
#: A person takes far longer than this between changing a control and pressing Check. The pause
#: is needed because ipywidgets buffers rapid state updates until the kernel acknowledges the
#: previous one, while a button click is sent at once: a click within milliseconds of the last
#: change can reach the kernel first.
HUMAN_PAUSE_MS = 600


def exercises_in(notebook: str) -> list[Exercise]:
    """Return the exercises a notebook shows, in the order it shows them."""
    nb = nbformat.read(notebooks_dir() / notebook, as_version=4)
    ids = [m for cell in nb.cells if cell.cell_type == "code" for m in SHOW_CALL.findall(cell.source)]
    return [get_exercise(i) for i in ids]


def exact(text: str) -> re.Pattern[str]:
    """Match a label exactly, whatever white space it shows.

    ipywidgets writes no-break spaces in options, and a check box's text content starts with the
    zero-width space of its hidden description label.
    """
    words = r"\s+".join(re.escape(word) for word in text.split())
    return re.compile(rf"^[\s\u200b]*{words}[\s\u200b]*$")


def right_answer(ex: Exercise) -> Any:
    """Return the answer that grades as right, in the form :func:`enter` takes."""
    if ex.kind == "single_choice":
        return ex.answer
    if ex.kind == "select_all":
        return list(ex.answers)
    if ex.kind == "number":
        target = target_for(ex)
        value = target.value if target.value is not None else (target.low + target.high) / 2
        return f"{value:g}"
    if ex.kind == "text":
        return ex.answers[0]
    if ex.kind == "ordering":
        return {item: i + 1 for i, item in enumerate(ex.items)}
    if ex.kind == "matching":
        return dict(ex.pairs)
    raise ValueError(f"{ex.id}: no widget answer for kind {ex.kind}")


def wrong_answer(ex: Exercise) -> Any:
    """Return an answer that grades as wrong (✗), in the form :func:`enter` takes."""
    if ex.kind == "single_choice":
        return next(o.text for o in ex.options if o.text != ex.answer)
    if ex.kind == "select_all":
        return [next(o.text for o in ex.options if o.text not in ex.answers)]
    if ex.kind == "number":
        target = target_for(ex)
        return f"{abs(target.high) * 7 + 12345:g}"
    if ex.kind == "text":
        return WRONG_TEXT
    if ex.kind == "ordering":
        n = len(ex.items)
        return {item: n - i for i, item in enumerate(ex.items)}
    if ex.kind == "matching":
        lefts = [left for left, _ in ex.pairs]
        rights = [right for _, right in ex.pairs]
        return dict(zip(lefts, rights[1:] + rights[:1], strict=True))
    raise ValueError(f"{ex.id}: no widget answer for kind {ex.kind}")


def scope(page: Any, ex: Exercise) -> Any:
    """Return the locator of one exercise's widget on the page."""
    return page.locator(f".course-exid-{ex.id}")


def _dropdown(box: Any, label: str) -> Any:
    return box.locator(".widget-dropdown").filter(
        has=box.page.locator("label", has_text=exact(label))).locator("select")


def enter(page: Any, ex: Exercise, answer: Any) -> None:
    """Put an answer into an exercise's controls with the mouse and the keyboard's typing."""
    box = scope(page, ex)
    if ex.kind == "single_choice":
        box.locator(".widget-radio-box label").filter(has_text=exact(answer)).locator(
            "input").check()
    elif ex.kind == "select_all":
        for option in ex.options:
            checkbox = box.locator(".widget-checkbox").filter(has_text=exact(option.text)).locator(
                "input")
            checkbox.set_checked(option.text in answer)
    elif ex.kind in ("number", "text"):
        field = box.locator(".widget-text input")
        field.fill(answer)
        field.press("Enter")
    elif ex.kind in ("ordering", "matching"):
        for left, choice in answer.items():
            _dropdown(box, left).select_option(label=str(choice))
    else:
        raise ValueError(f"{ex.id}: cannot enter an answer for kind {ex.kind}")


def button(page: Any, ex: Exercise, label: str) -> Any:
    """Return an exercise's button by its visible label."""
    return scope(page, ex).locator("button").filter(has_text=exact(label))


def press_check(page: Any, ex: Exercise) -> None:
    button(page, ex, "Check").click()


def feedback(page: Any, ex: Exercise, symbol: str) -> str:
    """Wait for feedback that starts with ``symbol`` and return its text."""
    area = scope(page, ex).locator(".course-feedback").filter(has_text=symbol).first
    area.wait_for(timeout=FEEDBACK_SECONDS * 1000)
    return area.inner_text()


# --------------------------------------------------------------------------------------------
# Keyboard only


def _focus_inside(page: Any, ex: Exercise) -> bool:
    return page.evaluate(
        "(cls) => !!(document.activeElement && document.activeElement.closest('.' + cls))",
        f"course-exid-{ex.id}")


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate("""() => {
        const e = document.activeElement;
        const label = e.closest('.widget-inline-hbox, .widget-checkbox, .widget-radio-box label');
        const clean = (t) => (t || '').replace(/\u00a0/g, ' ').trim();
        return {tag: e.tagName.toLowerCase(), type: e.type || '', text: clean(e.innerText),
                label: label ? clean(label.innerText) : ''};
    }""")


def tab_to(page: Any, ex: Exercise, predicate: Any, limit: int = 400) -> None:
    """Press Tab until the focused element is inside the exercise and satisfies ``predicate``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focus_inside(page, ex) and predicate(_focused(page)):
            return
    raise AssertionError(f"{ex.id}: Tab never reached the wanted control")


def _select_by_arrows(page: Any, wanted: str, limit: int = 40) -> None:
    """With a <select> focused, press ArrowDown until its chosen option reads ``wanted``."""
    seen: list[str] = []
    for _ in range(limit):
        chosen = page.evaluate("""() => {
            const e = document.activeElement;
            return e.selectedIndex >= 0
                ? e.options[e.selectedIndex].text.replace(/\u00a0/g, ' ') : '';
        }""")
        if chosen.strip() == wanted:
            return
        seen.append(chosen)
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"arrow keys never reached option {wanted!r}; saw {seen[:12]}")


def answer_by_keyboard(page: Any, ex: Exercise, text_answer: str = "") -> None:
    """Answer an exercise rightly with Tab, arrow keys, Space and Enter only, then check it."""
    if ex.kind == "single_choice":
        tab_to(page, ex, lambda f: f["type"] == "radio")
        for _ in range(len(ex.options) + 1):
            if _focused(page)["label"] == ex.answer and page.evaluate(
                    "() => document.activeElement.checked"):
                break
            page.keyboard.press("ArrowDown")
            if page.evaluate("() => document.activeElement.type") != "radio":
                break
        page.keyboard.press("Space")
    elif ex.kind == "select_all":
        for option in ex.options:
            if option.text in ex.answers:
                tab_to(page, ex, lambda f, t=option.text: f["type"] == "checkbox"
                       and f["label"] == t)
                page.keyboard.press("Space")
    elif ex.kind in ("number", "text", "reflection"):
        kind = "textarea" if ex.kind == "reflection" else "input"
        tab_to(page, ex, lambda f: f["tag"] == kind and f["type"] in ("text", "textarea"))
        page.keyboard.type(text_answer or str(right_answer(ex)))
        if ex.kind != "reflection":
            page.keyboard.press("Enter")
    elif ex.kind in ("ordering", "matching"):
        for left, choice in right_answer(ex).items():
            tab_to(page, ex, lambda f, t=left: f["tag"] == "select" and f["label"].startswith(t))
            _select_by_arrows(page, str(choice))
    else:
        raise ValueError(f"{ex.id}: kind {ex.kind} is answered in a code cell")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    button = "Save my answer" if ex.kind == "reflection" else "Check"
    tab_to(page, ex, lambda f: f["tag"] == "button" and f["text"].strip() == button)
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.keyboard.press("Enter")


#: A Check shows its verdict at once and saves the try once the values have settled
#: (helpers.exercises.widgets.CHECK_SETTLE_SECONDS, restarted by late values up to
#: CHECK_SETTLE_LIMIT), so a progress file can lag the feedback by a moment.
SAVE_WAIT_SECONDS = 15


def saved_entries(path: Path, ids: Iterable[str]) -> dict[str, Any]:
    """The progress file's entries once every id in ``ids`` has been saved (or after the wait)."""
    wanted = set(ids)
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while True:
        entries: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            entries = json.loads(path.read_text(encoding="utf-8"))["exercises"]
        if wanted <= set(entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)

