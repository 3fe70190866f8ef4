"""Tests of the derived open-data files and of the pure functions of their build script.

The first half checks what is committed in ``data/derived/``: every file matches the row count
and sha256 in ``MANIFEST.toml``, the tables load through the helpers with the right types and
plausible values, and the two maps have the shapes, codes and closed rings the notebooks rely
on. The second half calls the build script's functions on small inline inputs (a hand-made
TopoJSON, a few WDI and UCDP rows), so it needs none of the raw downloads.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import (
    load_battle_deaths,
    load_economy,
    load_provinces,
    load_refugees,
    load_sources,
    load_world,
    split_ids,
)
from helpers.errors import DataError, UsageError
from helpers.paths import PROJECT_DIR, data_dir

SCRIPT = PROJECT_DIR / "data" / "build" / "build_open_data.py"
NEIGHBOURS = ("IRN", "PAK", "TKM", "UZB", "TJK", "CHN")
AFG_BOX = (60.0, 29.0, 75.5, 39.0)  # lon/lat box comfortably around Afghanistan


@pytest.fixture(scope="module")
def build() -> ModuleType:
    """The build script, imported as a module (it does no work at import time)."""
    spec = importlib.util.spec_from_file_location("build_open_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return tomllib.loads((data_dir() / "derived" / "MANIFEST.toml").read_text(encoding="utf-8"))


def rings(feature: dict[str, Any]) -> list[list[list[float]]]:
    geometry = feature["geometry"]
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    return [ring for polygon in polygons for ring in polygon]


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


# ============================================================================================
# The derived files and their manifest


def test_manifest_lists_every_derived_file(manifest: dict[str, Any]) -> None:
    listed = {entry["path"] for entry in manifest["file"]}
    on_disk = {f"derived/{p.name}" for p in (data_dir() / "derived").iterdir()
               if p.name != "MANIFEST.toml"}
    assert listed == on_disk
    assert len(listed) == 5


def test_every_file_matches_its_checksum_and_count(manifest: dict[str, Any]) -> None:
    for entry in manifest["file"]:
        content = (data_dir() / entry["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["path"]
        if entry["path"].endswith(".csv"):
            rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
            assert entry["count_of"] == "rows"
            assert len(rows) - 1 == entry["count"], entry["path"]
        else:
            assert entry["count_of"] == "features"
            assert len(json.loads(content)["features"]) == entry["count"], entry["path"]


def test_manifest_records_provenance(manifest: dict[str, Any], build: ModuleType) -> None:
    source_ids = set(load_sources()["id"])
    raw_names = set(build.RAW_FILES.values())
    assert manifest["build_command"] == build.BUILD_COMMAND
    assert "shared" not in manifest["build_command"]
    for entry in manifest["file"]:
        for field in ("dataset", "version", "licence", "attribution"):
            assert entry[field].strip(), (entry["path"], field)
        assert entry["source_id"] in source_ids
        assert entry["inputs"]
        for item in entry["inputs"]:
            assert item["file"] in raw_names
            assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
    licences = {e["source_id"]: e["licence"] for e in manifest["file"]}
    assert licences["UCDP-BRD-24.1"] == licences["UNHCR-RPS"] == licences["WB-WDI"] == "CC BY 4.0"
    attribution = {e["source_id"]: e["attribution"] for e in manifest["file"]}
    assert "Davies, Pettersson & Öberg (2024)" in attribution["UCDP-BRD-24.1"]
    assert "Runfola" in attribution["GEOB-AFG-ADM1"]
    assert "Made with Natural Earth" in attribution["NE-110M"]


def test_tables_cite_their_dataset() -> None:
    expected = {"UCDP-BRD-24.1": load_battle_deaths(), "UNHCR-RPS": load_refugees(),
                "WB-WDI": load_economy()}
    for source_id, frame in expected.items():
        assert {tuple(split_ids(v)) for v in frame["source_ids"]} == {(source_id,)}


# --------------------------------------------------------------------------------------------
# Tables


def test_battle_deaths_types_and_ranges() -> None:
    df = load_battle_deaths()
    for column in ("year", "conflict_id", "dyads", "deaths_low", "deaths_best", "deaths_high"):
        assert str(df[column].dtype) == "Int64", column
    assert not df[["deaths_low", "deaths_best", "deaths_high"]].isna().any().any()
    assert (df["deaths_low"] <= df["deaths_best"]).all()
    assert (df["deaths_best"] <= df["deaths_high"]).all()
    assert (df["deaths_low"] >= 0).all()
    assert df["year"].between(1989, 2023).all()
    assert set(df["year"]) == set(range(1989, 2024))  # conflict 333 is active every year
    assert not df.duplicated(["year", "conflict_id"]).any()
    assert set(df["conflict_id"]) == {333, 13637, 13692}
    assert (df["dyads"] >= 1).all()
    assert df.loc[df["conflict_id"] == 13692, "year"].tolist() == [2001]


def test_battle_deaths_keeps_the_dyad_totals() -> None:
    df = load_battle_deaths()
    # 78 dyad-years in the UCDP subset are summed into these rows
    assert int(df["dyads"].sum()) == 78
    row = df[(df["year"] == 2021) & (df["conflict_id"] == 333)].iloc[0]
    assert row["side_b"] == "Taleban; NRF" and row["dyads"] == 2


def test_refugees_types_and_totals() -> None:
    df = load_refugees()
    for column in ("year", "countries", "refugees", "asylum_seekers"):
        assert str(df[column].dtype) == "Int64", column
    assert df["year"].between(1979, 2024).all()
    assert set(df["year"]) == set(range(1979, 2025))
    assert 2025 not in set(df["year"])  # partial year left out, as the schema says
    assert not df.duplicated(["year", "host_country"]).any()
    assert (df[["refugees", "asylum_seekers"]] >= 0).all().all()
    other = df["host_country"] == "Other countries"
    assert df.loc[other, "host_iso3"].isna().all()
    assert df.loc[~other, "host_iso3"].notna().all()
    assert (df.loc[~other, "countries"] == 1).all()
    assert (df.loc[other, "countries"] >= 1).all()
    assert {"IRN", "PAK"} <= set(df["host_iso3"].dropna())


def test_refugee_hosts_join_the_world_map() -> None:
    codes = {f["properties"]["adm0_a3"] for f in load_world()["features"]}
    hosts = set(load_refugees()["host_iso3"].dropna())
    assert hosts
    assert hosts <= codes


def test_economy_types_and_years() -> None:
    df = load_economy()
    assert str(df["year"].dtype) == "Int64"
    assert str(df["population"].dtype) == "Int64"
    assert df["gdp_per_capita_usd"].dtype == "float64"
    assert df["gdp_per_capita_ppp"].dtype == "float64"
    assert df["year"].tolist() == list(range(1960, 2024))
    assert (df["population"] > 0).all()
    gdp = df["gdp_per_capita_usd"].dropna()
    assert len(gdp) > 0 and (gdp > 0).all()
    assert df.loc[df["year"] < 2000, "gdp_per_capita_usd"].isna().all()  # '..' in the WDI file


# --------------------------------------------------------------------------------------------
# Maps


def test_provinces_are_the_34_with_fixed_slips() -> None:
    features = load_provinces()["features"]
    assert len(features) == 34
    codes = [f["properties"]["iso_code"] for f in features]
    assert len(set(codes)) == 34
    assert all(re.fullmatch(r"AF-[A-Z]{3}", c) for c in codes)
    names = {f["properties"]["name"] for f in features}
    assert "Ghazni" in names and "Ghanzi" not in names
    assert "AF-KAN" in codes and "AF_KAN" not in codes
    by_code = {f["properties"]["iso_code"]: f["properties"]["name"] for f in features}
    assert by_code["AF-KAN"] == "Kandahar"
    assert by_code["AF-GHA"] == "Ghazni"
    assert by_code["AF-KAB"] == "Kabul"
    assert all(set(f["properties"]) == {"name", "iso_code", "shape_id"} for f in features)


def test_province_rings_are_closed_and_inside_afghanistan() -> None:
    min_x, min_y, max_x, max_y = AFG_BOX
    for feature in load_provinces()["features"]:
        for ring in rings(feature):
            assert len(ring) >= 4, feature["properties"]["name"]
            assert ring[0] == ring[-1], feature["properties"]["name"]
            for x, y in ring:
                assert min_x <= x <= max_x and min_y <= y <= max_y
                assert decimals(x) <= 4 and decimals(y) <= 4


def test_world_map_has_afghanistan_neighbours_and_minus_99_countries() -> None:
    features = load_world()["features"]
    codes = [f["properties"]["adm0_a3"] for f in features]
    assert len(set(codes)) == len(codes)
    assert {"AFG", *NEIGHBOURS, "FRA", "NOR"} <= set(codes)
    assert "ATA" not in codes
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    assert all(set(f["properties"]) == {"name", "adm0_a3"} for f in features)
    names = {f["properties"]["adm0_a3"]: f["properties"]["name"] for f in features}
    assert names["FRA"] == "France" and names["AFG"] == "Afghanistan"


def test_world_rings_are_closed_and_rounded() -> None:
    for feature in load_world()["features"]:
        for ring in rings(feature):
            assert len(ring) >= 4 and ring[0] == ring[-1], feature["properties"]["name"]
            for x, y in ring:
                assert -180 <= x <= 180 and -90 <= y <= 90
                assert decimals(x) <= 2 and decimals(y) <= 2


# ============================================================================================
# The build script's pure functions


def test_parse_wdi_value(build: ModuleType) -> None:
    assert build.parse_wdi_value("..") is None
    assert build.parse_wdi_value("") is None
    assert build.parse_wdi_value(" 174.93 ") == 174.93
    assert build.parse_wdi_value("9035043") == 9035043.0
    for bad in ("abc", "<b>1</b>", "1e400", "nan", "1,5"):
        with pytest.raises(DataError, match="WDI cell"):
            build.parse_wdi_value(bad)
    with pytest.raises(UsageError):
        build.parse_wdi_value(12)
    with pytest.raises(DataError):
        build.parse_wdi_value("9" * 5000)


def test_parse_int(build: ModuleType) -> None:
    assert build.parse_int("1979.0", "x") == 1979
    assert build.parse_int("400000", "x") == 400000
    with pytest.raises(DataError, match=r"not a whole number.*row 3"):
        build.parse_int("1.5", "row 3")
    with pytest.raises(DataError, match="not a number"):
        build.parse_int("", "x")


WDI_TEXT = """\
Country Name,Country Code,Series Name,Series Code,2000 [YR2000],2001 [YR2001],2002 [YR2002]
Afghanistan,AFG,GDP per capita,NY.GDP.PCAP.CD,174.930991430166,..,178.954
Afghanistan,AFG,"GDP per capita, PPP",NY.GDP.PCAP.PP.CD,..,..,926.5149
Afghanistan,AFG,"Population, total",SP.POP.TOTL,20130327,20284307,21378117
Afghanistan,AFG,Something else,XX.OTHER,1,2,3

