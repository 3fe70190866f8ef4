"""Notebook 03, the withdrawal of 2021: the provincial capitals map and the day-by-day strip.

Built from ``data/capitals_2021.csv`` (load it with :func:`helpers.data.load_capitals_2021`)
and the course timeline. :func:`capital_status` says, for any day, which provincial capitals had
passed to the Taliban; :func:`capitals_map` colours the 34 provinces accordingly with
:func:`helpers.maps.draw_geojson` (colour *and* hatch, and capitals whose day is uncertain or
disputed in a category of their own); :func:`capitals_explorer` puts the map under a date slider
(:func:`helpers.explore.date_slider`) with the table of fallen capitals under it.
:func:`strip_explorer` is the April–September 2021 strip of the timeline, filterable by theme
and month, drawn by :func:`helpers.charts.timeline_chart` with ``days=``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from helpers.charts import (
    THEMES,
    events_table_html,
    format_event_date,
    need_columns,
    select_events,
    timeline_chart,
)
from helpers.errors import DataError, UsageError
from helpers.maps import draw_geojson
from helpers.plots import GREY, PALETTE, finish, new_figure

if TYPE_CHECKING:
    from helpers.explore import ChartExplorer

COLUMNS = ("iso_code", "province", "capital", "fell_on", "certainty", "source_ids", "note")
FALLEN = "capital taken by the Taliban"
FALLEN_UNSURE = "taken; the day is uncertain or disputed"
NOT_FALLEN = "not yet taken"
CATEGORIES = (FALLEN, FALLEN_UNSURE, NOT_FALLEN)
COLORS = {FALLEN: PALETTE["vermillion"], FALLEN_UNSURE: PALETTE["orange"],
          NOT_FALLEN: "#dcdcdc"}
HATCHES = {FALLEN: "", FALLEN_UNSURE: "..", NOT_FALLEN: ""}
#: The map's date control runs over every day of this span.
FIRST_DAY, LAST_DAY = "2021-05-01", "2021-09-15"
#: The strip of notebook 03: April to September 2021.
STRIP_DAYS = ("2021-04-01", "2021-09-30")
SOURCE = ("Course table data/capitals_2021.csv (sources per capital: news-agency reports, "
          "e.g. [REUTERS-2021-08-15] [AJ-2021-08-11]); province outlines [GEOB-AFG-ADM1]")
ALL = "all"


def _day(when: object) -> pd.Timestamp:
    if isinstance(when, pd.Timestamp):
        return when.normalize()
    if not isinstance(when, str):
        raise UsageError(f"a date is text written as YYYY-MM-DD, such as '2021-08-15', not "
                         f"{when!r}.")
    try:
        return pd.Timestamp(pd.to_datetime(when, format="%Y-%m-%d")).normalize()
    except ValueError:
        raise UsageError(f"'{when}' is not a date written as YYYY-MM-DD, such as "
                         "'2021-08-15'.") from None


def _checked(capitals: pd.DataFrame) -> pd.DataFrame:
    need_columns(capitals, COLUMNS, "the capitals map")
    missing = capitals[capitals["fell_on"].isna()]
    if not missing.empty:
        names = ", ".join(str(c) for c in missing["capital"])
        raise DataError(f"data/capitals_2021.csv: {names} has no date in 'fell_on'; give the "
                        "day it passed to the Taliban as YYYY-MM-DD.")
    twice = capitals["iso_code"][capitals["iso_code"].duplicated()]
    if not twice.empty:
        raise DataError(f"data/capitals_2021.csv: province {', '.join(map(str, twice))} is "
                        "listed more than once; keep one row per province.")
    return capitals


def capital_status(capitals: pd.DataFrame, on: object) -> dict[str, str]:
    """Return each province's category on a day: its capital taken, taken on an uncertain or
    disputed day, or not yet taken (by ISO code)."""
    rows = _checked(capitals)
    day = _day(on)
    status = {}
    for _, row in rows.iterrows():
        if row["fell_on"] > day:
            status[str(row["iso_code"])] = NOT_FALLEN
        elif str(row["certainty"]) == "confirmed":
            status[str(row["iso_code"])] = FALLEN
        else:
            status[str(row["iso_code"])] = FALLEN_UNSURE
    return status


def capitals_fallen(capitals: pd.DataFrame, first: object, last: object) -> pd.DataFrame:
    """Return the capitals taken between two days, both included, in date order."""
    rows = _checked(capitals)
    start, end = _day(first), _day(last)
    if start > end:
        raise UsageError(f"the first day {start:%Y-%m-%d} comes after the last {end:%Y-%m-%d}.")
    chosen = rows[(rows["fell_on"] >= start) & (rows["fell_on"] <= end)]
    return chosen.sort_values(["fell_on", "province"], kind="stable")


def _alt(rows: pd.DataFrame, status: dict[str, str], day: pd.Timestamp) -> str:
    n = len(status)
    taken = [c for c, s in status.items() if s != NOT_FALLEN]
    unsure = [c for c, s in status.items() if s == FALLEN_UNSURE]
    when = format_event_date(day, "day")
    if len(taken) == n:
        head = f"all {n} provincial capitals had passed to the Taliban"
    else:
        head = f"{len(taken)} of {n} provincial capitals had passed to the Taliban"
    alt = f"Map of Afghanistan's {n} provinces on {when}: by that day {head}"
    alt += (f", {len(unsure)} of them on a day that is uncertain or disputed." if unsure
            else ".")
    left = rows[rows["iso_code"].isin([c for c, s in status.items() if s == NOT_FALLEN])]
    if 0 < len(left) <= 12:
        alt += " Still not taken: " + ", ".join(
            f"{r['capital']} ({r['province']})" for _, r in left.iterrows()) + "."
    elif len(left) > 12:
        alt += f" {len(left)} capitals were still held by the government."
    return alt


def capitals_map(capitals: pd.DataFrame, provinces: dict[str, Any], on: object) -> Figure:
    """Return the map of provinces coloured by whether their capital had fallen by ``on``.

    Each category has its own colour and hatch; capitals whose day is uncertain or disputed
    have their own category, so the map shows where the record is weak.
    """
    status = capital_status(capitals, on)
    day = _day(on)
    fig, ax = new_figure(f"Provincial capitals taken by the Taliban by "
                         f"{format_event_date(day, 'day')}", size=(8.2, 7.0))
    handles = draw_geojson(ax, provinces, status, categories=list(CATEGORIES),
                           colors=COLORS, hatches=HATCHES, missing_label="no row in the table",
                           edgecolor="white", linewidth=0.8)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=9.5,
              ncols=2, frameon=False)
    ax.text(0.99, 0.99, "Not a map of territorial control:\nit shows only when each\n"
            "provincial capital fell.", transform=ax.transAxes, ha="right", va="top",
            fontsize=8.5, color=GREY)
    return finish(fig, source=SOURCE, alt=_alt(_checked(capitals), status, day))


def capitals_table_html(capitals: pd.DataFrame, on: object) -> str:
    """Return the capitals taken by ``on`` as an escaped HTML table, newest first."""
    rows = capitals_fallen(capitals, "2021-01-01", on) if _day(on) >= _day("2021-01-01") \
        else capitals.iloc[0:0]
    if rows.empty:
        return ("<p>No provincial capital had passed to the Taliban by "
                f"{html.escape(format_event_date(_day(on), 'day'))}.</p>")
    body = []
    for _, row in rows.iloc[::-1].iterrows():
        note = "" if pd.isna(row["note"]) else str(row["note"])
        cells = [format_event_date(row["fell_on"], "day"), str(row["capital"]),
                 str(row["province"]), str(row["certainty"]), note, f"[{row['source_ids']}]"]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("Day", "Capital", "Province", "Day known", "Note", "Sources"))
    return (f'<table class="course-events"><caption>{len(rows)} provincial capitals taken by '
            f"{html.escape(format_event_date(_day(on), 'day'))}</caption><thead><tr>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>")


def capitals_explorer(capitals: pd.DataFrame, provinces: dict[str, Any], *,
                      value: object = "2021-08-15") -> ChartExplorer:
    """Return the map under a date slider (every day, 1 May to 15 September 2021)."""
    from helpers.explore import chart_explorer, date_slider

    _checked(capitals)
    slider = date_slider(pd.date_range(FIRST_DAY, LAST_DAY, freq="D"), "Date",
                         value=_day(value))

    def draw(day: pd.Timestamp) -> tuple[Figure, str]:
        return capitals_map(capitals, provinces, day), capitals_table_html(capitals, day)

    return chart_explorer(draw, {"day": slider},
                          note="move the date (arrow keys work too); the map and the table of "
                               "capitals taken by that day follow.")


# --------------------------------------------------------------------------------------------
# The strip, April to September 2021


def _months(first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[str, str]]:
    return [(f"{m:%B %Y}", f"{m:%Y-%m}") for m in pd.date_range(first, last, freq="MS")]


def strip_explorer(timeline: pd.DataFrame, *, days: tuple[str, str] = STRIP_DAYS
                   ) -> ChartExplorer:
    """Return the day-by-day strip of the timeline with drop-downs for theme and month."""
    import ipywidgets as w

    from helpers.explore import chart_explorer

    first, last = (pd.Timestamp(d) for d in days)
    events = select_events(timeline, first.year, last.year, days=days)
    if events.empty:
        raise UsageError(f"the timeline has no events between {days[0]} and {days[1]}.")
    layout = {"style": {"description_width": "initial"},
              "layout": w.Layout(width="auto", margin="0 1.5em 0.4em 0")}
    themes = [t for t in THEMES if (events["theme"] == t).any()]
    theme_menu = w.Dropdown(options=[("all themes", ALL)] + [(t, t) for t in themes],
                            value=ALL, description="Theme", **layout)
    month_menu = w.Dropdown(options=[("April to September", ALL), *_months(first, last)],
                            value=ALL, description="Month", **layout)

    def draw(theme: str, month: str) -> tuple[Figure, str]:
        chosen = None if theme == ALL else theme
        if month == ALL:
            span = days
        else:
            start = pd.Timestamp(f"{month}-01")
            span = (f"{start:%Y-%m-%d}", f"{start + pd.offsets.MonthEnd(0):%Y-%m-%d}")
        fig = timeline_chart(timeline, first.year, last.year, theme=chosen, days=span)
        table = events_table_html(select_events(timeline, first.year, last.year,
                                                theme=chosen, days=span),
                                  empty="No events match this choice.", narrow="the month")
        return fig, table

    return chart_explorer(draw, {"theme": theme_menu, "month": month_menu},
                          note="choose a theme or a month; the strip and the table of events "
                               "under it follow your choice.")

