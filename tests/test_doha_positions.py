"""Checks specific to data/doha_commitments.csv and data/country_positions.csv.

The generic checks (types, unique keys, source ids, dates) live in test_curated_data.py. Here we
check what the notebooks rely on: every state's rows are in date order and start by the day the
Taliban entered Kabul, so a state's status on any later date is its latest row on or before it;
statuses come from the ordered scale in the schema; the Doha table covers both signatories and the
main themes; and bracketed citations inside the text resolve in the source list.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import data
from helpers.errors import DataError
from helpers.paths import PROJECT_DIR

STATUS_ORDER = ["no relations", "engagement", "envoy accepted", "removed from terrorist list",
                "formal recognition"]
KABUL_FALLS = pd.Timestamp("2021-08-15")
MAP_DATES = ["2021-09-01", "2022-09-01", "2024-06-01", "2025-07-04", "2025-10-21"]
EXPECTED_CODES = {
    "IRN", "PAK", "TKM", "UZB", "TJK", "CHN", "USA", "RUS", "IND", "TUR", "QAT", "SAU", "ARE",
    "KAZ", "EU",
}
CITATION = re.compile(r"\[([A-Z][A-Za-z0-9.\-]*(?:;\s*[A-Z][A-Za-z0-9.\-]*)*)\]")


@pytest.fixture(scope="module")
def positions() -> pd.DataFrame:
    return data.load_country_positions()


@pytest.fixture(scope="module")
def commitments() -> pd.DataFrame:
    return data.load_doha_commitments()


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    return set(data.load_sources()["id"])


# ----------------------------------------------------------------------------------------------
# country_positions


def test_every_expected_state_is_present(positions: pd.DataFrame) -> None:
    assert set(positions["adm0_a3"]) == EXPECTED_CODES


def test_each_code_names_one_country(positions: pd.DataFrame) -> None:
    names = positions.groupby("adm0_a3")["country"].nunique()
    assert names.max() == 1, names[names > 1].to_dict()


def test_row_ids_carry_the_country_code(positions: pd.DataFrame) -> None:
    bad = [(i, c) for i, c in zip(positions["id"], positions["adm0_a3"], strict=True)
           if not re.fullmatch(rf"CP-{c}-\d{{2}}", i)]
    assert not bad, bad


def test_status_scale_is_the_ordered_one_in_the_schema(positions: pd.DataFrame) -> None:
    column = next(c for c in data.table_info("country_positions").columns if c.name == "status")
    assert list(column.values) == STATUS_ORDER
    assert set(positions["status"].dropna()) <= set(STATUS_ORDER)
    assert positions["status"].notna().all()


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_rows_of_each_state_are_in_date_order(positions: pd.DataFrame, code: str) -> None:
    dates = positions.loc[positions["adm0_a3"] == code, "date"]
    assert dates.is_monotonic_increasing, f"{code}: rows are not in date order"


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_each_state_has_a_row_by_the_fall_of_kabul(positions: pd.DataFrame, code: str) -> None:
    first = positions.loc[positions["adm0_a3"] == code, "date"].min()
    assert first <= KABUL_FALLS, f"{code}: first row is {first:%Y-%m-%d}"


@pytest.mark.parametrize("day", MAP_DATES)
def test_status_of_every_state_can_be_read_for_map_dates(positions: pd.DataFrame,
                                                         day: str) -> None:
    on_or_before = positions[positions["date"] <= pd.Timestamp(day)]
    latest = on_or_before.sort_values("date").groupby("adm0_a3").tail(1)
    assert set(latest["adm0_a3"]) == EXPECTED_CODES
    assert latest["status"].isin(STATUS_ORDER).all()


def test_status_on_key_dates_matches_the_record(positions: pd.DataFrame) -> None:
    def status(code: str, day: str) -> str:
        rows = positions[(positions["adm0_a3"] == code) & (positions["date"] <= pd.Timestamp(day))]
        return str(rows.sort_values("date")["status"].iloc[-1])

    assert status("PAK", "2000-01-01") == "formal recognition"
    assert status("SAU", "2000-01-01") == "formal recognition"
    assert status("ARE", "2000-01-01") == "formal recognition"
    assert status("SAU", "2001-10-01") == "no relations"
    assert status("ARE", "2001-10-01") == "no relations"
    assert status("PAK", "2001-10-01") == "formal recognition"  # kept until November 2001
    assert status("PAK", "2001-12-01") == "no relations"
    assert status("RUS", "2025-04-16") == "envoy accepted"
    assert status("RUS", "2025-07-02") == "removed from terrorist list"
    assert status("KAZ", "2023-12-28") == "envoy accepted"
    assert status("KAZ", "2024-09-01") == "removed from terrorist list"
    assert status("RUS", "2025-07-04") == "formal recognition"
    assert status("CHN", "2024-06-01") == "envoy accepted"
    assert status("USA", "2025-07-04") == "engagement"


def test_removals_from_terrorist_lists_have_their_own_status(positions: pd.DataFrame) -> None:
    """Rows about taking the Taliban off a national terrorist list are filed as such, not as
    'envoy accepted' (the two are different steps)."""
    about_lists = positions[positions["event"].str.contains(
        r"terrorist organisations|list of banned|ban on the Taliban", regex=True)]
    assert set(about_lists["id"]) >= {"CP-KAZ-03", "CP-RUS-03"}
    assert (about_lists["status"] == "removed from terrorist list").all(), about_lists[
        ["id", "status"]]


def test_only_russia_formally_recognises_after_2021(positions: pd.DataFrame) -> None:
    late = positions[(positions["date"] > KABUL_FALLS)
                     & (positions["status"] == "formal recognition")]
    assert set(late["adm0_a3"]) == {"RUS"}


def test_rows_are_not_later_than_the_tables_as_of_date(positions: pd.DataFrame) -> None:
    as_of = pd.Timestamp(data.table_info("country_positions").as_of)
    assert positions["date"].max() <= as_of


def test_disputed_or_uncertain_rows_explain_themselves(positions: pd.DataFrame) -> None:
    doubtful = positions[positions["certainty"].isin(["disputed", "uncertain"])]
    missing = doubtful.loc[doubtful["note"].isna(), "id"].tolist()
    assert not missing, f"rows without a note: {missing}"


def test_month_and_year_dates_fall_on_the_first_day(positions: pd.DataFrame) -> None:
    coarse = positions[positions["date_precision"].isin(["month", "year"])]
    assert (coarse["date"].dt.day == 1).all()
    years = coarse[coarse["date_precision"] == "year"]
    assert (years["date"].dt.month == 1).all()


# ----------------------------------------------------------------------------------------------
# doha_commitments


def test_both_signatories_have_commitments(commitments: pd.DataFrame) -> None:
    assert {"United States", "Taliban"} <= set(commitments["party"].dropna())
    assert len(commitments) >= 15


def test_main_themes_are_covered(commitments: pd.DataFrame) -> None:
    themes = set(commitments["theme"].dropna())
    assert {"withdrawal", "counter-terrorism", "prisoners", "negotiations", "sanctions"} <= themes


def test_the_signatories_core_bargain_is_there(commitments: pd.DataFrame) -> None:
    us = set(commitments.loc[commitments["party"] == "United States", "theme"])
    taliban = set(commitments.loc[commitments["party"] == "Taliban", "theme"])
    assert {"withdrawal", "prisoners", "sanctions"} <= us
    assert {"counter-terrorism", "negotiations"} <= taliban


def test_agreement_deadlines_match_the_text(commitments: pd.DataFrame) -> None:
    by_part = commitments.set_index("part")["deadline"]
    assert by_part["Part One, A (1)"] == pd.Timestamp("2020-07-13")  # 135 days after signing
    assert by_part["Part One, D"] == pd.Timestamp("2020-08-27")
    assert by_part["Part One, E"] == pd.Timestamp("2020-05-29")
    prisoners = commitments[(commitments["party"] == "United States")
                            & (commitments["theme"] == "prisoners")]
    assert pd.Timestamp("2020-03-10") in set(prisoners["deadline"])


def test_every_row_cites_the_founding_text(commitments: pd.DataFrame) -> None:
    founding = {"DOHA-2020", "JOINT-DECL-2020", "UNSC-2513"}
    bad = [r.id for r in commitments.itertuples()
           if not founding & set(data.split_ids(r.source_ids))]
    assert not bad, bad


def test_disputed_verdicts_are_explained(commitments: pd.DataFrame) -> None:
    disputed = commitments[commitments["outcome_status"] == "disputed"]
    assert len(disputed) > 0
    assert disputed["outcome"].str.len().min() > 40


def test_outcome_precision_is_given_exactly_when_there_is_a_date(
        commitments: pd.DataFrame) -> None:
    has_date = commitments["outcome_date"].notna()
    has_precision = commitments["outcome_date_precision"].notna()
    assert (has_date == has_precision).all()


# ----------------------------------------------------------------------------------------------
# both tables


@pytest.mark.parametrize("name", ["doha_commitments", "country_positions"])
def test_bracketed_citations_in_text_resolve(name: str, source_ids: set[str]) -> None:
    table = data.load_table(name)
    text_columns = [c.name for c in data.table_info(name).columns if c.type == "text"]
    unknown = set()
    for column in text_columns:
        for cell in table[column].dropna():
            for group in CITATION.findall(cell):
                unknown |= {i.strip() for i in group.split(";")} - source_ids
    assert not unknown, f"{name}: unknown ids in brackets: {sorted(unknown)}"


@pytest.mark.parametrize("name", ["doha_commitments", "country_positions"])
def test_articles_named_in_text_are_real_sources(name: str, source_ids: set[str]) -> None:
    table = data.load_table(name)
    named = set()
    for column in [c.name for c in data.table_info(name).columns if c.type == "text"]:
        for cell in table[column].dropna():
            named |= set(re.findall(r"\b(?:AVIM|EPC|ANKASAM|SHAH)-\d{4}\b", cell))
    assert named <= source_ids


def test_a_status_outside_the_scale_is_refused(data_folder: Path) -> None:
    shutil.copy(PROJECT_DIR / "data" / "schema.toml", data_folder / "schema.toml")
    original = (PROJECT_DIR / "data" / "country_positions.csv").read_text(encoding="utf-8")
    header, first, *_ = original.splitlines()
    bad = first.replace(",formal recognition,", ",recognised,")
    assert bad != first
    (data_folder / "country_positions.csv").write_text(f"{header}\n{bad}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"country_positions\.csv, row 1.*column 'status'"):
        data.load_country_positions()


def test_a_doha_row_with_an_unknown_theme_is_refused(data_folder: Path) -> None:
    shutil.copy(PROJECT_DIR / "data" / "schema.toml", data_folder / "schema.toml")
    original = (PROJECT_DIR / "data" / "doha_commitments.csv").read_text(encoding="utf-8")
    header, first, *_ = original.splitlines()
    bad = first.replace(",withdrawal,", ",troops,", 1)
    assert bad != first
    (data_folder / "doha_commitments.csv").write_text(f"{header}\n{bad}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"doha_commitments\.csv, row 1.*column 'theme'"):
        data.load_doha_commitments()
