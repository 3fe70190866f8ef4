"""Tests of the schema-driven loader in helpers.data: good files, and every kind of bad one."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from helpers import data
from helpers.errors import DataError, UsageError

SCHEMA = """
[events]
file = "events.csv"
title = "Events"
key = "id"
as_of = "2026-01-01"
[events.columns.id]
type = "string"
required = true
[events.columns.date]
type = "date"
required = true
[events.columns.theme]
type = "category"
values = ["war", "diplomacy"]
[events.columns.deaths]
type = "int"
[events.columns.share]
type = "float"
[events.columns.text]
type = "text"
[events.columns.source_ids]
type = "ids"
required = true
"""

GOOD = """id,date,theme,deaths,share,text,source_ids
a,2020-02-29,diplomacy,,0.5,"Signed in Doha, Qatar",DOHA-2020
b,2021-08-15,war,12,,<b>bold</b> & <script>x</script>,AVIM-2021; SHAH-2022
"""


def write(folder: Path, csv_text: str, schema_text: str = SCHEMA) -> None:
    (folder / "schema.toml").write_text(schema_text, encoding="utf-8")
    (folder / "events.csv").write_text(csv_text, encoding="utf-8")


def test_good_file_has_proper_dtypes(data_folder: Path) -> None:
    write(data_folder, GOOD)
    df = data.load_table("events")
    assert list(df.columns) == ["id", "date", "theme", "deaths", "share", "text", "source_ids"]
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert isinstance(df["theme"].dtype, pd.CategoricalDtype)
    assert list(df["theme"].cat.categories) == ["war", "diplomacy"]
    assert str(df["deaths"].dtype) == "Int64"
    assert df["deaths"].isna().tolist() == [True, False]
    assert df["share"].dtype == "float64"
    assert pd.api.types.is_string_dtype(df["text"])
    assert df.loc[0, "date"] == pd.Timestamp("2020-02-29")
    assert df.loc[0, "text"] == "Signed in Doha, Qatar"


def test_html_in_a_cell_is_kept_as_plain_text(data_folder: Path) -> None:
    write(data_folder, GOOD)
    assert data.load_table("events").loc[1, "text"] == "<b>bold</b> & <script>x</script>"


def test_each_call_returns_a_fresh_copy(data_folder: Path) -> None:
    write(data_folder, GOOD)
    first = data.load_table("events")
    first.loc[0, "id"] = "changed"
    assert data.load_table("events").loc[0, "id"] == "a"


def test_a_changed_file_is_read_again(data_folder: Path) -> None:
    write(data_folder, GOOD)
    assert len(data.load_table("events")) == 2
    path = data_folder / "events.csv"
    path.write_text(GOOD + "c,2021-09-07,war,,,,UNSC-2593\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert len(data.load_table("events")) == 3


def test_missing_file_names_the_file(data_folder: Path) -> None:
    (data_folder / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    with pytest.raises(DataError, match=r"data/events\.csv: the file is missing"):
        data.load_table("events")


def test_missing_data_folder_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFG_COURSE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="AFG_COURSE_DATA names a folder that does not exist"):
        data.load_table("events")


def test_malformed_row_names_row_and_line(data_folder: Path) -> None:
    write(data_folder, GOOD + "c,2021-09-07,war,1,0.1,too,many,fields\n")
    with pytest.raises(DataError) as info:
        data.load_table("events")
    err = info.value
    assert (err.file, err.row, err.line) == ("data/events.csv", 3, 4)
    assert "row 3 (line 4)" in str(err) and "8 fields but the header has 7" in str(err)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("c,2021-02-30,war,,,,X", "date", "'2021-02-30' is not a valid date"),
        ("c,15/08/2021,war,,,,X", "date", "not a valid date written as YYYY-MM-DD"),
        ("c,2021-08-15,peace,,,,X", "theme", "'peace' is not one of the allowed values: war, diplomacy"),
        ("c,2021-08-15,war,twelve,,,X", "deaths", "'twelve' is not a whole number"),
        ("c,2021-08-15,war,,half,,X", "share", "'half' is not a number"),
        ("c,2021-08-15,war,,inf,,X", "share", "not a finite number"),
        ("c,2021-08-15,war,,,,", "source_ids", "required but empty"),
        (",2021-08-15,war,,,,X", "id", "required but empty"),
        ("a,2021-08-15,war,,,,X", "id", "repeats the key of row 1"),
    ],
)
def test_bad_value_names_row_and_column(data_folder: Path, row: str, column: str, message: str) -> None:
    write(data_folder, GOOD + row + "\n")
    with pytest.raises(DataError) as info:
        data.load_table("events")
    assert info.value.row == 3
    assert info.value.column == column
    assert f"row 3 (line 4), column '{column}'" in str(info.value)
    assert message in str(info.value)


def test_missing_and_unknown_columns_are_named(data_folder: Path) -> None:
    write(data_folder, GOOD.replace("share,", "shares,", 1))
    with pytest.raises(DataError, match="lacks column\\(s\\) share"):
        data.load_table("events")


def test_repeated_header_column(data_folder: Path) -> None:
    write(data_folder, "id,id,date,theme,deaths,share,text,source_ids\n")
    with pytest.raises(DataError, match="repeats column\\(s\\) id"):
        data.load_table("events")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"id,date\n\xff\xfe broken", "not UTF-8"),
        (b"id,date\x00,theme\n", "NUL bytes"),
        (b'id,date,theme,deaths,share,text,source_ids\na,"2020-01-01,war\n', "malformed"),
    ],
)
def test_unreadable_files(data_folder: Path, content: bytes, message: str) -> None:
    (data_folder / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    (data_folder / "events.csv").write_bytes(content)
    with pytest.raises(DataError, match=message):
        data.load_table("events")


def test_huge_file_is_refused_with_its_size(data_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(data_folder, GOOD)
    monkeypatch.setattr(data, "MAX_FILE_BYTES", 100)
    with pytest.raises(DataError, match="larger than the 100 the loader accepts"):
        data.load_table("events")


def test_byte_order_mark_and_blank_lines_are_tolerated(data_folder: Path) -> None:
    (data_folder / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    (data_folder / "events.csv").write_bytes(("\ufeff" + GOOD + "\n\n").encode("utf-8"))
    assert len(data.load_table("events")) == 2


def test_unknown_table_lists_known_ones(data_folder: Path) -> None:
    write(data_folder, GOOD)
    with pytest.raises(DataError, match=r"no table called 'evnts'\. Known tables: events"):
        data.load_table("evnts")


@pytest.mark.parametrize("bad", [None, 3, ["events"], b"events"])
def test_table_name_of_wrong_type(data_folder: Path, bad: object) -> None:
    write(data_folder, GOOD)
    with pytest.raises(UsageError, match="a table name is a string"):
        data.load_table(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("schema_text", "message"),
    [
        ("[events\nfile=", "not valid TOML"),
        ('[events]\nfile = "events.csv"\n', "needs a 'file' and a \\[columns\\] section"),
        ('[events]\nfile = "e.csv"\n[events.columns.id]\ntype = "number"\n', "unknown type 'number'"),
        ('[events]\nfile = "e.csv"\nkey = "nope"\n[events.columns.id]\ntype = "string"\n',
         "names key 'nope', which is not a column"),
    ],
)
def test_broken_schema_is_reported(data_folder: Path, schema_text: str, message: str) -> None:
    write(data_folder, GOOD, schema_text)
    with pytest.raises(DataError, match=message):
        data.table_names()


def test_schema_file_missing(data_folder: Path) -> None:
    with pytest.raises(DataError, match="schema file is missing"):
        data.table_names()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("AVIM-2021; SHAH-2022", ["AVIM-2021", "SHAH-2022"]), ("", []), (" ; X ;", ["X"]),
     (None, []), (pd.NA, []), (float("nan"), [])],
)
def test_split_ids(cell: object, expected: list[str]) -> None:
    assert data.split_ids(cell) == expected


def test_split_ids_wrong_type() -> None:
    with pytest.raises(UsageError, match="text of an ids cell"):
        data.split_ids(42)


def test_error_renders_as_one_line_in_jupyter(data_folder: Path) -> None:
    write(data_folder, GOOD + "c,2021-02-30,war,,,,X\n")
    with pytest.raises(DataError) as info:
        data.load_table("events")
    lines = info.value._render_traceback_()
    assert lines == [f"DataError: {info.value}"]


GEO = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "X"}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}'


def test_load_geojson_good_and_bad(data_folder: Path) -> None:
    (data_folder / "shapes.geojson").write_text(GEO, encoding="utf-8")
    assert data.load_geojson("shapes.geojson")["features"][0]["properties"]["code"] == "X"
    (data_folder / "bad.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(DataError, match="not a GeoJSON FeatureCollection"):
        data.load_geojson("bad.geojson")
    (data_folder / "broken.geojson").write_text("{oops", encoding="utf-8")
    with pytest.raises(DataError, match="not valid UTF-8 JSON"):
        data.load_geojson("broken.geojson")
    (data_folder / "point.geojson").write_text(GEO.replace('"Polygon"', '"Point"'), encoding="utf-8")
    with pytest.raises(DataError, match="row 1: the feature has no Polygon"):
        data.load_geojson("point.geojson")
    with pytest.raises(DataError, match="the file is missing"):
        data.load_geojson("absent.geojson")
    with pytest.raises(UsageError):
        data.load_geojson(None)  # type: ignore[arg-type]


def test_named_loaders_cover_every_table_in_the_schema() -> None:
    """Each table of the real schema has a load_<name>() function, and each loader a table."""
    loaders = {name[len("load_"):] for name in dir(data)
               if name.startswith("load_") and name not in ("load_table", "load_geojson",
                                                            "load_provinces", "load_world")}
    assert loaders == set(data.table_names())
