"""Lesson 04, recognition: maps, charts, tables and the recognition simulation.

Built from ``data/country_positions.csv`` (dated stances toward the Taliban government),
``data/key_figures.csv`` (the figures of SHAH-2022's "six files"), the World Bank economy table
and ``data/actors.csv``. A state's stance on a day is its latest row dated on or before that day
(:func:`stances_on`). :func:`stance_map` colours the world map by stance, with a hatch *and* a
colour per category, and :func:`stance_map_explorer` adds a date slider;
:func:`stance_explorer` shows one state's dated positions and conditions; :func:`six_files_chart`
and :func:`six_files_table` give the figures with their sources; :func:`economy_chart` shows
GDP per capita and population around 2021. For the simulation, :func:`role_card` builds a
state's card for a chosen day from the data, :func:`decision_form` saves a group's decision
through the exercise engine (a reflection exercise, so it lands in the progress file like any
answer), and :func:`debrief_html` compares decisions with what each state actually did.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.charts import format_event_date, need_columns
from helpers.data import load_role_interests, split_ids, table_info
from helpers.errors import DataError, UsageError
from helpers.maps import draw_geojson
from helpers.plots import GREY, PALETTE, finish, house_style, new_figure

if TYPE_CHECKING:
    from helpers.explore import ChartExplorer

#: The day the Taliban entered Kabul; maps and role cards start here.
KABUL_FALLS = pd.Timestamp("2021-08-15")
#: How each status is named on maps and in tables (the data keep the short schema names).
STATUS_LABELS: dict[str, str] = {
    "no relations": "no relations",
    "engagement": "engagement without envoy",
    "envoy accepted": "envoy or embassy accepted",
    "removed from terrorist list": "removed from terrorist list",
    "formal recognition": "formal recognition",
}
#: Colour and hatch per status: the hatch tells the categories apart without colour.
STATUS_COLORS: dict[str, str] = {
    "no relations": "#9e9e9e",
    "engagement": PALETTE["sky"],
    "envoy accepted": PALETTE["orange"],
    "removed from terrorist list": PALETTE["purple"],
    "formal recognition": PALETTE["vermillion"],
}
STATUS_HATCHES: dict[str, str] = {
    "no relations": "--",
    "engagement": "..",
    "envoy accepted": "//",
    "removed from terrorist list": "xx",
    "formal recognition": "OO",
}
#: Marker shape per status on the stance-history chart (shape as well as colour).
STATUS_MARKERS: dict[str, str] = {
    "no relations": "o", "engagement": "s", "envoy accepted": "D",
    "removed from terrorist list": "^", "formal recognition": "*",
}
#: The states (and the EU) that have role cards in the simulation, in the order shown.
ROLES: tuple[str, ...] = ("USA", "CHN", "RUS", "PAK", "IRN", "UZB", "TUR", "QAT", "EU")
#: The actors-table id for each code, for the "who they are" line of a role card.
ACTOR_IDS: dict[str, str] = {
    "USA": "united-states", "CHN": "china", "RUS": "russia", "PAK": "pakistan",
    "IRN": "iran", "UZB": "uzbekistan", "TUR": "turkey", "QAT": "qatar", "SAU": "saudi-arabia",
    "ARE": "uae", "TJK": "tajikistan", "TKM": "turkmenistan", "KAZ": "kazakhstan",
    "IND": "india",
}
#: The three decisions of the simulation and the stances in the data each corresponds to.
DECISIONS: dict[str, tuple[str, ...]] = {
    "recognise": ("formal recognition",),
    "engage without recognising": ("engagement", "envoy accepted",
                                   "removed from terrorist list"),
    "hold back": ("no relations",),
}
#: Conditions a group can tick on the decision form.
CONDITION_CHOICES: tuple[str, ...] = (
    "an inclusive government",
    "girls' schooling and women's work",
    "no safe haven for armed groups",
    "unimpeded humanitarian aid",
    "border security and migration",
    "safe departure for those at risk",
    "none: recognise as a fact",
)
POSITION_COLUMNS = ("id", "country", "adm0_a3", "date", "date_precision", "status", "event",
                    "conditions", "source_ids", "certainty")
SOURCE = ("Course table data/country_positions.csv (sources per row); map: Natural Earth "
          "[NE-110M]")


# --------------------------------------------------------------------------------------------
# Reading the positions table


def statuses() -> list[str]:
    """Return the ordered stance categories, from least to most, as the schema lists them."""
    column = next(c for c in table_info("country_positions").columns if c.name == "status")
    return list(column.values or ())


def as_of() -> pd.Timestamp:
    """Return the date the positions table is true as of (its ``as_of`` in the schema)."""
    return pd.Timestamp(table_info("country_positions").as_of)


def _day(value: object, what: str = "date") -> pd.Timestamp:
    if isinstance(value, bool) or value is None:
        raise UsageError(f"the {what} is a date such as '2022-09-01', not {value!r}.")
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise UsageError(f"'{value}' is not a date; write the {what} as YYYY-MM-DD, "
                         "e.g. '2022-09-01'.") from None


def _positions(positions: object) -> pd.DataFrame:
    frame = need_columns(positions, POSITION_COLUMNS, "the country-positions table")
    unknown = sorted(set(frame["status"].dropna()) - set(statuses()))
    if unknown:
        raise DataError(f"country positions: status {unknown} is not one of {statuses()}; "
                        "use a status from data/schema.toml.")
    return frame


def stances_on(positions: pd.DataFrame, day: object) -> pd.DataFrame:
    """Return each state's latest row dated on or before ``day``, one row per code.

    States whose first row is later than ``day`` are left out. Raises :class:`UsageError` for a
    day that is not a date or lies after the table's as-of date.
    """
    frame = _positions(positions)
    when = _day(day)
    if when > as_of():
        raise UsageError(f"{when:%Y-%m-%d} is after the date the positions table is true as of "
                         f"({as_of():%Y-%m-%d}); choose an earlier day or add rows first.")
    known = frame[frame["date"] <= when].sort_values(["adm0_a3", "date"], kind="stable")
    return known.groupby("adm0_a3", sort=True).tail(1).reset_index(drop=True)


def _counts_text(latest: pd.DataFrame) -> str:
    parts = []
    for status in statuses():
        names = sorted(latest.loc[latest["status"] == status, "country"])
        if names:
            parts.append(f"{STATUS_LABELS[status]}: {', '.join(names)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# The world map of stances


def _legend_handles() -> list[Any]:
    """Return one legend entry per stance, all five always, so the scale is visible."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=STATUS_COLORS[s], hatch=STATUS_HATCHES[s], edgecolor="#2b2b2b",
                  linewidth=0.5, label=STATUS_LABELS[s]) for s in statuses()]


