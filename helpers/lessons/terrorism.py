"""Lesson 05, terrorism risk: the Islamic State series, the claims ledger and a risk matrix.

* :func:`islamic_state_deaths_chart` and :func:`deaths_scale_explorer` draw UCDP's series of the
  conflict between the Afghan government and the Islamic State beside the conflict between the
  government and its armed opposition, through the generic
  :func:`helpers.charts.battle_deaths_chart` (log scale and a mark at August 2021).
* :func:`lesson_claims`, :func:`claims_evidence_chart`, :func:`claims_evidence_table_html` and
  :func:`claims_explorer` show each claim of the claims ledger with who makes it, the evidence
  the record rests on and how strong the record makes it.
* :data:`RISK_SCENARIOS` and :class:`RiskMatrix`: students rate each scenario's likelihood (in
  the estimative words of the US Intelligence Community Directive 203) and impact with sliders,
  justify each with a source, save the ratings through the exercise engine like any other
  answer, and then see a reference rating with its sourced reasoning. The grading logic
  (:func:`rating_problems`, :func:`ratings_text`, :func:`compare_ratings`) is plain functions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from helpers.charts import battle_deaths_chart, need_columns
from helpers.display import widget_bundle
from helpers.errors import CourseError, UsageError
from helpers.explore import ChartExplorer, chart_explorer
from helpers.plots import GREY, PALETTE, chart_html, finish, new_figure

LESSON = "05_terrorism_risk"
IS_CONFLICT = "Government of Afghanistan vs Islamic State"
OPPOSITION_CONFLICT = "Government of Afghanistan vs armed opposition"
#: 15 August 2021 as a fraction of the year, where the charts draw the change of government.
KABUL_FALLS = 2021 + (31 + 28 + 31 + 30 + 31 + 30 + 31 + 14) / 365
KABUL_MARK = {KABUL_FALLS: "Taliban take Kabul, 15 Aug 2021"}

# --------------------------------------------------------------------------------------------
# Battle-related deaths


def islamic_state_deaths_chart(deaths: pd.DataFrame, start: int = 2015, end: int = 2023, *,
                               log_scale: bool = True) -> Figure:
    """Return UCDP's deaths in the Islamic State conflict beside the opposition conflict.

    One line per conflict with the low–high range, a dashed line at the Taliban's entry into
    Kabul, and by default a logarithmic axis so the smaller conflict stays readable.
    """
    return battle_deaths_chart(
        deaths, start, end, by_conflict=True, conflicts=[IS_CONFLICT, OPPOSITION_CONFLICT],
        log_scale=log_scale, marks=KABUL_MARK,
        title=f"Battle-related deaths: Islamic State and armed opposition, {start}–{end}")


def deaths_scale_explorer(deaths: pd.DataFrame, start: int = 2015,
                          end: int = 2023) -> ChartExplorer:
    """Return :func:`islamic_state_deaths_chart` under a labelled menu: log or linear scale."""
    scale = w.Dropdown(options=[("logarithmic (each step ×10)", "log"),
                                ("linear (equal steps)", "linear")],
                       value="log", description="Vertical scale",
                       style={"description_width": "initial"})

    def draw(scale: str) -> Figure:
        return islamic_state_deaths_chart(deaths, start, end, log_scale=scale == "log")

    return chart_explorer(draw, {"scale": scale},
                          note="switch the vertical scale between logarithmic and linear to "
                               "see how much the choice changes what the eye sees.")


# --------------------------------------------------------------------------------------------
# Claims and evidence

#: How strong the record makes a claim, by the ledger's verdict, strongest first.
STRENGTH: dict[str, str] = {
    "yes": "supported by the record",
    "partly": "partly supported",
    "uncertain": "not settled",
    "no": "contradicted by the record",
}
#: Each verdict has a marker shape and a symbol as well as a colour (never colour alone).
STRENGTH_STYLE: dict[str, tuple[str, str, str]] = {
    "yes": (PALETTE["green"], "o", "✓"),
    "partly": (PALETTE["blue"], "D", "◐"),
    "uncertain": (PALETTE["orange"], "s", "?"),
    "no": (PALETTE["vermillion"], "X", "✗"),
}
ARTICLES = ("ANKASAM-2023", "SHAH-2022", "ANKASAM-2022", "EPC-2021", "AVIM-2021")
ALL = "all"
_ID = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9.\-]*)\]")
CLAIM_COLUMNS = ("id", "source_id", "topic", "claim", "record_value", "agrees",
                 "record_source_ids", "notebook")


def evidence_strength(agrees: str) -> str:
    """Return the words for how strong the record makes a claim ('not settled'...)."""
    if agrees not in STRENGTH:
        raise UsageError(f"the verdict {agrees!r} is not one of {', '.join(STRENGTH)}.")
    return STRENGTH[agrees]


def _ids(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [part.strip() for part in cell.split(";") if part.strip()]


def lesson_claims(claims: pd.DataFrame, notebook: str = LESSON, *,
                  article: str | None = None) -> pd.DataFrame:
    """Return a notebook's claims with ``strength`` and ``outside_sources`` columns added.

    ``outside_sources`` counts the record's sources other than the article that makes the
    claim: an article cannot be evidence for itself. ``article`` keeps one article's claims.
    """
    need_columns(claims, CLAIM_COLUMNS, "lesson_claims")
    rows = claims[claims["notebook"].astype(str) == notebook]
    if article is not None:
        rows = rows[rows["source_id"].astype(str) == article]
    if rows.empty:
        raise UsageError(f"no claims for notebook {notebook!r}"
                         + (f" from {article}" if article else "") + " in the ledger.")
    rows = rows.copy()
    rows["strength"] = [evidence_strength(str(a)) for a in rows["agrees"]]
    rows["outside_sources"] = [len(set(_ids(ids)) - {src}) for ids, src in
                               zip(rows["record_source_ids"], rows["source_id"], strict=True)]
    return rows.reset_index(drop=True)


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def claims_evidence_chart(rows: pd.DataFrame) -> Figure:
    """Return a dot chart: one row per claim, placed by how strong the record makes it.

    Each verdict has its own column, colour, marker shape and symbol; the number beside a dot
    counts the outside sources the record rests on. Takes :func:`lesson_claims` output.
    """
    need_columns(rows, [*CLAIM_COLUMNS, "strength", "outside_sources"], "claims_evidence_chart")
    order = list(STRENGTH)
    height = max(3.2, 0.42 * len(rows) + 1.6)
    # a figure-level title from the left edge: the long claim labels push the axes (and an
    # axes title) so far right that the title would run off the chart
    fig, ax = new_figure("Claims weighed in this lesson: how strong is the record?",
                         size=(9.5, height), figure_title=True)
    verdicts = rows["agrees"].tolist()
    for verdict in dict.fromkeys(verdicts):  # one line of markers per verdict, not one per claim
        color, marker, _symbol = STRENGTH_STYLE[verdict]
        ys = [y for y, v in enumerate(verdicts) if v == verdict]
        ax.plot([order.index(verdict)] * len(ys), ys, marker=marker, markersize=10, color=color,
                linestyle="none")
    for y, (verdict, count) in enumerate(zip(verdicts, rows["outside_sources"], strict=True)):
        ax.annotate(f"{int(count)}", (order.index(verdict), y), xytext=(9, 0),
                    textcoords="offset points", va="center", fontsize=9, color=GREY)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{_short(t)} ({s})" for t, s in zip(rows["topic"], rows["source_id"],
                                                             strict=True)], fontsize=10)
    ax.invert_yaxis()
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([_wrap(f"{STRENGTH_STYLE[k][2]} {STRENGTH[k]}", 16) for k in order],
                       fontsize=10)
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.grid(axis="x", color="#dddddd")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("number beside a dot: outside sources the record rests on", fontsize=10)
    counts = rows["agrees"].value_counts()
    summary = "; ".join(f"{int(counts.get(k, 0))} {STRENGTH[k]}" for k in order)
    weakest = rows[rows["outside_sources"] == 0]
    alt = (f"Dot chart of {len(rows)} claims about terrorism in Afghanistan from the claims "
           f"ledger, one row per claim with the article that makes it, placed by how strong the "
           f"record makes it: {summary}. ")
    if not weakest.empty:
        alt += (f"{len(weakest)} rest on no source other than the article itself: "
                + "; ".join(_short(t, 60) for t in weakest["topic"]) + ".")
    return finish(fig, source="claims ledger data/claims.csv, built from the sources it cites "
                              "[COURSE]", alt=alt)


def claims_evidence_table_html(rows: pd.DataFrame) -> str:
    """Return the claims as an escaped HTML table: who claims what, the record, its sources."""
    need_columns(rows, [*CLAIM_COLUMNS, "strength"], "claims_evidence_table_html")
    head = ("<tr><th scope='col'>Claim (paraphrased)</th><th scope='col'>Made in</th>"
            "<th scope='col'>What the record shows</th><th scope='col'>Strength</th>"
            "<th scope='col'>Evidence cited</th></tr>")
    body = []
    for _, r in rows.iterrows():
        symbol = STRENGTH_STYLE[r["agrees"]][2]
        body.append(
            "<tr>"
            f"<td><strong>{html.escape(str(r['topic']))}</strong>: "
            f"{html.escape(str(r['claim']))}</td>"
            f"<td>{html.escape(str(r['source_id']))}</td>"
            f"<td>{html.escape(str(r['record_value']))}</td>"
            f"<td>{html.escape(symbol)} {html.escape(str(r['strength']))}</td>"
            f"<td>{html.escape(str(r['record_source_ids']))}</td>"
            "</tr>")
    return ("<table class='course-table'><caption>Claims about terrorism in Afghanistan and the "
            "evidence for them (claims ledger)</caption>"
            f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>")


def claims_explorer(claims: pd.DataFrame, notebook: str = LESSON) -> ChartExplorer:
    """Return the claims chart and table under a labelled menu of the articles making them."""
    present = [a for a in ARTICLES
               if (claims[claims["notebook"].astype(str) == notebook]["source_id"] == a).any()]
    menu = w.Dropdown(options=[("all articles", ALL)] + [(a, a) for a in present], value=ALL,
                      description="Claims made in", style={"description_width": "initial"})

    def draw(article: str) -> tuple[Figure, str]:
        rows = lesson_claims(claims, notebook, article=None if article == ALL else article)
        return claims_evidence_chart(rows), claims_evidence_table_html(rows)

    return chart_explorer(draw, {"article": menu},
                          note="choose an article to see only its claims; the table under the "
                               "chart gives each claim, the record and the evidence cited.")


# --------------------------------------------------------------------------------------------
# Risk matrix

RISK_EXERCISE_ID = "05-risk-matrix"
#: Likelihood steps in the words of ICD 203's first row of terms, with its percentage bands.
LIKELIHOOD_WORDS: dict[int, str] = {1: "very unlikely", 2: "unlikely", 3: "roughly even chance",
                                    4: "likely", 5: "very likely"}
LIKELIHOOD_BANDS: dict[int, str] = {1: "5–20%", 2: "20–45%", 3: "45–55%", 4: "55–80%",
                                    5: "80–95%"}
IMPACT_WORDS: dict[int, str] = {1: "minimal", 2: "minor", 3: "moderate", 4: "major",
                                5: "severe"}
START_VALUE = 3


@dataclass(frozen=True)
class Scenario:
    """A scenario to rate, with the reference rating and the sourced reasoning behind it."""

    id: str
    label: str
    likelihood: int
    impact: int
    reasoning: str
    sources: tuple[str, ...]


#: The five scenarios. Reference ratings are the course authors' judgement over the next two
#: years from what was public by mid-2025, each reasoned from the sources it cites.
RISK_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "aq-abroad", "S1 al-Qaeda plots an attack abroad from Afghanistan", 2, 5,
        "Al-Qaeda's leader lived in central Kabul until the strike of 31 July 2022 "
        "[BIDEN-2022-08; AP-2022-08-02], and a UN monitoring report relayed member states' "
        "reports of new camps, which the Taliban called false [AFP-2024-02-01]. But no plot "
        "abroad traced to Afghanistan has been shown in public, and the claim of training for "
        "attacks abroad comes from an opponent of the Taliban [ANKASAM-2023]. Unlikely, with a "
        "severe impact if it happened, as 2001 showed [BRIT-BIN-LADEN].",
        ("BIDEN-2022-08", "AP-2022-08-02", "AFP-2024-02-01", "ANKASAM-2023", "BRIT-BIN-LADEN")),
    Scenario(
        "iskp-neighbour", "S2 The Khorasan branch strikes a neighbouring state", 4, 4,
        "It has already done so: attacks attributed to it hit Kerman in Iran in January 2024 "
        "and a concert hall near Moscow in March 2024 [JUSTSECURITY-2024-08; AP-2024-03-22], "
        "after it struck Russia's embassy in Kabul in 2022 [DW-2022-09-05]. Its fight with the "
        "Taliban government goes on at a lower level [UCDP-BRD-24.1]. Likely, with a major "
        "impact.",
        ("JUSTSECURITY-2024-08", "AP-2024-03-22", "DW-2022-09-05", "UCDP-BRD-24.1")),
    Scenario(
        "central-asia", "S3 Militants cross from Afghanistan into Central Asia", 2, 3,
        "The fear is real in Moscow and Central Asian capitals [SHAH-2022], but the course's "
        "record has no large armed crossing since 2021, and Russia treated the Taliban as a "
        "partner: it lifted its ban in April 2025 and recognised the government in July 2025 "
        "[AP-2025-04-17; AP-2025-07-03]. Unlikely, with a moderate impact.",
        ("SHAH-2022", "AP-2025-04-17", "AP-2025-07-03")),
    Scenario(
        "pak-afg", "S4 Pakistan–Afghanistan clashes escalate", 4, 4,
        "Border clashes began soon after August 2021 [SHAH-2022]; Pakistan reports a sharp rise "
        "in attacks and blames fighters of the Pakistani Taliban sheltering in Afghanistan "
        "[MENAFN-2023-11-08; PIPS-2022], which the Taliban government denies. The trend and the "
        "denials together make escalation likely, with a major impact on both countries.",
        ("SHAH-2022", "MENAFN-2023-11-08", "PIPS-2022")),
    Scenario(
        "uyghur-china", "S5 Uyghur militants in Afghanistan act against China", 1, 3,
        "China calls the East Turkistan Islamic Movement a direct threat and asked the Taliban "
        "to break with it; the Taliban promised Afghan soil would not be used against China "
        "[PTI-2021-07-29]. China then accepted a Taliban ambassador [MFA-CHN-2024-01-31], "
        "which suggests Beijing was willing to rely on the promise. Very unlikely, with a "
        "moderate impact.",
        ("PTI-2021-07-29", "MFA-CHN-2024-01-31")),
)


def _scenario_map() -> dict[str, Scenario]:
    return {s.id: s for s in RISK_SCENARIOS}


def cited_ids(text: str) -> list[str]:
    """Return the source ids cited in square brackets in ``text`` (``[A; B]`` gives both)."""
    found: list[str] = []
    for group in re.findall(r"\[([^\[\]]+)\]", text or ""):
        found.extend(part.strip() for part in group.split(";") if part.strip())
    return found


def _scale(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise UsageError(f"the {what} is a whole number from 1 to 5, not {value!r}.")
    return value


def likelihood_word(value: int) -> str:
    """Return the estimative words for a likelihood from 1 to 5 ('roughly even chance')."""
    return LIKELIHOOD_WORDS[_scale(value, "likelihood")]


def impact_word(value: int) -> str:
    """Return the word for an impact from 1 to 5 ('moderate')."""
    return IMPACT_WORDS[_scale(value, "impact")]


def _known_sources() -> set[str]:
    from helpers.data import load_sources

    return set(load_sources()["id"])


def rating_problems(ratings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Return what is missing or wrong in a student's ratings, one message per slip.

    Each scenario needs a likelihood and an impact from 1 to 5 and a justification that cites
    at least one source id from the course's source list in square brackets.
    """
    if not isinstance(ratings, Mapping):
        raise UsageError("ratings are a dict: {scenario id: {likelihood, impact, "
                         "justification}}.")
    known = _known_sources()
    problems = []
    for s in RISK_SCENARIOS:
        given = ratings.get(s.id)
        if not isinstance(given, Mapping):
            problems.append(f"{s.label}: not rated yet.")
            continue
        for what in ("likelihood", "impact"):
            try:
                _scale(given.get(what), what)
            except UsageError as exc:
                problems.append(f"{s.label}: {exc}")
        why = str(given.get("justification") or "").strip()
        ids = cited_ids(why)
        unknown = [i for i in ids if i not in known]
        if not why:
            problems.append(f"{s.label}: write why, citing a source such as [UCDP-BRD-24.1].")
        elif not ids:
            problems.append(f"{s.label}: cite a source for your reason in square brackets, "
                            "e.g. [SHAH-2022].")
        elif unknown:
            problems.append(f"{s.label}: {', '.join(unknown)} is not in the course's source "
                            "list; copy an id from a citation in the notebook.")
    return problems


