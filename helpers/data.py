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


#: Whole numbers a table can hold: pandas' Int64, a signed 64-bit integer.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Characters of a cell quoted in an error message.
QUOTE_CHARS = 40


def _quoted(value: str) -> str:
    """Return a cell for a message: quoted, and cut short when it is long."""
    return f"'{value[:QUOTE_CHARS]}…'" if len(value) > QUOTE_CHARS else f"'{value}'"


def _read_text_file(path: Path, rel: str, what: str) -> bytes:
    """Return a data file's bytes, or raise DataError saying why it cannot be read."""
    if path.is_dir():
        raise DataError(f"this is a folder, not a file; the {what} must be a file. Move the "
                        "folder away and restore the file (git checkout -- data/).", file=rel)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except PermissionError:
        raise DataError(f"the {what} cannot be read (permission denied); give your user read "
                        f"permission (chmod u+r {rel}) or restore it from the repository.",
                        file=rel) from None
    except OSError as exc:
        raise DataError(f"the {what} cannot be read ({exc.strerror or exc}).", file=rel) from None


_KIND_WORDS: dict[type, str] = {
    str: "text in quotes", bool: "true or false (without quotes)", dict: "a table",
    list: "a list in brackets", int: "a whole number", float: "a number",
}


def _schema_field(value: object, kind: type, where: str, what: str, rel: str,
                  column: str | None = None) -> None:
    """Raise DataError when a schema field has the wrong type (true/false is never a number)."""
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return
    hint = ""
    if kind is bool and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        hint = f" write {value.strip().lower()} without quotes"
    raise DataError(f"{where}: '{what}' must be {_KIND_WORDS[kind]}, not "
                    f"{_KIND_WORDS.get(type(value), type(value).__name__)}"
                    f"{';' + hint if hint else ''}.", file=rel, column=column)


@lru_cache(maxsize=4)
def _read_schema(path: str, mtime_ns: int) -> dict[str, Table]:
    rel = f"data/{SCHEMA_FILE}"
    try:
        raw = tomllib.loads(_read_text_file(Path(path), rel, "schema file").decode("utf-8-sig"))
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError("the schema file is missing; restore it from the repository.",
                        file=rel) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"the schema file is not valid TOML: {exc}.", file=rel) from None
    except ValueError:
        raise DataError("a number in the schema file is too long to read (thousands of "
                        "digits); fix it.", file=rel) from None
    except RecursionError:
        raise DataError("the schema file nests brackets too deeply to be read.",
                        file=rel) from None
    tables: dict[str, Table] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "file" not in spec or "columns" not in spec:
            raise DataError(f"table '{name}' needs a 'file' and a [columns] section.", file=rel)
        where = f"table '{name}'"
        _schema_field(spec["file"], str, where, "file", rel)
        if not spec["file"].strip():
            raise DataError(f"{where}: 'file' is empty; name the CSV file under data/.",
                            file=rel)
        _schema_field(spec["columns"], dict, where, "columns", rel)
        for field_name in ("title", "as_of", "description"):
            if field_name in spec:
                _schema_field(spec[field_name], str, where, field_name, rel)
        columns = []
        for col_name, col in spec["columns"].items():
            if not isinstance(col, dict):
                raise DataError(f"column spec must be a table, in '{name}' (write "
                                f"[{name}.columns.{col_name}] and type = \"…\" under it).",
                                file=rel, column=col_name)
            col_type = col.get("type", "string")
            _schema_field(col_type, str, where, "type", rel, col_name)
            if col_type not in COLUMN_TYPES:
                raise DataError(
                    f"unknown type '{col_type}' in table '{name}'; "
                    f"use one of {', '.join(COLUMN_TYPES)}.",
                    file=rel,
                    column=col_name,
                )
            required = col.get("required", False)
            _schema_field(required, bool, where, "required", rel, col_name)
            values = col.get("values", [])
            _schema_field(values, list, where, "values", rel, col_name)
            if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                       for v in values):
                raise DataError(f"{where}: 'values' must list text values, such as "
                                "[\"war\", \"diplomacy\"].", file=rel, column=col_name)
            description = col.get("description", "")
            _schema_field(description, str, where, "description", rel, col_name)
            columns.append(
                Column(
                    name=col_name,
                    type=col_type,
                    required=required,
                    values=tuple(str(v) for v in values),
                    description=description,
                )
            )
        key = spec.get("key")
        if key is not None:
            _schema_field(key, str, where, "key", rel)
        if key is not None and key not in {c.name for c in columns}:
            raise DataError(f"table '{name}' names key '{key}', which is not a column.", file=rel)
        tables[name] = Table(
            name=name,
            file=spec["file"],
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
    except OSError as exc:
        raise DataError(f"the schema file cannot be read ({exc.strerror or exc}).",
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
    missing = DataError(
        "the file is missing. Restore it from the repository (git checkout -- data/) "
        "or, for a derived file, run its build script in data/build/.",
        file=rel,
    )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise missing from None
    except OSError as exc:
        raise DataError(f"the file cannot be read ({exc.strerror or exc}).", file=rel) from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"the file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} the "
                        "loader accepts; is it the right file?", file=rel)
    try:
        raw = _read_text_file(path, rel, "table")
    except FileNotFoundError:
        raise missing from None
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
            raise ValueError(f"{_quoted(value)} is not one of the allowed values: "
                             f"{', '.join(col.values)}")
        return value
    if col.type == "date":
        try:
            if len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{_quoted(value)} is not a valid date written as YYYY-MM-DD") \
                from None
    if col.type == "int":
        digits = value.replace("_", "").lstrip("+-")
        if digits.isdigit() and len(digits) > 19:
            raise ValueError(f"{_quoted(value)} has {len(digits):,} digits, too large for a "
                             f"whole-number column (at most {INT64_MAX:,}); check the value, or "
                             "make the column a float in data/schema.toml")
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"{_quoted(value)} is not a whole number") from None
        if not INT64_MIN <= number <= INT64_MAX:
            raise ValueError(f"{_quoted(value)} is too large for a whole-number column (at most "
                             f"{INT64_MAX:,}); check the value, or make the column a float in "
                             "data/schema.toml")
        return number
    if col.type == "float":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{_quoted(value)} is not a number") from None
        if math.isinf(number):
            raise ValueError(f"{_quoted(value)} is not a finite number")
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
    except OSError:
        stat = None
    if stat is None:
        _read_rows(path, f"data/{table.file}")  # raises the 'missing' or 'unreadable' message
        raise DataError("the file cannot be read.", file=f"data/{table.file}")
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


