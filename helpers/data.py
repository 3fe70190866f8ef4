"""Load the collection's curated tables as pandas DataFrames with proper types.

Every table is a UTF-8 CSV file under ``data/`` described in ``data/schema.toml``: which columns it
has, the type of each (string, text, category, date, int, float, ids), which are required, and which
values a category may take. :func:`load_table` reads a file against its schema and returns a
DataFrame with dates parsed and categories as ``category`` dtype. Anything wrong with the file (it
is missing, not UTF-8, a row has too many fields, a date does not parse, a category value is
unknown, a key repeats) raises :class:`~helpers.errors.DataError` with a message that names the
file, the row and the column, so an instructor who added a row can find the slip at once.

Tables are cached per file version: the file is read again only when it changes on disk, and every
call returns a fresh copy, so a student who edits a DataFrame cannot spoil the next cell's data.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.errors import DataError, UsageError
from helpers.paths import data_dir

SCHEMA_FILE = "schema.toml"
COLUMN_TYPES = ("string", "text", "category", "date", "int", "float", "ids")
#: Largest data file the loader accepts; the curated tables are far smaller.
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type, whether it must be filled, allowed values."""

    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A table's schema: its file, key column, and columns in file order."""

    name: str
    file: str
    title: str
    key: str | None
    columns: tuple[Column, ...]
    as_of: str = ""
    description: str = ""


# --------------------------------------------------------------------------------------------
# Schema


def _schema_path() -> Path:
    return data_dir() / SCHEMA_FILE


@lru_cache(maxsize=4)
def _read_schema(path: str, mtime_ns: int) -> dict[str, Table]:
    rel = f"data/{SCHEMA_FILE}"
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("the schema file is missing; restore it from the repository.",
                        file=rel) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"the schema file is not valid TOML: {exc}.", file=rel) from None
    tables: dict[str, Table] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "file" not in spec or "columns" not in spec:
            raise DataError(f"table '{name}' needs a 'file' and a [columns] section.", file=rel)
        columns = []
        for col_name, col in spec["columns"].items():
            if not isinstance(col, dict):
                raise DataError(f"column spec must be a table, in '{name}'.", file=rel,
                                column=col_name)
            col_type = col.get("type", "string")
            if col_type not in COLUMN_TYPES:
                raise DataError(
                    f"unknown type '{col_type}' in table '{name}'; "
                    f"use one of {', '.join(COLUMN_TYPES)}.",
                    file=rel,
                    column=col_name,
                )
            columns.append(
                Column(
                    name=col_name,
                    type=col_type,
                    required=bool(col.get("required", False)),
                    values=tuple(str(v) for v in col.get("values", ())),
                    description=str(col.get("description", "")),
                )
            )
        key = spec.get("key")
        if key is not None and key not in {c.name for c in columns}:
            raise DataError(f"table '{name}' names key '{key}', which is not a column.", file=rel)
        tables[name] = Table(
            name=name,
            file=str(spec["file"]),
            title=str(spec.get("title", name)),
            key=key,
            columns=tuple(columns),
            as_of=str(spec.get("as_of", "")),
            description=str(spec.get("description", "")),
        )
    return tables


def schema() -> dict[str, Table]:
    """Return every table's schema from ``data/schema.toml``, keyed by table name."""
    path = _schema_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise DataError("the schema file is missing; restore it from the repository.",
                        file=f"data/{SCHEMA_FILE}") from None
    return _read_schema(str(path), mtime)


def table_names() -> list[str]:
    """Return the names of all curated tables, in the order the schema lists them."""
    return list(schema())


def table_info(name: str) -> Table:
    """Return the schema of one table; raises :class:`DataError` for an unknown name."""
    if not isinstance(name, str):
        raise UsageError(f"a table name is a string such as 'timeline', not {type(name).__name__}.")
    tables = schema()
    if name not in tables:
        raise DataError(f"there is no table called '{name}'. Known tables: {', '.join(tables)}.")
    return tables[name]


# --------------------------------------------------------------------------------------------
# Reading and converting


