"""Tests of helpers.maps: categorical and numeric maps, framing, and every kind of bad input.

Most tests draw a tiny inline FeatureCollection of three shapes (a square drawn clockwise, a
square with a hole, and a two-part MultiPolygon), so the results can be checked exactly; two
draw the project's own province and world maps to check the codes join.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from helpers import figure_png, load_provinces, load_refugees, load_world, new_figure
from helpers.errors import DataError, UsageError
from helpers.maps import (
    HATCHES,
    MISSING_COLOR,
    bounding_box,
    draw_geojson,
    zoom_to,
)
from helpers.plots import COLOR_CYCLE, PALETTE

TINY: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"adm0_a3": "AAA", "name": "Clockwise"},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]]}},
        {"type": "Feature", "properties": {"adm0_a3": "BBB", "name": "Holed"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[3, 0], [7, 0], [7, 4], [3, 4], [3, 0]],
             [[4, 1], [6, 1], [6, 3], [4, 3], [4, 1]]]}},
        {"type": "Feature", "properties": {"adm0_a3": "CCC", "name": "Two parts"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[0, 5], [1, 5], [1, 6], [0, 5]]],
             [[[8, 8], [10, 8], [10, 10], [8, 10], [8, 8]]]]}},
    ],
}


def axes() -> Any:
    return Figure().subplots()


def collections(ax: Any) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def face(collection: PathCollection) -> str:
    return to_hex(collection.get_facecolor()[0])


def ring_areas(path: Any) -> list[float]:
    """Signed areas of the rings of a compound path (positive = counter-clockwise)."""
    areas = []
    for polygon in path.to_polygons(closed_only=True):
        x, y = polygon[:, 0], polygon[:, 1]
        areas.append(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2)
    return areas


# --------------------------------------------------------------------------------------------
# Drawing


def test_base_map_draws_every_shape_plain() -> None:
    ax = axes()
    assert draw_geojson(ax, TINY) == []
    (only,) = collections(ax)
    assert len(only.get_paths()) == 3
    assert face(only) == MISSING_COLOR
    assert not ax.axison
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < 0 and x1 > 10 and y0 < 0 and y1 > 10


def test_paths_orient_outer_rings_and_holes_oppositely() -> None:
    ax = axes()
    draw_geojson(ax, TINY)
    clockwise, holed, two_parts = collections(ax)[0].get_paths()
    assert ring_areas(clockwise) == [4.0]  # drawn clockwise in the data, turned round
    assert ring_areas(holed) == [16.0, -4.0]  # the hole runs the other way, so it stays empty
    assert ring_areas(two_parts) == [0.5, 4.0]


def test_holes_render_empty() -> None:
    fig = Figure(figsize=(4, 4), dpi=50)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_geojson(ax, TINY, {"AAA": 1.0, "BBB": 1.0, "CCC": 1.0})
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())

    def pixel(x: float, y: float) -> str:
        px, py = ax.transData.transform((x, y))
        return to_hex(image[int(image.shape[0] - py), int(px)] / 255)

    fill = to_hex(colormaps["viridis"](0.0))
    assert pixel(3.5, 2) == fill  # inside the outer ring
    assert pixel(5, 2) == "#ffffff"  # inside the hole (the hole in the data runs the same way)
    assert pixel(1, 1) == fill


def test_categorical_map_gives_colour_and_hatch_per_category() -> None:
    ax = axes()
    handles = draw_geojson(ax, TINY, {"AAA": "recognises", "BBB": "engages"})
    assert [h.get_label() for h in handles] == ["engages", "recognises", "No data"]
    hatches = [h.get_hatch() for h in handles[:2]]
    assert all(hatches) and len(set(hatches)) == 2
    assert to_hex(handles[0].get_facecolor()) == COLOR_CYCLE[0].lower()
    assert to_hex(handles[1].get_facecolor()) == COLOR_CYCLE[1].lower()
    assert handles[2].get_hatch() in (None, "")
    drawn = collections(ax)
    assert [len(c.get_paths()) for c in drawn] == [1, 1, 1]
    assert [c.get_hatch() for c in drawn[:2]] == hatches
    assert face(drawn[2]) == MISSING_COLOR


def test_categorical_map_takes_order_colours_and_hatches() -> None:
    ax = axes()
    handles = draw_geojson(
        ax, TINY, {"AAA": "yes", "BBB": "no", "CCC": "yes"}, categories=["yes", "no", "unsure"],
        colors={"yes": PALETTE["green"], "no": PALETTE["vermillion"], "unsure": "#999999"},
        hatches=["..", "xx", "--"])
    assert [h.get_label() for h in handles] == ["yes", "no", "unsure"]  # nothing missing
    assert [h.get_hatch() for h in handles] == ["..", "xx", "--"]
    assert to_hex(handles[0].get_facecolor()) == PALETTE["green"].lower()
    yes = collections(ax)[0]
    assert len(yes.get_paths()) == 2 and face(yes) == PALETTE["green"].lower()


def test_default_hatches_cover_default_colours() -> None:
    assert len(HATCHES) == len(COLOR_CYCLE) == len(set(HATCHES))
    assert all(HATCHES)


def test_numeric_map_colours_by_value_with_colorbar() -> None:
    fig, ax = new_figure()
    handles = draw_geojson(ax, TINY, {"AAA": 1, "BBB": 2.5, "CCC": 10}, cmap="cividis",
                           colorbar=True, colorbar_label="People")
    assert handles == []
    (drawn,) = collections(ax)
    assert drawn.get_array().tolist() == [1.0, 2.5, 10.0]
    assert drawn.get_cmap().name == "cividis"
    assert (drawn.norm.vmin, drawn.norm.vmax) == (1.0, 10.0)
    assert len(fig.axes) == 2  # the colour bar has its own axes
    assert fig.axes[1].get_ylabel() == "People"
    assert figure_png(fig).startswith(b"\x89PNG")


def test_numeric_map_accepts_a_series_and_marks_missing() -> None:
    ax = axes()
    values = pd.Series({"AAA": 3.0, "BBB": float("nan"), "CCC": pd.NA}, dtype="Float64")
    handles = draw_geojson(ax, TINY, values, vmin=0, vmax=5, missing_label="Not reported")
    assert [h.get_label() for h in handles] == ["Not reported"]
    numeric, missing = collections(ax)
    assert numeric.get_array().tolist() == [3.0]
    assert (numeric.norm.vmin, numeric.norm.vmax) == (0, 5)
    assert len(missing.get_paths()) == 2
    assert len(ax.figure.axes) == 1  # no colour bar unless asked


def test_key_is_found_or_given() -> None:
    provinces_like = copy.deepcopy(TINY)
    for feature in provinces_like["features"]:
        feature["properties"] = {"iso_code": "AF-" + feature["properties"]["adm0_a3"]}
    handles = draw_geojson(axes(), provinces_like, {"AF-AAA": "a"})
    assert [h.get_label() for h in handles] == ["a", "No data"]
    by_name = draw_geojson(axes(), TINY, {"Holed": 1}, key="name")
    assert [h.get_label() for h in by_name] == ["No data"]


def test_unknown_codes_are_an_error_unless_ignored() -> None:
    with pytest.raises(DataError, match=r"1 code\(s\) in values are not on the map.*ZZZ"):
        draw_geojson(axes(), TINY, {"AAA": 1, "ZZZ": 2})
    handles = draw_geojson(axes(), TINY, {"AAA": 1, "ZZZ": 2}, ignore_unknown=True)
    assert [h.get_label() for h in handles] == ["No data"]


# --------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("bad", ["<html><body>map</body></html>", None, 42, ["AAA"],
                                 pd.DataFrame({"a": [1]})])
def test_wrong_kind_of_geojson(bad: object) -> None:
    with pytest.raises(UsageError, match="GeoJSON FeatureCollection as a dict"):
        draw_geojson(axes(), bad)


def test_malformed_geojson() -> None:
    with pytest.raises(DataError, match="no features"):
        draw_geojson(axes(), {"type": "FeatureCollection", "features": []})
    with pytest.raises(DataError, match="not a GeoJSON FeatureCollection"):
        draw_geojson(axes(), {"type": "Feature", "features": []})
    point = copy.deepcopy(TINY)
    point["features"][1]["geometry"] = {"type": "Point", "coordinates": [0, 0]}
    with pytest.raises(DataError, match="feature 2 of the map has no Polygon"):
        draw_geojson(axes(), point)
    short = copy.deepcopy(TINY)
    short["features"][0]["geometry"]["coordinates"] = [[[0, 0], [1, 1]]]
    with pytest.raises(DataError, match="fewer than three"):
        draw_geojson(axes(), short)
    text = copy.deepcopy(TINY)
    text["features"][0]["geometry"]["coordinates"] = [[["a", "b"], [1, 1], [2, 2]]]
    with pytest.raises(DataError, match="longitude, latitude"):
        draw_geojson(axes(), text)
    no_props = copy.deepcopy(TINY)
    no_props["features"][2]["properties"] = None
    with pytest.raises(DataError, match="feature 3 of the map has no properties"):
        draw_geojson(axes(), no_props)


def test_bad_keys() -> None:
    with pytest.raises(DataError, match="feature 1 of the map has no property 'iso_code'"):
        draw_geojson(axes(), TINY, key="iso_code")
    with pytest.raises(UsageError, match="key is the name of a property"):
        draw_geojson(axes(), TINY, key=3)
    anonymous = copy.deepcopy(TINY)
    for feature in anonymous["features"]:
        feature["properties"] = {"label": "x"}
    with pytest.raises(UsageError, match=r"key=\.\.\..*label"):
        draw_geojson(axes(), anonymous)


def test_bad_axes_and_values() -> None:
    with pytest.raises(UsageError, match="matplotlib axes first"):
        draw_geojson(Figure(), TINY)
    with pytest.raises(UsageError, match="dict or a pandas"):
        draw_geojson(axes(), TINY, [("AAA", 1)])
    with pytest.raises(UsageError, match="codes in values are text"):
        draw_geojson(axes(), TINY, {1: "a"})
    with pytest.raises(UsageError, match="mix text and numbers"):
        draw_geojson(axes(), TINY, {"AAA": "a", "BBB": 2})
    with pytest.raises(UsageError, match="bool"):
        draw_geojson(axes(), TINY, {"AAA": True})
    with pytest.raises(UsageError, match="list"):
        draw_geojson(axes(), TINY, {"AAA": [1, 2]})
    with pytest.raises(DataError, match="not a finite number"):
        draw_geojson(axes(), TINY, {"AAA": math.inf})
    with pytest.raises(DataError, match="not among the categories"):
        draw_geojson(axes(), TINY, {"AAA": "maybe"}, categories=["yes", "no"])


def test_bad_styling_options() -> None:
    many = [f"c{i}" for i in range(9)]
    with pytest.raises(UsageError, match="9 categories but only 8"):
        draw_geojson(axes(), TINY, {"AAA": "c0"}, categories=many)
    with pytest.raises(UsageError, match="not a colour"):
        draw_geojson(axes(), TINY, {"AAA": "x"}, colors=["notacolour"])
    with pytest.raises(UsageError, match="2 entries for 1"):
        draw_geojson(axes(), TINY, {"AAA": "x"}, hatches=["//", ".."])
    with pytest.raises(UsageError, match="no entry for 'x'"):
        draw_geojson(axes(), TINY, {"AAA": "x"}, colors={"y": "red"})
    with pytest.raises(UsageError, match="repeats"):
        draw_geojson(axes(), TINY, {"AAA": "x"}, categories=["x", "x"])
    with pytest.raises(UsageError, match="categories, colors and hatches are for text"):
        draw_geojson(axes(), TINY, {"AAA": 1}, categories=["x"])
    with pytest.raises(UsageError, match="not a matplotlib colormap"):
        draw_geojson(axes(), TINY, {"AAA": 1}, cmap="rainbowish")
    with pytest.raises(UsageError, match="vmin"):
        draw_geojson(axes(), TINY, {"AAA": 1}, vmin=5, vmax=1)
    with pytest.raises(UsageError, match="edgecolor"):
        draw_geojson(axes(), TINY, edgecolor="<b>")


# --------------------------------------------------------------------------------------------
# Framing


def test_bounding_box_of_codes() -> None:
    assert bounding_box(TINY, ["AAA", "BBB"], pad=0) == (0.0, 0.0, 7.0, 4.0)
    assert bounding_box(TINY, ("CCC",), pad=0.1) == pytest.approx((-1.0, 4.5, 11.0, 10.5))
    assert bounding_box(TINY, ["Holed"], key="name", pad=0) == (3.0, 0.0, 7.0, 4.0)


def test_bounding_box_bad_input() -> None:
    with pytest.raises(DataError, match="ZZZ are not on the map"):
        bounding_box(TINY, ["AAA", "ZZZ"])
    with pytest.raises(UsageError, match="empty"):
        bounding_box(TINY, [])
    with pytest.raises(UsageError, match="list of codes"):
        bounding_box(TINY, "AAA")
    with pytest.raises(UsageError, match="every code is text"):
        bounding_box(TINY, [1])
    with pytest.raises(UsageError, match="pad"):
        bounding_box(TINY, ["AAA"], pad=-1)
    with pytest.raises(UsageError, match="GeoJSON"):
        bounding_box("world", ["AAA"])


def test_zoom_to_sets_limits_and_proportions() -> None:
    ax = axes()
    draw_geojson(ax, TINY)
    zoom_to(ax, (60.0, 29.0, 75.0, 39.0))
    assert ax.get_xlim() == (60.0, 75.0) and ax.get_ylim() == (29.0, 39.0)
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(34)))
    for bad in [(1, 2, 3), (5, 0, 1, 1), ("a", 0, 1, 1), (0, 0, math.nan, 1), "0,0,1,1"]:
        with pytest.raises(UsageError, match="bounds"):
            zoom_to(ax, bad)
    with pytest.raises(UsageError, match="matplotlib axes"):
        zoom_to(None, (0, 0, 1, 1))


# --------------------------------------------------------------------------------------------
# The project's own maps


def test_province_map_joins_every_code() -> None:
    provinces = load_provinces()
    values = {f["properties"]["iso_code"]: i for i, f in enumerate(provinces["features"])}
    _fig, ax = new_figure()
    assert draw_geojson(ax, provinces, values, colorbar=True) == []
    (drawn,) = collections(ax)
    assert len(drawn.get_paths()) == 34


def test_region_map_of_refugee_hosts() -> None:
    world = load_world()
    refugees = load_refugees()
    latest = refugees[(refugees["year"] == 2024) & refugees["host_iso3"].notna()]
    values = dict(zip(latest["host_iso3"], latest["refugees"].astype(float), strict=True))
    _fig, ax = new_figure()
    handles = draw_geojson(ax, world, values)
    assert [h.get_label() for h in handles] == ["No data"]
    box = bounding_box(world, ["AFG", "IRN", "PAK", "TKM", "UZB", "TJK"])
    zoom_to(ax, box)
    assert 40 < box[0] < 61 and 70 < box[2] < 80
