"""Accessibility audit (axe-core, WCAG 2.1 A and AA) of every notebook as students see it.

Each notebook is run in JupyterLab (Run All in a fresh kernel) and rendered as a Voilà app, then
audited with :mod:`tests.browser.a11y` by :func:`check_accessible`, which
test_notebooks_in_browser calls in the same opening that checks the lesson runs and answers its
exercises. A serious or critical violation in the course's own content
(markdown, charts, tables, exercise widgets, explorers, the progress panel) fails the test; what
comes from JupyterLab's or Voilà's own interface is written to test-artifacts/a11y-*.json and
summarised on stdout as known and not ours.
"""

from __future__ import annotations

from typing import Any

from . import a11y
from .conftest import ARTIFACTS


def check_accessible(page: Any, name: str) -> None:
    """Audit the page; fail on serious or critical violations in the course's own content.

    test_notebooks_in_browser calls this on every lesson, in JupyterLab and in Voilà, in the
    same opening that runs the lesson and answers its exercises.
    """
    result = a11y.audit(page, name)
    result.write(ARTIFACTS)
    print(result.summary())
    blocking = result.blocking()
    assert not blocking, (f"{len(blocking)} serious or critical accessibility violations in the "
                          "course's own content:\n" + "\n".join(f.line() for f in blocking))


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