def _read_rows(path: Path, rel: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV file strictly: returns header and (line number, fields) for each data row."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(
            "the file is missing. Restore it from the repository (git checkout -- data/) "
            "or, for a derived file, run its build script in data/build/.",
            file=rel,
        ) from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"the file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} the "
                        "loader accepts; is it the right file?", file=rel)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8.",
                        file=rel, line=line) from None
    if "\x00" in text:
        raise DataError("the file contains NUL bytes; it is not a text CSV file.", file=rel)
    if not text.strip():
        raise DataError("the file is empty; it needs at least a header line.", file=rel)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        header = [h.strip() for h in header]
        rows = []
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue  # blank line
            rows.append((reader.line_num, fields))
    except csv.Error as exc:
        raise DataError(f"the CSV is malformed ({exc}); check quotes and commas.",
                        file=rel, line=reader.line_num) from None
    return header, rows


def _check_header(table: Table, header: list[str], rel: str) -> None:
    expected = [c.name for c in table.columns]
    missing = [c for c in expected if c not in header]
    unknown = [h for h in header if h not in expected]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataError(f"the header repeats column(s) {', '.join(dupes)}.", file=rel, line=1)
    if missing:
        raise DataError(f"the header lacks column(s) {', '.join(missing)} that data/schema.toml "
                        f"lists for table '{table.name}'.", file=rel, line=1, column=missing[0])
    if unknown:
        raise DataError(f"the header has column(s) {', '.join(unknown)} that data/schema.toml "
                        f"does not list for table '{table.name}': fix the spelling or add them to "
                        "the schema.", file=rel, line=1, column=unknown[0])


def _convert(value: str, col: Column) -> Any:
    """Convert one cell; raises ValueError with a short reason."""
    if col.type in ("string", "text", "ids"):
        return value
    if col.type == "category":
        if col.values and value not in col.values:
            raise ValueError(f"'{value}' is not one of the allowed values: {', '.join(col.values)}")
        return value
    if col.type == "date":
        try:
            if len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date written as YYYY-MM-DD") from None
    if col.type == "int":
        try:
            return int(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"'{value}' is not a whole number") from None
    if col.type == "float":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a number") from None
        if math.isinf(number):
            raise ValueError(f"'{value}' is not a finite number")
        return number
    raise ValueError(f"unknown column type {col.type}")  # schema() already refuses these


def _build_frame(table: Table, header: list[str], rows: list[tuple[int, list[str]]],
                 rel: str) -> pd.DataFrame:
    index = {name: i for i, name in enumerate(header)}
    data: dict[str, list[Any]] = {c.name: [] for c in table.columns}
    seen_keys: dict[str, int] = {}
    for row_no, (line, fields) in enumerate(rows, start=1):
        if len(fields) != len(header):
            raise DataError(f"the row has {len(fields)} fields but the header has {len(header)}; "
                            "a comma inside a value needs the value in double quotes.",
                            file=rel, row=row_no, line=line)
        for col in table.columns:
            cell = fields[index[col.name]].strip()
            if cell == "":
                if col.required:
                    raise DataError("this value is required but empty.", file=rel, row=row_no,
                                    line=line, column=col.name)
                data[col.name].append(None)
                continue
            try:
                data[col.name].append(_convert(cell, col))
            except ValueError as exc:
                raise DataError(f"{exc}.", file=rel, row=row_no, line=line,
                                column=col.name) from None
        if table.key:
            key = fields[index[table.key]].strip()
            if key in seen_keys:
                raise DataError(f"'{key}' repeats the key of row {seen_keys[key]}; keys must be "
                                "unique.", file=rel, row=row_no, line=line, column=table.key)
            seen_keys[key] = row_no
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in data.items()})
    for col in table.columns:
        series = frame[col.name]
        if col.type == "date":
            frame[col.name] = pd.to_datetime(series)
        elif col.type == "int":
            frame[col.name] = series.astype("Int64")
        elif col.type == "float":
            frame[col.name] = series.astype("float64")
        elif col.type == "category":
            categories = list(col.values) if col.values else sorted(series.dropna().unique())
            frame[col.name] = pd.Categorical(series, categories=categories)
        else:
            frame[col.name] = series.astype("string")
    return frame


