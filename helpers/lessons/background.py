"""Charts and an explorer for notebook 01 (background to 2020), built on the curated tables.

* :func:`milestones_chart`: a vertical timeline whose labels never overlap, for a few dozen
  dated milestones over a long span (Afghan–US relations since 1921).
* :func:`milestones_table_html` and :func:`milestones_explorer`: the milestones as a table and
  as an explorer with a period menu and a box that reveals how each milestone was checked
  against the record (the timeline's ``note`` column), so students can look for an article's
  slips before reading the answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.charts import (
    THEME_STYLE,
    THEMES,
    events_table_html,
    format_event_date,
    need_columns,
    select_events,
    year_range,
)
from helpers.errors import UsageError
from helpers.explore import ChartExplorer, chart_explorer
from helpers.plots import GREY, finish, new_figure

MILESTONE_COLUMNS = ("date", "title", "description", "theme", "actors", "source_ids", "note")
LABEL_GID = "milestone-label"
#: Vertical room per label, in inches: more than the height of one line of 9-point text.
LABEL_PITCH_IN = 0.26
#: Height of the figure outside the plotting area (title, source line, legend), in inches.
FRAME_IN = 1.7
#: Horizontal places (axes fractions) of the time-axis dots, the themed markers and the labels.
AXIS_X, MARKER_X, LABEL_X = 0.02, 0.1, 0.115
TIMELINE_SOURCE = "Course timeline, data/timeline.csv (sources per event)"


# ---------------------------------------------------------------------------------------------
# Milestones: a vertical timeline, a table and an explorer


def _decimal_year(when: pd.Timestamp) -> float:
    start = pd.Timestamp(year=when.year, month=1, day=1)
    return when.year + (when - start).days / 365.25


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Return label positions (axes fractions, top = 1) at least ``gap`` apart, near ``wanted``.

    ``wanted`` runs from top to bottom. Labels are pushed down where they crowd, then pushed up
    from the bottom edge if the first pass ran below it.
    """
    placed: list[float] = []
    for want in wanted:
        placed.append(min(want, 1.0) if not placed else min(want, placed[-1] - gap))
    if placed and placed[-1] < 0.0:
        placed[-1] = 0.0
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = max(placed[i], placed[i + 1] + gap)
    return placed


def milestones_chart(events: pd.DataFrame, start: int, end: int, *,
                     title: str | None = None) -> Figure:
    """Return a vertical timeline of the events between two years, each labelled.

    Time runs down the left axis; every event has a marker in its theme's colour and shape and
    a label (date and title) on the right, joined by a thin line where labels had to be spaced
    apart. The figure grows with the number of events so labels never overlap. The alt text
    gives the count, the themes and the longest gap between two milestones.
    """
    need_columns(events, ["date", "title", "theme", "actors"], "milestones_chart")
    chosen = select_events(events, start, end)
    n = len(chosen)
    height = max(3.8, LABEL_PITCH_IN * n + FRAME_IN)
    fig, ax = new_figure(title or f"Milestones, {start}–{end}", size=(10, height))
    top, bottom = float(start), float(end + 1)
    pad = max(0.5, (bottom - top) * 0.03)
    ax.set_ylim(bottom + pad, top - pad)  # earliest at the top
    ax.set_xlim(0, 1)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.grid(axis="y", color="#eeeeee")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter("{x:.0f}")
    if n == 0:
        ax.text(0.5, 0.5, "No milestones in this period.", transform=ax.transAxes,
                ha="center", fontsize=12, color=GREY)
        return finish(fig, source=TIMELINE_SOURCE,
                      alt=f"Vertical timeline from {start} to {end}: no milestones in this "
                          "period.")
    when = [_decimal_year(d) for d in chosen["date"]]
    lo, hi = bottom + pad, top - pad
    wanted = [(lo - y) / (lo - hi) for y in when]
    axis_height = height - FRAME_IN
    gap = min(LABEL_PITCH_IN / axis_height, 1.0 / max(n, 1))
    placed = _spread(wanted, gap)
    precision = (chosen["precision"] if "precision" in chosen
                 else pd.Series("day", index=chosen.index))
    # A small dot on the time axis at the true date, a leader line, then the themed marker and
    # the label side by side, so crowded years never hide a marker. The dots, the leaders and
    # each theme's markers are one artist each, not one per event: a chart of 25 events drew
    # about 100 artists and took the better part of a second.
    ax.scatter([AXIS_X] * n, when, color=GREY, s=12, zorder=3)
    y_low, y_high = ax.get_ylim()
    leader_end = MARKER_X - 0.02  # axes fraction = data x, since the x axis runs from 0 to 1
    ax.add_collection(LineCollection(
        [[(AXIS_X, y), (leader_end, y_low + f * (y_high - y_low))]
         for y, f in zip(when, placed, strict=True)],
        colors="#bbbbbb", linewidths=0.7, zorder=2), autolim=False)
    themes = chosen["theme"].astype(str).tolist()
    shown_themes = list(dict.fromkeys(themes))
    for theme in shown_themes:
        color, marker = THEME_STYLE.get(theme, (GREY, "o"))
        mine = [f for f, t in zip(placed, themes, strict=True) if t == theme]
        ax.scatter([MARKER_X] * len(mine), mine, transform=ax.transAxes, color=color,
                   marker=marker, s=45, zorder=3, edgecolor="white", linewidth=0.6,
                   clip_on=False)
    for (_, event), label_y, prec in zip(chosen.iterrows(), placed, precision, strict=True):
        label = f"{format_event_date(event['date'], str(prec))} · {event['title']}"
        ax.text(LABEL_X, label_y, label, transform=ax.transAxes, va="center", ha="left",
                fontsize=9, color="#222222", gid=LABEL_GID)
    for theme in sorted(shown_themes, key=lambda t: THEMES.index(t) if t in THEMES else 99):
        color, marker = THEME_STYLE.get(theme, (GREY, "o"))
        ax.scatter([], [], color=color, marker=marker, s=55, label=theme)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(shown_themes),
              fontsize=10, title="theme", title_fontsize=10)

    counts = chosen["theme"].astype(str).value_counts()
    spread = ", ".join(f"{k} {t}" for t, k in counts.items() if k)
    first, last = chosen.iloc[0], chosen.iloc[-1]
    noun = "milestone" if n == 1 else "milestones"
    alt = (f"Vertical timeline of {n} {noun} from {first['date'].year} to "
           f"{last['date'].year} ({spread})")
    if n == 1:
        alt += f": '{first['title']}' ({first['date'].year})."
    else:
        gaps = [(when[i + 1] - when[i], i) for i in range(n - 1)]
        size, i = max(gaps)
        a, b = chosen.iloc[i], chosen.iloc[i + 1]
        alt += (f". The longest gap between two milestones is {size:.0f} years, from "
                f"'{a['title']}' ({a['date'].year}) to '{b['title']}' ({b['date'].year}).")
    return finish(fig, source=TIMELINE_SOURCE, alt=alt)