def stance_map(positions: pd.DataFrame, world: dict[str, Any], day: object) -> Figure:
    """Return the world map of stances toward the Taliban government on ``day``.

    Each state of the table is filled by its stance with a colour and a hatch; states outside
    the table are grey ("not in the table"). The EU has no shape: its stance is in the title
    line under the map and in the alt text.
    """
    latest = stances_on(positions, day)
    when = _day(day)
    on_map = latest[latest["adm0_a3"] != "EU"]
    values = dict(zip(on_map["adm0_a3"], on_map["status"], strict=True))
    fig, ax = new_figure(f"Stances toward the Taliban government on {when.day} {when:%B %Y}",
                         size=(9.5, 5.2))
    draw_geojson(ax, world, values, categories=statuses(), colors=STATUS_COLORS,
                 hatches=STATUS_HATCHES, missing_label="not in the table")
    ax.set_xlim(-20, 150)
    ax.set_ylim(-5, 72)
    ax.annotate("Afghanistan", (66.0, 33.8), ha="center", va="center", fontsize=8,
                fontweight="bold", color="#2b2b2b")
    from matplotlib.patches import Patch

    handles = _legend_handles()
    handles.append(Patch(facecolor="#e4e4e4", edgecolor="#9a9a9a", label="not in the table"))
    ax.legend(handles=handles, loc="lower left", fontsize=9, frameon=True, title="Stance",
              title_fontsize=9)
    eu = latest[latest["adm0_a3"] == "EU"]
    eu_text = (f"European Union (no shape on the map): {STATUS_LABELS[eu['status'].iloc[0]]}."
               if not eu.empty else "")
    if eu_text:
        ax.text(0.99, 0.02, eu_text, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=9, color="#2b2b2b",
                bbox={"facecolor": "white", "edgecolor": "#9a9a9a", "pad": 3})
    alt = (f"World map of Europe, Asia and the Gulf showing the stance of {len(latest)} states "
           f"and the EU toward the Taliban government on {when:%d %B %Y}, each stance with its "
           f"own colour and hatch. {_counts_text(latest)}. Other states are grey: not in the "
           "table.")
    return finish(fig, source=SOURCE, alt=alt[:1500])


