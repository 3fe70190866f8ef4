"""Issue 14 in a real browser: a click grades what is on screen, and exports can be downloaded.

A student types a new answer and clicks Check at once, with none of the pause the other browser
tests leave. ipywidgets may deliver that click before the new value; the Check handler waits for
the value, so the feedback must always be about the answer on screen. The progress panel's export
must offer a download link that works in Voilà, for a file written to the progress folder.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote

from . import answering, lab

NOTEBOOK = "00_start_here.ipynb"
ROUNDS = 6


def _number_exercise() -> Any:
    return next(ex for ex in answering.exercises_in(NOTEBOOK) if ex.kind == "number")


def test_a_check_right_after_typing_grades_the_new_answer(page: Any, voila_server: Any) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    ex = _number_exercise()
    lab.wait_for_exercises(page, [ex])
    right = str(answering.right_answer(ex))
    wrong = str(int(float(right)) + 1)
    field = answering.scope(page, ex).locator(".widget-text input")
    check = answering.button(page, ex, "Check")
    for round_ in range(ROUNDS):
        # Alternate: the answer on screen and the one sent just before it grade differently,
        # so feedback about the earlier one would show the wrong symbol.
        answer, decoy, symbol = (wrong, right, "✗") if round_ % 2 == 0 else (right, wrong, "✓")
        field.fill(decoy)
        field.press("Enter")  # sends the decoy: its update is now waiting for the kernel
        field.fill(answer)
        check.click()  # no pause: the click can overtake the new value
        shown = answering.feedback(page, ex, symbol)
        assert symbol in shown, (round_, answer, shown)


def test_the_progress_panel_offers_a_download_of_the_export(page: Any,
                                                            voila_server: Any) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    ex = _number_exercise()
    lab.wait_for_exercises(page, [ex])
    field = answering.scope(page, ex).locator(".widget-text input")
    field.fill(str(answering.right_answer(ex)))
    field.press("Enter")
    page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
    answering.button(page, ex, "Check").click()
    answering.feedback(page, ex, "✓")
    # the try is saved a moment after its feedback (once the values settle); export after that
    answering.saved_entries(voila_server.root.parent / "voila-progress.json", [ex.id])
    panel = page.locator(".course-progress")
    panel.locator("button").filter(has_text=answering.exact("Refresh")).click()
    panel.locator("button").filter(has_text=answering.exact("Export my answers")).click()
    link = panel.locator("a[download]")
    link.wait_for(timeout=answering.FEEDBACK_SECONDS * 1000)
    message = panel.locator(".course-feedback").inner_text()
    assert "notebooks" not in message.split("Download")[0], message
    href = link.get_attribute("href") or ""
    encoded = re.fullmatch(r"data:text/csv;charset=utf-8;base64,(.+)", unquote(href))
    assert encoded is not None, href[:80]
    assert ex.id in base64.b64decode(encoded.group(1)).decode("utf-8")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "course-answers.csv"


def test_a_click_while_the_kernel_is_busy_grades_the_answer_on_screen(page: Any,
                                                                      lab_server: Any) -> None:
    """The race made certain: a busy kernel holds back the acknowledgement of the first value,
    so ipywidgets buffers the second while the click goes straight out ahead of it."""
    import nbformat

    from helpers.paths import notebooks_dir

    nb = nbformat.read(notebooks_dir() / NOTEBOOK, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    lab.open_in_lab(page, lab_server, NOTEBOOK)
    lab.run_all_fresh(page, code_cells)
    ex = _number_exercise()
    right = str(answering.right_answer(ex))
    wrong = str(int(float(right)) + 1)
    page.locator(".jp-Notebook").first.focus()
    page.keyboard.press("Escape")  # command mode
    page.keyboard.press("Control+End")  # the last cell
    page.keyboard.press("b")  # a new cell below it
    page.keyboard.press("Enter")
    page.keyboard.type("import time; time.sleep(4)")
    page.keyboard.press("Control+Enter")  # the kernel is busy for four seconds
    field = answering.scope(page, ex).locator(".widget-text input")
    field.fill(wrong)
    field.press("Enter")  # sent, but not acknowledged until the kernel is free
    field.fill(right)
    answering.button(page, ex, "Check").click()  # the new value is held back; the click is not
    shown = answering.feedback(page, ex, "✓")
    assert "✓" in shown, shown
