"""Checks specific to the curated timeline (data/timeline.csv) and actors (data/actors.csv) tables.

The generic checks in test_curated_data.py cover types, unique keys and source ids. These add what
the two tables promise each other and the notebooks: every actor id used in the timeline exists,
the record spans 1921–2025 in date order with ids that start with their date, the notebook column
follows the stated rule, every source article is used, the key turning points are present, and
the actors the lessons name are in the actors table.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers import load_actors, load_timeline
from helpers.data import split_ids

ARTICLES = ("AVIM-2021", "EPC-2021", "ANKASAM-2022", "SHAH-2022", "ANKASAM-2023")

REQUIRED_ACTORS = (
    "taliban", "islamic-republic-of-afghanistan", "al-qaeda", "isis-k", "haqqani-network", "nrf",
    "supreme-council-national-resistance", "anmpj", "northern-alliance", "isaf",
    "resolute-support", "nato", "unsc-1988-committee", "unama", "hibatullah-akhundzada",
    "mohammad-hasan-akhund", "abdul-ghani-baradar", "amir-khan-muttaqi", "sirajuddin-haqqani",
    "suhail-shaheen", "abdul-haq-wasiq", "mohammad-yaqoob", "mullah-omar", "osama-bin-laden",
    "ayman-al-zawahiri", "hamid-karzai", "ashraf-ghani", "abdullah-abdullah", "amrullah-saleh",
    "ahmad-massoud", "ahmad-shah-massoud", "abdul-rashid-dostum", "atta-mohammad-noor",
    "mohammad-haneef-atmar", "zalmay-khalilzad", "thomas-west", "recep-tayyip-erdogan",
    "ibrahim-kalin", "joe-biden", "donald-trump", "najibullah",
)

# The articles' own spellings must be findable in the aliases of the right actor.
SPELLINGS = {
    "hibatullah-akhundzada": "Hebatullah",
    "amir-khan-muttaqi": "Muttaki",
    "thomas-west": "Tam West",
    "suhail-shaheen": "Sohail Shaheen",
    "nrf": "Panshir",
    "wakhan-corridor": "Wahan",
    "unocal": "Uno Cal",
    "isis-k": "ISKP",
    "abdul-haq-wasiq": "Watheq",
    "atta-mohammad-noor": "Ata Mohammad Nur",
}


@pytest.fixture(scope="module")
def timeline() -> pd.DataFrame:
    return load_timeline()


@pytest.fixture(scope="module")
def actors() -> pd.DataFrame:
    return load_actors()


def _row(timeline: pd.DataFrame, row_id: str) -> pd.Series:
    match = timeline[timeline["id"] == row_id]
    assert len(match) == 1, f"timeline.csv has no row with id {row_id!r}"
    return match.iloc[0]


def test_timeline_has_at_least_100_events(timeline: pd.DataFrame) -> None:
    assert len(timeline) >= 100


def test_every_actor_id_in_the_timeline_exists(timeline: pd.DataFrame,
                                               actors: pd.DataFrame) -> None:
    known = set(actors["id"])
    unknown = {
        (row.id, actor)
        for row in timeline.itertuples()
        for actor in split_ids(None if pd.isna(row.actors) else row.actors)
        if actor not in known
    }
    assert not unknown, f"actor ids missing from actors.csv: {sorted(unknown)}"


def test_dates_span_1921_to_2025(timeline: pd.DataFrame) -> None:
    assert timeline["date"].min() >= pd.Timestamp("1921-01-01")
    assert timeline["date"].max() <= pd.Timestamp("2025-12-31")
    assert timeline["date"].min().year == 1921, "SHAH-2022's 1921 milestone is missing"


def test_rows_are_in_date_order(timeline: pd.DataFrame) -> None:
    assert timeline["date"].is_monotonic_increasing


@pytest.mark.parametrize("precision", ["day", "month", "year"])
def test_ids_start_with_their_date(timeline: pd.DataFrame, precision: str) -> None:
    rows = timeline[timeline["precision"] == precision]
    bad = []
    for row in rows.itertuples():
        prefix = row.date.strftime("%Y") if precision == "year" else row.date.strftime("%Y-%m")
        if not re.fullmatch(rf"{prefix}-[a-z0-9]+(-[a-z0-9]+)*", row.id):
            bad.append(row.id)
        if precision != "day" and row.date.day != 1:
            bad.append(row.id)
        if precision == "year" and row.date.month != 1:
            bad.append(row.id)
    assert not bad, f"ids or dates inconsistent with precision {precision}: {bad}"


def test_notebook_follows_the_date_and_theme_rule(timeline: pd.DataFrame) -> None:
    def expected(when: pd.Timestamp, theme: str) -> str:
        if when < pd.Timestamp("2020-02-29"):
            return "01_background"
        if when <= pd.Timestamp("2021-04-30"):
            return "02_doha"
        if when <= pd.Timestamp("2021-09-30"):
            return "03_withdrawal"
        return "05_terrorism_risk" if theme in ("terrorism", "war") else "04_recognition"

    wrong = [row.id for row in timeline.itertuples()
             if row.notebook != expected(row.date, row.theme)]
    assert not wrong, f"rows in the wrong notebook: {wrong}"


@pytest.mark.parametrize("article", ARTICLES)
def test_every_article_is_cited(timeline: pd.DataFrame, article: str) -> None:
    cited = {sid for cell in timeline["source_ids"] for sid in split_ids(cell)}
    assert article in cited


def test_provincial_capitals_of_august_2021(timeline: pd.DataFrame) -> None:
    zaranj = _row(timeline, "2021-08-zaranj-falls")
    assert zaranj["date"] == pd.Timestamp("2021-08-06")
    assert zaranj["precision"] == "day"
    capitals = timeline[timeline["id"].str.fullmatch(r"2021-08-[a-z-]+-falls")
                        & (timeline["date"] < pd.Timestamp("2021-08-15"))]
    assert len(capitals) >= 5
    kabul = _row(timeline, "2021-08-kabul-falls")
    assert kabul["date"] == pd.Timestamp("2021-08-15")


def test_first_formal_recognition(timeline: pd.DataFrame) -> None:
    row = _row(timeline, "2025-07-russia-recognises-taliban")
    assert row["date"] == pd.Timestamp("2025-07-03")
    assert row["theme"] == "recognition"
    assert "russia" in split_ids(row["actors"])
    ban = _row(timeline, "2025-04-russia-lifts-taliban-ban")
    assert ban["date"] < row["date"]


@pytest.mark.parametrize(("row_id", "day", "article"), [
    ("2001-12-bonn-agreement", "2001-12-05", "AVIM-2021"),
    ("2022-07-al-zawahiri-killed", "2022-07-31", "ANKASAM-2023"),
    ("2021-08-kabul-falls", "2021-08-15", "EPC-2021"),
    ("2020-02-doha-agreement", "2020-02-29", "SHAH-2022"),
])
def test_disagreements_use_the_record_and_name_the_article(timeline: pd.DataFrame, row_id: str,
                                                           day: str, article: str) -> None:
    row = _row(timeline, row_id)
    assert row["date"] == pd.Timestamp(day)
    assert article in row["note"]


def test_required_actors_are_present(actors: pd.DataFrame) -> None:
    missing = sorted(set(REQUIRED_ACTORS) - set(actors["id"]))
    assert not missing, f"actors.csv lacks {missing}"


@pytest.mark.parametrize(("actor_id", "spelling"), sorted(SPELLINGS.items()))
def test_article_spellings_are_aliases(actors: pd.DataFrame, actor_id: str,
                                       spelling: str) -> None:
    aliases = actors.loc[actors["id"] == actor_id, "aliases"]
    assert len(aliases) == 1, f"no actor {actor_id!r}"
    assert spelling in aliases.iloc[0]


def test_actor_ids_are_slugs(actors: pd.DataFrame) -> None:
    bad = [a for a in actors["id"] if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a)]
    assert not bad, bad


def test_uncertain_rows_say_so_in_the_note(timeline: pd.DataFrame) -> None:
    flagged = timeline[timeline["note"].fillna("").str.contains("uncertain")]
    assert len(flagged) >= 5
    # A row built only on one article's unconfirmed claim must be flagged.
    for row_id in ("2007-russia-taliban-contacts", "2021-08-blinken-call-reported"):
        assert "uncertain" in _row(timeline, row_id)["note"]
