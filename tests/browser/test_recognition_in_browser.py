"""Notebook 04 in a real browser: the map's date control and the simulation's decision form.

The exercises of notebook 04 are answered by the generic tests; here the two controls of its own
are used as a student would: the date slider by keyboard, the decision form by mouse and typing.
"""

from __future__ import annotations

from typing import Any

from . import lab

NOTEBOOK = "04_recognition.ipynb"
AS_OF_CAPTION = "Stances on 21 October 2025"


def test_04_map_date_slider_moves_by_keyboard(page: Any, voila_server: Any) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    caption = page.locator("caption", has_text="Stances on").first
    caption.wait_for(timeout=lab.RUN_SECONDS * 1000)
    assert AS_OF_CAPTION in caption.inner_text()
    slider = page.locator(".course-explorer").filter(
        has=page.locator("label", has_text="Date shown on the map")).first
    handle = slider.locator("[role='slider'], .noUi-handle").first
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "(text) => [...document.querySelectorAll('caption')].some("
        "c => c.innerText.startsWith('Stances on') && !c.innerText.includes(text))",
        arg="21 October 2025", timeout=30_000)
    alt = slider.locator("img:not(.course-access-helper)").first.get_attribute("alt") or ""
    assert "Stance" in alt or "stance" in alt
    assert page.page_errors == []


def test_04_decision_form_saves_an_answer(page: Any, voila_server: Any) -> None:
    lab.open_in_voila(page, voila_server, NOTEBOOK)
    form = page.locator(".course-decision-form").first
    form.wait_for(timeout=lab.RUN_SECONDS * 1000)
    save = form.locator("button", has_text="Save decision")
    save.click()
    form.locator("[role='alert']", has_text="Not saved").wait_for(timeout=20_000)
    form.locator("select").first.select_option(label="China")
    form.locator(".widget-radio-box label", has_text="engage without recognising").locator(
        "input").check()
    form.locator(".widget-checkbox", has_text="an inclusive government").locator(
        "input").check()
    form.locator("textarea").fill("China kept its embassy open and set conditions before any "
                                  "recognition, as the role card shows [SHAH-2022].")
    save.click()
    status = form.locator("[role='status']")
    status.wait_for(timeout=20_000)
    assert "recorded" in status.inner_text()
    assert page.page_errors == []
