"""The course's recurring charts, each built from a curated table in one call.

Every function returns a finished figure (see :func:`helpers.plots.finish`): the source line is
written under it and its alt text is computed from the data it shows, so the description
always matches the chart. Show one with :func:`helpers.plots.show` or pass it to an explorer;
notebooks read like ``show(timeline_chart(timeline, 1989, 2015))``.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from helpers.errors import UsageError
from helpers.plots import (
    COLOR_CYCLE,
    GREY,
    MAX_ALT_CHARS,
    PALETTE,
    at_save_dpi,
    finish,
    new_figure,
)

DEATH_COLUMNS = ("deaths_low", "deaths_best", "deaths_high")
CONFLICT_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
THEMES = ("war", "diplomacy", "withdrawal", "recognition", "terrorism", "humanitarian")
#: Each theme has a colour and a marker shape, so the chart never relies on colour alone.
THEME_STYLE: dict[str, tuple[str, str]] = {
    "war": (PALETTE["vermillion"], "o"),
    "diplomacy": (PALETTE["blue"], "s"),
    "withdrawal": (PALETTE["orange"], "^"),
    "recognition": (PALETTE["green"], "D"),
    "terrorism": (PALETTE["black"], "X"),
    "humanitarian": (PALETTE["purple"], "P"),
}
MAX_LABELLED_EVENTS = 40
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def need_columns(df: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame with ``columns``; else raise a UsageError for ``what``."""
    if not isinstance(df, pd.DataFrame):
        raise UsageError(f"{what} takes a DataFrame from the course's loaders, not "
                         f"{type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UsageError(f"{what} needs the column(s) {', '.join(missing)}; pass the table its "
                         "loader returns.")
    return df


