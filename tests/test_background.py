"""Tests of notebook 01's charts and explorer (helpers.lessons.background), on small tables made here."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from matplotlib.text import Text

from helpers.errors import UsageError
from helpers.lessons import background
from helpers.plots import alt_text_of, figure_png, source_of


@pytest.fixture
def milestones() -> pd.DataFrame:
    """Five dated milestones, one with HTML in its title and one without a note."""
    return pd.DataFrame({
        "date": pd.to_datetime(["1921-07-26", "1935-05-04", "1948-06-05", "1979-02-14",
                                "2012-05-02"]),
        "precision": ["day", "day", "day", "day", "day"],
        "title": ["Recognition", "First envoy", "<i>Embassy</i>", "Ambassador killed",
                  "Partnership agreement"],
        "description": ["a", "b", "c", "<script>alert(1)</script>", "e"],
        "theme": ["diplomacy", "diplomacy", "diplomacy", "diplomacy", "diplomacy"],
        "actors": ["united-states"] * 5,
        "source_ids": ["SHAH-2022;HIST-STATE-AFG"] * 5,
        "note": ["SHAH-2022 gives the year only.", "SHAH-2022 names 'William Harrison'.",
                 "SHAH-2022 names <b>Louis Goethe</b>.", "Spelt 'Adolphe Dobbs'.", pd.NA],
    })


# ---------------------------------------------------------------------------------------------
# milestones_chart


def test_milestones_chart_alt_text_follows_the_data(milestones: pd.DataFrame) -> None:
    fig = background.milestones_chart(milestones, 1921, 2020)
    alt = alt_text_of(fig)
    assert alt.startswith("Vertical timeline of 5 milestones from 1921 to 2012 (5 diplomacy)")
    assert "The longest gap between two milestones is 33 years, from 'Ambassador killed' " \
           "(1979) to 'Partnership agreement' (2012)." in alt
    assert source_of(fig) == "Source: Course timeline, data/timeline.csv (sources per event)"


def test_milestones_chart_labels_every_event_without_overlap(milestones: pd.DataFrame) -> None:
    fig = background.milestones_chart(milestones, 1921, 2020)
    figure_png(fig)  # draw, so that text extents are known
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "milestone-label"]
    assert [t.get_text() for t in labels][2] == "5 June 1948 · <i>Embassy</i>"
    boxes = sorted((Text.get_window_extent(t) for t in labels), key=lambda b: b.y0)
    assert all(lower.y1 <= upper.y0 + 0.5 for lower, upper in itertools.pairwise(boxes))


def test_milestones_chart_crowded_years_still_do_not_overlap() -> None:
    n = 30
    crowded = pd.DataFrame({
        "date": pd.to_datetime([f"2001-{1 + i % 12:02d}-01" for i in range(n)]),
        "precision": ["month"] * n, "title": [f"Event number {i}" for i in range(n)],
        "description": ["x"] * n, "theme": ["war"] * n, "actors": [""] * n,
        "source_ids": ["A"] * n, "note": [""] * n})
    fig = background.milestones_chart(crowded, 2001, 2001)
    figure_png(fig)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "milestone-label"]
    assert len(labels) == n
    boxes = sorted((Text.get_window_extent(t) for t in labels), key=lambda b: b.y0)
    assert all(lower.y1 <= upper.y0 + 0.5 for lower, upper in itertools.pairwise(boxes))
    assert "longest gap" in alt_text_of(fig)


def test_milestones_chart_with_no_or_one_event(milestones: pd.DataFrame) -> None:
    empty = background.milestones_chart(milestones, 1990, 2000)
    assert alt_text_of(empty) == "Vertical timeline from 1990 to 2000: no milestones in this period."
    one = background.milestones_chart(milestones, 1921, 1930)
    assert alt_text_of(one) == ("Vertical timeline of 1 milestone from 1921 to 1921 "
                                "(1 diplomacy): 'Recognition' (1921).")


@pytest.mark.parametrize(("table", "start", "end", "message"), [
    (None, 1921, 2020, "takes a DataFrame"),
    (pd.DataFrame({"date": []}), 1921, 2020, "needs the column"),
    ("milestones", 1921, 2020, "takes a DataFrame"),
])
def test_milestones_chart_refuses_bad_input(table: object, start: int, end: int,
                                            message: str) -> None:
    with pytest.raises(UsageError, match=message):
        background.milestones_chart(table, start, end)  # type: ignore[arg-type]


def test_milestones_chart_bad_years(milestones: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="comes after the end year"):
        background.milestones_chart(milestones, 2020, 1921)
    with pytest.raises(UsageError, match="whole numbers"):
        background.milestones_chart(milestones, 1921.5, 2020)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# milestones_table_html


def test_milestones_table_hides_the_check_until_revealed(milestones: pd.DataFrame) -> None:
    hidden = background.milestones_table_html(milestones)
    assert "William Harrison" not in hidden
    assert "Check against the record" not in hidden
    shown = background.milestones_table_html(milestones, reveal=True)
    assert "SHAH-2022 names &#x27;William Harrison&#x27;." in shown
    assert '<th scope="col">Check against the record</th>' in shown


def test_milestones_table_escapes_html_and_marks_missing_notes(milestones: pd.DataFrame) -> None:
    shown = background.milestones_table_html(milestones, reveal=True)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "<b>" not in shown and "&lt;b&gt;Louis Goethe&lt;/b&gt;" in shown
    assert "<td>no note</td>" in shown
    assert shown.count("<tr>") == 6  # header and five rows: no row is lost


def test_milestones_table_limit_and_empty(milestones: pd.DataFrame) -> None:
    assert "… and 3 more" in background.milestones_table_html(milestones, limit=2)
    assert background.milestones_table_html(milestones.iloc[0:0]) == (
        "<p>No milestones in this period.</p>")
    with pytest.raises(UsageError, match="limit"):
        background.milestones_table_html(milestones, limit=0)
    with pytest.raises(UsageError, match="needs the column"):
        background.milestones_table_html(milestones.drop(columns=["note"]))


# ---------------------------------------------------------------------------------------------
# milestones_explorer


PERIODS = {"the whole span": (1921, 2020), "before 1950": (1921, 1949),
           "after 1950": (1950, 2020)}


def test_milestones_explorer_changes_period_and_reveals(milestones: pd.DataFrame) -> None:
    ex = background.milestones_explorer(milestones, PERIODS)
    assert list(ex.controls["period"].options) == list(PERIODS)
    assert "5 milestones" in ex.caption.value
    assert "William Harrison" not in ex.extra.value
    ex.controls["period"].value = "after 1950"
    assert "2 milestones" in ex.caption.value
    ex.controls["reveal"].value = True
    assert "Dobbs" in ex.extra.value and "William Harrison" not in ex.extra.value


def test_milestones_explorer_first_display_hides_the_check(milestones: pd.DataFrame) -> None:
    bundle = background.milestones_explorer(milestones, PERIODS)._repr_mimebundle_()
    assert "William Harrison" not in bundle["text/html"]
    assert "Controls: Period = the whole span; " in bundle["text/plain"]


@pytest.mark.parametrize(("periods", "message"), [
    ({}, "at least one period"),
    ([(1921, 2020)], "maps a label"),
    ({"x": (2020, 1921)}, "comes after the end year"),
    ({"x": (1921,)}, "two years"),
    ({"x": "1921-2020"}, "two years"),
    ({"": (1921, 2020)}, "label"),
])
def test_milestones_explorer_bad_periods(milestones: pd.DataFrame, periods: object,
                                         message: str) -> None:
    with pytest.raises(UsageError, match=message):
        background.milestones_explorer(milestones, periods)  # type: ignore[arg-type]


def test_milestones_explorer_refuses_a_wrong_table() -> None:
    with pytest.raises(UsageError, match="takes a DataFrame"):
        background.milestones_explorer([1, 2], PERIODS)  # type: ignore[arg-type]
