"""Tests of helpers.lessons.recognition: the stance map, the explorers, the six files and the
recognition simulation (role cards, decision form, debrief).

Expected values are read from the curated tables here, not copied from the code under test, so
the tests follow the data when rows are added.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import data
from helpers.errors import DataError, UsageError
from helpers.exercises import session
from helpers.exercises.api import make_exercise
from helpers.lessons import recognition as rec
from helpers.plots import alt_text_of, source_of


@pytest.fixture(scope="module")
def positions() -> pd.DataFrame:
    return data.load_country_positions()


@pytest.fixture(scope="module")
def world() -> dict:
    return data.load_world()


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    return set(data.load_sources()["id"])


def latest_status(positions: pd.DataFrame, code: str, day: str) -> str:
    rows = positions[(positions["adm0_a3"] == code) & (positions["date"] <= pd.Timestamp(day))]
    return str(rows.sort_values("date")["status"].iloc[-1])


# ----------------------------------------------------------------------------------------------
# statuses and stances on a day


def test_statuses_follow_the_schema_and_include_the_new_category() -> None:
    column = next(c for c in data.table_info("country_positions").columns if c.name == "status")
    assert rec.statuses() == list(column.values)
    assert "removed from terrorist list" in rec.statuses()
    assert rec.statuses()[0] == "no relations" and rec.statuses()[-1] == "formal recognition"


def test_every_status_has_a_label_a_colour_a_hatch_and_a_marker() -> None:
    for table in (rec.STATUS_LABELS, rec.STATUS_COLORS, rec.STATUS_HATCHES, rec.STATUS_MARKERS):
        assert set(table) == set(rec.statuses())
    assert len(set(rec.STATUS_COLORS.values())) == len(rec.statuses())
    assert len(set(rec.STATUS_HATCHES.values())) == len(rec.STATUS_HATCHES)
    assert len(set(rec.STATUS_MARKERS.values())) == len(rec.STATUS_MARKERS)


@pytest.mark.parametrize("day", ["2021-08-15", "2022-09-01", "2024-06-01", "2025-07-04"])
def test_stances_on_gives_each_states_latest_row(positions: pd.DataFrame, day: str) -> None:
    latest = rec.stances_on(positions, day)
    assert latest["adm0_a3"].is_unique
    assert (latest["date"] <= pd.Timestamp(day)).all()
    for code, status in zip(latest["adm0_a3"], latest["status"], strict=True):
        assert status == latest_status(positions, code, day)


def test_stances_after_the_as_of_date_are_refused(positions: pd.DataFrame) -> None:
    later = rec.as_of() + pd.Timedelta(days=1)
    with pytest.raises(UsageError, match="true as of"):
        rec.stances_on(positions, later)


@pytest.mark.parametrize("bad", ["next year", None, True, "2022-13-45"])
def test_a_day_that_is_not_a_date_is_refused(positions: pd.DataFrame, bad: object) -> None:
    with pytest.raises(UsageError, match="date"):
        rec.stances_on(positions, bad)


def test_a_table_without_needed_columns_is_refused(positions: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="status"):
        rec.stances_on(positions.drop(columns=["status"]), "2022-01-01")


def test_an_unknown_status_is_refused(positions: pd.DataFrame) -> None:
    bad = positions.assign(status=positions["status"].astype(str))
    bad.loc[bad.index[0], "status"] = "recognised"
    with pytest.raises(DataError, match="status"):
        rec.stances_on(bad, "2022-01-01")


# ----------------------------------------------------------------------------------------------
# the stance map and its date slider


def test_the_map_is_finished_and_its_alt_text_names_each_stance(positions: pd.DataFrame,
                                                                 world: dict) -> None:
    day = "2025-07-04"
    fig = rec.stance_map(positions, world, day)
    alt = alt_text_of(fig) or ""
    assert source_of(fig) and "NE-110M" in source_of(fig)
    for status in set(rec.stances_on(positions, day)["status"]):
        assert rec.STATUS_LABELS[status] in alt
    assert "Russia" in alt and "the EU" in alt


def test_the_map_changes_with_the_date(positions: pd.DataFrame, world: dict) -> None:
    early = alt_text_of(rec.stance_map(positions, world, "2021-09-01"))
    late = alt_text_of(rec.stance_map(positions, world, rec.as_of()))
    assert early != late
    assert "formal recognition: Russia" in late
    assert "formal recognition" not in (early or "")


def test_the_map_uses_hatches_for_the_categories(positions: pd.DataFrame, world: dict) -> None:
    fig = rec.stance_map(positions, world, rec.as_of())
    hatches = {c.get_hatch() for c in fig.axes[0].collections if c.get_hatch()}
    present = set(rec.stances_on(positions, rec.as_of())["status"]) - {"no relations"}
    assert hatches >= {rec.STATUS_HATCHES[s] for s in present}


def test_map_dates_run_from_the_fall_of_kabul_to_the_as_of_date(positions: pd.DataFrame) -> None:
    dates = rec.map_dates(positions)
    assert dates[0] == rec.KABUL_FALLS and dates[-1] == rec.as_of()
    assert dates == sorted(set(dates))
    later_rows = set(positions.loc[positions["date"] > rec.KABUL_FALLS, "date"])
    assert later_rows <= set(dates)


def test_the_map_explorer_redraws_when_the_slider_moves(positions: pd.DataFrame,
                                                        world: dict) -> None:
    explorer = rec.stance_map_explorer(positions, world)
    slider = explorer.controls["day"]
    assert slider.value == rec.as_of()
    assert slider.description
    first = explorer.image.value
    slider.value = rec.KABUL_FALLS
    assert explorer.image.value != first
    assert "15 August 2021" in explorer.extra.value


def test_the_map_explorer_refuses_a_start_day_not_on_the_slider(positions: pd.DataFrame,
                                                                world: dict) -> None:
    with pytest.raises(UsageError, match="not one of the slider's dates"):
        rec.stance_map_explorer(positions, world, day="2021-08-16")


# ----------------------------------------------------------------------------------------------
# one state's record


def test_state_history_is_in_date_order_and_checks_the_code(positions: pd.DataFrame) -> None:
    rows = rec.state_history(positions, "RUS")
    assert rows["date"].is_monotonic_increasing
    assert set(rows["id"]) == set(positions.loc[positions["adm0_a3"] == "RUS", "id"])
    with pytest.raises(UsageError, match="not a state"):
        rec.state_history(positions, "XYZ")


@pytest.mark.parametrize("code", ["CHN", "EU", "PAK", "KAZ"])
def test_the_history_table_lists_every_row_with_its_sources(positions: pd.DataFrame,
                                                             code: str) -> None:
    table = rec.state_history_html(positions, code)
    rows = positions[positions["adm0_a3"] == code]
    assert table.count("<tr>") == len(rows) + 1
    for ids in rows["source_ids"]:
        assert data.split_ids(ids)[0] in table


def test_the_stance_explorer_follows_the_menu(positions: pd.DataFrame) -> None:
    explorer = rec.stance_explorer(positions)
    menu = explorer.controls["code"]
    assert menu.description == "State"
    menu.value = "QAT"
    assert "Qatar" in explorer.extra.value
    assert "Qatar" in (alt_text_of(explorer.figure) or "")


def test_table_text_is_escaped(positions: pd.DataFrame) -> None:
    bad = positions.copy()
    bad.loc[bad["id"] == "CP-QAT-01", "event"] = "<script>x</script>"
    assert "<script>" not in rec.state_history_html(bad, "QAT")


# ----------------------------------------------------------------------------------------------
# six files, economy


def test_six_files_table_takes_its_values_from_key_figures() -> None:
    figures = data.load_key_figures()
    table = rec.six_files_table(figures)
    by_id = figures.set_index("id")["value"]
    for row in table.itertuples():
        assert row.value == pytest.approx(float(by_id[row.id]))
    assert table["file"].nunique() == len(rec.SIX_FILES)


def test_six_files_needs_its_rows() -> None:
    figures = data.load_key_figures()
    with pytest.raises(DataError, match="border-clashes-total"):
        rec.six_files_table(figures[figures["id"] != "border-clashes-total"])


def test_six_files_chart_states_the_caveat_and_the_sources() -> None:
    fig = rec.six_files_chart(data.load_key_figures())
    assert "Taliban official" in (source_of(fig) or "")
    assert "SHAH-2022" in (alt_text_of(fig) or "")


def test_economy_chart_reads_the_table() -> None:
    economy = data.load_economy()
    fig = rec.economy_chart(economy)
    row = economy.set_index("year").loc[2021]
    assert f"${row['gdp_per_capita_usd']:,.0f}" in (alt_text_of(fig) or "")
    with pytest.raises(UsageError):
        rec.economy_chart(economy, 2023, 2015)
    with pytest.raises(UsageError, match="no years"):
        rec.economy_chart(economy, 1900, 1901)


# ----------------------------------------------------------------------------------------------
# role cards


@pytest.mark.parametrize("code", rec.ROLES)
@pytest.mark.parametrize("day", ["2021-09-01", "2022-09-01", "2025-07-04"])
def test_a_role_card_shows_only_what_was_known_by_its_day(positions: pd.DataFrame, code: str,
                                                          day: str, source_ids: set[str]) -> None:
    card = rec.role_card(positions, code, day)
    assert card.stance == latest_status(positions, code, day)
    rows = positions[(positions["adm0_a3"] == code) & (positions["date"] > pd.Timestamp(day))]
    page = card.html()
    for event in rows["event"]:
        assert html_escape(event) not in page
    assert set(card.sources) <= source_ids
    assert card.record


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_there_are_at_least_eight_roles_each_with_sourced_interests(source_ids: set[str]) -> None:
    assert len(rec.ROLES) >= 8
    assert {"USA", "CHN", "RUS", "PAK", "IRN", "UZB", "TUR", "QAT", "EU"} <= set(rec.ROLES)
    interests = data.load_role_interests()
    assert set(rec.ROLES) <= set(interests["code"])
    for row in interests.itertuples():
        assert row.interests.strip(), row.code
        cited = set(data.split_ids(row.source_ids))
        assert cited, row.code
        assert cited <= source_ids


def test_a_role_card_takes_its_interests_from_the_interests_table(positions: pd.DataFrame) -> None:
    table = pd.DataFrame({"code": ["USA"], "country": ["United States"],
                          "interests": ["A test interest & more"], "source_ids": ["SHAH-2022"]})
    card = rec.role_card(positions, "USA", "2022-09-01", interests=table)
    assert card.who == "A test interest & more [SHAH-2022]."
    assert "A test interest &amp; more [SHAH-2022]." in card.html()
    real = data.load_role_interests().set_index("code")
    card = rec.role_card(positions, "CHN", "2022-09-01")
    assert card.who.startswith(real.loc["CHN", "interests"].rstrip("."))


def test_a_role_without_a_row_in_the_interests_table_falls_back_to_the_actor_role(
        positions: pd.DataFrame) -> None:
    empty = pd.DataFrame({"code": [], "country": [], "interests": [], "source_ids": []})
    actors = data.load_actors()
    card = rec.role_card(positions, "CHN", "2022-09-01", interests=empty, actors=actors)
    assert card.who == actors.loc[actors["id"] == "china", "role"].iloc[0]
    card = rec.role_card(positions, "CHN", "2022-09-01", interests=empty)
    assert card.who == "China, as recorded in the positions table."


def test_an_interests_table_without_its_columns_is_refused(positions: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="interests"):
        rec.role_card(positions, "USA", "2022-09-01", interests=pd.DataFrame({"code": ["USA"]}))


def test_a_role_card_before_the_takeover_or_after_the_as_of_date_is_refused(
        positions: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="2021-08-15"):
        rec.role_card(positions, "USA", "2021-01-01")
    with pytest.raises(UsageError, match="true as of"):
        rec.role_card(positions, "USA", rec.as_of() + pd.Timedelta(days=2))


def test_role_cards_html_has_one_labelled_card_per_role(positions: pd.DataFrame) -> None:
    page = rec.role_cards_html(positions, "2022-09-01")
    assert page.count("class='course-role-card'") == len(rec.ROLES)
    assert page.count("aria-label='Role card:") == len(rec.ROLES)


# ----------------------------------------------------------------------------------------------
# decision form and debrief


def test_compose_decision_keeps_every_field() -> None:
    text = rec.compose_decision("China", "engage without recognising",
                                ["an inclusive government"],
                                "Because the record shows engagement without recognition "
                                "[SHAH-2022] and so on.", "2022-09-01")
    assert "China" in text and "engage without recognising" in text
    assert "an inclusive government" in text and "2022-09-01" in text and "[SHAH-2022]" in text


@pytest.mark.parametrize(("state", "decision", "conditions", "why", "match"), [
    ("", "recognise", [], "ten words " * 5, "state"),
    ("China", "maybe", [], "ten words " * 5, "decision"),
    ("China", "recognise", ["free lunch"], "ten words " * 5, "condition"),
    ("China", "recognise", [], "too short", "10 words"),
])
def test_compose_decision_names_what_is_missing(state: str, decision: str, conditions: list,
                                                why: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        rec.compose_decision(state, decision, conditions, why, "2022-09-01")


@pytest.fixture
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "progress.json"
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(path))
    session.reset()
    yield path
    session.reset()


def reflection_id(name: str) -> str:
    ex_id = f"04-test-{name}"
    from helpers.exercises.api import _INLINE

    if ex_id not in _INLINE:
        make_exercise("reflection", id=ex_id, question="Your decision?",
                      model_answer="A model [SHAH-2022].", rubric=["Cites a source."],
                      sources=["SHAH-2022"])
    return ex_id


def test_the_decision_form_saves_through_the_exercise_engine(positions: pd.DataFrame,
                                                             progress_file: Path) -> None:
    ex_id = reflection_id("form")
    form = rec.decision_form(ex_id, "2022-09-01", positions=positions)
    form.state.value = "Qatar"
    form.decision.value = "hold back"
    form.conditions[0].value = True
    form.justification.value = "Qatar hosts the talks and the office; recognising would end " \
                               "its role as a neutral host [SHAH-2022]."
    assert form.on_save() == "recorded"
    saved = json.loads(progress_file.read_text(encoding="utf-8"))["exercises"][ex_id]
    assert "Decision: hold back" in saved["answer"] and "Qatar" in saved["answer"]
    assert "recorded" in form.feedback.value


def test_an_incomplete_form_is_not_saved(positions: pd.DataFrame, progress_file: Path) -> None:
    ex_id = reflection_id("incomplete")
    form = rec.decision_form(ex_id, "2022-09-01", positions=positions)
    form.state.value = "China"
    assert form.on_save() == "invalid"
    assert "Not saved" in form.feedback.value and "decision" in form.feedback.value
    assert not progress_file.exists() or ex_id not in progress_file.read_text(encoding="utf-8")


def test_the_decision_form_needs_a_reflection_exercise() -> None:
    from helpers.exercises.bank import load_bank

    graded = next(e.id for e in load_bank().exercises.values() if e.kind == "single_choice")
    with pytest.raises(UsageError, match="reflection"):
        rec.decision_form(graded, "2022-09-01")


def test_decision_for_covers_every_status() -> None:
    assert {rec.decision_for(s) for s in rec.statuses()} == set(rec.DECISIONS)
    with pytest.raises(DataError):
        rec.decision_for("recognised")


@pytest.mark.parametrize("day", ["2022-09-01", "2025-07-04"])
def test_the_debrief_compares_choices_with_the_record(positions: pd.DataFrame, day: str) -> None:
    table = rec.debrief_table(positions, day, choices={"RUS": "recognise", "USA": "hold back"})
    assert len(table) == len(rec.ROLES)
    by_state = table.set_index("state")
    for code in rec.ROLES:
        name = positions.loc[positions["adm0_a3"] == code, "country"].iloc[0]
        assert by_state.at[name, "what it actually did"] == rec.decision_for(
            latest_status(positions, code, day))
    russia_recognised = latest_status(positions, "RUS", day) == "formal recognition"
    assert by_state.at["Russia", "same?"].startswith("✓" if russia_recognised else "✗")
    assert by_state.at["China", "same?"] == "—"


def test_the_debrief_refuses_unknown_roles_and_decisions(positions: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="no role card"):
        rec.debrief_table(positions, "2022-09-01", choices={"XYZ": "recognise"})
    with pytest.raises(UsageError, match="each choice"):
        rec.debrief_table(positions, "2022-09-01", choices={"CHN": "perhaps"})


def test_debrief_html_is_a_captioned_table(positions: pd.DataFrame) -> None:
    page = rec.debrief_html(positions, "2022-09-01")
    assert "<caption>" in page and page.count("<tr>") == len(rec.ROLES) + 1
