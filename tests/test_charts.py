"""Tests of the course's recurring charts (helpers.charts), on small tables made here."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import charts
from helpers.errors import UsageError
from helpers.plots import alt_text_of, figure_png, source_of


@pytest.fixture
def deaths() -> pd.DataFrame:
    return pd.DataFrame({
        "year": pd.array([2019, 2020, 2021, 2021], dtype="Int64"),
        "conflict": ["gov vs opposition", "gov vs opposition", "gov vs opposition", "gov vs IS"],
        "deaths_low": pd.array([10, 20, 30, 1], dtype="Int64"),
        "deaths_best": pd.array([12, 22, 33, 2], dtype="Int64"),
        "deaths_high": pd.array([15, 25, 40, 3], dtype="Int64"),
    })


@pytest.mark.parametrize(("precision", "text"), [("day", "29 February 2020"),
                                                  ("month", "February 2020"), ("year", "2020")])
def test_format_event_date(precision: str, text: str) -> None:
    assert charts.format_event_date(pd.Timestamp("2020-02-29"), precision) == text
    assert charts.format_event_date(pd.NaT, "day") == "date unknown"


def test_battle_deaths_chart_alt_text_follows_the_data(deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(deaths, 2019, 2021)
    assert "deadliest year in this period is 2021, with a best estimate of 35 deaths " \
           "(range 31 to 43)" in alt_text_of(fig)
    assert source_of(fig) == "Source: UCDP Battle-Related Deaths Dataset v24.1 [UCDP-BRD-24.1]"
    by_conflict = charts.battle_deaths_chart(deaths, 2019, 2021, by_conflict=True)
    assert "for 2 conflicts" in alt_text_of(by_conflict)
    assert len([ln for ln in by_conflict.axes[0].get_lines()
                if not ln.get_label().startswith("_")]) == 2


@pytest.mark.parametrize(("args", "message"), [
    ((2022, 2023), "no rows between 2022 and 2023"),
    ((2021, 2019), "comes after the end year"),
    (("2019", 2021), "whole numbers"),
])
def test_battle_deaths_chart_bad_years(deaths: pd.DataFrame, args: tuple, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        charts.battle_deaths_chart(deaths, *args)


def test_charts_refuse_a_wrong_table(small_timeline: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="needs the column"):
        charts.battle_deaths_chart(small_timeline)
    with pytest.raises(UsageError, match="takes a DataFrame"):
        charts.timeline_chart([1, 2], 2000, 2021)  # type: ignore[arg-type]


def test_refugees_chart_groups_the_rest() -> None:
    refugees = pd.DataFrame({
        "year": pd.array([2020, 2020, 2020, 2021, 2021, 2021], dtype="Int64"),
        "host_country": ["Pakistan", "Iran", "Other countries"] * 2,
        "refugees": pd.array([100, 50, 5, 120, 60, 6], dtype="Int64"),
    })
    fig = charts.refugees_chart(refugees, 2020, 2021, hosts=["Pakistan"])
    alt = alt_text_of(fig)
    assert "peaks in 2021" in alt and "shown separately are Pakistan" in alt
    with pytest.raises(UsageError, match="no host called 'Peru'"):
        charts.refugees_chart(refugees, 2020, 2021, hosts=["Peru"])


def test_select_events_by_theme_and_actor(small_timeline: pd.DataFrame) -> None:
    assert list(charts.select_events(small_timeline, 2001, 2021, theme="war")["title"]) == [
        "Campaign begins", "<b>Kabul</b>"]
    assert len(charts.select_events(small_timeline, 2001, 2021, actor="taliban")) == 3
    assert len(charts.select_events(small_timeline, 2002, 2019)) == 0


def test_timeline_chart_describes_what_it_shows(small_timeline: pd.DataFrame) -> None:
    alt = alt_text_of(charts.timeline_chart(small_timeline, 2001, 2021))
    assert alt.startswith("Timeline from 2001 to 2021 for all themes: 4 events (2 war, 2 diplomacy)")
    empty = alt_text_of(charts.timeline_chart(small_timeline, 2002, 2019))
    assert empty == "Timeline from 2002 to 2019 for all themes: no events match."


@pytest.mark.parametrize(("start", "end", "labels"), [
    (1979, 2020, ["1980", "1985", "1990", "1995", "2000", "2005", "2010", "2015", "2020"]),
    (2001, 2020, [str(y) for y in range(2002, 2021, 2)]),
    (1995, 2001, [str(y) for y in range(1995, 2003)]),
    # the tick that closes the last year stays when the axis reaches it
    (2021, 2025, ["2021", "2022", "2023", "2024", "2025", "2026"]),
    (2020, 2021, ["Jan 2020", "Apr", "Jul", "Oct", "Jan 2021", "Apr", "Jul", "Oct", "Jan 2022"]),
    (2020, 2020, ["Jan 2020", "Mar", "May", "Jul", "Sep", "Nov", "Jan 2021"]),
    (2023, 2025, ["Jan 2023", "May", "Sep", "Jan 2024", "May", "Sep", "Jan 2025", "May", "Sep",
                  "Jan 2026"]),
])
def test_timeline_ticks_are_whole_years_or_months(small_timeline: pd.DataFrame, start: int,
                                                   end: int, labels: list[str]) -> None:
    fig = charts.timeline_chart(small_timeline, start, end)
    figure_png(fig)  # drawn, as shown: the ticks are fixed, not chosen at drawing time
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    left, right = ax.get_xlim()
    assert all(left <= x <= right for x in ax.get_xticks())
    assert len(labels) <= 10


def test_events_table_escapes_html(small_timeline: pd.DataFrame) -> None:
    table = charts.events_table_html(small_timeline)
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "&lt;b&gt;Kabul&lt;/b&gt;" in table
    assert "<th scope=\"col\">Date</th>" in table
    assert "… and 2 more" in charts.events_table_html(small_timeline, limit=2)


@pytest.fixture
def conflict_deaths() -> pd.DataFrame:
    """Two conflicts over three years and a third that lasted a single year (2001)."""
    return pd.DataFrame({
        "year": pd.array([2000, 2001, 2002, 2001, 2001, 2002], dtype="Int64"),
        "conflict": ["gov vs opposition", "gov vs opposition", "gov vs opposition",
                     "one-year war", "gov vs <b>IS</b>", "gov vs <b>IS</b>"],
        "deaths_low": pd.array([10, 20, 30, 5, 1, 2], dtype="Int64"),
        "deaths_best": pd.array([12, 22, 33, 7, 2, 3], dtype="Int64"),
        "deaths_high": pd.array([15, 25, 40, 9, 3, 4], dtype="Int64"),
    })


# ---------------------------------------------------------------------------------------------
# battle_deaths_chart(by_conflict=True)


def test_deaths_chart_describes_each_conflict(conflict_deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(conflict_deaths, 2000, 2002, by_conflict=True)
    alt = alt_text_of(fig)
    assert "gov vs opposition (2000–2002): deadliest year 2002, best estimate 33 " \
           "(range 30 to 40)" in alt
    assert "one-year war (2001 only): best estimate 7 (range 5 to 9)" in alt
    assert "All conflicts together: deadliest year 2002, best estimate 36 (range 32 to 44)" in alt
    assert source_of(fig) == "Source: UCDP Battle-Related Deaths Dataset v24.1 [UCDP-BRD-24.1]"


def test_deaths_chart_draws_a_one_year_conflict_visibly(conflict_deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(conflict_deaths, 2000, 2002, by_conflict=True)
    ax = fig.axes[0]
    one_year = [line for line in ax.get_lines() if line.get_label().startswith("one-year war")]
    assert len(one_year) == 1
    assert one_year[0].get_marker() not in (None, "", "None")
    # the single year carries a range bar, since a shaded band of one year has no width
    assert len(ax.containers) >= 1
    markers = {line.get_marker() for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert len(markers) == 3, "each conflict has its own marker shape, not only a colour"


def test_deaths_chart_keeps_html_in_names_as_text(conflict_deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(conflict_deaths, 2000, 2002, by_conflict=True)
    assert "gov vs <b>IS</b> (2001–2002)" in alt_text_of(fig)
    assert figure_png(fig).startswith(b"\x89PNG")


def test_deaths_chart_accepts_a_custom_title(conflict_deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(conflict_deaths, 2000, 2002, title="My title", by_conflict=True)
    assert fig.axes[0].get_title(loc="left") == "My title"


@pytest.mark.parametrize(("args", "message"), [
    ((2010, 2012), "no rows between 2010 and 2012"),
    ((2002, 2000), "comes after the end year"),
    (("2000", 2002), "whole numbers"),
    ((True, 2002), "whole numbers"),
])
def test_deaths_chart_bad_years(conflict_deaths: pd.DataFrame, args: tuple, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        charts.battle_deaths_chart(conflict_deaths, *args, by_conflict=True)


@pytest.mark.parametrize(("table", "message"), [
    ([1, 2, 3], "takes a DataFrame"),
    ("deaths.csv", "takes a DataFrame"),
    (pd.DataFrame({"year": [2001]}), "needs the column"),
    (pd.DataFrame(columns=["year", "conflict", "deaths_low", "deaths_best", "deaths_high"]),
     "no rows between"),
])
def test_deaths_chart_refuses_a_wrong_table(table: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        charts.battle_deaths_chart(table, 2000, 2002, by_conflict=True)  # type: ignore[arg-type]


def test_deaths_chart_with_many_conflicts_still_draws() -> None:
    rows = [{"year": 2000 + i % 20, "conflict": f"conflict {i // 20}", "deaths_low": i,
             "deaths_best": i + 1, "deaths_high": i + 2} for i in range(20 * 12)]
    fig = charts.battle_deaths_chart(pd.DataFrame(rows), 2000, 2019, by_conflict=True)
    assert "12 conflicts" in alt_text_of(fig)
    assert len(alt_text_of(fig)) <= 1500




def test_events_table_options(small_timeline: pd.DataFrame) -> None:
    with_notes = small_timeline.assign(note=["checked", pd.NA, "", "<i>x</i>"])
    table = charts.events_table_html(with_notes, notes=True, first_header="Milestone")
    assert '<th scope="col">Check against the record</th>' in table
    assert '<th scope="col">Milestone</th>' in table
    assert "<td>no note</td>" in table and "&lt;i&gt;x&lt;/i&gt;" in table
    assert charts.events_table_html(small_timeline.iloc[0:0], empty="Nothing here.") == (
        "<p>Nothing here.</p>")
    assert "narrow the period to see them" in charts.events_table_html(
        small_timeline, limit=1, narrow="the period")
    with pytest.raises(UsageError, match="limit is a whole number"):
        charts.events_table_html(small_timeline, limit=0)
    with pytest.raises(UsageError, match="needs the column"):
        charts.events_table_html(small_timeline, notes=True)
