"""Tests of lesson 05's helpers (helpers.lessons.terrorism) and of the chart options it added.

The deaths chart options (conflicts, log_scale, marks) are generic and tested on a small table
made here; the claims-and-evidence view on a small ledger made here and on the real one; the risk
matrix's pure functions on ratings made here, and its widget with a throw-away progress file, so
the tests never touch a student's saved answers.
"""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import pytest

from helpers import charts, data
from helpers.errors import UsageError
from helpers.exercises import session
from helpers.exercises.progress import ProgressStore
from helpers.lessons import terrorism as tr
from helpers.plots import alt_text_of, source_of


@pytest.fixture(autouse=True)
def fresh_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "progress.json"
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(path))
    session.reset()
    yield path
    session.reset()


@pytest.fixture
def deaths() -> pd.DataFrame:
    return pd.DataFrame({
        "year": pd.array([2020, 2021, 2022, 2020, 2021, 2022], dtype="Int64"),
        "conflict_id": pd.array([1, 1, 1, 2, 2, 2], dtype="Int64"),
        "conflict": ["gov vs opposition"] * 3 + ["gov vs IS"] * 3,
        "deaths_low": pd.array([900, 1000, 10, 0, 20, 5], dtype="Int64"),
        "deaths_best": pd.array([1000, 1200, 20, 8, 30, 9], dtype="Int64"),
        "deaths_high": pd.array([1100, 1500, 40, 12, 45, 15], dtype="Int64"),
    })


# --------------------------------------------------------------------- deaths chart options


def test_conflicts_keeps_only_the_named_conflicts_by_label_or_id(deaths: pd.DataFrame) -> None:
    by_label = charts.battle_deaths_chart(deaths, 2020, 2022, by_conflict=True,
                                          conflicts=["gov vs IS"])
    assert "for 1 conflicts" in alt_text_of(by_label)
    assert "gov vs opposition" not in alt_text_of(by_label)
    by_id = charts.battle_deaths_chart(deaths, 2020, 2022, conflicts=[2])
    assert "best estimate of 30 deaths (range 20 to 45)" in alt_text_of(by_id)


def test_an_unknown_conflict_names_the_ones_there_are(deaths: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match=r"no conflict called 'gov vs ISIS'.*gov vs IS, gov vs"):
        charts.battle_deaths_chart(deaths, conflicts=["gov vs ISIS"])
    with pytest.raises(UsageError, match="list of conflict names"):
        charts.battle_deaths_chart(deaths, conflicts="gov vs IS")  # type: ignore[arg-type]


