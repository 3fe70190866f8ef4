"""Charts and tables of the Doha Agreement's commitments: who promised what, and what happened.

Built from ``data/doha_commitments.csv`` (load it with
:func:`helpers.data.load_doha_commitments`). :func:`commitments_chart` draws one row per
commitment, grouped by the party that made it, with a tick at its deadline and a marker at the
date of its outcome; the verdict is shown by the marker's shape *and* its Okabe–Ito colour, so the
chart never relies on colour alone. :func:`commitments_table_html` gives the same rows as an
escaped HTML table (who, what, by when, what happened, status as symbol and word, sources), and
:func:`commitments_explorer` puts both under two drop-downs, party and theme.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd
from matplotlib import dates as mdates
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers.charts import format_event_date, need_columns
from helpers.errors import UsageError
from helpers.plots import GREY, PALETTE, finish, new_figure

if TYPE_CHECKING:
    from helpers.explore import ChartExplorer

#: Parties in the order the chart and the menus list them (the schema's order).
PARTIES: tuple[str, ...] = ("United States", "Taliban", "both", "Afghan government",
                            "United Nations")
#: How each party is named on the chart and in the table.
PARTY_LABELS: dict[str, str] = {
    "United States": "United States",
    "Taliban": "Taliban",
    "both": "Both signatories",
    "Afghan government": "Afghan government (joint declaration)",
    "United Nations": "UN Security Council (resolution 2513)",
}
COLUMNS: tuple[str, ...] = ("id", "party", "commitment", "theme", "deadline", "deadline_text",
                            "outcome", "outcome_status", "outcome_date", "source_ids")


class StatusStyle(NamedTuple):
    """How a verdict is drawn: colour, marker shape, fill, and the symbol used in tables."""

    color: str
    marker: str
    fill: str
    symbol: str


#: Every verdict has its own colour *and* shape (and a symbol in the table).
STATUS_STYLE: dict[str, StatusStyle] = {
    "kept": StatusStyle(PALETTE["green"], "o", "full", "✓"),
    "partly kept": StatusStyle(PALETTE["blue"], "o", "left", "◐"),
    "not kept": StatusStyle(PALETTE["vermillion"], "X", "full", "✗"),
    "overtaken by events": StatusStyle(PALETTE["purple"], "s", "full", "⊘"),
    "disputed": StatusStyle(PALETTE["orange"], "D", "full", "?"),
}
#: The chart stays readable up to this many rows; filter by party or theme beyond it.
MAX_CHART_ROWS = 40
#: Short labels for the chart, by row id; other rows use the start of their commitment text.
SHORT_LABELS: dict[str, str] = {
    "DC-01": "Withdraw all foreign forces (14 months)",
    "DC-02": "Cut US troops to 8,600 (135 days)",
    "DC-03": "Leave five bases (135 days)",
    "DC-04": "Complete the withdrawal, if Part Two is kept",
    "DC-05": "Prisoner releases: up to 5,000 and 1,000",
    "DC-06": "Release all remaining prisoners (3 months)",
    "DC-07": "Released prisoners pose no threat",
    "DC-08": "Review US sanctions on Taliban members",
    "DC-09": "Seek removal from the UN sanctions list",
    "DC-10": "No force against Afghanistan, no interference",
    "DC-11": "Let no one use Afghan soil against the US",
    "DC-12": "Tell members not to cooperate with them",
    "DC-13": "Stop recruiting, training, funding; no hosting",
    "DC-14": "Asylum and residence under migration law",
    "DC-15": "No visas or papers for those who threaten",
    "DC-16": "Start intra-Afghan negotiations (10 March 2020)",
    "DC-17": "Put a ceasefire on the talks' agenda",
    "DC-18": "Ask the Security Council to endorse the deal",
    "DC-19": "Seek positive relations",
    "DC-20": "Economic cooperation for reconstruction",
    "DC-21": "Be ready to review the UN sanctions list",
    "DC-22": "Discuss prisoner releases with the Taliban",
}
LABEL_CHARS = 46
#: Dates drawn as vertical reference lines on the chart.
KEY_DATES: tuple[tuple[str, str, str], ...] = (
    ("2020-02-29", "signed", "left"),
    ("2021-05-01", "withdrawal deadline", "right"),
    ("2021-08-15", "Taliban take Kabul", "left"),
)
SOURCE = ("Course table data/doha_commitments.csv (sources per row), from the agreement "
          "[DOHA-2020], the joint declaration [JOINT-DECL-2020] and resolution 2513 [UNSC-2513]")


# --------------------------------------------------------------------------------------------
# Selecting rows


def _choice(value: object, allowed: list[str], what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"the {what} is text such as {allowed[0]!r}, not "
                         f"{type(value).__name__}.")
    if value not in allowed:
        raise UsageError(f"there is no {what} {value!r}; choose one of "
                         f"{', '.join(map(repr, allowed))}.")
    return value


def select_commitments(commitments: pd.DataFrame, *, party: str | None = None,
                       theme: str | None = None) -> pd.DataFrame:
    """Return the commitments of one party and/or one theme (all when both are None).

    Rows keep the table's order, which follows the agreement's text. An unknown party or theme
    raises :class:`UsageError` naming the values the table has.
    """
    need_columns(commitments, COLUMNS, "select_commitments")
    parties = [p for p in PARTIES if (commitments["party"] == p).any()]
    parties += sorted(set(commitments["party"].dropna().astype(str)) - set(parties))
    themes = sorted(set(commitments["theme"].dropna().astype(str)))
    chosen_party = _choice(party, parties or list(PARTIES), "party")
    chosen_theme = _choice(theme, themes or ["withdrawal"], "theme")
    rows = commitments
    if chosen_party is not None:
        rows = rows[rows["party"] == chosen_party]
    if chosen_theme is not None:
        rows = rows[rows["theme"] == chosen_theme]
    return rows


def short_label(row_id: object, commitment: object) -> str:
    """Return the chart label of a commitment: its short label, or the start of its text."""
    key = "" if pd.isna(row_id) else str(row_id)
    if key in SHORT_LABELS:
        return SHORT_LABELS[key]
    text = " ".join(str(commitment).split()) if not pd.isna(commitment) else "(no text)"
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"


def _plain(text: str) -> str:
    """Return text that matplotlib draws as written (a '$' would start mathematics)."""
    return text.replace("$", r"\$")


def _style(status: object) -> StatusStyle:
    return STATUS_STYLE.get(str(status), StatusStyle(GREY, "o", "none", "·"))


def _date(value: object, precision: object = "day") -> str:
    if pd.isna(value):
        return ""
    return format_event_date(pd.Timestamp(value), "day" if pd.isna(precision) else str(precision))


# --------------------------------------------------------------------------------------------
# The chart


def _parties(rows: pd.DataFrame) -> pd.Series:
    """Return each row's party as text; a missing party is named, so no row is dropped."""
    return rows["party"].astype("string").fillna("(party not given)")