def ratings_text(ratings: Mapping[str, Mapping[str, Any]]) -> str:
    """Return the ratings as the text saved in the progress file, one line per scenario."""
    lines = []
    for s in RISK_SCENARIOS:
        given = ratings[s.id]
        like, impact = int(given["likelihood"]), int(given["impact"])
        lines.append(f"{s.label}: likelihood {like} of 5 ({likelihood_word(like)}), impact "
                     f"{impact} of 5 ({impact_word(impact)}). Why: "
                     f"{' '.join(str(given['justification']).split())}")
    return "\n".join(lines)


def compare_ratings(ratings: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Return one row per scenario: the student's and the reference rating, and differences."""
    rows = []
    for s in RISK_SCENARIOS:
        given = ratings[s.id]
        like, impact = int(given["likelihood"]), int(given["impact"])
        rows.append({"id": s.id, "scenario": s.label, "likelihood": like, "impact": impact,
                     "reference_likelihood": s.likelihood, "reference_impact": s.impact,
                     "likelihood_difference": like - s.likelihood,
                     "impact_difference": impact - s.impact, "reasoning": s.reasoning})
    return pd.DataFrame(rows)


def comparison_html(ratings: Mapping[str, Mapping[str, Any]]) -> str:
    """Return the comparison with the reference as an escaped HTML table with its reasoning."""
    table = compare_ratings(ratings)

    def diff(n: int) -> str:
        return "same" if n == 0 else (f"{n:+d} (you rate higher)" if n > 0
                                      else f"{n:+d} (you rate lower)")

    body = "".join(
        "<tr>"
        f"<td>{html.escape(r.scenario)}</td>"
        f"<td>{r.likelihood} ({html.escape(likelihood_word(r.likelihood))}) / "
        f"{r.impact} ({html.escape(impact_word(r.impact))})</td>"
        f"<td>{r.reference_likelihood} ({html.escape(likelihood_word(r.reference_likelihood))})"
        f" / {r.reference_impact} ({html.escape(impact_word(r.reference_impact))})</td>"
        f"<td>{html.escape(diff(r.likelihood_difference))}; "
        f"{html.escape(diff(r.impact_difference))}</td>"
        f"<td>{html.escape(r.reasoning)}</td>"
        "</tr>" for r in table.itertuples())
    return ("<table class='course-table'><caption>Your ratings (likelihood / impact) beside the "
            "reference rating and its reasoning</caption><thead><tr>"
            "<th scope='col'>Scenario</th><th scope='col'>You</th>"
            "<th scope='col'>Reference</th><th scope='col'>Difference</th>"
            "<th scope='col'>Reference reasoning</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def reference_ratings_html() -> str:
    """Return the reference rating of every scenario with its sourced reasoning, as HTML."""
    body = "".join(
        f"<tr><td>{html.escape(s.label)}</td>"
        f"<td>{html.escape(likelihood_word(s.likelihood))} ({s.likelihood} of 5)</td>"
        f"<td>{html.escape(impact_word(s.impact))} ({s.impact} of 5)</td>"
        f"<td>{html.escape(s.reasoning)}</td></tr>" for s in RISK_SCENARIOS)
    return ("<table class='course-table'><caption>Reference ratings and their reasoning"
            "</caption><thead><tr><th scope='col'>Scenario</th><th scope='col'>Likelihood</th>"
            "<th scope='col'>Impact</th><th scope='col'>Reasoning, with sources</th></tr>"
            f"</thead><tbody>{body}</tbody></table>")


class ReferenceRatings:
    """The reference ratings as a notebook shows them: an HTML table, or plain text."""

    def _repr_html_(self) -> str:
        return reference_ratings_html()

    def __repr__(self) -> str:
        return "\n".join(f"{s.label}: {likelihood_word(s.likelihood)}, {impact_word(s.impact)} "
                         f"impact. {s.reasoning}" for s in RISK_SCENARIOS)


def reference_ratings() -> ReferenceRatings:
    """Return the reference ratings table for display in a notebook cell."""
    return ReferenceRatings()


def risk_matrix_chart(ratings: Mapping[str, Mapping[str, Any]], *,
                      show_reference: bool = False) -> Figure:
    """Return the 5×5 risk matrix with the student's ratings (and the reference, if asked).

    The student's points are filled circles numbered by scenario; reference points are hollow
    squares with the same numbers, joined to the student's by a grey line.
    """
    fig, ax = new_figure("Risk matrix: likelihood and impact of each scenario", size=(8.5, 6.2))
    for i in range(1, 6):
        for j in range(1, 6):
            shade = (i + j) / 10
            ax.add_patch(_cell(i, j, shade))
    placed: dict[tuple[int, int], int] = {}
    placed_ref: dict[tuple[int, int], int] = {}
    for n, s in enumerate(RISK_SCENARIOS, start=1):
        given = ratings.get(s.id, {})
        like = _scale(given.get("likelihood", START_VALUE), "likelihood")
        impact = _scale(given.get("impact", START_VALUE), "impact")
        k = placed.get((like, impact), 0)
        placed[(like, impact)] = k + 1
        dx, dy = (-0.28 + 0.14 * (k % 5), 0.18 - 0.18 * (k // 5))
        ax.plot(like + dx, impact + dy, "o", markersize=17, color=PALETTE["blue"], zorder=4)
        ax.annotate(str(n), (like + dx, impact + dy), ha="center", va="center", color="white",
                    fontsize=10, fontweight="bold", zorder=5)
        if show_reference:
            r = placed_ref.get((s.likelihood, s.impact), 0)
            placed_ref[(s.likelihood, s.impact)] = r + 1
            rx, ry = s.likelihood - 0.2 + 0.2 * (r % 3), s.impact - 0.22
            ax.plot([like + dx, rx], [impact + dy, ry], color=GREY, lw=1, zorder=3)
            ax.plot(rx, ry, "s", markersize=15, markerfacecolor="white",
                    markeredgecolor=PALETTE["black"], markeredgewidth=1.8, zorder=4)
            ax.annotate(str(n), (rx, ry), ha="center", va="center", fontsize=9, zorder=5)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="none", markersize=11,
                      color=PALETTE["blue"], label="your rating (filled circle)")]
    if show_reference:
        handles.append(Line2D([], [], marker="s", linestyle="none", markersize=10,
                              markerfacecolor="white", markeredgecolor=PALETTE["black"],
                              label="reference rating (hollow square)"))
    ax.legend(handles=handles, loc="lower right", fontsize=9, frameon=True, framealpha=0.9)
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_xticklabels([f"{i}\n{LIKELIHOOD_WORDS[i]}" for i in range(1, 6)], fontsize=9)
    ax.set_yticks(range(1, 6))
    ax.set_yticklabels([f"{IMPACT_WORDS[i]} {i}" for i in range(1, 6)], fontsize=9)
    ax.set_xlabel("likelihood (estimative words of ICD 203)")
    ax.set_ylabel("impact")
    ax.grid(False)
    key = "  ".join(f"{n}: {s.label[3:]}" for n, s in enumerate(RISK_SCENARIOS, start=1))
    ax.text(0.0, -0.22, _wrap(key, 110), transform=ax.transAxes, fontsize=8.5, va="top",
            color="#222222")
    parts = []
    for n, s in enumerate(RISK_SCENARIOS, start=1):
        given = ratings.get(s.id, {})
        like = int(given.get("likelihood", START_VALUE))
        impact = int(given.get("impact", START_VALUE))
        part = (f"{n} {s.label[3:]}: your rating {likelihood_word(like)}, {impact_word(impact)}"
                " impact")
        if show_reference:
            part += (f"; reference {likelihood_word(s.likelihood)}, "
                     f"{impact_word(s.impact)} impact")
        parts.append(part + ".")
    alt = (f"Risk matrix with likelihood from very unlikely to very likely across and impact "
           f"from minimal to severe up, showing {len(RISK_SCENARIOS)} scenarios as numbered "
           "filled circles" + (" and the reference ratings as numbered hollow squares" if
                               show_reference else "") + ". " + " ".join(parts))
    source = "the student's ratings; reference reasoning from the sources cited in the notebook " \
             "[COURSE]; likelihood words from [ODNI-ICD-203]"
    return finish(fig, source=source, alt=alt)


def _cell(i: int, j: int, shade: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=(1, 1 - 0.45 * shade, 1 - 0.7 * shade),
                     edgecolor="white", lw=2, zorder=1)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


class RiskMatrix:
    """The interactive risk matrix: two labelled sliders and a justification per scenario.

    The chart follows the sliders. "Save my ratings" checks the ratings with
    :func:`rating_problems`; when they are complete it saves them through the exercise engine
    (exercise ``05-risk-matrix`` in ``data/exercises/05_terrorism_risk.toml``) and shows the
    reference ratings with their reasoning.
    """

    def __init__(self) -> None:
        self.likelihood: dict[str, w.IntSlider] = {}
        self.impact: dict[str, w.IntSlider] = {}
        self.justification: dict[str, w.Text] = {}
        rows: list[w.Widget] = []
        style = {"description_width": "initial"}
        for n, s in enumerate(RISK_SCENARIOS, start=1):
            like = w.IntSlider(value=START_VALUE, min=1, max=5, step=1,
                               description=f"Likelihood of scenario {n}",
                               continuous_update=False, style=style,
                               layout=w.Layout(width="420px"))
            impact = w.IntSlider(value=START_VALUE, min=1, max=5, step=1,
                                 description=f"Impact of scenario {n}",
                                 continuous_update=False, style=style,
                                 layout=w.Layout(width="420px"))
            why = w.Text(value="", placeholder="Your reason, citing a source, e.g. [SHAH-2022]",
                         description=f"Why? (scenario {n})", style=style,
                         layout=w.Layout(width="95%"))
            words = w.HTML()
            for slider in (like, impact):
                slider.observe(self._on_change, names="value")
            self.likelihood[s.id], self.impact[s.id], self.justification[s.id] = like, impact, why
            self._words = getattr(self, "_words", {})
            self._words[s.id] = words
            rows.append(w.VBox([w.HTML(f"<p><strong>{html.escape(s.label)}</strong></p>"),
                                w.HBox([like, impact], layout=w.Layout(flex_flow="row wrap")),
                                words, why]))
        self.chart = w.HTML()
        self.save_button = w.Button(description="Save my ratings", button_style="primary",
                                    tooltip="Save your ratings and see the reference ratings")
        self.save_button.on_click(self.on_save)
        self.feedback = w.HTML()
        self.feedback.add_class("course-feedback")
        self.comparison = w.HTML()
        self.box = w.VBox([*rows, self.chart, self.save_button, self.feedback, self.comparison])
        self.box.add_class("course-risk-matrix")
        self.box.add_class(f"course-exid-{RISK_EXERCISE_ID}")
        self._on_change()

    def ratings(self) -> dict[str, dict[str, Any]]:
        """Return what the controls hold, as :func:`rating_problems` takes it."""
        return {s.id: {"likelihood": self.likelihood[s.id].value,
                       "impact": self.impact[s.id].value,
                       "justification": self.justification[s.id].value}
                for s in RISK_SCENARIOS}

    def _on_change(self, _change: Any = None) -> None:
        for s in RISK_SCENARIOS:
            like, impact = self.likelihood[s.id].value, self.impact[s.id].value
            self._words[s.id].value = (
                f"<p>Your rating: <strong>{html.escape(likelihood_word(like))}</strong> "
                f"({LIKELIHOOD_BANDS[like]}), impact <strong>"
                f"{html.escape(impact_word(impact))}</strong></p>")
        self.figure = risk_matrix_chart(self.ratings())
        self.chart.value = chart_html(self.figure)

    def on_save(self, _button: Any = None) -> Any:
        """Check and save the ratings; show the reference. Return the result, or None."""
        from helpers.exercises import render, session
        from helpers.exercises.bank import get_exercise

        ratings = self.ratings()
        problems = rating_problems(ratings)
        if problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
            self.feedback.value = ("<div class='course-feedback-body course-status-invalid' "
                                   "role='status'><p><strong>⚠ Not saved yet:</strong> "
                                   f"{len(problems)} thing(s) to fix.</p><ul>{items}</ul></div>")
            self.comparison.value = ""
            return None
        try:
            result = session.submit(get_exercise(RISK_EXERCISE_ID), ratings_text(ratings))
        except CourseError as exc:
            self.feedback.value = ("<div class='course-feedback-body course-status-invalid' "
                                   f"role='status'><p><strong>⚠ Problem:</strong> "
                                   f"{html.escape(str(exc))}</p></div>")
            return None
        self.feedback.value = render.result_html(result)
        self.figure = risk_matrix_chart(ratings, show_reference=True)
        self.chart.value = chart_html(self.figure)
        self.comparison.value = comparison_html(ratings)
        return result

    def _static_text(self) -> str:
        lines = ["Interactive risk matrix (answer in JupyterLab or Voilà). For each scenario, "
                 "set a likelihood and an impact from 1 to 5 and give a reason citing a source; "
                 "then press 'Save my ratings' to compare with the reference."]
        lines.extend(s.label for s in RISK_SCENARIOS)
        lines.append("Likelihood words: " + ", ".join(
            f"{k} {v} ({LIKELIHOOD_BANDS[k]})" for k, v in LIKELIHOOD_WORDS.items()))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        items = "".join(f"<li>{html.escape(s.label)}</li>" for s in RISK_SCENARIOS)
        static = ("<p><em>Interactive in JupyterLab or Voilà: rate each scenario with two "
                  "sliders, give a sourced reason, and save.</em></p>"
                  f"<ul>{items}</ul>{self.chart.value}")
        return widget_bundle(self.box, text=self._static_text(), html=static)


def risk_matrix() -> RiskMatrix:
    """Return a new interactive risk matrix for the notebook (display it as a cell's last line)."""
    return RiskMatrix()