def map_dates(positions: pd.DataFrame) -> list[pd.Timestamp]:
    """Return the slider's dates: 15 August 2021, every later row's date, and the as-of date."""
    frame = _positions(positions)
    later = frame.loc[frame["date"] >= KABUL_FALLS, "date"]
    return sorted({KABUL_FALLS, *later, as_of()})


def stance_map_explorer(positions: pd.DataFrame, world: dict[str, Any], *,
                        day: object = None) -> ChartExplorer:
    """Return the stance map under a date slider (15 August 2021 to the as-of date).

    Under the map, a table lists every state's stance on the chosen day with its latest event.
    ``day`` (default: the as-of date) is where the slider starts; it must be one of its dates.
    """
    from helpers.explore import chart_explorer, date_slider

    slider = date_slider(map_dates(positions), "Date shown on the map",
                         value=None if day is None else _day(day))

    def draw(day: pd.Timestamp) -> tuple[Figure, str]:
        return stance_map(positions, world, day), stances_table_html(positions, day)

    return chart_explorer(draw, {"day": slider},
                          note="move the date slider (arrow keys work) to see the stances on "
                               "another day; the table under the map follows.")


def stances_table_html(positions: pd.DataFrame, day: object) -> str:
    """Return an escaped HTML table of each state's stance on ``day`` and the row behind it."""
    latest = stances_on(positions, day)
    order = {s: i for i, s in enumerate(statuses())}
    latest = latest.assign(_rank=latest["status"].map(order)).sort_values(
        ["_rank", "country"], ascending=[False, True])
    rows = "".join(
        f"<tr><td>{html.escape(r.country)}</td><td>{html.escape(STATUS_LABELS[r.status])}</td>"
        f"<td>{html.escape(format_event_date(r.date, r.date_precision))}</td>"
        f"<td>{html.escape(r.event)}</td><td>{html.escape(r.id)}</td></tr>"
        for r in latest.itertuples())
    return ("<table class='course-table'><caption>Stances on "
            f"{_day(day):%d %B %Y}, strongest first</caption><thead><tr><th>State</th>"
            "<th>Stance</th><th>Since</th><th>Latest event</th><th>Row</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


# --------------------------------------------------------------------------------------------
# One state's record: the stance explorer


def state_history(positions: pd.DataFrame, code: str, *, until: object = None) -> pd.DataFrame:
    """Return the rows of one state (by code such as 'CHN', or 'EU'), in date order."""
    frame = _positions(positions)
    if not isinstance(code, str) or code not in set(frame["adm0_a3"]):
        raise UsageError(f"'{code}' is not a state in the positions table; use one of "
                         f"{', '.join(sorted(frame['adm0_a3'].unique()))}.")
    rows = frame[frame["adm0_a3"] == code].sort_values("date", kind="stable")
    if until is not None:
        rows = rows[rows["date"] <= _day(until)]
    return rows.reset_index(drop=True)


def stance_history_chart(positions: pd.DataFrame, code: str) -> Figure:
    """Return a step chart of one state's stance from 2021 to the as-of date, rows marked."""
    rows = state_history(positions, code)
    scale = statuses()
    level = rows["status"].map({s: i for i, s in enumerate(scale)})
    name = rows["country"].iloc[0]
    start = KABUL_FALLS  # earlier rows (1997-2001) set the starting level only
    fig, ax = new_figure(f"{name}: stance toward the Taliban government", size=(9, 3.6))
    xs = [*rows["date"], as_of()]
    ys = [*level, level.iloc[-1]]
    ax.step(xs, ys, where="post", color=GREY, linewidth=1.5)
    for r, y in zip(rows.itertuples(), level, strict=True):
        ax.scatter([r.date], [y], s=80, color=STATUS_COLORS[r.status],
                   marker=STATUS_MARKERS[r.status],
                   hatch=STATUS_HATCHES[r.status], edgecolor="#2b2b2b", linewidth=0.6,
                   zorder=3)
    ax.set_yticks(range(len(scale)), [STATUS_LABELS[s] for s in scale])
    ax.set_ylim(-0.5, len(scale) - 0.5)
    ax.set_xlim(start - pd.Timedelta(days=60), as_of() + pd.Timedelta(days=60))
    ax.axvline(KABUL_FALLS, color=GREY, linestyle=":", linewidth=1)
    ax.annotate("Taliban take Kabul", (KABUL_FALLS, len(scale) - 0.6), fontsize=8.5,
                color=GREY, ha="left", xytext=(4, 0), textcoords="offset points")
    ax.grid(axis="x", alpha=0.3)
    steps = "; ".join(f"{format_event_date(r.date, r.date_precision)}: "
                      f"{STATUS_LABELS[r.status]}" for r in rows.itertuples())
    alt = (f"Step chart of {name}'s stance toward the Taliban government, on a scale from no "
           f"relations to formal recognition, one marker per dated row: {steps}.")
    return finish(fig, source="Course table data/country_positions.csv; sources per row in "
                              "the table under the chart", alt=alt[:1500])


def state_history_html(positions: pd.DataFrame, code: str) -> str:
    """Return an escaped HTML table of one state's dated positions, conditions and sources."""
    rows = state_history(positions, code)
    body = "".join(
        f"<tr><td>{html.escape(format_event_date(r.date, r.date_precision))}</td>"
        f"<td>{html.escape(STATUS_LABELS[r.status])}</td><td>{html.escape(r.event)}</td>"
        f"<td>{html.escape(r.conditions) if isinstance(r.conditions, str) else '—'}</td>"
        f"<td>{html.escape(r.certainty)}</td>"
        f"<td>{html.escape(', '.join(split_ids(r.source_ids)))}</td></tr>"
        for r in rows.itertuples())
    return ("<table class='course-table'><caption>Dated positions of "
            f"{html.escape(rows['country'].iloc[0])}</caption><thead><tr><th>Date</th>"
            "<th>Stance</th><th>What happened</th><th>Conditions stated</th><th>Certainty</th>"
            f"<th>Sources</th></tr></thead><tbody>{body}</tbody></table>")


def stance_explorer(positions: pd.DataFrame, *, code: str = "CHN") -> ChartExplorer:
    """Return a menu of states over the step chart and the table of the chosen state's rows."""
    import ipywidgets as w

    from helpers.explore import chart_explorer

    frame = _positions(positions)
    names = frame.drop_duplicates("adm0_a3").sort_values("country")
    menu = w.Dropdown(options=list(zip(names["country"], names["adm0_a3"], strict=True)),
                      value=code, description="State", style={"description_width": "initial"})

    def draw(code: str) -> tuple[Figure, str]:
        return stance_history_chart(frame, code), state_history_html(frame, code)

    return chart_explorer(draw, {"code": menu},
                          note="choose a state to see its dated positions and the conditions "
                               "it set.")


# --------------------------------------------------------------------------------------------
# The six files in figures


#: Key-figure ids shown for each file of SHAH-2022 (file name, ids), in the article's order.
SIX_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Frozen reserves (billion US$)", ("dab-reserves-2021", "us-held-afghan-assets",
                                       "afghan-fund-assets")),
    ("Embassies", ("afghan-embassies-handed-over", "embassies-remaining-shah",
                   "embassies-remaining-rferl")),
    ("Border clashes, Aug 2021–Sep 2022", ("border-clashes-total", "border-clashes-pakistan",
                                           "border-clashes-iran")),
    ("UN sanctions list (people)", ("sanctions-1988-listed-shah", "travel-exempt-shah",
                                    "us-proposal-six-shah")),
)


