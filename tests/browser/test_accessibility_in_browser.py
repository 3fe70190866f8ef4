"""Accessibility audit (axe-core, WCAG 2.1 A and AA) of every notebook as students see it.

Each notebook is run in JupyterLab (Run All in a fresh kernel) and rendered as a Voilà app, then
audited with :mod:`tests.browser.a11y`. A serious or critical violation in the course's own content
(markdown, charts, tables, exercise widgets, explorers, the progress panel) fails the test; what
comes from JupyterLab's or Voilà's own interface is written to test-artifacts/a11y-*.json and
summarised on stdout as known and not ours.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import a11y, answering, lab
from .conftest import ARTIFACTS
from .test_notebooks_in_browser import NOTEBOOKS, code_cell_count


@pytest.fixture(autouse=True)
def patient(page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening JupyterLab and running a whole notebook on a busy machine (two cores shared by
    other work) can take longer than Playwright's and lab's default waits."""
    monkeypatch.setattr(lab, "RUN_SECONDS", 3 * lab.RUN_SECONDS)
    page.set_default_navigation_timeout(lab.RUN_SECONDS * 1000)


def _check(page: Any, name: str) -> None:
    result = a11y.audit(page, name)
    result.write(ARTIFACTS)
    print(result.summary())
    blocking = result.blocking()
    assert not blocking, (f"{len(blocking)} serious or critical accessibility violations in the "
                          "course's own content:\n" + "\n".join(f.line() for f in blocking))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_course_content_is_accessible_in_jupyterlab(page: Any, lab_server: Any,
                                                      notebook: str) -> None:
    lab.open_in_lab(page, lab_server, notebook)
    lab.run_all_fresh(page, code_cell_count(notebook))
    lab.wait_for_exercises(page, answering.exercises_in(notebook))
    _check(page, f"jupyterlab {notebook}")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_course_content_is_accessible_in_voila(page: Any, voila_server: Any,
                                                 notebook: str) -> None:
    lab.open_in_voila(page, voila_server, notebook)
    lab.wait_for_exercises(page, answering.exercises_in(notebook))
    _check(page, f"voila {notebook}")


def test_the_audit_finds_and_splits_violations(page: Any) -> None:
    """The wrapper itself: an unlabelled image in an output is ours, a bare button is not."""
    page.set_content(
        "<html lang='en'><head><title>t</title></head><body><main>"
        "<div class='jp-Toolbar'><button></button></div>"
        "<div class='jp-OutputArea-output'><img src='data:,'><select><option>a</option>"
        "</select></div></main></body></html>")
    result = a11y.audit(page, "self-test")
    ours = {f.rule for f in result.ours}
    assert {"image-alt", "select-name"} <= ours, result.summary()
    assert {f.rule for f in result.interface} == {"button-name"}, result.summary()
    assert {f.rule for f in result.blocking()} >= {"image-alt", "select-name"}