def test_log_scale_is_logarithmic_keeps_zero_lows_drawable_and_says_so(
        deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(deaths, 2020, 2022, by_conflict=True, log_scale=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_ylim()[0] >= 1
    assert "logarithmic" in alt_text_of(fig)
    plain = charts.battle_deaths_chart(deaths, 2020, 2022, by_conflict=True)
    assert plain.axes[0].get_yscale() == "linear"
    assert "logarithmic" not in alt_text_of(plain)
    with pytest.raises(UsageError, match="True or False"):
        charts.battle_deaths_chart(deaths, log_scale="yes")  # type: ignore[arg-type]


def test_marks_are_drawn_and_named_in_the_alt_text(deaths: pd.DataFrame) -> None:
    fig = charts.battle_deaths_chart(deaths, 2020, 2022, by_conflict=True,
                                     marks={2021.62: "Taliban take Kabul"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Taliban take Kabul" in texts
    assert "Dashed lines mark: Taliban take Kabul (at 2021.62)." in alt_text_of(fig)
    assert source_of(fig).endswith("[UCDP-BRD-24.1]")


@pytest.mark.parametrize(("marks", "message"), [
    ([2021], "dict of"),
    ({"2021": "x"}, "year as a number"),
    ({2021: " "}, "needs a label"),
])
def test_bad_marks_are_refused(deaths: pd.DataFrame, marks: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        charts.battle_deaths_chart(deaths, marks=marks)  # type: ignore[arg-type]


def test_lesson_deaths_chart_uses_the_real_series() -> None:
    fig = tr.islamic_state_deaths_chart(data.load_battle_deaths())
    alt = alt_text_of(fig)
    assert "2015 to 2023" in alt and "for 2 conflicts" in alt
    assert "Government of Afghanistan vs Islamic State" in alt
    assert "logarithmic" in alt and "Taliban" in alt


def test_deaths_explorer_switches_scale() -> None:
    explorer = tr.deaths_scale_explorer(data.load_battle_deaths())
    assert explorer.figure.axes[0].get_yscale() == "log"
    explorer.controls["scale"].value = "linear"
    assert explorer.figure.axes[0].get_yscale() == "linear"
    assert explorer.controls["scale"].description


# --------------------------------------------------------------------- claims and evidence


@pytest.fixture
def ledger() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "source_id": ["ANKASAM-2023", "SHAH-2022", "ANKASAM-2023", "SHAH-2022"],
        "topic": ["<b>Topic A</b>", "Topic B", "Topic C", "Topic D"],
        "claim": ["Claim A", "Claim B", "Claim C", "Claim D"],
        "record_value": ["R A", "R B", "R C", "R D"],
        "agrees": ["yes", "no", "uncertain", "partly"],
        "record_source_ids": ["X-1; X-2", "X-3", "ANKASAM-2023", "X-4"],
        "kind_of_issue": ["no issue found", "contested claim", "contested claim", "wrong fact"],
        "notebook": ["05_terrorism_risk"] * 3 + ["01_background"],
    })


def test_strength_words_follow_the_verdict() -> None:
    assert tr.evidence_strength("yes") == "supported by the record"
    assert tr.evidence_strength("no") == "contradicted by the record"
    assert tr.evidence_strength("uncertain") == "not settled"
    with pytest.raises(UsageError, match="'maybe'"):
        tr.evidence_strength("maybe")


def test_lesson_claims_are_the_notebooks_rows_with_outside_sources_counted(
        ledger: pd.DataFrame) -> None:
    rows = tr.lesson_claims(ledger, "05_terrorism_risk")
    assert list(rows["id"]) == ["a", "b", "c"]
    # the article itself does not count as outside evidence
    assert list(rows["outside_sources"]) == [2, 1, 0]
    assert tr.lesson_claims(ledger, "05_terrorism_risk", article="SHAH-2022")["id"].tolist() == [
        "b"]
    with pytest.raises(UsageError, match="no claims"):
        tr.lesson_claims(ledger, "05_terrorism_risk", article="AVIM-2021")


def test_claims_chart_and_table(ledger: pd.DataFrame) -> None:
    rows = tr.lesson_claims(ledger, "05_terrorism_risk")
    fig = tr.claims_evidence_chart(rows)
    alt = alt_text_of(fig)
    assert "3 claims" in alt and "1 supported by the record" in alt and "1 not settled" in alt
    assert source_of(fig).startswith("Source: claims ledger")
    table = tr.claims_evidence_table_html(rows)
    assert "&lt;b&gt;Topic A&lt;/b&gt;" in table and "<b>Topic A" not in table
    assert "<th" in table and "X-1" in table


def test_claims_explorer_on_the_real_ledger_filters_by_article() -> None:
    explorer = tr.claims_explorer(data.load_claims())
    assert "ANKASAM-2023" in explorer.extra_html
    explorer.controls["article"].value = "SHAH-2022"
    assert "ANKASAM-2023</td>" not in explorer.extra_html
    assert "SHAH-2022" in explorer.extra_html


# --------------------------------------------------------------------- risk matrix


def good_ratings() -> dict[str, dict[str, object]]:
    return {s.id: {"likelihood": 2, "impact": 4,
                   "justification": "The UCDP series shows fewer deaths [UCDP-BRD-24.1]."}
            for s in tr.RISK_SCENARIOS}


def test_scenarios_are_at_least_five_and_cite_real_sources() -> None:
    known = set(data.load_sources()["id"])
    assert len(tr.RISK_SCENARIOS) >= 5
    for s in tr.RISK_SCENARIOS:
        assert 1 <= s.likelihood <= 5 and 1 <= s.impact <= 5, s.id
        assert s.sources and set(s.sources) <= known, s.id
        cited = set(tr.cited_ids(s.reasoning))
        assert cited and cited <= known, s.id


def test_scale_words_follow_icd_203() -> None:
    assert tr.likelihood_word(3) == "roughly even chance"
    assert tr.likelihood_word(5) == "very likely"
    with pytest.raises(UsageError, match="1 to 5"):
        tr.likelihood_word(6)


def test_good_ratings_have_no_problems() -> None:
    assert tr.rating_problems(good_ratings()) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"justification": ""}, "write why"),
    ({"justification": "Because I think so and so on."}, "cite a source"),
    ({"justification": "Look at this [NOT-A-SOURCE] please now."}, "NOT-A-SOURCE"),
    ({"likelihood": 0}, "likelihood.*1 to 5"),
    ({"impact": 9}, "impact.*1 to 5"),
])
def test_each_slip_is_named_with_its_scenario(change: dict, message: str) -> None:
    ratings = good_ratings()
    first = tr.RISK_SCENARIOS[0]
    ratings[first.id] = {**ratings[first.id], **change}
    problems = tr.rating_problems(ratings)
    assert len(problems) == 1
    assert first.label in problems[0]
    assert re.search(message, problems[0])


