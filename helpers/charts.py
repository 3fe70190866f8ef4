"""The course's recurring charts, each built from a curated table in one call.

Every function returns a finished figure (see :func:`helpers.plots.finish`): the source line is
written under it and its alt text is computed from the data it shows, so the description
always matches the chart. Show one with :func:`helpers.plots.show` or pass it to an explorer;
notebooks read like ``show(timeline_chart(timeline, 1989, 2015))``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers.errors import UsageError
from helpers.plots import COLOR_CYCLE, GREY, PALETTE, finish, new_figure

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
MAX_LABELLED_EVENTS = 14
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _need_columns(df: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise UsageError(f"{what} takes a DataFrame from the course's loaders, not "
                         f"{type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UsageError(f"{what} needs the column(s) {', '.join(missing)}; pass the table its "
                         "loader returns.")
    return df


def _years(start: object, end: object) -> tuple[int, int]:
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
                        by_conflict: bool = False, title: str | None = None) -> Figure:
    """Return a line chart of battle-related deaths per year with the low–high range shaded.

    ``by_conflict=True`` draws one line per UCDP conflict instead of their sum.
    """
    _need_columns(deaths, ["year", "conflict", "deaths_low", "deaths_best", "deaths_high"],
                  "battle_deaths_chart")
    start, end = _years(start, end)
    rows = deaths[(deaths["year"] >= start) & (deaths["year"] <= end)]
    if rows.empty:
        raise UsageError(f"the table has no rows between {start} and {end}.")
    values = ["deaths_low", "deaths_best", "deaths_high"]
    fig, ax = new_figure(title or f"Battle-related deaths in Afghanistan, {start}–{end}")
    groups = (list(rows.groupby("conflict", observed=True)) if by_conflict
              else [("all conflicts", rows)])
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
    kind = f"{len(groups)} conflicts" if by_conflict else "all conflicts together"
    alt = (f"Line chart of battle-related deaths in Afghanistan per year, {start} to {end}, "
           f"{kind}, with the low-to-high range shaded. The deadliest year in this period is "
           f"{peak}, with a best estimate of {best:,} deaths (range {low:,} to {high:,}).")
    return finish(fig, source="UCDP Battle-Related Deaths Dataset v24.1 [UCDP-BRD-24.1]", alt=alt)


# --------------------------------------------------------------------------------------------
# Refugees (UNHCR)


def refugees_chart(refugees: pd.DataFrame, start: int = 1979, end: int = 2024, *,
                   hosts: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Return a stacked area chart of Afghan refugees by host country and year.

    ``hosts`` lists host names to show separately (default: the largest four over the period);
    all other countries are summed into "other countries", so the stack's top is the total.
    """
    _need_columns(refugees, ["year", "host_country", "refugees"],
                  "refugees_chart")
    start, end = _years(start, end)
    rows = refugees[(refugees["year"] >= start) & (refugees["year"] <= end)]
    if rows.empty:
        raise UsageError(f"the table has no rows between {start} and {end}.")
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


# --------------------------------------------------------------------------------------------
# Timeline


def select_events(timeline: pd.DataFrame, start: int, end: int, *, theme: str | None = None,
                  actor: str | None = None) -> pd.DataFrame:
    """Return the timeline's events between two years, optionally of one theme or actor."""
    _need_columns(timeline, ["date", "title", "theme", "actors"], "select_events")
    start, end = _years(start, end)
    years = timeline["date"].dt.year
    rows = timeline[(years >= start) & (years <= end)]
    if theme:
        rows = rows[rows["theme"] == theme]
    if actor:
        ids = rows["actors"].fillna("").str.split(";")
        rows = rows[ids.apply(lambda parts: actor in [p.strip() for p in parts])]
    return rows.sort_values("date", kind="stable")


def timeline_chart(timeline: pd.DataFrame, start: int, end: int, *, theme: str | None = None,
                   actor: str | None = None, title: str | None = None) -> Figure:
    """Return a timeline: one lane per theme, a marker per event, short labels when few."""
    events = select_events(timeline, start, end, theme=theme, actor=actor)
    fig, ax = new_figure(title or f"Timeline, {start}–{end}", size=(10, 4.6))
    lanes = [t for t in THEMES if theme in (None, t)]
    for lane, name in enumerate(lanes):
        color, marker = THEME_STYLE[name]
        part = events[events["theme"] == name]
        ax.scatter(part["date"], [lane] * len(part), color=color, marker=marker, s=60,
                   zorder=3, label=name, edgecolor="white", linewidth=0.6)
    if 0 < len(events) <= MAX_LABELLED_EVENTS:
        for i, (_, event) in enumerate(events.iterrows()):
            lane = lanes.index(event["theme"]) if event["theme"] in lanes else 0
            ax.annotate(str(event["title"]), (event["date"], lane),
                        xytext=(0, 9 if i % 2 == 0 else -13), textcoords="offset points",
                        fontsize=8.5, ha="center", color="#222222")
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.set_xlim(pd.Timestamp(f"{start}-01-01") - pd.Timedelta(days=60),
                pd.Timestamp(f"{end}-12-31") + pd.Timedelta(days=60))
    ax.grid(axis="x", color="#eeeeee")
    ax.grid(axis="y", visible=False)
    filters = [f"theme '{theme}'" if theme else "", f"actor '{actor}'" if actor else ""]
    chosen = " and ".join(f for f in filters if f) or "all themes"
    if events.empty:
        ax.text(0.5, 0.5, "No events match this choice.", transform=ax.transAxes,
                ha="center", fontsize=12, color=GREY)
        alt = f"Timeline from {start} to {end} for {chosen}: no events match."
    else:
        counts = events["theme"].value_counts()
        spread = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
        first, last = events.iloc[0], events.iloc[-1]
        alt = (f"Timeline from {start} to {end} for {chosen}: {len(events)} events ({spread}), "
               f"from '{first['title']}' ({first['date'].year}) to '{last['title']}' "
               f"({last['date'].year}), each theme on its own row with its own marker shape.")
    return finish(fig, source="Course timeline, data/timeline.csv (sources per event)", alt=alt)


def events_table_html(events: pd.DataFrame, *, limit: int = 60) -> str:
    """Return the events as an escaped HTML table: date, event, what happened, sources."""
    _need_columns(events, ["date", "title", "description", "source_ids"], "events_table_html")
    precision = events["precision"] if "precision" in events else pd.Series("day",
                                                                             index=events.index)
    rows = []
    for (_, event), prec in zip(events.head(limit).iterrows(), precision.head(limit),
                                strict=True):
        cells = [format_event_date(event["date"], str(prec)), str(event["title"]),
                 str(event["description"]), f"[{event['source_ids']}]"]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    more = (f"<p>… and {len(events) - limit} more: narrow the choice to see them.</p>"
            if len(events) > limit else "")
    return ('<table class="course-events"><thead><tr><th scope="col">Date</th>'
            '<th scope="col">Event</th><th scope="col">What happened</th>'
            '<th scope="col">Sources</th></tr></thead><tbody>' + "".join(rows)
            + "</tbody></table>" + more)
