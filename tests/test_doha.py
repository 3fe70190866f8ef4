"""Tests of the Doha commitments chart, table and explorer (helpers.lessons.doha).

Most tests use a small table made here, with HTML and a dollar sign in the text, undated
outcomes and a party the chart has no label for; a few run on the curated table to check that
the chart describes the real data and that every verdict of the schema has a style.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import data
from helpers.errors import UsageError
from helpers.lessons import doha
from helpers.plots import alt_text_of, figure_png, source_of

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["DC-01", "X-2", "X-3", "X-4"],
        "party": pd.Categorical(["United States", "Taliban", "Taliban", "Afghan government"],
                                categories=list(doha.PARTIES)),
        "commitment": ["Withdraw.", "Pay $5 and <b>hide</b> nothing at all, ever, anywhere",
                       "Talk.", "<script>alert(1)</script>"],
        "theme": pd.Categorical(["withdrawal", "counter-terrorism", "negotiations", "prisoners"]),
        "deadline": pd.to_datetime(["2021-05-01", "2020-02-29", None, None]),
        "deadline_text": ["within 14 months", "from the announcement (standing)", "no date",
                          "no date"],
        "outcome": ["Left on 30 August.", "Disputed <i>by</i> both.", "Unclear.", "Done."],
        "outcome_status": pd.Categorical(["partly kept", "disputed", "disputed", "kept"],
                                         categories=list(doha.STATUS_STYLE)),
        "outcome_date": pd.to_datetime(["2021-08-30", "2022-08-01", None, "2020-09-01"]),
        "outcome_date_precision": ["day", "day", None, "month"],
        "source_ids": ["DOHA-2020; AP-2021-08-30", "DOHA-2020", "DOHA-2020", "JOINT-DECL-2020"],
    })


# ----------------------------------------------------------------------------------------------
# styles and labels


def test_every_verdict_in_the_schema_has_its_own_colour_and_shape() -> None:
    column = next(c for c in data.table_info("doha_commitments").columns
                  if c.name == "outcome_status")
    assert set(column.values) == set(doha.STATUS_STYLE)
    styles = list(doha.STATUS_STYLE.values())
    assert len({s.color for s in styles}) == len(styles)
    assert len({(s.marker, s.fill) for s in styles}) == len(styles)
    assert len({s.symbol for s in styles}) == len(styles)


def test_every_party_in_the_schema_has_a_label() -> None:
    column = next(c for c in data.table_info("doha_commitments").columns if c.name == "party")
    assert set(column.values) == set(doha.PARTIES) == set(doha.PARTY_LABELS)


def test_short_label_falls_back_to_the_start_of_the_text() -> None:
    assert doha.short_label("DC-02", "ignored") == doha.SHORT_LABELS["DC-02"]
    long = doha.short_label("NEW-1", "word " * 40)
    assert long.endswith("…") and len(long) <= doha.LABEL_CHARS
    assert doha.short_label(None, None) == "(no text)"


def test_every_curated_row_has_a_short_label() -> None:
    ids = set(data.load_doha_commitments()["id"])
    assert ids <= set(doha.SHORT_LABELS), sorted(ids - set(doha.SHORT_LABELS))


# ----------------------------------------------------------------------------------------------
# selecting


def test_select_by_party_and_theme(small: pd.DataFrame) -> None:
    assert list(doha.select_commitments(small, party="Taliban")["id"]) == ["X-2", "X-3"]
    assert list(doha.select_commitments(small, party="Taliban", theme="negotiations")["id"]) \
        == ["X-3"]
    assert len(doha.select_commitments(small)) == 4


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"party": "Qatar"}, "no party 'Qatar'; choose one of 'United States', 'Taliban'"),
    ({"theme": "weather"}, "no theme 'weather'"),
    ({"party": 3}, "the party is text"),
    ({"theme": ["withdrawal"]}, "the theme is text"),
])
def test_select_refuses_unknown_values(small: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        doha.select_commitments(small, **kwargs)


def test_functions_refuse_a_wrong_table(small_timeline: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="needs the column"):
        doha.commitments_chart(small_timeline)
    with pytest.raises(UsageError, match="takes a DataFrame"):
        doha.commitments_table_html("DC-01")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="takes a DataFrame"):
        doha.commitments_explorer(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# the chart


def test_chart_alt_text_follows_the_data(small: pd.DataFrame) -> None:
    fig = doha.commitments_chart(small)
    alt = alt_text_of(fig)
    assert alt.startswith("Chart of 4 commitments of the Doha Agreement and related texts "
                          "(all parties and themes)")
    assert "United States: 1, Taliban: 2, Afghan government (joint declaration): 1" in alt
    assert "1 kept, 1 partly kept, 2 disputed" in alt
    assert "1 outcome has no date" in alt
    assert "Deadlines run from 29 February 2020 to 1 May 2021" in alt
    assert "Dated outcomes run from 1 September 2020 to 1 August 2022" in alt
    assert source_of(fig).startswith("Source: Course table data/doha_commitments.csv")
    assert figure_png(fig).startswith(b"\x89PNG")  # '$' and HTML in labels draw as text


def test_chart_draws_one_outcome_marker_per_row_and_a_header_per_party(
        small: pd.DataFrame) -> None:
    ax = doha.commitments_chart(small).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "United States" and "Taliban" in labels
    assert sum(1 for t in labels if t.startswith(("DC-", "X-"))) == 4
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Afghan government (joint declaration)", "Taliban", "United States"]
    markers = {line.get_marker() for line in ax.get_lines()}
    assert {"o", "D", "|"} <= markers


def test_chart_of_one_party_and_an_empty_choice(small: pd.DataFrame) -> None:
    alt = alt_text_of(doha.commitments_chart(small, party="Taliban"))
    assert "(party 'Taliban')" in alt and "2 disputed" in alt
    empty = alt_text_of(doha.commitments_chart(small, party="Taliban", theme="prisoners"))
    assert empty.endswith("for party 'Taliban' and theme 'prisoners': no commitments match.")


def test_chart_loses_no_row_with_a_missing_party_or_a_repeated_id(small: pd.DataFrame) -> None:
    odd = pd.concat([small, small.iloc[[1]]], ignore_index=True)
    odd.loc[0, "party"] = None
    odd.loc[0, "outcome_status"] = None
    ax = doha.commitments_chart(odd).axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels() if t.get_text().startswith(("DC-", "X-"))]
    assert len(rows) == 5 and sum(r.startswith("X-2 ") for r in rows) == 2
    alt = alt_text_of(doha.commitments_chart(odd))
    assert "(party not given): 1" in alt and "1 no verdict" in alt


def test_chart_refuses_a_huge_table(small: pd.DataFrame) -> None:
    huge = pd.concat([small] * 20, ignore_index=True)
    with pytest.raises(UsageError, match=r"80 commitments are too many .* choose a party"):
        doha.commitments_chart(huge)


def test_chart_of_the_curated_table() -> None:
    table = data.load_doha_commitments()
    alt = alt_text_of(doha.commitments_chart(table))
    counts = table["outcome_status"].value_counts()
    assert f"Chart of {len(table)} commitments" in alt
    for status, n in counts.items():
        if n:
            assert f"{n} {status}" in alt
    assert len(alt) < 1500


# ----------------------------------------------------------------------------------------------
# the table


def test_table_escapes_everything_and_loses_nothing(small: pd.DataFrame) -> None:
    table = doha.commitments_table_html(small)
    assert "<script>" not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "<b>" not in table and "&lt;b&gt;hide&lt;/b&gt;" in table
    assert "<i>" not in table
    assert table.count("<tr>") == 5  # header and four rows
    assert "Pay $5 and" in table and "nothing at all, ever, anywhere" in table


def test_table_gives_status_as_symbol_and_word_and_dates(small: pd.DataFrame) -> None:
    table = doha.commitments_table_html(small)
    assert "◐</span> partly kept" in table and "✓</span> kept" in table
    assert "?</span> disputed" in table
    assert "within 14 months (1 May 2021)" in table
    assert "from the announcement (standing)" in table and "(29 February 2020)" not in table
    assert "<td>Left on 30 August.</td><td>30 August 2021</td>" in table
    assert "<td>Done.</td><td>September 2020</td>" in table  # month precision is kept
    assert "<td>Unclear.</td><td>no date</td>" in table
    assert "[DOHA-2020; AP-2021-08-30]" in table
    assert '<th scope="col">Status</th>' in table


def test_table_of_an_empty_choice(small: pd.DataFrame) -> None:
    table = doha.commitments_table_html(small, party="United States", theme="prisoners")
    assert "No commitments match this choice." in table


# ----------------------------------------------------------------------------------------------
# the explorer


def test_explorer_first_display_is_deterministic(small: pd.DataFrame) -> None:
    a = doha.commitments_explorer(small)._repr_mimebundle_()
    b = doha.commitments_explorer(small)._repr_mimebundle_()
    assert WIDGET_MIME in a and a["text/plain"] == b["text/plain"]
    assert "Controls: Who promised = all; Theme = all" in a["text/plain"]
    assert "&lt;script&gt;" in a["text/html"]


def test_explorer_menus_and_redraw(small: pd.DataFrame) -> None:
    ex = doha.commitments_explorer(small)
    assert [label for label, _ in ex.controls["party"].options] == [
        "all parties", "United States", "Taliban", "Afghan government (joint declaration)"]
    assert [value for _, value in ex.controls["theme"].options] == [
        "all", "counter-terrorism", "negotiations", "prisoners", "withdrawal"]
    ex.controls["party"].value = "Taliban"
    assert "Chart of 2 commitments" in ex.caption.value
    assert "(party &#x27;Taliban&#x27;)" in ex.caption.value
    assert "X-2" in ex.extra.value and "DC-01" not in ex.extra.value
    ex.controls["theme"].value = "withdrawal"
    assert "no commitments match" in ex.caption.value
    assert "No commitments match this choice." in ex.extra.value


def test_explorer_needs_rows(small: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="no rows to show"):
        doha.commitments_explorer(small.iloc[0:0])