def six_files_table(key_figures: pd.DataFrame) -> pd.DataFrame:
    """Return the figures of the six files: file, figure, value, as of, whose claim, sources."""
    need_columns(key_figures, ("id", "figure", "value", "value_text", "unit", "as_of",
                               "source_ids", "claim_of"), "the key-figures table")
    indexed = key_figures.set_index("id")
    wanted = [(name, i) for name, ids in SIX_FILES for i in ids]
    missing = [i for _, i in wanted if i not in indexed.index]
    if missing:
        raise DataError(f"key_figures.csv has no row {', '.join(missing)}; the six-files chart "
                        "needs them (add the rows or change SIX_FILES).")
    rows = [{"file": name, "id": i, "figure": indexed.at[i, "figure"],
             "value": float(indexed.at[i, "value"]), "unit": indexed.at[i, "unit"],
             "as_of": indexed.at[i, "as_of"], "claim_of": indexed.at[i, "claim_of"],
             "source_ids": indexed.at[i, "source_ids"]} for name, i in wanted]
    return pd.DataFrame(rows)


def _wrap(text: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def six_files_chart(key_figures: pd.DataFrame) -> Figure:
    """Return four small bar charts, one per file, each bar labelled with its figure's source."""
    table = six_files_table(key_figures)
    fig, grid = new_figure("SHAH-2022's six files in figures, beside other sources",
                           size=(10, 7.4), nrows=2, ncols=2)
    axes = grid.ravel()
    with house_style():
        for ax, (name, part) in zip(axes, table.groupby("file", sort=False), strict=True):
            labels = [_wrap(f"{f} [{s}]", 36) for f, s in zip(part["figure"], part["source_ids"],
                                                               strict=True)]
            y = np.arange(len(part))[::-1]
            is_shah = part["source_ids"].str.contains("SHAH-2022").to_numpy()
            ax.barh(y, part["value"], color=[PALETTE["orange"] if s else PALETTE["blue"]
                                             for s in is_shah],
                    hatch=["//" if s else "" for s in is_shah], edgecolor="#2b2b2b",
                    linewidth=0.5)
            ax.set_yticks(y, labels, fontsize=8)
            ax.set_title(name, fontsize=11, loc="left")
            for yy, v in zip(y, part["value"], strict=True):
                ax.annotate(f"{v:g}", (v, yy), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9)
            ax.set_xlim(0, part["value"].max() * 1.2)
            ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=PALETTE["orange"], hatch="//", edgecolor="#2b2b2b",
                     label="from SHAH-2022 (hatched)"),
               Patch(facecolor=PALETTE["blue"], edgecolor="#2b2b2b",
                     label="from another source (plain)")]
    # right of the charts: beside the title it ran into the title, under them into the source
    fig.legend(handles=handles, loc="outside right upper", fontsize=9)
    parts = "; ".join(f"{r.figure}: {r.value:g} {r.unit} [{r.source_ids}]"
                      for r in table.itertuples())
    alt = ("Four small horizontal bar charts, one per file: frozen reserves, embassies, border "
           f"clashes and the UN sanctions list. {parts}.")
    return finish(fig, source="Course table data/key_figures.csv: SHAH-2022 and other sources "
                              "per bar. Border clashes are a Taliban official's count.",
                  alt=alt[:1500])