def year_range(start: object, end: object) -> tuple[int, int]:
    """Return ``(start, end)`` checked as whole-number years in order; else raise UsageError."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        raise UsageError("start and end are years written as whole numbers, e.g. 1989, 2019.")
    if start > end:
        raise UsageError(f"the start year {start} comes after the end year {end}.")
    return start, end


def format_event_date(when: pd.Timestamp, precision: str) -> str:
    """Return a date as the timeline knows it: '29 February 2020', 'February 2020' or '2020'."""
    if pd.isna(when):
        return "date unknown"
    if precision == "year":
        return f"{when.year}"
    if precision == "month":
        return f"{MONTHS[when.month - 1]} {when.year}"
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


# --------------------------------------------------------------------------------------------
# Battle-related deaths (UCDP)


def battle_deaths_chart(deaths: pd.DataFrame, start: int = 1989, end: int = 2023, *,
                        by_conflict: bool = False, title: str | None = None,
                        conflicts: Sequence[str | int] | None = None, log_scale: bool = False,
                        marks: Mapping[float, str] | None = None) -> Figure:
    """Return a line chart of battle-related deaths per year with the low–high range shaded.

    ``by_conflict=True`` draws one line per UCDP conflict instead of their sum, each with its own
    colour and marker shape; a conflict recorded in a single year (such as the 2001 war between
    the US-led coalition and the Taliban government) gets a range bar, so it is not lost.
    ``conflicts`` keeps only the conflicts named (by ``conflict`` label or ``conflict_id``);
    ``log_scale=True`` draws the vertical axis on a logarithmic scale, so a conflict with hundreds
    of deaths stays visible beside one with tens of thousands; ``marks`` draws a dashed line with a
    label at each position (``{2021.62: "Taliban take Kabul"}``), named in the alt text too.
    """
    need_columns(deaths, ["year", "conflict", "deaths_low", "deaths_best", "deaths_high"],
                  "battle_deaths_chart")
    start, end = year_range(start, end)
    if not isinstance(log_scale, bool):
        raise UsageError("log_scale is True or False.")
    marks = _check_marks(marks)
    if conflicts is not None:
        deaths = select_conflicts(deaths, conflicts)
    if by_conflict:
        return _deaths_by_conflict(deaths, start, end, title, log_scale=log_scale, marks=marks)
    rows = deaths[(deaths["year"] >= start) & (deaths["year"] <= end)]
    if rows.empty:
        raise UsageError(f"the table has no rows between {start} and {end}.")
    values = ["deaths_low", "deaths_best", "deaths_high"]
    fig, ax = new_figure(title or f"Battle-related deaths in Afghanistan, {start}–{end}")
    groups = [("all conflicts", rows)]
    for (label, part), color in zip(groups, COLOR_CYCLE, strict=False):
        per_year = part.groupby("year")[values].sum().reindex(range(start, end + 1))
        years = list(per_year.index)
        ax.fill_between(years, per_year["deaths_low"].astype(float),
                        per_year["deaths_high"].astype(float), color=color, alpha=0.25, lw=0)
        ax.plot(years, per_year["deaths_best"].astype(float), color=color,
                label=f"{label} (best estimate)")
    ax.set_ylabel("deaths per year")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.set_xlim(start - 0.5, end + 0.5)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend([*handles, Line2D([], [], color=GREY, alpha=0.4, lw=8)],
              [*labels, "shaded: UCDP's low–high range"], loc="upper left")
    total = rows.groupby("year")[values].sum()
    peak = int(total["deaths_best"].idxmax())
    low, best, high = (int(total.loc[peak, v]) for v in values)
    alt = (f"Line chart of battle-related deaths in Afghanistan per year, {start} to {end}, "
           f"all conflicts together, with the low-to-high range shaded. The deadliest year "
           f"in this period is {peak}, with a best estimate of {best:,} deaths "
           f"(range {low:,} to {high:,}).")
    alt += _scale_and_marks(ax, total["deaths_low"], log_scale, marks)
    return finish(fig, source="UCDP Battle-Related Deaths Dataset v24.1 [UCDP-BRD-24.1]", alt=alt)


def select_conflicts(deaths: pd.DataFrame, conflicts: Sequence[str | int]) -> pd.DataFrame:
    """Return the rows of the conflicts named by label or by UCDP ``conflict_id``.

    Raises :class:`UsageError` naming the conflicts the table has when a name matches nothing.
    """
    if isinstance(conflicts, str | int) or not isinstance(conflicts, Sequence) or not conflicts:
        raise UsageError("conflicts is a list of conflict names or UCDP ids, e.g. "
                         "['Government of Afghanistan vs Islamic State'].")
    labels = deaths["conflict"].astype(str)
    ids = (deaths["conflict_id"].astype("Int64").astype(str) if "conflict_id" in deaths.columns
           else pd.Series("", index=deaths.index))
    keep = pd.Series(False, index=deaths.index)
    for wanted in conflicts:
        hit = (labels == str(wanted)) | (ids == str(wanted))
        if not hit.any():
            known = ", ".join(sorted(set(labels)))
            raise UsageError(f"no conflict called {wanted!r}; the table has: {known}.")
        keep |= hit
    return deaths[keep]


def _check_marks(marks: object) -> dict[float, str]:
    """Return ``marks`` as {position: label}; raise UsageError for anything else."""
    if marks is None:
        return {}
    if not isinstance(marks, Mapping):
        raise UsageError("marks is a dict of {year: label}, e.g. {2021.62: 'Taliban take Kabul'}.")
    checked: dict[float, str] = {}
    for where, label in marks.items():
        if isinstance(where, bool) or not isinstance(where, int | float):
            raise UsageError(f"a mark's position is a year as a number, not {where!r}.")
        if not isinstance(label, str) or not label.strip():
            raise UsageError(f"the mark at {where} needs a label (text).")
        checked[float(where)] = " ".join(label.split())
    return checked


def _scale_and_marks(ax: object, lows: pd.Series, log_scale: bool,
                     marks: Mapping[float, str]) -> str:
    """Apply the log scale and the dashed marks to ``ax``; return what the alt text adds."""
    extra = ""
    if log_scale:
        positive = [float(v) for v in lows if pd.notna(v) and v > 0]
        ax.set_yscale("log")
        ax.set_ylim(bottom=max(1.0, min(positive, default=1.0) * 0.6))
        ax.yaxis.set_major_formatter("{x:,.0f}")
        extra += (" The vertical axis is logarithmic: each step up multiplies deaths by ten, so "
                  "small and large conflicts can be read on one chart.")
    low, high = ax.get_xlim()
    if marks:  # head-room above the data for the labels
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top * 2.5 if log_scale else top * 1.12)
    for where, label in sorted(marks.items()):
        ax.axvline(where, color=GREY, linestyle="--", linewidth=1.2, zorder=1)
        # label on the side of the line with more room, so it stays inside the axes
        right_half = where > (low + high) / 2
        ax.annotate(label, xy=(where, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-4 if right_half else 4, -4), textcoords="offset points",
                    ha="right" if right_half else "left", va="top", fontsize=10,
                    color="#222222", backgroundcolor="white")
    if marks:
        extra += " Dashed lines mark: " + "; ".join(
            f"{label} (at {where:g})" for where, label in sorted(marks.items())) + "."
    return extra


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _span_text(years: list[int]) -> str:
    first, last = min(years), max(years)
    if first == last:
        return f"{first} only"
    if len(years) == last - first + 1:
        return f"{first}–{last}"
    return f"{len(years)} years between {first} and {last}"


def _deaths_by_conflict(deaths: pd.DataFrame, start: int, end: int,
                        title: str | None, *, log_scale: bool = False,
                        marks: Mapping[float, str] | None = None) -> Figure:
    """Return a chart of battle-related deaths per year, one line per UCDP conflict.

    Each conflict has its own colour and marker shape, its best estimate as a line and its
    low–high range shaded; a year with no neighbouring year of the same conflict gets a range
    bar instead of a band, so a one-year conflict is drawn, not lost. The alt text gives each
    conflict's years and deadliest year with its range, and the same for all conflicts together.
    """
    need_columns(deaths, ["year", "conflict", *DEATH_COLUMNS], "battle_deaths_chart")
    start, end = year_range(start, end)
    rows = deaths[(deaths["year"] >= start) & (deaths["year"] <= end)]
    if rows.empty:
        raise UsageError(f"the table has no rows between {start} and {end}.")
    values = list(DEATH_COLUMNS)
    per_conflict = {name: part.groupby("year")[values].sum().astype(float)
                    for name, part in rows.groupby("conflict", observed=True, sort=False)}
    order = sorted(per_conflict, key=lambda n: (per_conflict[n].index.min(),
                                                -per_conflict[n]["deaths_best"].sum(), str(n)))
    fig, ax = new_figure(title or f"Battle-related deaths in Afghanistan by conflict, "
                                  f"{start}–{end}")
    styles = zip(itertools.cycle(COLOR_CYCLE), itertools.cycle(CONFLICT_MARKERS))
    for name, (color, marker) in zip(order, styles, strict=False):
        table = per_conflict[name].reindex(range(start, end + 1))
        present = table["deaths_best"].notna()
        years = list(table.index)
        ax.fill_between(years, table["deaths_low"], table["deaths_high"], color=color,
                        alpha=0.22, lw=0)
        ax.plot(years, table["deaths_best"], color=color, marker=marker, markersize=4.5,
                label=f"{name} (best estimate)")
        alone = present & ~present.shift(1, fill_value=False) & ~present.shift(-1,
                                                                              fill_value=False)
        if alone.any():
            single = table[alone]
            ax.errorbar(list(single.index), single["deaths_best"],
                        yerr=[single["deaths_best"] - single["deaths_low"],
                              single["deaths_high"] - single["deaths_best"]],
                        fmt="none", ecolor=color, elinewidth=2, capsize=5, zorder=4)
            ax.plot(list(single.index), single["deaths_best"], linestyle="none", marker=marker,
                    markersize=9, color=color, markeredgecolor="white", zorder=5,
                    label="_single years")
    ax.set_ylabel("deaths per year")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.set_xlim(start - 0.5, end + 0.5)
    ax.set_ylim(bottom=0)
    extra = _scale_and_marks(ax, rows["deaths_low"], log_scale, marks or {})
    # on a log scale the lines fill the plot, and marks take the top: the legend goes under
    place = ({"loc": "upper left", "bbox_to_anchor": (0.0, -0.1)} if log_scale or marks
             else {"loc": "upper left"})
    ax.legend(fontsize=10, title="shaded band or bar: UCDP's low–high range",
              title_fontsize=10, **place)

    parts = []
    for name in order:
        table = per_conflict[name]
        years = [int(y) for y in table.index]
        if len(years) == 1:
            low, best, high = (table.iloc[0][v] for v in values)
            parts.append(f"{name} ({_span_text(years)}): best estimate {_fmt(best)} "
                         f"(range {_fmt(low)} to {_fmt(high)}).")
        else:
            peak = int(table["deaths_best"].idxmax())
            low, best, high = (table.loc[peak, v] for v in values)
            parts.append(f"{name} ({_span_text(years)}): deadliest year {peak}, best estimate "
                         f"{_fmt(best)} (range {_fmt(low)} to {_fmt(high)}).")
    total = rows.groupby("year")[values].sum().astype(float)
    peak = int(total["deaths_best"].idxmax())
    low, best, high = (total.loc[peak, v] for v in values)
    head = (f"Line chart of battle-related deaths in Afghanistan per year, {start} to {end}, "
            f"for {len(order)} conflicts, each with its own marker and UCDP's low-to-high "
            f"range. ")
    tail = (f" All conflicts together: deadliest year {peak}, best estimate {_fmt(best)} "
            f"(range {_fmt(low)} to {_fmt(high)}).")
    kept: list[str] = []
    for part in parts:
        room = MAX_ALT_CHARS - len(head) - len(tail) - len(extra) - 40
        if len(" ".join([*kept, part])) > room:
            kept.append(f"… and {len(parts) - len(kept)} more conflicts.")
            break
        kept.append(part)
    alt = head + " ".join(kept) + tail + extra
    return finish(fig, source="UCDP Battle-Related Deaths Dataset v24.1 [UCDP-BRD-24.1]",
                  alt=alt)


# --------------------------------------------------------------------------------------------
# Refugees (UNHCR)


REFUGEE_CHART_KINDS = ("area", "bar")


def refugees_chart(refugees: pd.DataFrame, start: int = 1979, end: int = 2024, *,
                   hosts: Sequence[str] | None = None, title: str | None = None,
                   asylum_seekers: bool = False, kind: str = "area") -> Figure:
    """Return a stacked area chart of Afghan refugees by host country and year.

    ``hosts`` lists host names to show separately (default: the largest four over the period);
    all other countries are summed into "other countries", so the stack's top is the total.
    ``asylum_seekers=True`` counts asylum-seekers too (they matter where few are recognised as
    refugees, as in Türkiye). ``kind="bar"`` draws horizontal bars, one group per host and one
    bar per year, which suits a comparison of hosts over a few years.
    """
    need_columns(refugees, ["year", "host_country", "refugees"],
                  "refugees_chart")
    if kind not in REFUGEE_CHART_KINDS:
        raise UsageError(f"kind is one of {', '.join(map(repr, REFUGEE_CHART_KINDS))}, "
                         f"not {kind!r}.")
    if asylum_seekers:
        need_columns(refugees, ["asylum_seekers"], "refugees_chart with asylum_seekers=True")
    start, end = year_range(start, end)
    rows = refugees[(refugees["year"] >= start) & (refugees["year"] <= end)]
    if rows.empty:
        raise UsageError(f"the table has no rows between {start} and {end}.")
    counted = "refugees and asylum-seekers" if asylum_seekers else "refugees"
    if asylum_seekers:
        rows = rows.assign(refugees=rows["refugees"].astype(float)
                           + rows["asylum_seekers"].astype(float))
    by_host = rows.pivot_table(index="year", columns="host_country", values="refugees",
                               aggfunc="sum", fill_value=0, observed=True).astype(float)
    if hosts is None:
        ranking = by_host.drop(columns=[c for c in by_host if c.lower().startswith("other")],
                               errors="ignore").sum().sort_values(ascending=False)
        hosts = list(ranking.index[:4])
    unknown = [h for h in hosts if h not in by_host.columns]
    if unknown:
        raise UsageError(f"no host called {', '.join(map(repr, unknown))}; the table has "
                         f"{', '.join(sorted(by_host.columns))}.")
    shown = by_host[list(hosts)]
    shown = shown.assign(**{"other countries": by_host.drop(columns=list(hosts)).sum(axis=1)})
    if kind == "bar":
        return _refugee_bars(shown, start, end, counted, title)
    fig, ax = new_figure(title or f"Afghan refugees by host country, {start}–{end}")
    colors = [*COLOR_CYCLE[:len(shown.columns) - 1], "#bbbbbb"]
    ax.stackplot(shown.index, shown.T.to_numpy() / 1e6, labels=list(shown.columns),
                 colors=colors, alpha=0.9)
    ax.set_ylabel("refugees (millions)")
    ax.set_xlim(start, end)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="host country")
    total = shown.sum(axis=1)
    peak = int(total.idxmax())
    alt = (f"Stacked area chart of refugees from Afghanistan by host country, {start} to {end}. "
           f"The total peaks in {peak} at about {total[peak] / 1e6:.1f} million; the hosts shown "
           f"separately are {', '.join(hosts)}, and all others are grouped. In {end} the total "
           f"is about {total[end] / 1e6:.1f} million.")
    return finish(fig, source="UNHCR Refugee Population Statistics [UNHCR-RPS]", alt=alt)


def _refugee_bars(shown: pd.DataFrame, start: int, end: int, counted: str,
                  title: str | None) -> Figure:
    """Horizontal bars: one group per host (largest in the last year on top), a bar per year."""
    years = list(shown.index)
    order = [h for h in shown.loc[end].drop("other countries").sort_values().index]
    order = ["other countries", *order]
    fig, ax = new_figure(title or f"Afghan {counted} by host country, {start}–{end}",
                         size=(9, 1.2 + 0.55 * len(order) * max(len(years), 1) ** 0.5))
    height = 0.8 / len(years)
    hatches = ("", "//", "..", "xx")
    for i, year in enumerate(years):
        positions = [k - (i - (len(years) - 1) / 2) * height for k in range(len(order))]
        ax.barh(positions, [shown.loc[year, h] / 1e3 for h in order], height=height * 0.95,
                color=COLOR_CYCLE[i % len(COLOR_CYCLE)], hatch=hatches[i % len(hatches)],
                edgecolor="white", label=str(year))
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel(f"{counted} at the end of the year (thousands)")
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.grid(axis="y", visible=False)
    ax.legend(title="end of year", loc="lower right")
    last = shown.loc[end].sort_values(ascending=False)
    listed = ", ".join(f"{h} {_fmt(v)}" for h, v in last.items())
    alt = (f"Horizontal bar chart of Afghan {counted} by host country at the end of each year "
           f"from {start} to {end}, one bar per year. At the end of {end}: {listed}.")
    return finish(fig, source="UNHCR Refugee Population Statistics [UNHCR-RPS]", alt=alt)


# --------------------------------------------------------------------------------------------
# Timeline


def day_range(days: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return ``days`` = (first, last) as two timestamps in order; else raise UsageError."""
    if isinstance(days, str | bytes) or not isinstance(days, Sequence) or len(days) != 2:
        raise UsageError("days is a pair of dates (first, last) written as YYYY-MM-DD, e.g. "
                         "('2021-04-01', '2021-09-30').")
    try:
        first, last = (pd.Timestamp(d).normalize() if not isinstance(d, str)
                       else pd.Timestamp(pd.to_datetime(d, format="%Y-%m-%d")) for d in days)
    except (ValueError, TypeError):
        raise UsageError(f"days {tuple(days)!r}: write both dates as YYYY-MM-DD.") from None
    if pd.isna(first) or pd.isna(last) or first > last:
        raise UsageError(f"days: the first date must come before the last, not {tuple(days)!r}.")
    return first, last


