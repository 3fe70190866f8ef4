"""Every notebook, as a student sees it: run in JupyterLab and rendered as a Voilà app.

Each lesson is opened once per front end and then checked in the order a student meets it: it
runs (or renders) without errors, its charts carry alt text, the accessibility audit of
test_accessibility_in_browser passes on the page as first shown, and its exercises answer wrong
and then right as in test_exercises_in_browser. One opening serves all three checks: running a
lesson is most of what each costs, and doing it three times tripled the browser tests' time.

The notebooks are discovered from notebooks/, so a new notebook is covered without a new test.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest

from helpers.paths import notebooks_dir

from . import answering, lab

NOTEBOOKS = sorted(p.name for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def code_cell_count(name: str) -> int:
    nb = nbformat.read(notebooks_dir() / name, as_version=4)
    return sum(1 for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_lesson_in_jupyterlab(page: Any, lab_server: Any, notebook: str, patient: None) -> None:
    """Run all in a fresh kernel: no errors, charts with alt text, audit passes, exercises work."""
    from .test_accessibility_in_browser import check_accessible
    from .test_exercises_in_browser import wrong_then_right

    lab.open_in_lab(page, lab_server, notebook)
    lab.run_all_fresh(page, code_cell_count(notebook))
    assert lab.error_outputs(page) == []
    assert page.page_errors == []
    # every chart is an image with alt text (the hidden, empty image of the access helper,
    # helpers.display.access_helper, is not content: alt="" marks it decorative)
    images = page.locator(".jp-OutputArea-output img:not(.course-access-helper)")
    alts = [images.nth(i).get_attribute("alt") or "" for i in range(images.count())]
    assert all(len(alt) > 20 for alt in alts), alts
    lab.wait_for_exercises(page, answering.exercises_in(notebook))
    check_accessible(page, f"jupyterlab {notebook}")
    wrong_then_right(page, notebook)
    assert page.page_errors == []


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_lesson_in_voila(page: Any, voila_server: Any, notebook: str, patient: None) -> None:
    """Render as an app: no errors, no code, audit passes, exercises answer wrong then right."""
    from .test_accessibility_in_browser import check_accessible
    from .test_exercises_in_browser import wrong_then_right

    lab.open_in_voila(page, voila_server, notebook)
    body = page.locator("body").inner_text()
    assert "There was an error when executing cell" not in body
    assert "Traceback" not in body
    assert lab.error_outputs(page) == []
    # code is hidden in Voilà: no input areas
    assert page.locator(".jp-InputArea-editor").count() == 0
    # nor any verdict on a check() the student did not make and cannot edit
    outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
    assert "Not right yet" not in outputs and "Example only" not in outputs
    source = (notebooks_dir() / notebook).read_text(encoding="utf-8")
    if "demo=True" in source:
        assert "This cell shows how check() works" in outputs
    assert page.page_errors == []
    lab.wait_for_exercises(page, answering.exercises_in(notebook))
    check_accessible(page, f"voila {notebook}")
    wrong_then_right(page, notebook)
    assert page.page_errors == []
