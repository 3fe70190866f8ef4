"""Issue 14, data loaders: every broken file is one message naming file, row or field, and a fix.

Integers beyond 64 bits, a folder where a file belongs, a file without read permission (also
when a data question's Check computes its answer), schema fields of the wrong type (including
``required = "false"`` in quotes), deeply nested GeoJSON. None may escape as a raw traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import data
from helpers.errors import CourseError, DataError

SCHEMA = """
[events]
file = "events.csv"
title = "Events"
key = "id"
[events.columns.id]
type = "string"
required = true
[events.columns.deaths]
type = "int"
[events.columns.note]
type = "text"
"""


def write(folder: Path, csv_text: str, schema_text: str = SCHEMA) -> None:
    (folder / "schema.toml").write_text(schema_text, encoding="utf-8")
    (folder / "events.csv").write_text(csv_text, encoding="utf-8")


def _deny_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Simulate a file without read permission (the tests may run as root, who reads all)."""
    real_bytes, real_text = Path.read_bytes, Path.read_text

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_bytes(self)

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "read_text", read_text)


# --------------------------------------------------------------------------------------------
# Tables


@pytest.mark.parametrize("cell", [str(2**63), str(-(2**63) - 1), "9" * 30, "9" * 5000])
def test_integers_beyond_64_bits_name_row_and_column(data_folder: Path, cell: str) -> None:
    write(data_folder, f"id,deaths,note\na,1,x\nb,{cell},y\n")
    with pytest.raises(DataError) as caught:
        data.load_table("events")
    message = str(caught.value)
    assert "data/events.csv" in message and "row 2" in message and "'deaths'" in message
    assert "too large" in message or "whole number" in message
    assert len(message) < 400  # the cell is quoted shortly


def test_the_largest_64_bit_integer_still_loads(data_folder: Path) -> None:
    write(data_folder, f"id,deaths,note\na,{2**63 - 1},x\nb,{-(2**63)},y\n")
    assert data.load_table("events")["deaths"].tolist() == [2**63 - 1, -(2**63)]


def test_a_folder_where_the_table_belongs(data_folder: Path) -> None:
    write(data_folder, "id,deaths,note\n")
    (data_folder / "events.csv").unlink()
    (data_folder / "events.csv").mkdir()
    with pytest.raises(DataError, match=r"data/events.csv: .*folder"):
        data.load_table("events")