def _layout(rows: pd.DataFrame) -> list[tuple[str, pd.Series | None]]:
    """Return the chart's rows top to bottom as (label, row, or None for a party header)."""
    parties = _parties(rows)
    order = [p for p in PARTIES if (parties == p).any()]
    order += sorted(set(parties) - set(order))
    slots: list[tuple[str, pd.Series | None]] = []
    for party in order:
        slots.append((PARTY_LABELS.get(party, party), None))
        for _, row in rows[(parties == party).to_numpy()].iterrows():
            slots.append((f"{row['id']}  {short_label(row['id'], row['commitment'])}", row))
    return slots


def _describe(rows: pd.DataFrame, chosen: str) -> str:
    """Return the alt text of the chart, computed from the rows it shows."""
    n = len(rows)
    party_counts = _parties(rows).value_counts()
    parties = ", ".join(f"{PARTY_LABELS.get(p, p)}: {party_counts[p]}"
                        for p in dict.fromkeys([*PARTIES, *party_counts.index])
                        if p in party_counts)
    counts = rows["outcome_status"].astype("string").fillna("no verdict").value_counts()
    verdicts = ", ".join(f"{counts[s]} {s}" for s in dict.fromkeys([*STATUS_STYLE, *counts.index])
                         if s in counts)
    alt = (f"Chart of {n} commitment{'s' if n != 1 else ''} of the Doha Agreement and related "
           f"texts ({chosen}), one row each, grouped by party ({parties}). A black tick marks "
           f"each deadline and a marker with its own shape and colour the outcome: {verdicts}.")
    undated = int(rows["outcome_date"].isna().sum())
    if undated:
        alt += f" {undated} outcome{'s have' if undated != 1 else ' has'} no date."
    for column, what in (("deadline", "Deadlines"), ("outcome_date", "Dated outcomes")):
        dates = rows[column].dropna()
        if dates.empty:
            continue
        first, last = _date(dates.min()), _date(dates.max())
        alt += (f" {what} run from {first} to {last}." if first != last
                else f" {what}: {first}.")
    return alt


def _legend_handles() -> list[Line2D]:
    handles = [Line2D([], [], color="#222222", marker="|", markersize=13, markeredgewidth=2,
                      linestyle="none", label="deadline (standing: took effect)"),
               Line2D([], [], color=GREY, lw=1, ls=":", label="from deadline to outcome")]
    for status, style in STATUS_STYLE.items():
        handles.append(Line2D([], [], color=style.color, marker=style.marker, markersize=9,
                              fillstyle=style.fill, markerfacecoloralt="white",
                              markeredgecolor=style.color, linestyle="none",
                              label=f"{style.symbol} {status}"))
    return handles


