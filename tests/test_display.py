"""Tests of helpers.display: widgets carry static text for places that cannot run them."""

from __future__ import annotations

import ipywidgets as w
import pytest

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


def test_folded_table_hides_rows_behind_a_summary() -> None:
    import pandas as pd

    from helpers import folded_table

    frame = pd.DataFrame({"claim": ["<b>bold</b> claim", "second"]})
    folded = folded_table(frame, "The claims (open to read)")
    page = folded._repr_html_()
    assert page.startswith("<details") and "<summary>The claims (open to read) (2 rows)</summary>" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert repr(folded).startswith("The claims (open to read) (2 rows)\n")


@pytest.mark.parametrize(("frame", "summary", "message"), [
    ("not a frame", "Summary", "takes a pandas DataFrame"),
    (None, "  ", "needs a summary"),
])
def test_folded_table_bad_input(frame: object, summary: str, message: str) -> None:
    import pandas as pd

    from helpers import UsageError, folded_table

    with pytest.raises(UsageError, match=message):
        folded_table(pd.DataFrame({"a": [1]}) if frame is None else frame, summary)