,,,,,,
Data from database: World Development Indicators,,,,,,
"""


def test_tidy_wdi_turns_wide_into_years(build: ModuleType) -> None:
    rows = build.read_csv_text(WDI_TEXT, "wdi.csv")
    by_year = build.tidy_wdi(rows, build.WDI_SERIES, "wdi.csv")
    assert list(by_year) == [2000, 2001, 2002]
    assert by_year[2001] == {"gdp_per_capita_usd": None, "gdp_per_capita_ppp": None,
                             "population": 20284307.0}
    out = build.economy_rows(by_year, "WB-WDI")
    assert out[0] == {"year": 2000, "gdp_per_capita_usd": "174.93", "gdp_per_capita_ppp": "",
                      "population": 20130327, "source_ids": "WB-WDI"}
    assert out[2]["gdp_per_capita_ppp"] == "926.51"


def test_tidy_wdi_refuses_bad_files(build: ModuleType) -> None:
    rows = build.read_csv_text(WDI_TEXT, "wdi.csv")
    with pytest.raises(DataError, match=r"series NO\.SUCH not found"):
        build.tidy_wdi(rows, {"NO.SUCH": "x"}, "wdi.csv")
    with pytest.raises(DataError, match="appears twice"):
        build.tidy_wdi(rows + rows[:1], build.WDI_SERIES, "wdi.csv")
    with pytest.raises(DataError, match="no year columns"):
        build.tidy_wdi([{"Series Code": "SP.POP.TOTL", "1960": "1"}], build.WDI_SERIES)
    with pytest.raises(DataError, match="no data rows"):
        build.tidy_wdi([], build.WDI_SERIES)
    with pytest.raises(DataError, match="whole number"):
        build.economy_rows({2000: {"gdp_per_capita_usd": None, "gdp_per_capita_ppp": None,
                                   "population": 1.5}}, "WB-WDI")


def test_read_csv_text_refuses_ragged_and_empty(build: ModuleType) -> None:
    with pytest.raises(DataError, match=r"raw\.csv.*3 fields but the header has 2"):
        build.read_csv_text("a,b\n1,2,3\n", "raw.csv")
    with pytest.raises(DataError, match="empty"):
        build.read_csv_text("", "raw.csv")


# --------------------------------------------------------------------------------------------
# TopoJSON

#: Two unit squares side by side, sharing the edge x=1, quantised with scale 0.5 and delta-coded.
#: Arc 0: (1,0) -> (1,1), the shared edge; arc 1: (1,1) -> (0,1) -> (0,0) -> (1,0);
#: arc 2: (1,0) -> (2,0) -> (2,1) -> (1,1).
TOPOLOGY: dict[str, Any] = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [60.0, 30.0]},
    "arcs": [
        [[2, 0], [0, 2]],
        [[2, 2], [-2, 0], [0, -2], [2, 0]],
        [[2, 0], [2, 0], [0, 2], [-2, 0]],
    ],
    "objects": {"provinces": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]],
         "properties": {"shapeName": "Ghanzi", "shapeISO": "AF-GHA", "shapeID": "S1"}},
        {"type": "Polygon", "arcs": [[2, -1]],
         "properties": {"shapeName": "Kandahar", "shapeISO": "AF_KAN", "shapeID": "S2"}},
    ]}},
}


def test_decode_arcs_undoes_quantisation_and_deltas(build: ModuleType) -> None:
    arcs = build.decode_arcs(TOPOLOGY)
    assert arcs[0] == [(61.0, 30.0), (61.0, 31.0)]
    assert arcs[1] == [(61.0, 31.0), (60.0, 31.0), (60.0, 30.0), (61.0, 30.0)]
    plain = build.decode_arcs({"arcs": [[[1, 2], [3, 4]]]})
    assert plain == [[(1.0, 2.0), (3.0, 4.0)]]


def test_stitch_ring_reverses_negative_arcs(build: ModuleType) -> None:
    arcs = build.decode_arcs(TOPOLOGY)
    ring = build.stitch_ring([2, -1], arcs)  # ~0 == -1: arc 0 backwards
    assert ring == [(61.0, 30.0), (62.0, 30.0), (62.0, 31.0), (61.0, 31.0), (61.0, 30.0)]
    with pytest.raises(DataError, match="points past"):
        build.stitch_ring([7], arcs)
    with pytest.raises(DataError, match="not a whole number"):
        build.stitch_ring(["0"], arcs)


def test_province_features_fix_slips_and_close_rings(build: ModuleType) -> None:
    features, fixes = build.province_features(TOPOLOGY)
    assert [f["properties"]["name"] for f in features] == ["Ghazni", "Kandahar"]
    assert [f["properties"]["iso_code"] for f in features] == ["AF-GHA", "AF-KAN"]
    assert fixes == ["name Ghanzi -> Ghazni", "iso_code AF_KAN -> AF-KAN"]
    for feature in features:
        (ring,) = feature["geometry"]["coordinates"]
        assert ring[0] == ring[-1] and len(ring) == 5
        assert build.signed_area(ring) > 0  # outer ring counter-clockwise
    assert features[0]["geometry"]["coordinates"] == [
        [[61.0, 30.0], [61.0, 31.0], [60.0, 31.0], [60.0, 30.0], [61.0, 30.0]]]
    assert features[1]["geometry"]["coordinates"] == [
        [[61.0, 30.0], [62.0, 30.0], [62.0, 31.0], [61.0, 31.0], [61.0, 30.0]]]


def test_province_features_refuse_bad_topologies(build: ModuleType) -> None:
    with pytest.raises(DataError, match="not a TopoJSON"):
        build.province_features({"type": "FeatureCollection"})
    with pytest.raises(DataError, match="not a TopoJSON"):
        build.province_features("<html>not json</html>")
    twice = json.loads(json.dumps(TOPOLOGY))
    twice["objects"]["provinces"]["geometries"][1]["properties"]["shapeISO"] = "AF-GHA"
    with pytest.raises(DataError, match="AF-GHA appears twice"):
        build.province_features(twice)
    bad_code = json.loads(json.dumps(TOPOLOGY))
    bad_code["objects"]["provinces"]["geometries"][0]["properties"]["shapeISO"] = "Ghazni"
    with pytest.raises(DataError, match="not a province code"):
        build.province_features(bad_code)
    point = json.loads(json.dumps(TOPOLOGY))
    point["objects"]["provinces"]["geometries"][0]["type"] = "Point"
    with pytest.raises(DataError, match="not supported"):
        build.province_features(point)
    broken = json.loads(json.dumps(TOPOLOGY))
    broken["arcs"][0] = [[2, 0], "x"]
    with pytest.raises(DataError, match="arc 0"):
        build.province_features(broken)


def test_clean_ring_rounds_orients_and_drops_slivers(build: ModuleType) -> None:
    clockwise = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    ring = build.clean_ring(clockwise, 2, outer=True)
    assert ring[0] == ring[-1] and build.signed_area(ring) > 0
    hole = build.clean_ring(list(reversed(clockwise)), 2, outer=False)
    assert build.signed_area(hole) < 0
    sliver = [(0.0, 0.0), (0.001, 0.0), (0.001, 0.001), (0.0, 0.0)]
    assert build.clean_ring(sliver, 2, outer=True) is None
    assert build.clean_ring([(-0.001, 0.0), (1, 0), (1, 1)], 2, outer=True)[0] == [0.0, 0.0]
    assert repr(build.clean_ring([(-0.001, 0.0), (1, 0), (1, 1)], 2, outer=True)[0][0]) == "0.0"


def test_clean_geometry_drops_vanished_parts(build: ModuleType) -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    tiny = [[5, 5], [5.001, 5], [5.001, 5.001], [5, 5]]
    multi = {"type": "MultiPolygon", "coordinates": [[square], [tiny]]}
    assert build.clean_geometry(multi, 2) == {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert build.clean_geometry({"type": "Polygon", "coordinates": [tiny]}, 2) is None
    with pytest.raises(DataError, match="not supported"):
        build.clean_geometry({"type": "LineString", "coordinates": []}, 2)


def test_world_features_keys_on_adm0_a3(build: ModuleType) -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    collection = {"type": "FeatureCollection", "features": [
        {"properties": {"NAME": "France", "ADM0_A3": "FRA", "ISO_A3": "-99"}, "geometry": square},
        {"properties": {"NAME": "Antarctica", "ADM0_A3": "ATA", "ISO_A3": "ATA"},
         "geometry": square},
    ]}
    out = build.world_features(collection)
    assert [f["properties"] for f in out] == [{"name": "France", "adm0_a3": "FRA"}]
    collection["features"].append(collection["features"][0])
    with pytest.raises(DataError, match="FRA appears twice"):
        build.world_features(collection)
    with pytest.raises(DataError, match="no ADM0_A3"):
        build.world_features({"features": [{"properties": {"ADM0_A3": -99},
                                            "geometry": square}]})
    with pytest.raises(DataError, match="not a GeoJSON"):
        build.world_features({"features": "none"})


# --------------------------------------------------------------------------------------------
# UCDP

UCDP_HEADER = ["conflict_id", "dyad_id", "location_inc", "side_a", "side_b", "incompatibility",
               "year", "bd_best", "bd_low", "bd_high", "type_of_conflict", "version"]


def ucdp(*rows: tuple[Any, ...]) -> list[dict[str, str]]:
    return [dict(zip(UCDP_HEADER, map(str, row), strict=True)) for row in rows]


UCDP_ROWS = ucdp(
    (333, 735, "Afghanistan", "Government of Afghanistan", "Taleban", 2, 2021, 100, 90, 120, 4,
     24.1),
    (333, 16825, "Afghanistan", "Government of Afghanistan", "NRF", 2, 2021, 10, 5, 20, 3, 24.1),
    (333, 735, "Afghanistan", "Government of Afghanistan", "Taleban", 2, 2020, 50, 50, 50, 4,
     24.1),
    (13692, 11199, "Afghanistan, United Kingdom", "Government of Afghanistan",
     "Government of United Kingdom, Government of United States of America", 2, 2001, 7, 6, 9,
     2, 24.1),
)


def test_aggregate_dyads_sums_to_conflict_years(build: ModuleType) -> None:
    out = build.aggregate_dyads(UCDP_ROWS, build.CONFLICT_LABELS, "UCDP-BRD-24.1")
    assert [(r["year"], r["conflict_id"]) for r in out] == [(2001, 13692), (2020, 333),
                                                             (2021, 333)]
    row = out[2]
    assert (row["deaths_low"], row["deaths_best"], row["deaths_high"]) == (95, 110, 140)
    assert row["side_b"] == "Taleban; NRF"  # in dyad-id order
    assert row["dyads"] == 2
    assert row["conflict_type"] == "internationalized intrastate; intrastate"
    assert out[0]["conflict_type"] == "interstate"


def test_aggregate_dyads_refuses_bad_rows(build: ModuleType) -> None:
    labels = build.CONFLICT_LABELS
    swapped = ucdp((333, 735, "Afghanistan", "G", "T", 2, 2021, 100, 120, 90, 4, 24.1))
    with pytest.raises(DataError, match="out of order"):
        build.aggregate_dyads(swapped, labels, "X")
    unknown = ucdp((999, 1, "Afghanistan", "G", "T", 2, 2021, 1, 1, 1, 4, 24.1))
    with pytest.raises(DataError, match="conflict 999 has no label"):
        build.aggregate_dyads(unknown, labels, "X")
    early = ucdp((333, 735, "Afghanistan", "G", "T", 2, 1979, 1, 1, 1, 4, 24.1))
    with pytest.raises(DataError, match="outside 1989"):
        build.aggregate_dyads(early, labels, "X")
    odd_type = ucdp((333, 735, "Afghanistan", "G", "T", 2, 2021, 1, 1, 1, 9, 24.1))
    with pytest.raises(DataError, match="type_of_conflict"):
        build.aggregate_dyads(odd_type, labels, "X")


def test_check_subset_against_full_file(build: ModuleType) -> None:
    elsewhere = ucdp((404, 857, "Pakistan", "Government of Pakistan", "TTP", 2, 2021, 1, 1, 1,
                      3, 24.1))
    full = build.afghanistan_dyad_years(UCDP_ROWS + elsewhere)
    assert len(full) == len(UCDP_ROWS)
    build.check_subset(UCDP_ROWS, full, "subset.csv")
    changed = [dict(r) for r in UCDP_ROWS]
    changed[0]["bd_best"] = "101"
    with pytest.raises(DataError, match=r"dyad 735, year 2021.*'101'"):
        build.check_subset(changed, full, "subset.csv")
    with pytest.raises(DataError, match="only in the full file"):
        build.check_subset(UCDP_ROWS[1:], full, "subset.csv")
    with pytest.raises(DataError, match="repeats"):
        build.check_subset(UCDP_ROWS + UCDP_ROWS[:1], full, "subset.csv")


# --------------------------------------------------------------------------------------------
# UNHCR

def unhcr(year: float, iso: str, name: str, refugees: float, asylum: float) -> dict[str, str]:
    return {"year": str(year), "coa_iso": iso, "coa_name": name, "refugees": str(refugees),
            "asylum_seekers": str(asylum)}


UNHCR_ROWS = [
    unhcr(2020.0, "PAK", "Pakistan", 900.0, 0.0),
    unhcr(2020.0, "IRN", "Iran (Islamic Rep. of)", 80.0, 0.0),
    unhcr(2020.0, "ITA", "Italy", 5.0, 3.0),
    unhcr(2020.0, "CAN", "Canada", 2.0, 1.0),
    unhcr(2020.0, "AFG", "Afghanistan", 0.0, 0.0),
    unhcr(2021.0, "PAK", "Pakistan", 950.0, 10.0),
    unhcr(2021.0, "DEU", "Germany", 40.0, 5.0),
]


def test_unhcr_rows_and_main_hosts(build: ModuleType) -> None:
    items = build.unhcr_host_years(UNHCR_ROWS, "unhcr.csv")
    assert len(items) == 6  # Afghanistan itself, hosting no refugees, is left out
    assert items[0] == {"year": 2020, "host_iso3": "PAK", "host_name": "Pakistan",
                        "refugees": 900, "asylum_seekers": 0}
    assert build.main_hosts(items, 0.04) == ["DEU", "IRN", "PAK"]
    assert build.main_hosts(items, 0.5) == ["PAK"]
    with pytest.raises(UsageError):
        build.main_hosts(items, 0)


def test_unhcr_rows_refuse_bad_values(build: ModuleType) -> None:
    with pytest.raises(DataError, match="hosting Afghan refugees"):
        build.unhcr_host_years([unhcr(2020, "AFG", "Afghanistan", 5, 0)], "u.csv")
    with pytest.raises(DataError, match="not an ISO3 code"):
        build.unhcr_host_years([unhcr(2020, "-99", "X", 5, 0)], "u.csv")
    with pytest.raises(DataError, match="negative"):
        build.unhcr_host_years([unhcr(2020, "PAK", "Pakistan", -5, 0)], "u.csv")
    with pytest.raises(DataError, match=r"u\.csv, line 2, refugees"):
        build.unhcr_host_years([unhcr(2020, "PAK", "Pakistan", "many", 0)], "u.csv")


def test_aggregate_hosts_keeps_yearly_totals(build: ModuleType) -> None:
    items = build.unhcr_host_years(UNHCR_ROWS, "unhcr.csv")
    out = build.aggregate_hosts(items, ["IRN", "PAK"], {"IRN": "Iran"}, "UNHCR-RPS")
    assert [(r["year"], r["host_country"], r["countries"]) for r in out] == [
        (2020, "Iran", 1), (2020, "Pakistan", 1), (2020, "Other countries", 2),
        (2021, "Pakistan", 1), (2021, "Other countries", 1)]
    other_2020 = out[2]
    assert (other_2020["refugees"], other_2020["asylum_seekers"]) == (7, 4)
    assert other_2020["host_iso3"] == ""
    assert build.yearly_totals(out) == build.yearly_totals(items) == {
        2020: (987, 4), 2021: (990, 15)}
    with pytest.raises(DataError, match="PAK appears twice in 2020"):
        build.aggregate_hosts(items + items[:1], ["PAK"], {}, "UNHCR-RPS")


host_items = st.lists(
    st.fixed_dictionaries({
        "year": st.integers(1979, 1985),
        "host_iso3": st.sampled_from(["PAK", "IRN", "DEU", "FRA", "ITA", "CAN"]),
        "host_name": st.just("x"),
        "refugees": st.integers(0, 10**7),
        "asylum_seekers": st.integers(0, 10**6),
    }),
    max_size=30,
    unique_by=lambda d: (d["year"], d["host_iso3"]),
)


@settings(max_examples=60, deadline=None)
@given(items=host_items, share=st.floats(0.001, 1.0))
def test_aggregation_never_loses_people(build: ModuleType, items: list[dict[str, Any]],
                                        share: float) -> None:
    out = build.aggregate_hosts(items, build.main_hosts(items, share), {}, "UNHCR-RPS")
    assert build.yearly_totals(out) == build.yearly_totals(items)
    assert sum(r["countries"] for r in out) == len(items)


# --------------------------------------------------------------------------------------------
# Writing


def test_csv_and_geojson_bytes_are_deterministic(build: ModuleType) -> None:
    rows = [{"a": 1, "b": "x, y"}, {"a": None, "b": 'say "hi"'}]
    assert build.csv_bytes(rows, ["a", "b"]) == b'a,b\n1,"x, y"\n,"say ""hi"""\n'
    features = [{"type": "Feature", "properties": {"name": "Türkiye"},
                 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1],
                                                                  [0, 0]]]}}]
    first = build.geojson_bytes(features)
    assert first == build.geojson_bytes(features)
    assert json.loads(first)["features"] == features
    assert "Türkiye".encode() in first