def commitments_chart(commitments: pd.DataFrame, *, party: str | None = None,
                      theme: str | None = None, title: str | None = None) -> Figure:
    """Return a chart of commitments: one row each, grouped by party, deadline and outcome.

    A black tick marks the deadline (for a standing commitment, the day it took effect) and a
    marker the outcome date, its shape and colour giving the verdict; an outcome without a date
    sits in the right margin, marked "no date". ``party`` and ``theme`` narrow the rows.
    """
    rows = select_commitments(commitments, party=party, theme=theme)
    if len(rows) > MAX_CHART_ROWS:
        raise UsageError(f"{len(rows)} commitments are too many for one chart (at most "
                         f"{MAX_CHART_ROWS}); choose a party or a theme.")
    filters = [f"party '{party}'" if party else "", f"theme '{theme}'" if theme else ""]
    chosen = " and ".join(f for f in filters if f) or "all parties and themes"
    slots = _layout(rows)
    height = min(2.4 + 0.34 * max(len(slots), 4), 13.0)
    fig, ax = new_figure(size=(11, height))
    # the key dates are labelled above the plot, so the title needs more room than usual
    ax.set_title(title or "Doha Agreement: who promised what, and what happened", loc="left",
                 pad=18, fontsize=14, fontweight="bold")
    dated = pd.concat([rows["deadline"], rows["outcome_date"]]).dropna()
    start = pd.Timestamp("2020-01-01")
    end = max(pd.Timestamp("2021-12-31"), dated.max() if not dated.empty else start)
    end = pd.Timestamp(year=end.year, month=end.month, day=1) + pd.DateOffset(months=3)
    gutter = end + pd.DateOffset(months=2)
    ax.set_xlim(start - pd.DateOffset(months=1), gutter + pd.DateOffset(months=2))
    for when, label, align in KEY_DATES:
        day = pd.Timestamp(when)
        ax.axvline(day, color="#bbbbbb", lw=1, zorder=0)
        ax.text(day, 1.0, f" {label} " if align == "left" else f"{label} ",
                transform=ax.get_xaxis_transform(), fontsize=8.5, color=GREY, va="bottom",
                ha=align)
    ax.axvspan(end + pd.DateOffset(days=20), gutter + pd.DateOffset(months=2),
               color="#f2f2f2", zorder=0)
    ax.text(gutter, 1.0, "no date", transform=ax.get_xaxis_transform(), fontsize=8.5,
            color=GREY, va="bottom", ha="center")
    n = len(slots)
    # One artist per kind of mark (the header bands, the dotted spans, the deadline ticks, each
    # outcome's markers), not one per row: a chart of 22 rows drew about 60 lines.
    bands: list[int] = []
    spans: list[list[tuple[float, float]]] = []
    ticks_x: list[pd.Timestamp] = []
    ticks_y: list[int] = []
    outcomes: dict[str, tuple[list[pd.Timestamp], list[int]]] = {}
    for i, (_, row) in enumerate(slots):
        y = n - 1 - i
        if row is None:
            bands.append(y)
            continue
        deadline, outcome = row["deadline"], row["outcome_date"]
        x_out = gutter if pd.isna(outcome) else outcome
        if not pd.isna(deadline):
            spans.append([(mdates.date2num(deadline), y), (mdates.date2num(x_out), y)])
            ticks_x.append(deadline)
            ticks_y.append(y)
        xs, ys = outcomes.setdefault(row["outcome_status"], ([], []))
        xs.append(x_out)
        ys.append(y)
    if bands:
        ax.hlines(bands, 0, 1, transform=ax.get_yaxis_transform(), color="#e6e6e6", lw=8,
                  zorder=0)
    ax.add_collection(LineCollection(spans, colors=GREY, linewidths=1, linestyles=":",
                                     zorder=1), autolim=False)
    if ticks_x:
        ax.plot(ticks_x, ticks_y, color="#222222", marker="|", markersize=13,
                markeredgewidth=2, linestyle="none", zorder=4)
    for status, (xs, ys) in outcomes.items():
        style = _style(status)
        ax.plot(xs, ys, color=style.color, marker=style.marker, markersize=10,
                fillstyle=style.fill, markerfacecoloralt="white", markeredgecolor=style.color,
                markeredgewidth=1.4, linestyle="none", zorder=3)
    ax.set_yticks(range(n), [_plain(label) for label, _ in reversed(slots)])
    for tick, (_, row) in zip(ax.get_yticklabels(), reversed(slots), strict=True):
        if row is None:
            tick.set_fontweight("bold")
            tick.set_color("#222222")
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    ticks = [pd.Timestamp(year=y, month=m, day=1) for y in range(start.year, end.year + 1)
             for m in (1, 7) if pd.Timestamp(year=y, month=m, day=1) <= end]
    ax.set_xticks(ticks, [t.strftime("%b %Y") for t in ticks])
    ax.tick_params(axis="x", labelsize=9.5)
    ax.set_ylim(-0.8, max(n, 1) - 0.2)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#eeeeee")
    if rows.empty:
        ax.text(0.5, 0.5, "No commitments match this choice.", transform=ax.transAxes,
                ha="center", fontsize=12, color=GREY)
        alt = f"Chart of the Doha Agreement's commitments for {chosen}: no commitments match."
    else:
        alt = _describe(rows, chosen)
    ax.legend(handles=_legend_handles(), loc="upper center", bbox_to_anchor=(0.42, -0.07),
              ncols=4, fontsize=9.5, handlelength=1.6, columnspacing=1.2)
    return finish(fig, source=SOURCE, alt=alt)


