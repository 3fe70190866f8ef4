"""Checks of the claims ledger (data/claims.csv) and the key-figures table (data/key_figures.csv).

The generic checks in test_curated_data.py (ids unique, source ids resolve, dates valid) hold for
these tables too; the tests here check the rules particular to them: every claim comes from one of
the five articles, every disagreement names what the record says and a source other than the
article itself, unsettled rows say so, versions of one figure come in groups from more than one
source, and malformed rows are refused with a message that names file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import data
from helpers.errors import DataError
from helpers.paths import data_dir

ARTICLES = {"AVIM-2021", "EPC-2021", "ANKASAM-2022", "SHAH-2022", "ANKASAM-2023"}


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return data.load_claims()


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return data.load_key_figures()


@pytest.fixture(scope="module")
def real_texts() -> dict[str, str]:
    """The real schema and the first rows of both tables, read before any test moves data_dir."""
    folder = data_dir()
    first = {}
    for name in ("claims.csv", "key_figures.csv"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        first[name] = "".join(lines[:2])
    first["schema.toml"] = (folder / "schema.toml").read_text(encoding="utf-8")
    return first


# ------------------------------------------------------------------------------ claims ledger


def test_ledger_is_substantial_and_covers_every_article(claims: pd.DataFrame) -> None:
    assert len(claims) >= 25
    assert set(claims["source_id"]) == ARTICLES


def test_every_claim_comes_from_exactly_one_of_the_five_articles(claims: pd.DataFrame) -> None:
    bad = [(cid, src) for cid, src in zip(claims["id"], claims["source_id"], strict=True)
           if data.split_ids(src) not in ([a] for a in ARTICLES)]
    assert not bad, f"claims whose source_id is not a single article: {bad}"


@pytest.mark.parametrize("verdict", ["no", "partly"])
def test_disagreements_give_the_record_and_an_outside_source(claims: pd.DataFrame,
                                                             verdict: str) -> None:
    rows = claims[claims["agrees"] == verdict]
    assert len(rows) > 0
    for _, r in rows.iterrows():
        assert isinstance(r["record_value"], str) and r["record_value"].strip(), r["id"]
        outside = set(data.split_ids(r["record_source_ids"])) - {r["source_id"]}
        assert outside, f"{r['id']}: the record must rest on a source other than the article"


def test_paraphrases_are_filled_and_are_more_than_the_value(claims: pd.DataFrame) -> None:
    for _, r in claims.iterrows():
        claim = str(r["claim"]).strip()
        assert len(claim.split()) >= 6, f"{r['id']}: paraphrase too short"
        assert claim != str(r["claimed_value"]).strip(), f"{r['id']}: paraphrase is just the value"
        assert str(r["note"]).strip(), f"{r['id']}: note empty"


def test_uncertain_rows_say_what_is_not_settled(claims: pd.DataFrame) -> None:
    rows = claims[claims["agrees"] == "uncertain"]
    assert len(rows) > 0
    for _, r in rows.iterrows():
        text = f"{r['record_value']} {r['note']}".lower()
        assert "settle" in text, f"{r['id']}: say what is unsettled and what would settle it"


def test_agreeing_side_of_a_disagreement_has_a_partner(claims: pd.DataFrame) -> None:
    pairs = claims[(claims["kind_of_issue"] == "disagreement between articles")
                   & (claims["agrees"] == "yes")]
    assert len(pairs) > 0
    for _, r in pairs.iterrows():
        partners = claims[(claims["topic"] == r["topic"]) & (claims["agrees"] != "yes")]
        assert len(partners) > 0, f"{r['id']}: no disagreeing row on topic {r['topic']!r}"
        assert set(partners["source_id"]) - {r["source_id"]}, r["id"]


# ------------------------------------------------------------------------------ key figures


def test_version_groups_have_two_rows_from_two_sources(figures: pd.DataFrame) -> None:
    grouped = figures.dropna(subset=["version_group"]).groupby("version_group")
    assert grouped.ngroups > 0
    for group, rows in grouped:
        assert len(rows) >= 2, f"version group {group!r} has one row"
        cited = {i for cell in rows["source_ids"] for i in data.split_ids(cell)}
        assert len(cited) >= 2, f"version group {group!r} cites a single source"


def test_values_are_finite_and_not_negative(figures: pd.DataFrame) -> None:
    assert figures["value"].notna().all()
    assert (figures["value"] >= 0).all()


@pytest.mark.parametrize(("words", "marker"), [("more than", "lower bound"),
                                                ("about", "approximate")])
def test_hedged_figures_are_marked_in_the_unit(figures: pd.DataFrame, words: str,
                                               marker: str) -> None:
    hedged = figures[figures["value_text"].str.lower().str.startswith(words)]
    assert len(hedged) > 0
    unmarked = hedged.loc[~hedged["unit"].str.contains(marker, regex=False), "id"].tolist()
    assert not unmarked, f"say '{marker}' in the unit of: {unmarked}"


def test_dates_follow_the_precision_convention(figures: pd.DataFrame) -> None:
    for _, r in figures.iterrows():
        if r["date_precision"] in ("month", "year"):
            assert r["as_of"].day == 1, r["id"]
        if r["date_precision"] == "year":
            assert r["as_of"].month == 1, r["id"]


def test_every_figure_says_whose_claim_it_is(figures: pd.DataFrame) -> None:
    blank = figures.loc[figures["claim_of"].str.strip() == "", "id"].tolist()
    assert not blank


# ------------------------------------------------------------------------------ bad input


def _copy(folder: Path, texts: dict[str, str], name: str, extra_row: str) -> None:
    (folder / "schema.toml").write_text(texts["schema.toml"], encoding="utf-8")
    (folder / name).write_text(texts[name] + extra_row, encoding="utf-8")


def test_unknown_verdict_is_refused_with_file_row_and_column(
        real_texts: dict[str, str], data_folder: Path) -> None:
    row = 'x,SHAH-2022,t,A claim of six or more words here,v,r,maybe,DOHA-2020,wrong date,02_doha,n\n'
    _copy(data_folder, real_texts, "claims.csv", row)
    with pytest.raises(DataError) as err:
        data.load_claims()
    assert "claims.csv" in str(err.value) and "row 2" in str(err.value)
    assert err.value.column == "agrees" and "maybe" in str(err.value)


def test_missing_paraphrase_is_refused(real_texts: dict[str, str], data_folder: Path) -> None:
    row = 'x,SHAH-2022,t,,v,r,no,DOHA-2020,wrong date,02_doha,n\n'
    _copy(data_folder, real_texts, "claims.csv", row)
    with pytest.raises(DataError, match="required") as err:
        data.load_claims()
    assert err.value.column == "claim"


def test_unquoted_comma_is_refused(real_texts: dict[str, str], data_folder: Path) -> None:
    row = 'x,SHAH-2022,t,A claim, with a stray comma,v,r,no,DOHA-2020,wrong date,02_doha,n\n'
    _copy(data_folder, real_texts, "claims.csv", row)
    with pytest.raises(DataError, match="double quotes"):
        data.load_claims()


def test_figure_written_in_words_is_refused(real_texts: dict[str, str],
                                            data_folder: Path) -> None:
    row = 'x,f,ninety,ninety,percent,2021-07-06,day,AVIM-2021,c,,03_withdrawal,\n'
    _copy(data_folder, real_texts, "key_figures.csv", row)
    with pytest.raises(DataError, match="not a number") as err:
        data.load_key_figures()
    assert err.value.column == "value"


def test_bad_date_is_refused(real_texts: dict[str, str], data_folder: Path) -> None:
    row = 'x,f,1,one,items,2021-02-30,day,AVIM-2021,c,,03_withdrawal,\n'
    _copy(data_folder, real_texts, "key_figures.csv", row)
    with pytest.raises(DataError, match="YYYY-MM-DD") as err:
        data.load_key_figures()
    assert err.value.column == "as_of"


def test_html_and_many_rows_load_unchanged(real_texts: dict[str, str], data_folder: Path) -> None:
    html = '<b>bold</b> & <script>alert(1)</script>'
    rows = "".join(f'x{i},f,{i},"{html}",items,2021-07-06,day,AVIM-2021,c,,03_withdrawal,\n'
                   for i in range(5000))
    _copy(data_folder, real_texts, "key_figures.csv", rows)
    df = data.load_key_figures()
    assert len(df) == 5001
    assert df["value_text"].iloc[-1] == html
    assert df["value"].iloc[-1] == 4999.0