def milestones_table_html(events: pd.DataFrame, *, reveal: bool = False,
                          limit: int = 60) -> str:
    """Return the milestones as an escaped HTML table: date, milestone, what happened, sources.

    With ``reveal=True`` a column gives each row's note, where the timeline records how an
    article's version differs from the record. ``limit`` caps the rows shown.
    """
    need_columns(events, list(MILESTONE_COLUMNS), "milestones_table_html")
    return events_table_html(events, limit=limit, first_header="Milestone", notes=reveal,
                             empty="No milestones in this period.", narrow="the period")


def _check_periods(periods: object) -> dict[str, tuple[int, int]]:
    if not isinstance(periods, Mapping):
        raise UsageError("periods maps a label to a pair of years, e.g. "
                         "{'1921–1978': (1921, 1978)}.")
    if not periods:
        raise UsageError("milestones_explorer needs at least one period.")
    checked: dict[str, tuple[int, int]] = {}
    for label, span in periods.items():
        if not isinstance(label, str) or not label.strip():
            raise UsageError(f"each period needs a label as text; got {label!r}.")
        if not isinstance(span, tuple | list) or len(span) != 2:
            raise UsageError(f"period {label!r} needs two years (first, last); got {span!r}.")
        checked[label] = year_range(span[0], span[1])
    return checked


def milestones_explorer(events: pd.DataFrame,
                        periods: Mapping[str, tuple[int, int]]) -> ChartExplorer:
    """Return an explorer of milestones: a period menu and a box that reveals the checks.

    ``periods`` maps each menu label to its first and last year; the first is shown at the
    start. Under the chart, a table lists the period's milestones; ticking the box adds the
    column that says how each was checked against the record.
    """
    need_columns(events, list(MILESTONE_COLUMNS), "milestones_explorer")
    spans = _check_periods(periods)
    menu = w.Dropdown(options=list(spans), value=next(iter(spans)), description="Period",
                      style={"description_width": "initial"},
                      layout=w.Layout(width="auto", margin="0 1.5em 0.4em 0"))
    # width "auto": a check box is 300 px wide by default and cuts a long label off with "…"
    reveal = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"),
                        description="Show how each milestone was checked against the record")

    def draw(period: str, reveal: bool) -> tuple[Figure, str]:
        first, last = spans[period]
        fig = milestones_chart(events, first, last, title=f"Afghan–US milestones, {period}")
        chosen = select_events(events, first, last)
        return fig, milestones_table_html(chosen, reveal=reveal)

    return chart_explorer(draw, {"period": menu, "reveal": reveal},
                          note="choose a period; tick the box to see how each milestone was "
                               "checked against the record.")