#: How deeply the coordinates of each geometry type nest (rings of [x, y] positions).
GEOMETRY_DEPTH = {"Polygon": 2, "MultiPolygon": 3}


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
    except OSError as exc:
        raise DataError(f"the file cannot be read ({exc.strerror or exc}).", file=rel) from None
    return json.loads(_geojson_text(str(path), stamp.st_mtime_ns, rel))


def _coordinates_problem(coordinates: object, kind: str) -> str | None:
    """Say what is wrong with a geometry's coordinates (shape, depth, numbers), or None."""
    depth = GEOMETRY_DEPTH[kind]
    stack: list[tuple[object, int]] = [(coordinates, 0)]
    while stack:
        item, level = stack.pop()
        if level < depth:
            if not isinstance(item, list) or not item:
                return (f"the coordinates of a {kind} must be "
                        f"{'polygons of ' if kind == 'MultiPolygon' else ''}rings of [x, y] "
                        "positions, lists nested "
                        f"{depth + 1} deep; one level holds something else or is empty")
            stack.extend((child, level + 1) for child in item)
        else:  # a position: two or three finite numbers
            if not isinstance(item, list) or not 2 <= len(item) <= 3 or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool)
                    and math.isfinite(v) for v in item):
                return (f"the coordinates of a {kind} must end in positions of two finite "
                        "numbers [longitude, latitude]; one is not")
    return None


@lru_cache(maxsize=8)
def _geojson_text(path: str, mtime_ns: int, rel: str) -> str:
    fix = " Rebuild it with data/build/build_open_data.py or restore it from the repository."
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataError(f"the file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} the "
                            "loader accepts; is it the right file?", file=rel)
        doc = json.loads(_read_text_file(Path(path), rel, "map file").decode("utf-8-sig"))
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError("the file is missing; run data/build/build_open_data.py to make it.",
                        file=rel) from None
    except RecursionError:
        raise DataError("the file nests brackets too deeply to be a map; a polygon needs "
                        f"three levels, a multipolygon four.{fix}", file=rel) from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, or a number too long
        raise DataError(f"the file is not valid UTF-8 JSON: {str(exc)[:200]}.{fix}",
                        file=rel) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
        doc.get("features"), list
    ):
        raise DataError("the file is not a GeoJSON FeatureCollection.", file=rel)
    for i, feature in enumerate(doc["features"], start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_DEPTH:
            raise DataError("the feature has no Polygon or MultiPolygon geometry.", file=rel, row=i)
        problem = _coordinates_problem(geometry.get("coordinates"), geometry["type"])
        if problem is not None:
            raise DataError(f"{problem}.{fix}", file=rel, row=i)
    try:
        return json.dumps(doc)
    except (RecursionError, ValueError):
        raise DataError(f"the file nests too deeply to be a map.{fix}", file=rel) from None


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


def load_role_interests() -> pd.DataFrame:
    """Each role of the recognition simulation (notebook 04) with its interests and sources."""
    return load_table("role_interests")


def load_capitals_2021() -> pd.DataFrame:
    """Return the 34 provincial capitals with the day each passed to the Taliban in 2021."""
    return load_table("capitals_2021")


def load_provinces() -> dict[str, Any]:
    """Return the 34 province outlines of Afghanistan as a GeoJSON dict (geoBoundaries)."""
    return load_geojson("derived/afghanistan_provinces.geojson")


def load_world() -> dict[str, Any]:
    """Return a light world map of countries as a GeoJSON dict (Natural Earth 1:110m)."""
    return load_geojson("derived/world_countries.geojson")
