"""The browser tests' waits themselves: a widget Voilà cannot draw, or an exercise that is not on
the page, fails the wait with an account of the page, instead of passing or hanging.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import nbformat
import pytest

from . import answering, lab

NOTEBOOK = "00_start_here.ipynb"


def test_a_widget_voila_cannot_draw_fails_after_one_more_load(
        page: Any, voila_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A notebook whose saved outputs show one widget more than a run draws: its last cell
    # closes the widget it displays, so the page can only say "model not found".
    nb = nbformat.read(voila_server.root / NOTEBOOK, as_version=4)
    cell = nbformat.v4.new_code_cell(
        "import ipywidgets\nbutton = ipywidgets.Button(description='gone')\n"
        "display(button)\nbutton.close()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        lab.WIDGET_MIME: {"model_id": "closed", "version_major": 2, "version_minor": 0}})]
    nb.cells.append(cell)
    nbformat.write(nb, voila_server.root / "closed_widget.ipynb")
    expected = lab.widget_outputs(voila_server.root / "closed_widget.ipynb")
    assert expected == lab.widget_outputs(voila_server.root / NOTEBOOK) + 1
    monkeypatch.setattr(lab, "VOILA_DRAW_SECONDS", 5)

    with pytest.warns(UserWarning, match="loading the page once more"), \
            pytest.raises(AssertionError, match="did not draw every widget, twice") as failure:
        lab.open_in_voila(page, voila_server, "closed_widget.ipynb")
    report = str(failure.value)
    assert report.count(f"{expected - 1} of {expected} widgets drawn") == 2
    assert "Error displaying widget: model not found" in report


def test_an_exercise_missing_from_the_page_is_named(
        page: Any, voila_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    shown = answering.exercises_in(NOTEBOOK)
    lab.wait_for_exercises(page, shown)  # all there: no failure
    monkeypatch.setattr(lab, "RUN_SECONDS", 2)
    with pytest.raises(AssertionError) as failure:
        lab.wait_for_exercises(page, [*shown[:2], SimpleNamespace(id="not-in-this-lesson")])
    report = str(failure.value)
    assert "exercise not-in-this-lesson not visible" in report
    assert "missing from the page: ['not-in-this-lesson']" in report
    assert "widget outputs not drawn (0)" in report
