"""Tests of the interactive explorers (helpers.explore), without a browser."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import explore
from helpers.errors import DataError, UsageError
from helpers.plots import finish, new_figure

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def line(n: int) -> Figure:
    fig, ax = new_figure(f"n = {n}")
    ax.plot(range(n))
    if n > 5:
        raise DataError("too many points for this chart")
    return finish(fig, source="Test [X]", alt=f"A line of {n} points.")


def make() -> explore.ChartExplorer:
    import ipywidgets as w

    return explore.chart_explorer(line, {"n": w.IntSlider(value=3, min=1, max=9,
                                                          description="Points")},
                                  note="choose how many points.")


def test_first_display_is_static_and_deterministic() -> None:
    a, b = make()._repr_mimebundle_(), make()._repr_mimebundle_()
    assert WIDGET_MIME in a
    assert a["text/plain"] == b["text/plain"]
    assert a["text/plain"].splitlines() == [
        "Interactive chart: choose how many points.", "Controls: Points = 3",
        "Chart: A line of 3 points.", "Source: Test [X]"]
    assert 'alt="A line of 3 points. Source: Test [X]"' in a["text/html"]


def test_changing_a_control_redraws() -> None:
    ex = make()
    first = ex.image.value
    assert '<img src="data:image/png;base64,' in first
    assert 'alt="A line of 3 points. Source: Test [X]"' in first
    ex.controls["n"].value = 4
    assert ex.image.value != first
    assert 'alt="A line of 4 points.' in ex.image.value
    assert "A line of 4 points." in ex.caption.value


def test_a_course_error_is_shown_not_raised() -> None:
    ex = make()
    ex.controls["n"].value = 7
    assert "too many points" in ex.status.value and "✗" in ex.status.value
    assert "A line of 3 points." in ex.caption.value  # the last good chart stays


def test_unfinished_chart_is_refused() -> None:
    import ipywidgets as w

    with pytest.raises(UsageError, match="must return a finished chart"):
        explore.chart_explorer(lambda n: new_figure()[0],
                               {"n": w.IntSlider(value=1, description="Points")})


@pytest.mark.parametrize(("draw", "controls", "message"), [
    (None, {"n": 1}, "needs a function"),
    (line, {}, "at least one control"),
])
def test_bad_arguments(draw: object, controls: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        explore.chart_explorer(draw, controls)  # type: ignore[arg-type]


def test_timeline_explorer_filters(small_timeline: pd.DataFrame) -> None:
    actors = pd.DataFrame({"id": ["taliban", "united-states", "un"],
                           "name": ["Taliban", "United States", "United Nations"]})
    ex = explore.timeline_explorer(small_timeline, 2001, 2021, actors=actors)
    assert [label for label, _ in ex.controls["actor"].options] == [
        "all actors", "Taliban", "United Nations", "United States"]
    assert "4 events" in ex.caption.value
    ex.controls["theme"].value = "diplomacy"
    assert "2 events" in ex.caption.value and "Bonn Agreement" in ex.extra.value
    ex.controls["actor"].value = "un"
    assert "1 events" in ex.caption.value or "1 event" in ex.caption.value
    ex.controls["years"].value = (2010, 2021)
    assert "no events match" in ex.caption.value


def test_timeline_explorer_for_one_notebook(small_timeline: pd.DataFrame) -> None:
    ex = explore.timeline_explorer(small_timeline, 2001, 2021, notebook="02_doha")
    assert "1 events" in ex.caption.value or "1 event" in ex.caption.value
    with pytest.raises(UsageError, match="no events between 1990 and 1995"):
        explore.timeline_explorer(small_timeline, 1990, 1995)


def test_date_slider_labels_each_date_and_returns_timestamps() -> None:
    dates = ["2021-08-06", "2021-05-01", "2021-08-15", "2021-08-06"]
    slider = explore.date_slider(dates, "Date")
    assert slider.description == "Date"
    assert [label for label, _ in slider.options] == ["1 May 2021", "6 Aug 2021", "15 Aug 2021"]
    assert slider.value == pd.Timestamp("2021-08-15")  # the last date unless told otherwise
    assert not slider.continuous_update
    chosen = explore.date_slider(dates, "Date", value="2021-05-01")
    assert chosen.value == pd.Timestamp("2021-05-01")


@pytest.mark.parametrize(("dates", "kwargs", "message"), [
    ([], {}, "at least one date"),
    (["2021-13-01"], {}, "'2021-13-01' is not a date"),
    (["2021-05-01"], {"value": "2021-06-01"}, "not one of the slider's dates"),
    ("2021-05-01", {}, "a list of dates"),
])
def test_date_slider_refuses_bad_input(dates: object, kwargs: dict[str, object],
                                       message: str) -> None:
    with pytest.raises((UsageError, DataError), match=message):
        explore.date_slider(dates, "Date", **kwargs)  # type: ignore[arg-type]


def test_timeline_explorer_caption_names_the_actor_not_its_id(
        small_timeline: pd.DataFrame) -> None:
    actors = pd.DataFrame({"id": ["taliban", "united-states", "un"],
                           "name": ["Taliban", "United States", "United Nations"]})
    ex = explore.timeline_explorer(small_timeline, 2001, 2021, actors=actors)
    ex.controls["actor"].value = "united-states"
    import html

    assert "actor 'United States'" in html.unescape(ex.caption.value)
    assert "united-states" not in ex.caption.value
    # without an actors table the id is all there is to show
    bare = explore.timeline_explorer(small_timeline, 2001, 2021)
    bare.controls["actor"].value = "united-states"
    assert "actor 'united-states'" in html.unescape(bare.caption.value)


def test_explorer_can_fold_its_table_into_a_disclosure() -> None:
    import ipywidgets as w

    def draw(n: int) -> tuple:
        return line(n), "<table><tr><td>row</td></tr></table>"

    folded = explore.chart_explorer(draw, {"n": w.IntSlider(value=1, description="Points")},
                                    details="The table of events")
    assert folded.extra.value.startswith("<details")
    assert "<summary>The table of events</summary>" in folded.extra.value
    assert "<td>row</td>" in folded.extra.value
    assert "<details" in folded._static_html()
    open_table = explore.chart_explorer(draw,
                                        {"n": w.IntSlider(value=1, description="Points")})
    assert "<details" not in open_table.extra.value


def test_timeline_explorer_folds_its_events_table(small_timeline: pd.DataFrame) -> None:
    ex = explore.timeline_explorer(small_timeline, 2001, 2021)
    assert ex.extra.value.startswith("<details")
    assert "Bonn Agreement" in ex.extra.value


def test_going_back_to_an_earlier_choice_shows_the_chart_without_drawing_it_again() -> None:
    import ipywidgets as w

    drawn: list[int] = []

    def counted(n: int) -> Figure:
        drawn.append(n)
        return line(n)

    ex = explore.chart_explorer(counted, {"n": w.IntSlider(value=3, min=1, max=9,
                                                               description="Points")})
    first = ex.image.value
    ex.controls["n"].value = 4
    ex.controls["n"].value = 3
    assert drawn == [3, 4]
    assert ex.image.value == first and "A line of 3 points." in ex.caption.value
    ex.controls["n"].value = 4
    assert drawn == [3, 4] and 'alt="A line of 4 points.' in ex.image.value


def test_the_explorer_keeps_a_bounded_number_of_charts() -> None:
    import ipywidgets as w

    drawn: list[int] = []

    def counted(n: int) -> Figure:
        drawn.append(n)
        fig, ax = new_figure()
        ax.plot([0, n])
        return finish(fig, source="Test [X]", alt=f"Line to {n}.")

    ex = explore.chart_explorer(counted, {"n": w.IntSlider(value=0, min=0, max=100,
                                                               description="Points")})
    for n in range(1, explore.DRAWN_KEPT + 2):
        ex.controls["n"].value = n
    assert len(ex._drawn) == explore.DRAWN_KEPT
    ex.controls["n"].value = 0  # the oldest was let go: drawn again
    assert drawn.count(0) == 2