def test_a_missing_scenario_is_named() -> None:
    ratings = good_ratings()
    last = tr.RISK_SCENARIOS[-1]
    del ratings[last.id]
    assert any(last.label in p and "not rated" in p for p in tr.rating_problems(ratings))


def test_ratings_text_and_comparison() -> None:
    ratings = good_ratings()
    text = tr.ratings_text(ratings)
    for s in tr.RISK_SCENARIOS:
        assert s.label in text
    assert "likelihood 2 of 5 (unlikely)" in text
    table = tr.compare_ratings(ratings)
    first = tr.RISK_SCENARIOS[0]
    row = table.set_index("id").loc[first.id]
    assert row["likelihood_difference"] == 2 - first.likelihood
    assert row["impact_difference"] == 4 - first.impact
    assert row["reference_likelihood"] == first.likelihood


def test_risk_matrix_chart_shows_both_ratings_when_asked() -> None:
    fig = tr.risk_matrix_chart(good_ratings(), show_reference=False)
    assert "reference" not in alt_text_of(fig).lower()
    both = tr.risk_matrix_chart(good_ratings(), show_reference=True)
    assert "reference" in alt_text_of(both).lower()
    assert str(len(tr.RISK_SCENARIOS)) in alt_text_of(both)


def test_widget_saves_the_ratings_in_the_progress_file(fresh_progress: Path) -> None:
    matrix = tr.RiskMatrix()
    for s in tr.RISK_SCENARIOS:
        matrix.likelihood[s.id].value = 2
        matrix.impact[s.id].value = 4
        matrix.justification[s.id].value = "Deaths fell after 2021 [UCDP-BRD-24.1]."
    result = matrix.on_save()
    assert result is not None and result.status == "recorded"
    assert "✎ Saved" in matrix.feedback.value
    assert "Reference" in matrix.comparison.value
    entry = ProgressStore(fresh_progress).entries()[tr.RISK_EXERCISE_ID]
    assert entry["notebook"] == "05_terrorism_risk"
    assert "likelihood 2 of 5 (unlikely)" in entry["answer"]


def test_widget_refuses_unjustified_ratings_and_saves_nothing(fresh_progress: Path) -> None:
    matrix = tr.RiskMatrix()
    assert matrix.on_save() is None
    assert "⚠" in matrix.feedback.value and "write why" in matrix.feedback.value
    assert matrix.comparison.value == ""
    assert not fresh_progress.exists() or tr.RISK_EXERCISE_ID not in json.loads(
        fresh_progress.read_text())["exercises"]


def test_widget_controls_are_labelled_and_first_display_is_stable() -> None:
    one, two = tr.RiskMatrix(), tr.RiskMatrix()
    for n, s in enumerate(tr.RISK_SCENARIOS, start=1):
        assert one.likelihood[s.id].description == f"Likelihood of scenario {n}"
        assert one.impact[s.id].description == f"Impact of scenario {n}"
        assert f"scenario {n}" in one.justification[s.id].description
    assert one._static_text() == two._static_text()
    bundle = one._repr_mimebundle_()
    assert "text/plain" in bundle and "application/vnd.jupyter.widget-view+json" in bundle


def test_reference_table_gives_every_scenario_with_words_and_sources() -> None:
    table = tr.reference_ratings_html()
    for s in tr.RISK_SCENARIOS:
        assert html_escape(s.label) in table
        assert tr.likelihood_word(s.likelihood) in table
        for source in s.sources:
            assert source in table
    assert "<script" not in table
    shown = tr.reference_ratings()
    assert shown._repr_html_() == table
    assert tr.RISK_SCENARIOS[0].reasoning in repr(shown)
