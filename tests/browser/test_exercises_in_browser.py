"""Exercises answered in a real browser: mouse, keyboard only, and hostile input.

Every notebook's exercises are found from its show_exercise(...) calls, and their right and wrong
answers from data/exercises/, so a new notebook or exercise is covered without a new test.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat

from helpers.paths import notebooks_dir

from . import answering, lab
from .test_notebooks_in_browser import code_cell_count

WRONG = re.compile("[✗◐]")
PER_NOTEBOOK = 3
XSS = "<b>bold</b><script>window.__course_xss = 1</script><img src=x onerror=\"window.__course_xss=2\">"


def tried(notebook: str) -> list[Any]:
    """The exercises answered wrongly and then rightly: up to three graded in the widget."""
    graded = [ex for ex in answering.exercises_in(notebook)
              if ex.kind in answering.GRADED_IN_WIDGET]
    assert len(graded) >= 2, f"{notebook} shows fewer than two exercises graded in a widget"
    return graded[:PER_NOTEBOOK]


def wrong_then_right(page: Any, notebook: str) -> None:
    """Answer a lesson's exercises wrong, then right, with the mouse; check each verdict.

    test_notebooks_in_browser calls this on every lesson, in JupyterLab and in Voilà, in the
    same opening that checks the lesson for errors and audits it.
    """
    for ex in answering.exercises_in(notebook):
        answering.scope(page, ex).wait_for(timeout=lab.RUN_SECONDS * 1000)
        assert answering.scope(page, ex).count() == 1, f"{ex.id} is rendered more than once"
    for ex in tried(notebook):
        answering.enter(page, ex, answering.wrong_answer(ex))
        page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
        answering.press_check(page, ex)
        page.wait_for_function(
            "(cls) => /[✗◐]/.test(document.querySelector('.' + cls + ' .course-feedback')"
            ".innerText)", arg=f"course-exid-{ex.id}", timeout=20_000)
        text = answering.scope(page, ex).locator(".course-feedback").first.inner_text()
        assert WRONG.search(text) and "✓" not in text, (ex.id, text)
        answering.enter(page, ex, answering.right_answer(ex))
        page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
        answering.press_check(page, ex)
        text = answering.feedback(page, ex, "✓")
        assert "✓" in text and re.search(r"\[[A-Z][A-Za-z0-9.\-]+\]", text), (ex.id, text)


def test_every_kind_answers_by_keyboard_only(page: Any, voila_server: Any) -> None:
    """Notebook 00 shows every kind; each is answered with Tab, arrows, Space and Enter."""
    notebook = "00_start_here.ipynb"
    lab.open_in_voila(page, voila_server, notebook)
    lab.wait_for_exercises(page, answering.exercises_in(notebook))
    done = set()
    for ex in answering.exercises_in(notebook):
        if ex.kind == "data" or ex.kind in done:
            continue  # a data question is answered in a code cell: see the JupyterLab test below
        page.locator("body").click(position={"x": 2, "y": 2})
        reflection = "Where a writer stands shapes what they see. " * 3
        answering.answer_by_keyboard(page, ex, reflection if ex.kind == "reflection" else "")
        if ex.kind == "reflection":
            shown = answering.feedback(page, ex, "Model answer")
            assert "not graded" in shown and "What a good answer does" in shown, shown
        else:
            assert "✓" in answering.feedback(page, ex, "✓"), ex.id
        done.add(ex.kind)
    assert done == {"single_choice", "select_all", "number", "text", "ordering", "matching",
                    "reflection"}


def test_html_typed_by_a_student_shows_as_text(page: Any, voila_server: Any) -> None:
    notebook = "00_start_here.ipynb"
    lab.open_in_voila(page, voila_server, notebook)
    exercises = answering.exercises_in(notebook)
    lab.wait_for_exercises(page, exercises)
    text_ex = next(ex for ex in exercises if ex.kind == "text")
    answering.enter(page, text_ex, XSS)
    page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
    answering.press_check(page, text_ex)
    shown = answering.feedback(page, text_ex, "✗")
    assert "<b>bold</b>" in shown or "&lt;b&gt;" not in shown
    assert answering.scope(page, text_ex).locator(".course-feedback b:text('bold')").count() == 0
    reflection = next(ex for ex in exercises if ex.kind == "reflection")
    box = answering.scope(page, reflection)
    box.locator("textarea").fill(XSS + " and some more words to reach the minimum length here")
    answering.button(page, reflection, "Save my answer").click()
    page.wait_for_timeout(1_000)
    assert page.evaluate("() => window.__course_xss") is None
    assert box.locator("script").count() == 0
    assert answering.scope(page, text_ex).locator("script").count() == 0


def test_a_data_question_answers_by_keyboard_in_jupyterlab(page: Any, lab_server: Any) -> None:
    """A data question is answered in a code cell: reach it with arrow keys, edit, Shift+Enter."""
    notebook = "00_start_here.ipynb"
    nb = nbformat.read(notebooks_dir() / notebook, as_version=4)
    # the student's template, not the worked example above it (check(..., demo=True))
    target = next(i for i, cell in enumerate(nb.cells)
                  if cell.cell_type == "code" and 'check("00-deaths-2020"' in cell.source
                  and "demo=True" not in cell.source)
    assert nb.cells[target].source.startswith("year = None\n")
    lab.open_in_lab(page, lab_server, notebook)
    lab.run_all_fresh(page, code_cell_count(notebook))
    page.locator(".jp-Notebook").first.focus()
    page.keyboard.press("Escape")  # command mode
    for _ in range(len(nb.cells) + 2):
        page.keyboard.press("ArrowUp")  # to the first cell
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # edit mode
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    for _ in range(len("None")):
        page.keyboard.press("Backspace")
    page.keyboard.type("2020")
    page.keyboard.press("Shift+Enter")
    cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(target)
    cell.locator(".jp-OutputArea-output", has_text="✓").wait_for(timeout=60_000)
    assert "year = 2020" in cell.locator(".jp-InputArea").inner_text()
    assert page.page_errors == []
