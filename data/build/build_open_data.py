"""Derive the collection's open-data tables and map files from the raw open datasets.

Run by hand from the project root, naming the folder that holds the raw downloads::

    python data/build/build_open_data.py --raw RAW_DIR

``RAW_DIR`` holds the original files under the names in :data:`RAW_FILES` (``ucdp/``,
``unhcr/``, ``worldbank/``, ``geoboundaries/``, ``naturalearth/``). The script filters, aggregates
and renames them into three CSV tables and two GeoJSON maps in ``data/derived/``, fixes the known
slips of the raw files, and writes ``data/derived/MANIFEST.toml`` with each output's dataset,
version, licence, attribution, input checksums, row count and checksum, which the tests check.
Every output is written byte for byte the same on every run: no dates, no machine paths, sorted
rows, fixed number formats. The pure functions (decoding, parsing, aggregating) take and return
plain Python values so tests can call them on small inline inputs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.errors import DataError, UsageError
from helpers.paths import data_dir

BUILD_COMMAND = "python data/build/build_open_data.py --raw RAW_DIR"
SCRIPT = "data/build/build_open_data.py"

#: The raw input files, by role, as paths relative to the raw folder.
RAW_FILES: dict[str, str] = {
    "ucdp_subset": "ucdp/afg_ucdp_brd_v24_1_subset.csv",
    "ucdp_full": "ucdp/BattleDeaths_v24_1.csv",
    "unhcr_population": "unhcr/unhcr_population_origin_AFG.csv",
    "wdi": "worldbank/wdi_AFG_subset.csv",
    "provinces": "geoboundaries/geoBoundaries-AFG-ADM1_simplified.topojson",
    "world": "naturalearth/ne_110m_admin_0_countries.json",
}

# ------------------------------------------------------------------------------------------
# Battle deaths (UCDP BRD v24.1)

UCDP_FIRST_YEAR = 1989
UCDP_LAST_YEAR = 2023
#: Neutral short labels for the conflicts in Afghanistan; UCDP's own side names stay in the table.
CONFLICT_LABELS: dict[int, str] = {
    333: "Government of Afghanistan vs armed opposition",
    13637: "Government of Afghanistan vs Islamic State",
    13692: "United States and United Kingdom vs Government of Afghanistan",
}
#: UCDP type_of_conflict codes.
CONFLICT_TYPES: dict[int, str] = {
    1: "extrasystemic",
    2: "interstate",
    3: "intrastate",
    4: "internationalized intrastate",
}
UCDP_CHECK_COLUMNS = ("conflict_id", "side_a", "side_b", "incompatibility", "type_of_conflict",
                      "bd_best", "bd_low", "bd_high", "version")
BATTLE_COLUMNS = ("year", "conflict_id", "conflict", "conflict_type", "side_a", "side_b", "dyads",
                  "deaths_low", "deaths_best", "deaths_high", "source_ids")

# ------------------------------------------------------------------------------------------
# Refugees (UNHCR)

UNHCR_FIRST_YEAR = 1979
#: The newest year in release 2025.12.1 is partial (see README): it is left out of the table.
UNHCR_PARTIAL_YEAR = 2025
#: A host is listed on its own when it held at least this share of a year's total.
MAIN_HOST_MIN_SHARE = 0.01
OTHER_HOSTS = "Other countries"
#: Short English names for hosts whose UNHCR name is long or formal.
HOST_SHORT_NAMES: dict[str, str] = {
    "IRN": "Iran",
    "GBR": "United Kingdom",
    "NLD": "Netherlands",
    "USA": "United States",
}
REFUGEE_COLUMNS = ("year", "host_country", "host_iso3", "countries", "refugees",
                   "asylum_seekers", "source_ids")

# ------------------------------------------------------------------------------------------
# Economy (World Bank WDI)

WDI_SERIES: dict[str, str] = {
    "NY.GDP.PCAP.CD": "gdp_per_capita_usd",
    "NY.GDP.PCAP.PP.CD": "gdp_per_capita_ppp",
    "SP.POP.TOTL": "population",
}
WDI_FIRST_YEAR = 1960
WDI_LAST_YEAR = 2023
WDI_MISSING = ".."
ECONOMY_COLUMNS = ("year", "gdp_per_capita_usd", "gdp_per_capita_ppp", "population",
                   "source_ids")

# ------------------------------------------------------------------------------------------
# Maps

PROVINCE_COUNT = 34
PROVINCE_DECIMALS = 4
WORLD_DECIMALS = 2
PROVINCE_NAME_FIXES: dict[str, str] = {"Ghanzi": "Ghazni"}
PROVINCE_CODE = re.compile(r"^AF-[A-Z]{3}$")
WORLD_DROP = ("ATA",)


@dataclass
class Output:
    """One derived file: its bytes, count and the provenance recorded in the manifest."""

    file: str
    table: str
    content: bytes
    count: int
    count_of: str
    dataset: str
    version: str
    source_id: str
    licence: str
    attribution: str
    inputs: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


# ==========================================================================================
# Small parsing helpers


def parse_int(text: str, where: str) -> int:
    """Return a whole number from text such as ``"1979"``, ``"1979.0"`` or ``"400000.0"``.

    UNHCR's files write whole numbers as floats; a value with a fractional part, or no number at
    all, raises :class:`DataError` naming ``where`` (file, row and column).
    """
    try:
        number = float(text)
    except (TypeError, ValueError):
        raise DataError(f"'{text}' is not a number ({where}).") from None
    if not math.isfinite(number) or number != int(number):
        raise DataError(f"'{text}' is not a whole number ({where}).")
    return int(number)


def parse_wdi_value(text: str, where: str = "WDI cell") -> float | None:
    """Return the number in one WDI cell, or None for the missing marker ``..`` or an empty cell.

    Anything else that is not a finite number raises :class:`DataError` naming ``where``.
    """
    if not isinstance(text, str):
        raise UsageError(f"a WDI cell is text, not {type(text).__name__} ({where}).")
    cell = text.strip()
    if cell in ("", WDI_MISSING):
        return None
    try:
        number = float(cell)
    except ValueError:
        raise DataError(f"'{cell}' is neither a number nor the missing marker '..' "
                        f"({where}).") from None
    if not math.isfinite(number):
        raise DataError(f"'{cell}' is not a finite number ({where}).")
    return number


def read_csv_text(text: str, name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV text as dicts keyed by the header; refuses ragged rows."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("the file is empty.", file=name) from None
    header = [h.strip() for h in header]
    rows = []
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(f"the row has {len(fields)} fields but the header has "
                            f"{len(header)}.", file=name, line=reader.line_num)
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def require_columns(rows: Sequence[Mapping[str, str]], columns: Iterable[str], name: str) -> None:
    """Raise :class:`DataError` when the first row lacks one of ``columns``."""
    if not rows:
        raise DataError("the file has no data rows.", file=name)
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise DataError(f"the header lacks column(s) {', '.join(missing)}.", file=name)


# ==========================================================================================
# Battle deaths


def afghanistan_dyad_years(rows: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """Return the rows of the full BRD file whose ``location_inc`` lists Afghanistan."""
    return [r for r in rows
            if "Afghanistan" in [p.strip() for p in r.get("location_inc", "").split(",")]]


def check_subset(subset: Sequence[Mapping[str, str]], full: Sequence[Mapping[str, str]],
                 name: str) -> None:
    """Check the Afghanistan subset against the Afghanistan rows of the full BRD file.

    Both must hold the same dyad-years with the same sides, types and estimates; any difference
    raises :class:`DataError` naming the dyad and year.
    """
    def index(rows: Sequence[Mapping[str, str]]) -> dict[tuple[str, str], Mapping[str, str]]:
        return {(r["dyad_id"].strip(), r["year"].strip()): r for r in rows}

    sub, ref = index(subset), index(full)
    if len(sub) != len(subset):
        raise DataError("the subset repeats a dyad-year.", file=name)
    only_sub = sorted(set(sub) - set(ref))
    only_ref = sorted(set(ref) - set(sub))
    if only_sub or only_ref:
        raise DataError(f"the subset and the full file differ: dyad-years only in the subset "
                        f"{only_sub[:5]}, only in the full file {only_ref[:5]}.", file=name)
    for key, row in sub.items():
        for column in UCDP_CHECK_COLUMNS:
            if row[column].strip() != ref[key][column].strip():
                raise DataError(f"dyad {key[0]}, year {key[1]}: '{row[column]}' in the subset "
                                f"but '{ref[key][column]}' in the full file.", file=name,
                                column=column)


def aggregate_dyads(rows: Sequence[Mapping[str, str]], labels: Mapping[int, str],
                    source_id: str, name: str = "UCDP rows") -> list[dict[str, Any]]:
    """Sum dyad-year rows of UCDP BRD to one row per conflict and year.

    Low, best and high estimates are summed separately (as UCDP does for its conflict-level
    file); ``side_b`` lists the opposition sides of that year in dyad order, separated by '; ';
    ``dyads`` counts the rows summed. A conflict without a label, a year outside 1989-2023 or an
    estimate out of order (low > best > high) raises :class:`DataError`.
    """
    groups: dict[tuple[int, int], list[Mapping[str, str]]] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{name}, line {line}"
        conflict = parse_int(row["conflict_id"], where + ", conflict_id")
        year = parse_int(row["year"], where + ", year")
        if conflict not in labels:
            raise DataError(f"conflict {conflict} has no label in CONFLICT_LABELS; add a neutral "
                            "short label for it.", file=name, line=line)
        if not UCDP_FIRST_YEAR <= year <= UCDP_LAST_YEAR:
            raise DataError(f"year {year} is outside {UCDP_FIRST_YEAR}-{UCDP_LAST_YEAR}.",
                            file=name, line=line)
        groups.setdefault((year, conflict), []).append(row)
    out = []
    for (year, conflict), members in sorted(groups.items()):
        members = sorted(members, key=lambda r: parse_int(r["dyad_id"], name))
        low = best = high = 0
        types: list[str] = []
        sides_a: list[str] = []
        sides_b: list[str] = []
        for row in members:
            where = f"{name}, dyad {row['dyad_id']}, year {year}"
            lo = parse_int(row["bd_low"], where)
            be = parse_int(row["bd_best"], where)
            hi = parse_int(row["bd_high"], where)
            if not lo <= be <= hi:
                raise DataError(f"estimates out of order (low {lo}, best {be}, high {hi}) "
                                f"({where}).")
            low, best, high = low + lo, best + be, high + hi
            kind = CONFLICT_TYPES.get(parse_int(row["type_of_conflict"], where))
            if kind is None:
                raise DataError(f"unknown type_of_conflict '{row['type_of_conflict']}' ({where}).")
            for value, bucket in ((kind, types), (row["side_a"].strip(), sides_a),
                                  (row["side_b"].strip(), sides_b)):
                if value not in bucket:
                    bucket.append(value)
        out.append({
            "year": year,
            "conflict_id": conflict,
            "conflict": labels[conflict],
            "conflict_type": "; ".join(sorted(types)),
            "side_a": "; ".join(sides_a),
            "side_b": "; ".join(sides_b),
            "dyads": len(members),
            "deaths_low": low,
            "deaths_best": best,
            "deaths_high": high,
            "source_ids": source_id,
        })
    return out


# ==========================================================================================
# Refugees


def unhcr_host_years(rows: Sequence[Mapping[str, str]], name: str) -> list[dict[str, Any]]:
    """Return UNHCR rows as dicts with integer year, refugees and asylum-seekers, hosts abroad.

    Rows whose host is Afghanistan itself (returnees and displaced people) are dropped, but only
    when they count no refugees or asylum-seekers; anything else raises :class:`DataError`.
    """
    out = []
    for line, row in enumerate(rows, start=2):
        where = f"{name}, line {line}"
        item = {
            "year": parse_int(row["year"], where + ", year"),
            "host_iso3": row["coa_iso"].strip(),
            "host_name": row["coa_name"].strip(),
            "refugees": parse_int(row["refugees"], where + ", refugees"),
            "asylum_seekers": parse_int(row["asylum_seekers"], where + ", asylum_seekers"),
        }
        if not re.fullmatch(r"[A-Z]{3}", item["host_iso3"]):
            raise DataError(f"'{item['host_iso3']}' is not an ISO3 code.", file=name, line=line,
                            column="coa_iso")
        if item["refugees"] < 0 or item["asylum_seekers"] < 0:
            raise DataError("a count is negative.", file=name, line=line)
        if item["host_iso3"] == "AFG":
            if item["refugees"] or item["asylum_seekers"]:
                raise DataError("Afghanistan is listed as hosting Afghan refugees.", file=name,
                                line=line)
            continue
        out.append(item)
    return out


def main_hosts(items: Sequence[Mapping[str, Any]], min_share: float) -> list[str]:
    """Return the ISO3 codes of hosts that held at least ``min_share`` of a year's total.

    The total is refugees plus asylum-seekers over all hosts that year. Codes are returned
    sorted.
    """
    if not 0 < min_share <= 1:
        raise UsageError(f"min_share is a fraction between 0 and 1, not {min_share}.")
    totals: dict[int, int] = {}
    for item in items:
        totals[item["year"]] = totals.get(item["year"], 0) + item["refugees"] + item[
            "asylum_seekers"]
    chosen = set()
    for item in items:
        total = totals[item["year"]]
        if total and (item["refugees"] + item["asylum_seekers"]) / total >= min_share:
            chosen.add(item["host_iso3"])
    return sorted(chosen)


def aggregate_hosts(items: Sequence[Mapping[str, Any]], hosts: Sequence[str],
                    names: Mapping[str, str], source_id: str) -> list[dict[str, Any]]:
    """Return one row per year and main host, plus one 'Other countries' row for the rest.

    Yearly totals of refugees and asylum-seekers are kept exactly: the 'Other countries' row
    sums every host not in ``hosts`` and ``countries`` says how many it covers. Rows are sorted
    by year, then main hosts by name, with 'Other countries' last in each year. A host that
    appears twice in one year raises :class:`DataError`.
    """
    seen: set[tuple[int, str]] = set()
    by_year: dict[int, list[Mapping[str, Any]]] = {}
    for item in items:
        key = (item["year"], item["host_iso3"])
        if key in seen:
            raise DataError(f"host {key[1]} appears twice in {key[0]}.")
        seen.add(key)
        by_year.setdefault(item["year"], []).append(item)
    main = set(hosts)
    out: list[dict[str, Any]] = []
    for year in sorted(by_year):
        rows = []
        other = {"refugees": 0, "asylum_seekers": 0, "countries": 0}
        for item in by_year[year]:
            if item["host_iso3"] in main:
                rows.append({
                    "year": year,
                    "host_country": names.get(item["host_iso3"], item["host_name"]),
                    "host_iso3": item["host_iso3"],
                    "countries": 1,
                    "refugees": item["refugees"],
                    "asylum_seekers": item["asylum_seekers"],
                    "source_ids": source_id,
                })
            else:
                other["refugees"] += item["refugees"]
                other["asylum_seekers"] += item["asylum_seekers"]
                other["countries"] += 1
        rows.sort(key=lambda r: r["host_country"])
        if other["countries"]:
            rows.append({"year": year, "host_country": OTHER_HOSTS, "host_iso3": "",
                         **other, "source_ids": source_id})
        out.extend(rows)
    return out


def yearly_totals(rows: Iterable[Mapping[str, Any]]) -> dict[int, tuple[int, int]]:
    """Return refugees and asylum-seekers summed per year."""
    totals: dict[int, tuple[int, int]] = {}
    for row in rows:
        ref, asy = totals.get(row["year"], (0, 0))
        totals[row["year"]] = (ref + row["refugees"], asy + row["asylum_seekers"])
    return totals


# ==========================================================================================
# Economy


def wdi_year_columns(header: Sequence[str]) -> dict[str, int]:
    """Return the WDI year columns (``"1960 [YR1960]"``) mapped to their year."""
    years = {}
    for column in header:
        match = re.fullmatch(r"(\d{4}) \[YR(\d{4})\]", column.strip())
        if match and match.group(1) == match.group(2):
            years[column] = int(match.group(1))
    return years


def tidy_wdi(rows: Sequence[Mapping[str, str]], series: Mapping[str, str],
             name: str = "WDI file") -> dict[int, dict[str, float | None]]:
    """Turn wide WDI rows (one per series, one column per year) into one dict per year.

    ``series`` maps WDI series codes to output column names. A series that is missing or
    repeated raises :class:`DataError`; '..' and empty cells become None. Rows without a series
    code (WDI's download footer) are skipped.
    """
    if not rows:
        raise DataError("the file has no data rows.", file=name)
    years = wdi_year_columns(list(rows[0]))
    if not years:
        raise DataError("no year columns like '1960 [YR1960]' in the header.", file=name)
    found: dict[str, Mapping[str, str]] = {}
    for row in rows:
        code = (row.get("Series Code") or "").strip()
        if not code:
            continue
        if code in series:
            if code in found:
                raise DataError(f"series {code} appears twice.", file=name)
            found[code] = row
    missing = [code for code in series if code not in found]
    if missing:
        raise DataError(f"series {', '.join(missing)} not found.", file=name)
    out: dict[int, dict[str, float | None]] = {}
    for column, year in sorted(years.items(), key=lambda kv: kv[1]):
        out[year] = {
            series[code]: parse_wdi_value(found[code][column], f"{name}, {code}, {year}")
            for code in series
        }
    return out


def economy_rows(by_year: Mapping[int, Mapping[str, float | None]],
                 source_id: str) -> list[dict[str, Any]]:
    """Return economy rows: GDP per capita rounded to cents, population as a whole number."""
    out = []
    for year in sorted(by_year):
        if not WDI_FIRST_YEAR <= year <= WDI_LAST_YEAR:
            continue
        values = by_year[year]
        population = values["population"]
        if population is not None and population != int(population):
            raise DataError(f"population {population} in {year} is not a whole number.")
        out.append({
            "year": year,
            "gdp_per_capita_usd": format_fixed(values["gdp_per_capita_usd"], 2),
            "gdp_per_capita_ppp": format_fixed(values["gdp_per_capita_ppp"], 2),
            "population": None if population is None else int(population),
            "source_ids": source_id,
        })
    return out


def format_fixed(value: float | None, decimals: int) -> str:
    """Return a number with a fixed count of decimals, or '' for a missing value."""
    return "" if value is None else f"{value:.{decimals}f}"


# ==========================================================================================
# TopoJSON and rings


def decode_arcs(topology: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    """Return the arcs of a TopoJSON topology as lists of (x, y) in map coordinates.

    A quantised topology (one with a ``transform``) stores each arc as a first position and
    then differences from the previous one; those are summed and scaled back. Malformed arcs
    raise :class:`DataError`.
    """
    arcs = topology.get("arcs")
    if not isinstance(arcs, list):
        raise DataError("the topology has no list of arcs.")
    transform = topology.get("transform")
    decoded = []
    for number, arc in enumerate(arcs):
        if not isinstance(arc, list) or not arc:
            raise DataError(f"arc {number} is empty or not a list.")
        points = []
        x = y = 0.0
        for position in arc:
            if (not isinstance(position, list) or len(position) < 2
                    or not all(isinstance(v, int | float) for v in position[:2])):
                raise DataError(f"arc {number} has a position that is not [x, y]: {position!r}.")
            if transform:
                x, y = x + position[0], y + position[1]
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((float(position[0]), float(position[1])))
        decoded.append(points)
    return decoded


def stitch_ring(indexes: Sequence[int], arcs: Sequence[Sequence[tuple[float, float]]]
                ) -> list[tuple[float, float]]:
    """Join arcs into one ring: index ``~i`` (a negative number) means arc ``i`` reversed.

    Each arc after the first starts where the previous one ended, so its first point is dropped.
    """
    ring: list[tuple[float, float]] = []
    for index in indexes:
        if not isinstance(index, int) or isinstance(index, bool):
            raise DataError(f"arc index {index!r} is not a whole number.")
        number = ~index if index < 0 else index
        if number >= len(arcs):
            raise DataError(f"arc index {index} points past the {len(arcs)} arcs.")
        points = list(arcs[number])
        if index < 0:
            points.reverse()
        ring.extend(points[1:] if ring else points)
    return ring


def decode_geometry(geometry: Mapping[str, Any], arcs: Sequence[Sequence[tuple[float, float]]]
                    ) -> dict[str, Any]:
    """Return a TopoJSON Polygon or MultiPolygon as a GeoJSON geometry (coordinates unrounded)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return {"type": "Polygon",
                "coordinates": [stitch_ring(r, arcs) for r in geometry["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[stitch_ring(r, arcs) for r in polygon]
                                for polygon in geometry["arcs"]]}
    raise DataError(f"geometry type {kind!r} is not supported; expected Polygon or MultiPolygon.")


def signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Return the shoelace area of a ring: positive when it runs counter-clockwise."""
    total = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        total += x1 * y2 - x2 * y1
    return total / 2


def clean_ring(ring: Sequence[Sequence[float]], decimals: int, *, outer: bool
               ) -> list[list[float]] | None:
    """Round a ring, drop repeated points, close it and orient it the GeoJSON way.

    Outer rings run counter-clockwise and holes clockwise (RFC 7946). Returns None when fewer
    than four points (three corners and the closing point) or no area are left after rounding.
    """
    points: list[list[float]] = []
    for x, y in ring:
        point = [round(x, decimals) + 0.0, round(y, decimals) + 0.0]  # + 0.0 turns -0.0 into 0.0
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return None
    points.append(list(points[0]))
    area = signed_area(points)
    if area == 0:
        return None
    if (area > 0) != outer:
        points.reverse()
    return points


def clean_geometry(geometry: Mapping[str, Any], decimals: int) -> dict[str, Any] | None:
    """Round and clean every ring of a Polygon or MultiPolygon; drop parts that vanish.

    A polygon whose outer ring vanishes is dropped with its holes; a MultiPolygon left with one
    polygon becomes a Polygon. Returns None when nothing is left.
    """
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise DataError(f"geometry type {kind!r} is not supported; expected Polygon or "
                        "MultiPolygon.")
    kept = []
    for polygon in polygons:
        if not polygon:
            continue
        outer = clean_ring(polygon[0], decimals, outer=True)
        if outer is None:
            continue
        holes = [h for h in (clean_ring(r, decimals, outer=False) for r in polygon[1:]) if h]
        kept.append([outer, *holes])
    if not kept:
        return None
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def fix_iso_code(code: str) -> str:
    """Return a province ISO 3166-2 code with '_' corrected to '-' (``AF_KAN`` -> ``AF-KAN``)."""
    fixed = code.strip().replace("_", "-")
    if not PROVINCE_CODE.fullmatch(fixed):
        raise DataError(f"'{code}' is not a province code like AF-KAB.")
    return fixed


def province_features(topology: Mapping[str, Any], decimals: int = PROVINCE_DECIMALS
                      ) -> tuple[list[dict[str, Any]], list[str]]:
    """Decode the geoBoundaries topology into GeoJSON features; return them and the fixes made.

    Properties become ``name`` (with the known misspelling fixed), ``iso_code`` (AF-XXX) and
    ``shape_id``. Codes must be unique.
    """
    if not isinstance(topology, Mapping) or topology.get("type") != "Topology":
        raise DataError("the file is not a TopoJSON Topology.")
    objects = topology.get("objects")
    if not isinstance(objects, Mapping) or len(objects) != 1:
        raise DataError("the topology should hold exactly one object (the provinces).")
    collection = next(iter(objects.values()))
    arcs = decode_arcs(topology)
    features = []
    fixes = []
    codes: set[str] = set()
    for geometry in collection.get("geometries", []):
        props = geometry.get("properties") or {}
        name = str(props.get("shapeName", "")).strip()
        raw_code = str(props.get("shapeISO", ""))
        code = fix_iso_code(raw_code)
        if code != raw_code:
            fixes.append(f"iso_code {raw_code} -> {code}")
        if name in PROVINCE_NAME_FIXES:
            fixes.append(f"name {name} -> {PROVINCE_NAME_FIXES[name]}")
            name = PROVINCE_NAME_FIXES[name]
        if not name:
            raise DataError(f"the province with code {code} has no name.")
        if code in codes:
            raise DataError(f"province code {code} appears twice.")
        codes.add(code)
        shape = clean_geometry(decode_geometry(geometry, arcs), decimals)
        if shape is None:
            raise DataError(f"province {name} has no area left after rounding.")
        features.append({
            "type": "Feature",
            "properties": {"name": name, "iso_code": code,
                           "shape_id": str(props.get("shapeID", "")).strip()},
            "geometry": shape,
        })
    return features, fixes


def world_features(collection: Mapping[str, Any], decimals: int = WORLD_DECIMALS,
                   drop: Sequence[str] = WORLD_DROP) -> list[dict[str, Any]]:
    """Return Natural Earth countries as light features with ``name`` and ``adm0_a3`` only.

    Countries are keyed by ADM0_A3, which every feature has (ISO_A3 is -99 for France, Norway,
    Kosovo and others). Codes in ``drop`` (Antarctica) are left out; repeated codes raise
    :class:`DataError`.
    """
    if not isinstance(collection, Mapping) or not isinstance(collection.get("features"), list):
        raise DataError("the file is not a GeoJSON FeatureCollection.")
    out = []
    codes: set[str] = set()
    for number, feature in enumerate(collection["features"], start=1):
        props = feature.get("properties") or {}
        code = str(props.get("ADM0_A3", "")).strip()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise DataError(f"feature {number} has no ADM0_A3 code ({code!r}).")
        if code in drop:
            continue
        if code in codes:
            raise DataError(f"ADM0_A3 {code} appears twice.")
        codes.add(code)
        shape = clean_geometry(feature["geometry"], decimals)
        if shape is None:
            continue
        out.append({
            "type": "Feature",
            "properties": {"name": str(props.get("NAME", "")).strip(), "adm0_a3": code},
            "geometry": shape,
        })
    return out


# ==========================================================================================
# Writing


def csv_bytes(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """Return rows as UTF-8 CSV bytes with '\\n' line ends; None becomes an empty cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return buffer.getvalue().encode("utf-8")


def geojson_bytes(features: Sequence[Mapping[str, Any]]) -> bytes:
    """Return a FeatureCollection as compact UTF-8 JSON, one feature per line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    return text.encode("utf-8")


def sha256(content: bytes) -> str:
    """Return the hex sha256 digest of some bytes."""
    return hashlib.sha256(content).hexdigest()


def toml_string(value: str) -> str:
    """Return a TOML basic string literal for ``value``."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    if any(ord(ch) < 32 for ch in escaped):
        raise UsageError(f"control character in manifest text {value!r}.")
    return f'"{escaped}"'


def manifest_text(outputs: Sequence[Output], input_hashes: Mapping[str, str]) -> str:
    """Return MANIFEST.toml: build command and, per derived file, provenance and checksums."""
    lines = [
        "# Provenance of the files in data/derived/, written by data/build/build_open_data.py.",
        "# Do not edit by hand: rebuild with the command below; tests re-hash every file.",
        f"build_command = {toml_string(BUILD_COMMAND)}",
        f"script = {toml_string(SCRIPT)}",
        "",
    ]
    for out in outputs:
        lines += [
            "[[file]]",
            f"path = {toml_string(out.file)}",
            f"table = {toml_string(out.table)}",
            f"dataset = {toml_string(out.dataset)}",
            f"version = {toml_string(out.version)}",
            f"source_id = {toml_string(out.source_id)}",
            f"licence = {toml_string(out.licence)}",
            f"attribution = {toml_string(out.attribution)}",
            f"count_of = {toml_string(out.count_of)}",
            f"count = {out.count}",
            f"sha256 = {toml_string(sha256(out.content))}",
            "notes = [" + ", ".join(toml_string(n) for n in out.notes) + "]",
            "inputs = [",
            *[f"  {{ file = {toml_string(name)}, sha256 = {toml_string(input_hashes[name])} }},"
              for name in out.inputs],
            "]",
            "",
        ]
    return "\n".join(lines)


# ==========================================================================================
# The build


def read_raw(raw: Path, name: str) -> bytes:
    """Return the bytes of one raw input, or raise :class:`DataError` saying which is missing."""
    path = raw / name
    if not path.is_file():
        raise DataError(f"the raw input is missing under {raw}; download it again (see "
                        "data/build/README.md).", file=name)
    return path.read_bytes()


def build(raw: Path) -> tuple[list[Output], dict[str, str]]:
    """Derive every output from the raw folder; return them with the sha256 of each input."""
    blobs = {role: read_raw(raw, name) for role, name in RAW_FILES.items()}
    hashes = {RAW_FILES[role]: sha256(blob) for role, blob in blobs.items()}
    texts = {role: blob.decode("utf-8-sig") for role, blob in blobs.items()
             if RAW_FILES[role].endswith(".csv")}
    outputs = [
        build_battle_deaths(texts["ucdp_subset"], texts["ucdp_full"]),
        build_refugees(texts["unhcr_population"]),
        build_economy(texts["wdi"]),
    ]
    provinces = build_provinces(json.loads(blobs["provinces"]))
    world = build_world(json.loads(blobs["world"]))
    world_codes = {f["properties"]["adm0_a3"] for f in json.loads(world.content)["features"]}
    refugee_rows = read_csv_text(outputs[1].content.decode("utf-8"), outputs[1].file)
    unknown = sorted({r["host_iso3"] for r in refugee_rows if r["host_iso3"]} - world_codes)
    if unknown:
        raise DataError(f"host codes {', '.join(unknown)} are not on the world map.",
                        file=outputs[1].file)
    return [*outputs, provinces, world], hashes


def build_battle_deaths(subset_text: str, full_text: str) -> Output:
    """Return the battle_deaths table, after checking the subset against the full file."""
    subset_name, full_name = RAW_FILES["ucdp_subset"], RAW_FILES["ucdp_full"]
    subset = read_csv_text(subset_text, subset_name)
    full = read_csv_text(full_text, full_name)
    required = ("dyad_id", "year", "location_inc", *UCDP_CHECK_COLUMNS)
    require_columns(subset, required, subset_name)
    require_columns(full, required, full_name)
    if {r["version"].strip() for r in subset} != {"24.1"}:
        raise DataError("expected version 24.1 in every row.", file=subset_name, column="version")
    check_subset(subset, afghanistan_dyad_years(full), subset_name)
    rows = aggregate_dyads(subset, CONFLICT_LABELS, "UCDP-BRD-24.1", subset_name)
    merged = sum(1 for r in rows if r["dyads"] > 1)
    return Output(
        file="derived/battle_deaths.csv", table="battle_deaths",
        content=csv_bytes(rows, BATTLE_COLUMNS), count=len(rows), count_of="rows",
        dataset="UCDP Battle-Related Deaths Dataset (dyad-year)", version="24.1",
        source_id="UCDP-BRD-24.1", licence="CC BY 4.0",
        attribution=("Davies, Pettersson & Öberg (2024), 'Organized violence 1989–2023', "
                     "Journal of Peace Research. UCDP Battle-Related Deaths Dataset version "
                     "24.1, Uppsala Conflict Data Program, Uppsala University."),
        inputs=(subset_name, full_name),
        notes=[f"{len(subset)} dyad-years in the Afghanistan subset, identical to the rows of "
               "the full file whose location_inc lists Afghanistan",
               f"summed to {len(rows)} conflict-years; {merged} of them combine several dyads",
               "conflicts located in other countries whose battles sometimes took place in "
               "Afghanistan are not included"],
    )


def build_refugees(text: str) -> Output:
    """Return the refugees table: main hosts plus 'Other countries', the partial year left out."""
    name = RAW_FILES["unhcr_population"]
    raw_rows = read_csv_text(text, name)
    require_columns(raw_rows, ("year", "coo_iso", "coa_iso", "coa_name", "refugees",
                               "asylum_seekers"), name)
    if {r["coo_iso"].strip() for r in raw_rows} != {"AFG"}:
        raise DataError("expected people of Afghan origin only (coo_iso AFG).", file=name)
    items = unhcr_host_years(raw_rows, name)
    newest = max(i["year"] for i in items)
    if newest != UNHCR_PARTIAL_YEAR:
        raise DataError(f"the newest year is {newest}, not {UNHCR_PARTIAL_YEAR}: check whether it "
                        "is complete and update UNHCR_PARTIAL_YEAR in the build script.", file=name)
    kept = [i for i in items if UNHCR_FIRST_YEAR <= i["year"] < UNHCR_PARTIAL_YEAR]
    hosts = main_hosts(kept, MAIN_HOST_MIN_SHARE)
    rows = aggregate_hosts(kept, hosts, HOST_SHORT_NAMES, "UNHCR-RPS")
    if yearly_totals(rows) != yearly_totals(kept):
        raise DataError("yearly totals changed in aggregation; this is a bug in the script.")
    return Output(
        file="derived/refugees.csv", table="refugees",
        content=csv_bytes(rows, REFUGEE_COLUMNS), count=len(rows), count_of="rows",
        dataset="UNHCR Refugee Population Statistics Database (refugees data package)",
        version="release 2025.12.1", source_id="UNHCR-RPS", licence="CC BY 4.0",
        attribution="UNHCR Refugee Population Statistics Database, https://www.unhcr.org/"
                    "refugee-statistics/ (release 2025.12.1), CC BY 4.0.",
        inputs=(name,),
        notes=[f"years {UNHCR_FIRST_YEAR} to {UNHCR_PARTIAL_YEAR - 1}; {UNHCR_PARTIAL_YEAR} left "
               "out as partial",
               f"main hosts (at least {MAIN_HOST_MIN_SHARE:.0%} of a year's refugees and "
               f"asylum-seekers in some year): {', '.join(hosts)}; all others summed per year",
               "yearly totals equal the raw file's"],
    )


def build_economy(text: str) -> Output:
    """Return the economy table: one row per year, 1960 to 2023."""
    name = RAW_FILES["wdi"]
    rows = economy_rows(tidy_wdi(read_csv_text(text, name), WDI_SERIES, name), "WB-WDI")
    if [r["year"] for r in rows] != list(range(WDI_FIRST_YEAR, WDI_LAST_YEAR + 1)):
        raise DataError(f"expected every year {WDI_FIRST_YEAR} to {WDI_LAST_YEAR}.", file=name)
    return Output(
        file="derived/economy.csv", table="economy",
        content=csv_bytes(rows, ECONOMY_COLUMNS), count=len(rows), count_of="rows",
        dataset="World Development Indicators", version="Afghanistan subset, 1960 to 2023",
        source_id="WB-WDI", licence="CC BY 4.0",
        attribution="World Bank, World Development Indicators, CC BY 4.0.",
        inputs=(name,),
        notes=["series " + ", ".join(f"{code} -> {col}" for code, col in WDI_SERIES.items()),
               "'..' in the raw file is an empty cell here; GDP per capita rounded to cents"],
    )


def build_provinces(topology: Mapping[str, Any]) -> Output:
    """Return the province map decoded from the geoBoundaries TopoJSON, slips fixed."""
    name = RAW_FILES["provinces"]
    try:
        features, fixes = province_features(topology)
    except DataError as exc:
        raise DataError(str(exc), file=name) from None
    if len(features) != PROVINCE_COUNT:
        raise DataError(f"expected {PROVINCE_COUNT} provinces, found {len(features)}.", file=name)
    return Output(
        file="derived/afghanistan_provinces.geojson", table="provinces",
        content=geojson_bytes(features), count=len(features), count_of="features",
        dataset="geoBoundaries (gbOpen) Afghanistan ADM1, simplified, boundary year 2007",
        version="build of 2022-10-27", source_id="GEOB-AFG-ADM1",
        licence="Public domain (source: Wikimedia)",
        attribution=("Boundaries from geoBoundaries: Runfola, D. et al. (2020) geoBoundaries: A "
                     "global database of political administrative boundaries. PLoS ONE 15(4): "
                     "e0231866."),
        inputs=(name,),
        notes=["TopoJSON arcs decoded to GeoJSON; coordinates rounded to "
               f"{PROVINCE_DECIMALS} decimals; rings closed, outer rings counter-clockwise",
               *[f"fixed {fix}" for fix in fixes]],
    )


def build_world(collection: Mapping[str, Any]) -> Output:
    """Return the light world map from Natural Earth 1:110m, Antarctica left out."""
    name = RAW_FILES["world"]
    try:
        features = world_features(collection)
    except DataError as exc:
        raise DataError(str(exc), file=name) from None
    return Output(
        file="derived/world_countries.geojson", table="world",
        content=geojson_bytes(features), count=len(features), count_of="features",
        dataset="Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries",
        version="as supplied (GeoJSON)", source_id="NE-110M", licence="Public domain",
        attribution="Made with Natural Earth. Free vector and raster map data @ "
                    "naturalearthdata.com.",
        inputs=(name,),
        notes=["properties name (NAME) and adm0_a3 (ADM0_A3) only; Antarctica left out",
               f"coordinates rounded to {WORLD_DECIMALS} decimals; rings closed, outer rings "
               "counter-clockwise"],
    )


def write_outputs(outputs: Sequence[Output], hashes: Mapping[str, str], target: Path) -> None:
    """Write every derived file and MANIFEST.toml into ``target`` (``data/``)."""
    for out in outputs:
        path = target / out.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.content)
    (target / "derived" / "MANIFEST.toml").write_bytes(
        manifest_text(outputs, hashes).encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, build every output, write it, and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", required=True, type=Path,
                        help="folder holding the raw downloads (ucdp/, unhcr/, worldbank/, ...)")
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        parser.error(f"--raw {args.raw} is not a folder")
    try:
        outputs, hashes = build(args.raw)
        write_outputs(outputs, hashes, data_dir())
    except DataError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    for out in outputs:
        print(f"{out.file}: {out.count} {out.count_of}, sha256 {sha256(out.content)[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