def test_a_table_without_read_permission(data_folder: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(data_folder, "id,deaths,note\na,1,x\n")
    _deny_reading(monkeypatch, "events.csv")
    with pytest.raises(DataError, match=r"data/events.csv: .*permission"):
        data.load_table("events")


def test_a_data_questions_check_reports_a_file_without_read_permission(
        data_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from helpers.exercises import session
    from helpers.exercises.schema import exercise_from_dict
    from helpers.exercises.widgets import ExerciseWidget

    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(tmp_path / "p.json"))
    write(data_folder, "id,deaths,note\na,1,x\nb,2,y\n")
    ex = exercise_from_dict({
        "id": "03-total", "kind": "data", "question": "Total?", "explanation": "Sum.",
        "sources": ["C"],
        "answer_from": {"table": "events", "column": "deaths", "agg": "sum"},
    })
    _deny_reading(monkeypatch, "events.csv")
    with pytest.raises(CourseError, match="permission"):
        session.submit(ex, 3)
    widget = ExerciseWidget(ex)
    widget.on_reveal()
    assert "permission" in widget.feedback.value and "events.csv" in widget.feedback.value


# --------------------------------------------------------------------------------------------
# The schema


@pytest.mark.parametrize(("schema_text", "words"), [
    (SCHEMA.replace("required = true", 'required = "false"', 1), "required"),
    (SCHEMA.replace("required = true", 'required = "true"', 1), "required"),
    (SCHEMA.replace("required = true", "required = 1", 1), "required"),
    (SCHEMA.replace('type = "int"', "type = 5"), "type"),
    (SCHEMA.replace('file = "events.csv"', "file = 5"), "file"),
    (SCHEMA.replace('file = "events.csv"', 'file = ""'), "file"),
    (SCHEMA.replace('key = "id"', "key = 5"), "key"),
    (SCHEMA.replace('title = "Events"', "title = [1]"), "title"),
    (SCHEMA + '[events.columns.theme]\ntype = "category"\nvalues = "war, peace"\n', "values"),
    (SCHEMA + '[events.columns.theme]\ntype = "category"\nvalues = [["war"]]\n', "values"),
    (SCHEMA + '[events.columns.theme]\ntype = "category"\ndescription = 5\n', "description"),
    ('[events]\nfile = "events.csv"\ncolumns = "id, deaths"\n', "columns"),
    ('[events]\nfile = "events.csv"\n[events.columns]\nid = "string"\n', "id"),
    ('events = "events.csv"\n', "events"),
    (f"[events]\nfile = \"events.csv\"\nas_of = {'9' * 5000}\n", "too long"),
])
def test_schema_fields_of_the_wrong_type_are_named(data_folder: Path, schema_text: str,
                                                   words: str) -> None:
    write(data_folder, "id,deaths,note\na,1,x\n", schema_text)
    with pytest.raises(DataError) as caught:
        data.load_table("events")
    message = str(caught.value)
    assert "data/schema.toml" in message and words in message


def test_required_false_in_quotes_is_not_read_as_true(data_folder: Path) -> None:
    schema_text = SCHEMA.replace("[events.columns.note]\ntype = \"text\"",
                                 "[events.columns.note]\ntype = \"text\"\nrequired = false")
    write(data_folder, "id,deaths,note\na,1,\n", schema_text)
    assert data.load_table("events")["note"].isna().all()


def test_a_folder_or_unreadable_schema(data_folder: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write(data_folder, "id,deaths,note\n")
    with monkeypatch.context() as patch:
        _deny_reading(patch, "schema.toml")
        with pytest.raises(DataError, match=r"data/schema.toml: .*permission"):
            data.load_table("events")
    (data_folder / "schema.toml").unlink()
    (data_folder / "schema.toml").mkdir()
    with pytest.raises(DataError, match=r"data/schema.toml: .*folder"):
        data.load_table("events")


# --------------------------------------------------------------------------------------------
# GeoJSON


def _feature(coordinates: object, kind: str = "Polygon") -> dict:
    return {"type": "Feature", "properties": {},
            "geometry": {"type": kind, "coordinates": coordinates}}


def _collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 0]]]


def test_deeply_nested_geojson_is_one_message(data_folder: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Polygon", "coordinates": ' + deep + "}}]}")
    (data_folder / "map.geojson").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"data/map.geojson: .*nest"):
        data.load_geojson("map.geojson")


@pytest.mark.parametrize(("coordinates", "kind"), [
    ([[[[[[0, 0]]]]]], "Polygon"), ([[0, 0], [1, 1]], "Polygon"), (SQUARE, "MultiPolygon"),
    ([[[["a", 0], [1, 0], [1, 1], ["a", 0]]]], "MultiPolygon"), ("0,0", "Polygon"),
    ([[[0, 0], [1, 0], [float("nan"), 1], [0, 0]]], "Polygon"),
])
def test_coordinates_of_the_wrong_shape_name_the_feature(data_folder: Path, coordinates: object,
                                                         kind: str) -> None:
    good = _feature(SQUARE)
    (data_folder / "map.geojson").write_text(_collection(good, _feature(coordinates, kind)),
                                             encoding="utf-8")
    with pytest.raises(DataError, match=r"data/map.geojson, row 2: .*coordinates"):
        data.load_geojson("map.geojson")


def test_geojson_folder_unreadable_and_huge_numbers(data_folder: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (data_folder / "dir.geojson").mkdir()
    with pytest.raises(DataError, match=r"data/dir.geojson: .*folder"):
        data.load_geojson("dir.geojson")
    (data_folder / "big.geojson").write_text(
        '{"type": "FeatureCollection", "features": [], "n": ' + "9" * 5000 + "}",
        encoding="utf-8")
    with pytest.raises(DataError, match=r"data/big.geojson"):
        data.load_geojson("big.geojson")
    (data_folder / "map.geojson").write_text(_collection(_feature(SQUARE)), encoding="utf-8")
    _deny_reading(monkeypatch, "map.geojson")
    with pytest.raises(DataError, match=r"data/map.geojson: .*permission"):
        data.load_geojson("map.geojson")


def test_geojson_with_a_byte_order_mark_loads(data_folder: Path) -> None:
    (data_folder / "map.geojson").write_bytes(b"\xef\xbb\xbf"
                                              + _collection(_feature(SQUARE)).encode())
    assert data.load_geojson("map.geojson")["features"][0]["geometry"]["type"] == "Polygon"