# --------------------------------------------------------------------------------------------
# The table


def _by_when(row: pd.Series) -> str:
    text = "" if pd.isna(row["deadline_text"]) else str(row["deadline_text"])
    day = _date(row["deadline"])
    standing = "standing" in text
    if day and not standing and day not in text:
        return f"{text} ({day})" if text else day
    return text or "no date"


def _outcome_date(row: pd.Series) -> str:
    return _date(row["outcome_date"], row.get("outcome_date_precision", "day")) or "no date"


def commitments_table_html(commitments: pd.DataFrame, *, party: str | None = None,
                           theme: str | None = None) -> str:
    """Return the commitments as an escaped HTML table with the verdict as symbol and word.

    Columns: id, who, what was promised, by when, what happened, the date of the outcome (or of
    the event that settled the verdict), status, sources. Every cell is escaped, so text from
    the data can never inject markup.
    """
    rows = select_commitments(commitments, party=party, theme=theme)
    head = ("".join(f'<th scope="col">{h}</th>' for h in
                    ("Id", "Who", "What was promised", "By when", "What happened",
                     "Outcome dated", "Status", "Sources")))
    body = []
    for _, row in rows.iterrows():
        status = "" if pd.isna(row["outcome_status"]) else str(row["outcome_status"])
        style = _style(status)
        cells = [str(row["id"]), PARTY_LABELS.get(str(row["party"]), str(row["party"])),
                 str(row["commitment"]), _by_when(row),
                 "" if pd.isna(row["outcome"]) else str(row["outcome"]), _outcome_date(row)]
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        tds += (f'<td style="white-space:nowrap"><span aria-hidden="true" '
                f'style="color:{style.color};font-weight:bold">{html.escape(style.symbol)}'
                f"</span> {html.escape(status or 'no verdict')}</td>")
        tds += f"<td>[{html.escape(str(row['source_ids']))}]</td>"
        body.append(f"<tr>{tds}</tr>")
    if not body:
        body.append('<tr><td colspan="8">No commitments match this choice.</td></tr>')
    return (f'<table class="course-commitments"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


# --------------------------------------------------------------------------------------------
# Interactive


ALL = "all"


def commitments_explorer(commitments: pd.DataFrame) -> ChartExplorer:
    """Return the interactive commitments chart and table, with drop-downs for party and theme."""
    import ipywidgets as w

    from helpers.explore import chart_explorer

    rows = select_commitments(commitments)
    if rows.empty:
        raise UsageError("the commitments table has no rows to show.")
    parties = [p for p in PARTIES if (rows["party"] == p).any()]
    themes = [t for t in rows["theme"].cat.categories if (rows["theme"] == t).any()] \
        if isinstance(rows["theme"].dtype, pd.CategoricalDtype) \
        else sorted(set(rows["theme"].dropna().astype(str)))
    layout = {"style": {"description_width": "initial"},
              "layout": w.Layout(width="auto", margin="0 1.5em 0.4em 0")}
    party_menu = w.Dropdown(options=[("all parties", ALL)]
                            + [(PARTY_LABELS.get(p, p), p) for p in parties],
                            value=ALL, description="Who promised", **layout)
    theme_menu = w.Dropdown(options=[("all themes", ALL)] + [(t, t) for t in themes],
                            value=ALL, description="Theme", **layout)

    def draw(party: str, theme: str) -> tuple[Figure, str]:
        chosen_party = None if party == ALL else party
        chosen_theme = None if theme == ALL else theme
        fig = commitments_chart(rows, party=chosen_party, theme=chosen_theme)
        return fig, commitments_table_html(rows, party=chosen_party, theme=chosen_theme)

    return chart_explorer(draw, {"party": party_menu, "theme": theme_menu},
                          note="choose who made the promise or a theme; the chart and the "
                               "table of commitments under it follow your choice.",
                          details="Table of the commitments shown, with outcomes and sources "
                                  "(open to read)")