def select_events(timeline: pd.DataFrame, start: int, end: int, *, theme: str | None = None,
                  actor: str | None = None, days: Sequence[object] | None = None
                  ) -> pd.DataFrame:
    """Return the timeline's events between two years, optionally of one theme or actor.

    ``days=(first, last)`` narrows the events further to those dated between two days
    (inclusive), for a day-by-day view of a few months.
    """
    need_columns(timeline, ["date", "title", "theme", "actors"], "select_events")
    start, end = year_range(start, end)
    years = timeline["date"].dt.year
    rows = timeline[(years >= start) & (years <= end)]
    if days is not None:
        first, last = day_range(days)
        rows = rows[(rows["date"] >= first) & (rows["date"] <= last)]
    if theme:
        rows = rows[rows["theme"] == theme]
    if actor:
        ids = rows["actors"].fillna("").str.split(";")
        rows = rows[ids.apply(lambda parts: actor in [p.strip() for p in parts])]
    return rows.sort_values("date", kind="stable")


LABEL_OFFSETS = (9, -14, 21, -26)
LABEL_CHARS = 34


def _label_events(fig: Figure, ax: object, events: pd.DataFrame, lanes: list[str]) -> int:
    """Name events on the chart where a label fits without overlapping another; return how many.

    Each label tries a few places above and below its marker and is left out if none is free;
    the table under an explorer lists every event, so nothing is lost.
    """
    canvas = FigureCanvasAgg(fig)
    placed: list[Bbox] = []
    # laid out at the resolution the chart is stored at, so that storing it measures no text
    # again (helpers.plots.figure_png draws on this canvas)
    with at_save_dpi(fig):
        fig.draw_without_rendering()
        renderer = canvas.get_renderer()
        frame = ax.get_window_extent(renderer)  # type: ignore[attr-defined]
        for _, event in events.iterrows():
            lane = lanes.index(event["theme"]) if event["theme"] in lanes else 0
            title = str(event["title"])
            if len(title) > LABEL_CHARS:
                title = title[: LABEL_CHARS - 1].rstrip() + "…"
            for offset in LABEL_OFFSETS:
                label = ax.annotate(title, (event["date"], lane), xytext=(0, offset),  # type: ignore[attr-defined]
                                    textcoords="offset points", fontsize=8.5, ha="center",
                                    color="#222222", annotation_clip=False)
                label.set_in_layout(False)
                box = label.get_window_extent(renderer)
                fits = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                        and box.y1 <= frame.y1 and not any(box.overlaps(b) for b in placed))
                if fits:
                    placed.append(box)
                    break
                label.remove()
    return len(placed)