@lru_cache(maxsize=64)
def _load_cached(name: str, path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    table = table_info(name)
    rel = f"data/{table.file}"
    header, rows = _read_rows(Path(path), rel)
    _check_header(table, header, rel)
    return _build_frame(table, header, rows, rel)


def load_table(name: str) -> pd.DataFrame:
    """Return the curated table ``name`` as a DataFrame typed by ``data/schema.toml``.

    Dates become ``datetime64`` columns, categories ``category`` columns, whole numbers nullable
    ``Int64``, text pandas strings; an empty cell becomes a missing value. The result is a copy:
    change it freely. Raises :class:`DataError` naming file, row and column when the file is
    missing or does not match its schema.
    """
    table = table_info(name)
    path = data_dir() / table.file
    try:
        stat = path.stat()
    except FileNotFoundError:
        stat = None
    if stat is None:
        _read_rows(path, f"data/{table.file}")  # raises the 'missing' message
    return _load_cached(name, str(path), stat.st_mtime_ns, stat.st_size).copy()


def split_ids(value: object) -> list[str]:
    """Split a cell of an ``ids`` column (``"AVIM-2021; UNSC-2593"``) into a list of ids."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return []
    if not isinstance(value, str):
        raise UsageError(f"split_ids takes the text of an ids cell, not {type(value).__name__}.")
    return [part.strip() for part in value.split(";") if part.strip()]


# --------------------------------------------------------------------------------------------
# GeoJSON


def load_geojson(file: str) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection from ``data/`` as a dict, checked for its basic shape."""
    if not isinstance(file, str):
        raise UsageError(f"load_geojson takes a file name under data/, not {type(file).__name__}.")
    path = data_dir() / file
    rel = f"data/{file}"
    try:
        stamp = path.stat()
    except FileNotFoundError:
        raise DataError("the file is missing; run data/build/build_open_data.py to make it.",
                        file=rel) from None
    return json.loads(_geojson_text(str(path), stamp.st_mtime_ns, rel))


@lru_cache(maxsize=8)
def _geojson_text(path: str, mtime_ns: int, rel: str) -> str:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"the file is not valid UTF-8 JSON: {exc}.", file=rel) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
        doc.get("features"), list
    ):
        raise DataError("the file is not a GeoJSON FeatureCollection.", file=rel)
    for i, feature in enumerate(doc["features"], start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon",
                                                                           "MultiPolygon"):
            raise DataError("the feature has no Polygon or MultiPolygon geometry.", file=rel, row=i)
    return json.dumps(doc)


# --------------------------------------------------------------------------------------------
# One loader per curated table, so notebooks read like sentences: ``timeline = load_timeline()``.


def load_sources() -> pd.DataFrame:
    """Return the source list: every article, document and dataset the collection cites."""
    return load_table("sources")


def load_timeline() -> pd.DataFrame:
    """Return the dated timeline of events, 1979 onwards, with precision, theme and sources."""
    return load_table("timeline")


def load_claims() -> pd.DataFrame:
    """Return the claims ledger: what each article says, what the record supports, and why."""
    return load_table("claims")


def load_doha_commitments() -> pd.DataFrame:
    """Return each party's commitments under the Doha Agreement, deadlines and outcomes."""
    return load_table("doha_commitments")


def load_country_positions() -> pd.DataFrame:
    """Return dated rows of each state's stance toward the Taliban government."""
    return load_table("country_positions")


def load_key_figures() -> pd.DataFrame:
    """Return the numbers the sources give, with unit, date and each version where they differ."""
    return load_table("key_figures")


def load_actors() -> pd.DataFrame:
    """Return the groups and people of the story, with roles, aliases and spellings."""
    return load_table("actors")


def load_battle_deaths() -> pd.DataFrame:
    """Return yearly battle-related deaths in Afghanistan by conflict (UCDP), low/best/high."""
    return load_table("battle_deaths")


def load_refugees() -> pd.DataFrame:
    """Return Afghan refugees and asylum-seekers by host country and year (UNHCR)."""
    return load_table("refugees")


def load_economy() -> pd.DataFrame:
    """Return Afghanistan's GDP per capita and population by year (World Bank WDI)."""
    return load_table("economy")


def load_capitals_2021() -> pd.DataFrame:
    """Return the 34 provincial capitals with the day each passed to the Taliban in 2021."""
    return load_table("capitals_2021")


def load_provinces() -> dict[str, Any]:
    """Return the 34 province outlines of Afghanistan as a GeoJSON dict (geoBoundaries)."""
    return load_geojson("derived/afghanistan_provinces.geojson")


def load_world() -> dict[str, Any]:
    """Return a light world map of countries as a GeoJSON dict (Natural Earth 1:110m)."""
    return load_geojson("derived/world_countries.geojson")
