"""Checks that hold for every table in data/schema.toml, present and future.

Every table loads with the dtypes its schema declares; keys are unique; every source id resolves
in the source list; every row of a table that cites sources cites at least one; dates are real
and not in the future; the as-of date of each table is given.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from helpers import data

TABLES = data.table_names()
TODAY = pd.Timestamp(date.today())


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    return set(data.load_sources()["id"])


@pytest.mark.parametrize("name", TABLES)
def test_table_loads_with_declared_dtypes(name: str) -> None:
    table = data.table_info(name)
    df = data.load_table(name)
    assert len(df) > 0, f"{table.file} has no rows"
    for col in table.columns:
        dtype = df[col.name].dtype
        if col.type == "date":
            assert pd.api.types.is_datetime64_any_dtype(dtype), col.name
        elif col.type == "category":
            assert isinstance(dtype, pd.CategoricalDtype), col.name
        elif col.type == "int":
            assert str(dtype) == "Int64", col.name
        elif col.type == "float":
            assert dtype == "float64", col.name
        else:
            assert pd.api.types.is_string_dtype(dtype), col.name


@pytest.mark.parametrize("name", TABLES)
def test_table_documents_its_as_of_date_and_columns(name: str) -> None:
    table = data.table_info(name)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", table.as_of), f"{name}: as_of missing or not a date"
    assert date.fromisoformat(table.as_of) <= date.today()
    assert table.description.strip(), f"{name}: description missing"
    undocumented = [c.name for c in table.columns if not c.description.strip()]
    assert not undocumented, f"{name}: columns without a description: {undocumented}"


@pytest.mark.parametrize("name", TABLES)
def test_every_source_id_resolves(name: str, source_ids: set[str]) -> None:
    table = data.table_info(name)
    df = data.load_table(name)
    unknown = []
    for col in (c for c in table.columns if c.type == "ids"):
        for row_no, cell in enumerate(df[col.name], start=1):
            unknown += [(row_no, col.name, i) for i in data.split_ids(cell) if i not in source_ids]
    assert not unknown, f"data/{table.file}: unknown source ids (row, column, id): {unknown[:10]}"


@pytest.mark.parametrize("name", [n for n in TABLES
                                  if any(c.type == "ids" for c in data.table_info(n).columns)])
def test_every_row_cites_a_source(name: str) -> None:
    table = data.table_info(name)
    df = data.load_table(name)
    id_cols = [c.name for c in table.columns if c.type == "ids"]
    cited = df[id_cols].apply(lambda row: any(data.split_ids(v) for v in row), axis=1)
    missing = [i + 1 for i, ok in enumerate(cited) if not ok]
    assert not missing, f"data/{table.file}: rows without any source id: {missing[:10]}"


@pytest.mark.parametrize("name", TABLES)
def test_dates_are_not_in_the_future(name: str) -> None:
    table = data.table_info(name)
    df = data.load_table(name)
    for col in (c for c in table.columns if c.type == "date"):
        late = df.index[df[col.name] > TODAY].tolist()
        assert not late, f"data/{table.file}, column {col.name}: future dates in rows {late[:10]}"


def test_source_ids_are_well_formed(source_ids: set[str]) -> None:
    bad = sorted(i for i in source_ids if not re.fullmatch(r"[A-Z0-9][A-Za-z0-9.\-]*", i))
    assert not bad, f"source ids must be letters, digits, dots and hyphens: {bad}"


def test_the_five_articles_are_in_the_source_list(source_ids: set[str]) -> None:
    assert {"AVIM-2021", "EPC-2021", "ANKASAM-2022", "SHAH-2022", "ANKASAM-2023"} <= source_ids


def test_the_official_documents_are_in_the_source_list(source_ids: set[str]) -> None:
    assert {"DOHA-2020", "JOINT-DECL-2020", "UNSC-1267", "UNSC-1386", "UNSC-1988",
            "UNSC-2593"} <= source_ids


def test_sources_say_whose_perspective_they_carry() -> None:
    sources = data.load_sources()
    assert sources["perspective"].str.len().min() > 10
