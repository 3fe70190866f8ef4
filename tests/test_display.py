"""Tests of helpers.display: widgets carry static text for places that cannot run them."""

from __future__ import annotations

import ipywidgets as w

from helpers.display import widget_bundle

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_bundle_has_widget_view_and_static_forms() -> None:
    bundle = widget_bundle(w.Button(description="Check"), text="Question", html="<p>Question</p>")
    assert WIDGET_MIME in bundle
    assert bundle["text/plain"] == "Question"
    assert bundle["text/html"] == "<p>Question</p>"


def test_widget_view_points_at_the_widget() -> None:
    slider = w.IntSlider(value=3)
    bundle = widget_bundle(slider, text="t", html="h")
    assert bundle[WIDGET_MIME]["model_id"] == slider.model_id
    assert "IntSlider" not in bundle["text/plain"]
