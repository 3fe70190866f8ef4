"""Notebook 05's risk matrix answered in a real browser, by keyboard, and saved.

The sliders are moved with the arrow keys, each reason is typed, and "Save my ratings" is pressed
twice: first with the reasons missing (nothing is saved, the slips are named), then complete (the
ratings reach the progress file of the Voilà server and the reference ratings appear).
"""

from __future__ import annotations

from typing import Any

from helpers.lessons.terrorism import RISK_EXERCISE_ID, RISK_SCENARIOS

from . import answering, lab

NOTEBOOK = "05_terrorism_risk.ipynb"
REASON = "Deaths fell after 2021 [UCDP-BRD-24.1]."


def test_05_risk_matrix_is_rated_by_keyboard_and_saved_in_voila(page: Any,
                                                                  voila_server: Any) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    matrix = page.locator(".course-risk-matrix")
    matrix.wait_for(timeout=lab.RUN_SECONDS * 1000)
    assert matrix.count() == 1
    save = matrix.locator("button").filter(has_text=answering.exact("Save my ratings"))

    save.click()
    feedback = matrix.locator(".course-feedback")
    feedback.filter(has_text="⚠").wait_for(timeout=answering.FEEDBACK_SECONDS * 1000)
    assert "Not saved yet" in feedback.inner_text()
    assert "Reference" not in matrix.inner_text()

    handles = matrix.locator(".widget-slider .noUi-handle")
    assert handles.count() == 2 * len(RISK_SCENARIOS)
    for i in range(handles.count()):
        handles.nth(i).focus()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
    fields = matrix.locator(".widget-text input")
    assert fields.count() == len(RISK_SCENARIOS)
    for i in range(fields.count()):
        fields.nth(i).fill(REASON)
    page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
    save.focus()
    page.keyboard.press("Enter")

    feedback.filter(has_text="✎").wait_for(timeout=answering.FEEDBACK_SECONDS * 1000)
    assert "Saved" in feedback.inner_text()
    matrix.locator("table", has_text="Reference reasoning").wait_for(timeout=20_000)
    saved = answering.saved_entries(voila_server.root.parent / "voila-progress.json",
                                    [RISK_EXERCISE_ID])
    answer = saved[RISK_EXERCISE_ID]["answer"]
    assert "likelihood 4 of 5 (likely), impact 2 of 5 (minor)" in answer
    assert answer.count("[UCDP-BRD-24.1]") == len(RISK_SCENARIOS)
    assert page.page_errors == []
