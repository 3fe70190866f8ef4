"""Tests of notebook 03's map, strip and tables (helpers.lessons.withdrawal) and of the chart
options added for it, on small tables and a small map made here."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import charts
from helpers.errors import DataError, UsageError
from helpers.lessons import withdrawal
from helpers.plots import alt_text_of, figure_png, source_of


def _square(x: float) -> list:
    return [[[x, 30.0], [x + 1, 30.0], [x + 1, 31.0], [x, 31.0], [x, 30.0]]]


@pytest.fixture
def provinces() -> dict:
    """Four square 'provinces' side by side."""
    codes = ["AF-NIM", "AF-KDZ", "AF-KAB", "AF-PAN"]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"iso_code": code, "name": code},
         "geometry": {"type": "Polygon", "coordinates": _square(60.0 + i)}}
        for i, code in enumerate(codes)]}


@pytest.fixture
def capitals() -> pd.DataFrame:
    return pd.DataFrame({
        "iso_code": ["AF-NIM", "AF-KDZ", "AF-KAB", "AF-PAN"],
        "province": ["Nimruz", "Kunduz", "Kabul", "Panjshir"],
        "capital": ["Zaranj", "<b>Kunduz</b>", "Kabul", "Bazarak"],
        "fell_on": pd.to_datetime(["2021-08-06", "2021-08-08", "2021-08-15", "2021-09-06"]),
        "certainty": ["confirmed", "uncertain", "confirmed", "disputed"],
        "timeline_id": ["a", "b", "c", "d"],
        "source_ids": ["R1", "R2", "R3", "R4"],
        "note": [pd.NA, "uncertain: a claim", pd.NA, "disputed: denied"],
    })


# ---------------------------------------------------------------------------------------------
# status of each capital on a date


def test_capital_status_on_a_date(capitals: pd.DataFrame) -> None:
    status = withdrawal.capital_status(capitals, "2021-08-08")
    assert status == {"AF-NIM": withdrawal.FALLEN, "AF-KDZ": withdrawal.FALLEN_UNSURE,
                      "AF-KAB": withdrawal.NOT_FALLEN, "AF-PAN": withdrawal.NOT_FALLEN}
    later = withdrawal.capital_status(capitals, pd.Timestamp("2021-09-15"))
    assert later["AF-PAN"] == withdrawal.FALLEN_UNSURE
    assert set(withdrawal.capital_status(capitals, "2021-05-01").values()) == {
        withdrawal.NOT_FALLEN}


def test_capitals_fallen_between_counts_both_ends(capitals: pd.DataFrame) -> None:
    rows = withdrawal.capitals_fallen(capitals, "2021-08-06", "2021-08-15")
    assert list(rows["capital"]) == ["Zaranj", "<b>Kunduz</b>", "Kabul"]
    assert withdrawal.capitals_fallen(capitals, "2021-08-07", "2021-08-07").empty


@pytest.mark.parametrize(("when", "error", "message"), [
    ("15 August", UsageError, "YYYY-MM-DD"),
    (None, UsageError, "YYYY-MM-DD"),
])
def test_bad_dates_are_explained(capitals: pd.DataFrame, when: object, error: type,
                                 message: str) -> None:
    with pytest.raises(error, match=message):
        withdrawal.capital_status(capitals, when)


def test_a_table_without_the_columns_is_refused() -> None:
    with pytest.raises(UsageError, match="needs the column"):
        withdrawal.capital_status(pd.DataFrame({"iso_code": ["AF-KAB"]}), "2021-08-15")


def test_a_capital_without_a_date_is_named(capitals: pd.DataFrame) -> None:
    capitals.loc[1, "fell_on"] = pd.NaT
    with pytest.raises(DataError, match=r"Kunduz.*no date"):
        withdrawal.capital_status(capitals, "2021-08-15")


def test_a_province_twice_is_named(capitals: pd.DataFrame) -> None:
    capitals.loc[3, "iso_code"] = "AF-KAB"
    with pytest.raises(DataError, match=r"AF-KAB.*more than once"):
        withdrawal.capital_status(capitals, "2021-08-15")


# ---------------------------------------------------------------------------------------------
# the map


def test_capitals_map_alt_text_counts_what_it_shows(capitals: pd.DataFrame,
                                                    provinces: dict) -> None:
    fig = withdrawal.capitals_map(capitals, provinces, "2021-08-08")
    alt = alt_text_of(fig)
    assert alt.startswith("Map of Afghanistan's 4 provinces on 8 August 2021")
    assert "2 of 4 provincial capitals had passed to the Taliban" in alt
    assert "1 of them on a day that is uncertain or disputed" in alt
    assert "Still not taken: Kabul (Kabul), Bazarak (Panjshir)." in alt
    assert "capitals_2021" in source_of(fig)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == [withdrawal.FALLEN, withdrawal.FALLEN_UNSURE, withdrawal.NOT_FALLEN]
    figure_png(fig)


def test_capitals_map_before_the_first_and_after_the_last(capitals: pd.DataFrame,
                                                          provinces: dict) -> None:
    assert "0 of 4 provincial capitals" in alt_text_of(
        withdrawal.capitals_map(capitals, provinces, "2021-05-01"))
    assert "all 4 provincial capitals" in alt_text_of(
        withdrawal.capitals_map(capitals, provinces, "2021-09-15"))


def test_capitals_map_names_a_code_missing_from_the_map(capitals: pd.DataFrame,
                                                        provinces: dict) -> None:
    capitals.loc[0, "iso_code"] = "AF-XXX"
    with pytest.raises(DataError, match="AF-XXX"):
        withdrawal.capitals_map(capitals, provinces, "2021-08-15")


def test_capitals_table_escapes_and_lists_only_fallen(capitals: pd.DataFrame) -> None:
    table = withdrawal.capitals_table_html(capitals, "2021-08-08")
    assert "&lt;b&gt;Kunduz&lt;/b&gt;" in table and "<b>Kunduz" not in table
    assert "Zaranj" in table and "Bazarak" not in table
    assert "uncertain: a claim" in table
    assert "No provincial capital" in withdrawal.capitals_table_html(capitals, "2021-05-01")


def test_capitals_explorer_redraws_for_the_chosen_day(capitals: pd.DataFrame,
                                                      provinces: dict) -> None:
    explorer = withdrawal.capitals_explorer(capitals, provinces, value="2021-08-06")
    assert "1 of 4 provincial capitals" in alt_text_of(explorer.figure)
    slider = explorer.controls["day"]
    assert slider.description == "Date"
    assert slider.options[0][0] == "1 May 2021" and slider.options[-1][0] == "15 Sep 2021"
    slider.value = pd.Timestamp("2021-08-15")
    assert "3 of 4 provincial capitals" in alt_text_of(explorer.figure)
    assert "Kabul" in explorer.extra_html


# ---------------------------------------------------------------------------------------------
# the day-by-day strip (timeline_chart with days=) and the refugees option


@pytest.fixture
def months() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime(["2021-03-30", "2021-04-14", "2021-07-02", "2021-08-15",
                                "2021-08-30", "2021-10-01"]),
        "precision": ["day"] * 6,
        "title": ["Before", "Announcement", "Bagram", "Kabul", "Last flight", "After"],
        "description": ["x"] * 6,
        "theme": ["diplomacy", "withdrawal", "withdrawal", "war", "withdrawal", "recognition"],
        "actors": ["united-states"] * 6,
        "notebook": ["02_doha"] * 6,
        "source_ids": ["S"] * 6,
    })


def test_timeline_chart_over_days(months: pd.DataFrame) -> None:
    fig = charts.timeline_chart(months, 2021, 2021, days=("2021-04-01", "2021-09-30"))
    alt = alt_text_of(fig)
    assert "from 1 April 2021 to 30 September 2021" in alt
    assert "4 events (3 withdrawal, 1 war)" in alt
    left, right = fig.axes[0].get_xlim()
    assert right - left < 200  # days, not years
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[0] == "Apr" and "Aug" in ticks
    assert len(charts.select_events(months, 2021, 2021, days=("2021-08-01", "2021-08-31"))) == 2
    one_month = charts.timeline_chart(months, 2021, 2021, days=("2021-08-01", "2021-08-31"))
    ticks = [t.get_text() for t in one_month.axes[0].get_xticklabels()]
    assert ticks[:3] == ["1 Aug", "8 Aug", "15 Aug"]


@pytest.mark.parametrize("days", [("2021-09-30", "2021-04-01"), ("April", "2021-09-30"),
                                  ("2021-04-01",)])
def test_timeline_chart_bad_days(months: pd.DataFrame, days: tuple) -> None:
    with pytest.raises(UsageError, match="days"):
        charts.timeline_chart(months, 2021, 2021, days=days)


def test_strip_explorer_filters_by_theme_and_month(months: pd.DataFrame) -> None:
    explorer = withdrawal.strip_explorer(months)
    assert "4 events" in alt_text_of(explorer.figure)
    explorer.controls["theme"].value = "withdrawal"
    assert "3 events" in alt_text_of(explorer.figure)
    explorer.controls["month"].value = "2021-08"
    assert "1 event" in alt_text_of(explorer.figure)
    assert "Last flight" in explorer.extra_html and "Bagram" not in explorer.extra_html


def test_refugees_chart_can_add_asylum_seekers() -> None:
    refugees = pd.DataFrame({
        "year": pd.array([2021, 2021], dtype="Int64"),
        "host_country": ["Türkiye", "Iran"],
        "refugees": pd.array([10, 700], dtype="Int64"),
        "asylum_seekers": pd.array([130, 0], dtype="Int64"),
    })
    fig = charts.refugees_chart(refugees, 2021, 2021, hosts=["Türkiye", "Iran"],
                                asylum_seekers=True, kind="bar")
    alt = alt_text_of(fig)
    assert "refugees and asylum-seekers" in alt
    assert "Iran 700, Türkiye 140" in alt
    assert "refugees and asylum-seekers" in fig.axes[0].get_xlabel()
    with pytest.raises(UsageError, match="kind"):
        charts.refugees_chart(refugees, 2021, 2021, kind="pie")
    with pytest.raises(UsageError, match="asylum_seekers"):
        charts.refugees_chart(refugees.drop(columns="asylum_seekers"), 2021, 2021,
                              asylum_seekers=True)
