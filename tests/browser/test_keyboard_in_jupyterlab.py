"""Every exercise kind answered by keyboard alone inside JupyterLab, not only in Voilà.

In JupyterLab's command mode the notebook takes the arrow keys, Space and Enter whenever the
focused element is not editable text, so without help an arrow key on a radio button or a
drop-down moves the active cell instead of the answer (see helpers.display.keyboard_guard). Here
a student clicks an exercise's question, then uses only Tab, the arrow keys, Space, typing and
Enter; the verdict must show and be saved in the progress file.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import answering, lab
from .test_notebooks_in_browser import code_cell_count

NOTEBOOK = "00_start_here.ipynb"
KINDS = {"single_choice", "select_all", "number", "text", "ordering", "matching", "reflection"}


# a whole notebook is run in JupyterLab: the longer waits of the `patient` fixture (conftest)
pytestmark = pytest.mark.usefixtures("patient")


def _active_cell(page: Any) -> int:
    return page.evaluate("""() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')]
        .findIndex(c => c.classList.contains('jp-mod-active'))""")


def test_every_kind_answers_by_keyboard_in_jupyterlab(page: Any, lab_server: Any) -> None:
    lab.open_in_lab(page, lab_server, NOTEBOOK)
    # Run All in the new kernel that open_in_lab gives the notebook, as the other tests do.
    lab.run_all_fresh(page, code_cell_count(NOTEBOOK))
    exercises = answering.exercises_in(NOTEBOOK)
    lab.wait_for_exercises(page, exercises)
    done: dict[str, str] = {}
    for ex in exercises:
        if ex.kind == "data" or ex.kind in done.values():
            continue  # a data question is answered in a code cell (test_exercises_in_browser)
        box = answering.scope(page, ex)
        box.locator(".course-question").first.click()  # the student picks the exercise's cell
        page.keyboard.press("Escape")  # command mode, where JupyterLab takes the arrow keys
        cell = _active_cell(page)
        reflection = "Where a writer stands shapes what they see. " * 3
        answering.answer_by_keyboard(page, ex, reflection if ex.kind == "reflection" else "")
        if ex.kind == "reflection":
            assert "Model answer" in answering.feedback(page, ex, "Model answer")
        else:
            assert "✓" in answering.feedback(page, ex, "✓"), ex.id
        assert _active_cell(page) == cell, f"{ex.id}: a key moved JupyterLab's active cell"
        done[ex.id] = ex.kind
    assert set(done.values()) == KINDS
    saved = answering.saved_entries(lab_server.root.parent / "lab-progress.json", done)
    for exercise_id, kind in done.items():
        want = "recorded" if kind == "reflection" else "correct"
        assert saved[exercise_id]["status"] == want, (exercise_id, saved[exercise_id])
    assert page.page_errors == []