# --------------------------------------------------------------------------------------------
# What isolation cost: the economy around 2021


def economy_chart(economy: pd.DataFrame, start: int = 2015, end: int = 2023) -> Figure:
    """Return GDP per capita (current US$) and population side by side, 2021 marked."""
    need_columns(economy, ("year", "gdp_per_capita_usd", "population"), "the economy table")
    if not (isinstance(start, int) and isinstance(end, int)) or start >= end:
        raise UsageError("start and end are years with start before end, e.g. 2015, 2023.")
    rows = economy[economy["year"].between(start, end)].dropna(
        subset=["gdp_per_capita_usd", "population"])
    if rows.empty:
        raise UsageError(f"the economy table has no years between {start} and {end}.")
    fig, (left, right) = new_figure(
        f"Afghanistan's economy and population, {start}–{rows['year'].max()}", size=(10, 4),
        ncols=2)
    left.plot(rows["year"], rows["gdp_per_capita_usd"], marker="o", color=PALETTE["blue"])
    left.set_title("GDP per person (current US$)", fontsize=11, loc="left")
    right.plot(rows["year"], rows["population"] / 1e6, marker="s", color=PALETTE["green"])
    right.set_title("Population (millions)", fontsize=11, loc="left")
    for ax in (left, right):
        ax.axvline(2021, color=GREY, linestyle=":")
        ax.annotate("Aug 2021", (2021, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize=8.5, color=GREY)
    by = rows.set_index("year")
    text = ", ".join(f"{y}: ${by.at[y, 'gdp_per_capita_usd']:,.0f} per person, "
                     f"{by.at[y, 'population'] / 1e6:.1f} million people"
                     for y in (2020, 2021, 2022, rows["year"].max()) if y in by.index)
    alt = ("Two line charts: GDP per person in current US dollars falls sharply in 2021 while "
           f"the population keeps growing. {text}.")
    return finish(fig, source="World Bank, World Development Indicators [WB-WDI], as of the "
                              "table's latest year", alt=alt)


# --------------------------------------------------------------------------------------------
# The simulation: role cards, decision form, debrief


@dataclass
class RoleCard:
    """What one group is given: a state's record up to the simulation's day, from the data."""

    code: str
    country: str
    day: pd.Timestamp
    who: str
    stance: str
    conditions: list[tuple[str, str]] = field(default_factory=list)
    record: list[tuple[str, str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def html(self) -> str:
        """Return the card as escaped HTML, for the screen or for printing."""
        e = html.escape
        conditions = "".join(f"<li>{e(d)}: {e(c)}</li>" for d, c in self.conditions) or (
            "<li>No conditions are recorded by this date.</li>")
        record = "".join(f"<li>{e(d)} ({e(s)}): {e(t)}</li>" for d, s, t in self.record)
        return (f"<div class='course-role-card' role='region' aria-label='Role card: "
                f"{e(self.country)}'><h3>Role card: {e(self.country)}, on "
                f"{self.day.day} {self.day:%B %Y}</h3><p><strong>Your interests.</strong> "
                f"{e(self.who)}</p><p><strong>Your stance today:</strong> "
                f"{e(STATUS_LABELS[self.stance])}.</p><p><strong>Conditions you have "
                f"stated:</strong></p><ul>{conditions}</ul><p><strong>What you have done "
                f"so far:</strong></p><ul>{record}</ul><p><strong>Sources:</strong> "
                f"{e(', '.join(self.sources))}</p></div>")

    def _repr_html_(self) -> str:
        return self.html()


def interests_of(code: str, interests: pd.DataFrame | None = None) -> str:
    """Return the interests of role ``code`` with their source ids, from the interests table.

    ``interests`` defaults to :func:`helpers.data.load_role_interests` (data/role_interests.csv);
    the text is empty when the table has no row for ``code``.
    """
    table = load_role_interests() if interests is None else interests
    need_columns(table, ("code", "interests", "source_ids"), "the role interests table")
    rows = table[table["code"] == code]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    text = str(row["interests"]).strip().rstrip(".")
    return f"{text} [{'; '.join(split_ids(row['source_ids']))}]."


def role_card(positions: pd.DataFrame, code: str, day: object, *,
              actors: pd.DataFrame | None = None,
              interests: pd.DataFrame | None = None) -> RoleCard:
    """Return the role card of ``code`` on ``day``: only what was known by then goes in it.

    The interests come from ``interests`` (default: data/role_interests.csv), else from the
    actor's role in ``actors``, else a plain line.
    """
    when = _day(day, "simulation date")
    if when < KABUL_FALLS:
        raise UsageError(f"the simulation starts after the Taliban took Kabul; choose a date "
                         f"from 2021-08-15, not {when:%Y-%m-%d}.")
    stances_on(positions, when)  # checks the day against the as-of date
    rows = state_history(positions, code, until=when)
    recent = rows[rows["date"] >= pd.Timestamp("2020-01-01")]
    who = interests_of(code, interests)
    if not who and actors is not None and ACTOR_IDS.get(code) in set(actors["id"]):
        who = str(actors.loc[actors["id"] == ACTOR_IDS[code], "role"].iloc[0])
    if not who:
        who = f"{rows['country'].iloc[0]}, as recorded in the positions table."
    conditions = [(format_event_date(r.date, r.date_precision), r.conditions)
                  for r in recent.itertuples() if isinstance(r.conditions, str)]
    record = [(format_event_date(r.date, r.date_precision), STATUS_LABELS[r.status], r.event)
              for r in recent.itertuples()]
    sources = sorted({i for cell in recent["source_ids"] for i in split_ids(cell)})
    return RoleCard(code=code, country=str(rows["country"].iloc[0]), day=when, who=who,
                    stance=str(rows["status"].iloc[-1]), conditions=conditions, record=record,
                    sources=sources)


def role_cards_html(positions: pd.DataFrame, day: object, *, codes: tuple[str, ...] = ROLES,
                    actors: pd.DataFrame | None = None,
                    interests: pd.DataFrame | None = None) -> str:
    """Return every role card for ``day`` as one HTML block."""
    table = load_role_interests() if interests is None else interests
    return "".join(role_card(positions, c, day, actors=actors, interests=table).html()
                   for c in codes)


def compose_decision(state: str, decision: str, conditions: list[str] | tuple[str, ...],
                     justification: str, day: object) -> str:
    """Return a group's decision as one text answer (what the progress file keeps).

    Raises :class:`UsageError` naming the field when a state, a decision or a justification is
    missing, or a condition is not one of :data:`CONDITION_CHOICES`.
    """
    if not isinstance(state, str) or not state.strip():
        raise UsageError("choose the state your group plays.")
    if decision not in DECISIONS:
        raise UsageError(f"choose one decision: {', '.join(DECISIONS)}.")
    stray = [c for c in conditions if c not in CONDITION_CHOICES]
    if stray:
        raise UsageError(f"unknown condition(s) {stray}; tick conditions from the list.")
    if not isinstance(justification, str) or len(justification.split()) < 10:
        raise UsageError("write a justification of at least 10 words, citing sources by id "
                         "such as [SHAH-2022].")
    when = _day(day, "simulation date")
    asked = "; ".join(conditions) if conditions else "none"
    return (f"State: {state.strip()}. Date: {when:%Y-%m-%d}. Decision: {decision}. "
            f"Conditions: {asked}. Justification: {' '.join(justification.split())}")


class DecisionForm:
    """The decision form: state, decision, conditions, justification, and a Save button.

    Saving grades nothing: it submits the composed text to a reflection exercise through the
    exercise engine, so the decision is kept in the progress file like any other answer.
    """

    def __init__(self, exercise_id: str, day: object, codes: tuple[str, ...] = ROLES,
                 names: dict[str, str] | None = None) -> None:
        import ipywidgets as w

        from helpers.exercises.api import _lookup

        self.exercise = _lookup(exercise_id)
        if self.exercise.kind != "reflection":
            raise UsageError(f"the decision form saves to a reflection exercise; "
                             f"'{exercise_id}' is a {self.exercise.kind} exercise.")
        self.day = _day(day, "simulation date")
        names = names or {}
        style = {"description_width": "initial"}
        self.state = w.Dropdown(options=[("choose…", "")] + [(names.get(c, c), names.get(c, c))
                                                             for c in codes],
                                value="", description="Your state", style=style)
        self.decision = w.RadioButtons(options=list(DECISIONS), value=None,
                                       description="Decision", style=style)
        self.conditions = [w.Checkbox(value=False, description=c, indent=False)
                           for c in CONDITION_CHOICES]
        self.justification = w.Textarea(description="Justification (cite sources)",
                                        placeholder="Why? Cite rows and sources, e.g. "
                                                    "[SHAH-2022] or CP-CHN-04.",
                                        style=style, layout=w.Layout(width="95%",
                                                                     height="6em"))
        self.save = w.Button(description="Save decision", button_style="primary",
                             tooltip="Save the decision in your progress file")
        self.feedback = w.HTML()
        self.save.on_click(self.on_save)
        conditions_box = w.VBox([w.HTML("<strong>Conditions to ask for</strong>"),
                                 *self.conditions], layout=w.Layout(margin="0 0 0.5em 0"))
        self.box = w.VBox([self.state, self.decision, conditions_box, self.justification,
                           self.save, self.feedback])
        self.box.add_class("course-decision-form")

    def answer(self) -> str:
        """Return the form's content as the text that is saved."""
        chosen = [c.description for c in self.conditions if c.value]
        return compose_decision(self.state.value, self.decision.value or "", chosen,
                                self.justification.value, self.day)

    def on_save(self, _button: Any = None) -> str:
        """Save the decision through the exercise engine; return the status word."""
        from helpers.errors import CourseError
        from helpers.exercises import session

        try:
            text = self.answer()
        except CourseError as exc:
            self.feedback.value = (f"<p role='alert'><strong>⚠ Not saved:</strong> "
                                   f"{html.escape(str(exc))}</p>")
            return "invalid"
        result = session.submit(self.exercise, text)
        symbol = "✓" if result.status == "recorded" else "⚠"
        self.feedback.value = (f"<p role='status'><strong>{symbol} {html.escape(result.status)}"
                               f":</strong> {html.escape(result.message)}</p>")
        return result.status

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from helpers.display import widget_bundle

        text = ("Decision form (interactive in JupyterLab or Voilà): your state; recognise, "
                "engage without recognising or hold back; conditions; a justification citing "
                "sources. Saved to your progress file as exercise " + self.exercise.id + ".")
        return widget_bundle(self.box, text=text, html=f"<p><em>{html.escape(text)}</em></p>")


def decision_form(exercise_id: str, day: object, *, positions: pd.DataFrame | None = None,
                  codes: tuple[str, ...] = ROLES) -> DecisionForm:
    """Return the simulation's decision form, saving to the reflection ``exercise_id``."""
    names = {}
    if positions is not None:
        frame = _positions(positions)
        names = dict(zip(frame["adm0_a3"], frame["country"], strict=False))
    return DecisionForm(exercise_id, day, codes, names)


def decision_for(status: str) -> str:
    """Return the simulation's decision that a stance in the data corresponds to."""
    for decision, stances in DECISIONS.items():
        if status in stances:
            return decision
    raise DataError(f"'{status}' is not a stance of the positions table ({statuses()}).")


def debrief_table(positions: pd.DataFrame, day: object, *, codes: tuple[str, ...] = ROLES,
                  choices: dict[str, str] | None = None) -> pd.DataFrame:
    """Return, per role, the stance on ``day``, the matching decision, the group's choice and
    what the state did next (first later change of stance up to the as-of date)."""
    when = _day(day, "simulation date")
    choices = choices or {}
    unknown = sorted(set(choices) - set(codes))
    if unknown:
        raise UsageError(f"choices names {unknown}, which have no role card; use codes from "
                         f"{list(codes)}.")
    bad = {c: d for c, d in choices.items() if d not in DECISIONS}
    if bad:
        raise UsageError(f"each choice is one of {list(DECISIONS)}; got {bad}.")
    out = []
    for code in codes:
        rows = state_history(positions, code)
        before = rows[rows["date"] <= when]
        if before.empty:
            raise DataError(f"{code} has no row on or before {when:%Y-%m-%d}.")
        stance = before["status"].iloc[-1]
        later = rows[(rows["date"] > when) & (rows["status"] != stance)]
        nxt = (f"{format_event_date(later['date'].iloc[0], later['date_precision'].iloc[0])}: "
               f"{STATUS_LABELS[later['status'].iloc[0]]} ({later['id'].iloc[0]})"
               if not later.empty else f"no change recorded up to {as_of():%d %B %Y}")
        actual = decision_for(stance)
        chosen = choices.get(code, "")
        out.append({"state": rows["country"].iloc[0], "stance on the day": STATUS_LABELS[stance],
                    "what it actually did": actual, "your group chose": chosen or "—",
                    "same?": ("✓ same" if chosen == actual else "✗ different") if chosen
                    else "—", "what came next": nxt})
    return pd.DataFrame(out)


def debrief_html(positions: pd.DataFrame, day: object, *, codes: tuple[str, ...] = ROLES,
                 choices: dict[str, str] | None = None) -> str:
    """Return :func:`debrief_table` as an escaped HTML table with a caption."""
    table = debrief_table(positions, day, codes=codes, choices=choices)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in table.itertuples(index=False))
    return (f"<table class='course-table'><caption>Debrief for {_day(day):%d %B %Y}: your "
            f"choices beside what each state did</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")