YEAR_STEPS = (1, 2, 5, 10, 20, 50)
MONTH_STEPS = (1, 2, 3, 4, 6)
MAX_TICKS = 10


def _year_ticks(start: int, end: int, left: pd.Timestamp, right: pd.Timestamp
                ) -> tuple[list[pd.Timestamp], list[str]]:
    """Return the ticks of a timeline from ``start`` to ``end``, and their labels.

    Whole years (every 1, 2, 5… years) over four years or more, else the first of every 1, 2,
    3… months, labelled "Jan 2020", "Apr", "Jul": at most ten ticks, between ``left`` and
    ``right``. Fixed here rather than chosen by matplotlib's date locator each time the chart
    is laid out and drawn, which was an eighth of the cost of drawing a timeline.
    """
    years = end - start + 1
    if years >= 4:
        step = next((s for s in YEAR_STEPS if -(-years // s) <= MAX_TICKS), YEAR_STEPS[-1])
        first = -(-start // step) * step
        ticks = [t for y in range(first, end + 2, step)
                 if left <= (t := pd.Timestamp(f"{y}-01-01")) <= right]
        return ticks, [f"{t.year}" for t in ticks]
    step = next(s for s in MONTH_STEPS if -(-years * 12 // s) <= MAX_TICKS)
    ticks = [t for t in pd.date_range(f"{start}-01-01", f"{end + 1}-01-01", freq=f"{step}MS")
             if left <= t <= right]
    return ticks, [f"{t:%b %Y}" if t.month == 1 else f"{t:%b}" for t in ticks]


def timeline_chart(timeline: pd.DataFrame, start: int, end: int, *, theme: str | None = None,
                   actor: str | None = None, title: str | None = None,
                   actor_name: str | None = None,
                   days: Sequence[object] | None = None) -> Figure:
    """Return a timeline: one lane per theme, a marker per event, short labels when few.

    ``actor_name`` is how the chosen actor is named in the alt text (default: its id).
    ``days=(first, last)`` shows only the events between two days, with the axis running
    from the first day to the last and a tick per month: a day-by-day strip of a few months.
    """
    span = day_range(days) if days is not None else None
    events = select_events(timeline, start, end, theme=theme, actor=actor, days=days)
    default = (f"Day by day, {format_event_date(span[0], 'day')} to "
               f"{format_event_date(span[1], 'day')}" if span else f"Timeline, {start}–{end}")
    fig, ax = new_figure(title or default, size=(10, 4.6))
    lanes = [t for t in THEMES if theme in (None, t)]
    for lane, name in enumerate(lanes):
        color, marker = THEME_STYLE[name]
        part = events[events["theme"] == name]
        ax.scatter(part["date"], [lane] * len(part), color=color, marker=marker, s=60,
                   zorder=3, label=name, edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    if span is None:
        left = pd.Timestamp(f"{start}-01-01") - pd.Timedelta(days=60)
        right = pd.Timestamp(f"{end}-12-31") + pd.Timedelta(days=60)
        ax.set_xlim(left, right)
        ax.set_xticks(*_year_ticks(start, end, left, right))
    else:
        margin = pd.Timedelta(days=max(2, (span[1] - span[0]).days // 40))
        ax.set_xlim(span[0] - margin, span[1] + margin)
        if (span[1] - span[0]).days <= 70:  # a few weeks: a tick a week, labelled by day
            weekly = pd.date_range(span[0], span[1], freq="7D")
            ax.set_xticks(weekly, [f"{t.day} {t:%b}" for t in weekly])
        else:
            ticks = pd.date_range(span[0].to_period("M").start_time, span[1], freq="MS")
            ticks = [t for t in ticks if t >= span[0] - margin]
            ax.set_xticks(ticks, [f"{t:%b}" if t.year == span[1].year else f"{t:%b %Y}"
                                  for t in ticks])
    ax.grid(axis="x", color="#eeeeee")
    ax.grid(axis="y", visible=False)
    filters = [f"theme '{theme}'" if theme else "",
               f"actor '{actor_name or actor}'" if actor else ""]
    chosen = " and ".join(f for f in filters if f) or "all themes"
    period = (f"{start} to {end}" if span is None else
              f"{format_event_date(span[0], 'day')} to {format_event_date(span[1], 'day')}")

    def when(day: pd.Timestamp) -> str:
        return str(day.year) if span is None else format_event_date(day, "day")

    if events.empty:
        ax.text(0.5, 0.5, "No events match this choice.", transform=ax.transAxes,
                ha="center", fontsize=12, color=GREY)
        alt = f"Timeline from {period} for {chosen}: no events match."
    else:
        counts = events["theme"].value_counts()
        spread = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
        first, last = events.iloc[0], events.iloc[-1]
        noun = "event" if len(events) == 1 else "events"
        alt = (f"Timeline from {period} for {chosen}: {len(events)} {noun} ({spread}), "
               f"from '{first['title']}' ({when(first['date'])}) to '{last['title']}' "
               f"({when(last['date'])}), each theme on its own row with its own marker shape.")
    finish(fig, source="Course timeline, data/timeline.csv (sources per event)", alt=alt)
    if 0 < len(events) <= MAX_LABELLED_EVENTS:
        # last, once the source line is in place: placing labels lays the chart out, and that
        # layout is then kept, so that saving the chart does not lay it out a second time
        _label_events(fig, ax, events, lanes)
        fig.set_layout_engine("none")
    return fig


def events_table_html(events: pd.DataFrame, *, limit: int = 60, first_header: str = "Event",
                      notes: bool = False, empty: str | None = None,
                      narrow: str = "the choice") -> str:
    """Return the events as an escaped HTML table: date, event, what happened, sources.

    ``notes=True`` adds a column with each row's ``note`` (how the timeline checked an
    article's version against the record); ``empty`` is the text to show instead of an empty
    table; ``narrow`` names what the reader can narrow when more than ``limit`` rows match.
    """
    columns = ["date", "title", "description", "source_ids"] + (["note"] if notes else [])
    need_columns(events, columns, "events_table_html")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise UsageError(f"limit is a whole number of rows, at least 1; it was {limit!r}.")
    if events.empty and empty is not None:
        return f"<p>{html.escape(empty)}</p>"
    headers = ["Date", first_header, "What happened"]
    headers += ["Check against the record"] if notes else []
    headers.append("Sources")
    precision = (events["precision"] if "precision" in events
                 else pd.Series("day", index=events.index))
    rows = []
    for (_, event), prec in zip(events.head(limit).iterrows(), precision.head(limit),
                                strict=True):
        cells = [format_event_date(event["date"], str(prec)), str(event["title"]),
                 str(event["description"])]
        if notes:
            note = event["note"]
            cells.append("no note" if pd.isna(note) or not str(note).strip() else str(note))
        cells.append(f"[{event['source_ids']}]")
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    more = (f"<p>… and {len(events) - limit} more: narrow {html.escape(narrow)} to see them.</p>"
            if len(events) > limit else "")
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    return (f'<table class="course-events"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>" + more)