def test_manifest_text_is_valid_toml(build: ModuleType) -> None:
    out = build.Output(file="derived/x.csv", table="x", content=b"a\n1\n", count=1,
                       count_of="rows", dataset='A "quoted" set', version="1",
                       source_id="WB-WDI", licence="CC BY 4.0", attribution="C:\\path\tand tab",
                       inputs=("raw/x.csv",), notes=["one", "two"])
    text = build.manifest_text([out], {"raw/x.csv": "0" * 64})
    parsed = tomllib.loads(text)
    (entry,) = parsed["file"]
    assert entry["dataset"] == 'A "quoted" set'
    assert entry["attribution"] == "C:\\path\tand tab"
    assert entry["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    assert entry["inputs"] == [{"file": "raw/x.csv", "sha256": "0" * 64}]
    with pytest.raises(UsageError):
        build.toml_string("bell\x07")


def test_write_outputs_writes_files_and_manifest(build: ModuleType, tmp_path: Path) -> None:
    out = build.Output(file="derived/x.csv", table="x", content=b"a\n1\n", count=1,
                       count_of="rows", dataset="D", version="1", source_id="WB-WDI",
                       licence="CC BY 4.0", attribution="A", inputs=("raw/x.csv",))
    build.write_outputs([out], {"raw/x.csv": "f" * 64}, tmp_path)
    assert (tmp_path / "derived" / "x.csv").read_bytes() == b"a\n1\n"
    manifest = tomllib.loads((tmp_path / "derived" / "MANIFEST.toml").read_text("utf-8"))
    assert manifest["file"][0]["count"] == 1


def test_main_reports_a_missing_raw_file(build: ModuleType, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in (data_dir() / "derived").iterdir()}
    assert build.main(["--raw", str(tmp_path)]) == 1
    assert "ucdp/afg_ucdp_brd_v24_1_subset.csv" in capsys.readouterr().err
    after = {p.name: p.stat().st_mtime_ns for p in (data_dir() / "derived").iterdir()}
    assert before == after  # nothing written when the build fails
    with pytest.raises(SystemExit):
        build.main([])
    with pytest.raises(SystemExit):
        build.main(["--raw", str(tmp_path / "nowhere")])


def test_build_script_names_no_machine_paths() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert "/work/" not in text and "../" + "shared" not in text
    manifest = (data_dir() / "derived" / "MANIFEST.toml").read_text(encoding="utf-8")
    assert "/work/" not in manifest

