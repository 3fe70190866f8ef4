"""Draw the collection's GeoJSON maps with matplotlib alone: base maps, categories, choropleths.

:func:`draw_geojson` fills every country or province of a FeatureCollection (such as
``load_world()`` or ``load_provinces()``) on a matplotlib axes. Given ``values`` that map codes to
text it draws a categorical map in which each category has an Okabe-Ito colour *and* a hatch
pattern, so the map can be read without telling colours apart; given numbers it draws a
choropleth with a colour-blind-safe sequential colormap and, on request, a colour bar. Shapes
without a value are drawn in light grey and get their own legend entry. :func:`bounding_box` and
:func:`zoom_to` frame a region, such as Afghanistan and its neighbours. No geopandas is needed:
each shape becomes a matplotlib path (holes included) in longitude/latitude, and the axes are
stretched so that shapes keep their proportions at the map's latitude.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import Colormap, Normalize, is_color_like
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter

from helpers.errors import DataError, UsageError
from helpers.plots import COLOR_CYCLE

#: Properties tried, in order, when no ``key`` is given: world map, then provinces.
KNOWN_KEYS = ("adm0_a3", "iso_code")
#: Hatch patterns given to categories in order, so no category is told apart by colour alone.
HATCHES: tuple[str, ...] = ("//", "..", "xx", "\\\\", "--", "oo", "++", "||")
MISSING_COLOR = "#e4e4e4"
EDGE_COLOR = "#ffffff"
HATCH_COLOR = "#2b2b2b"
DEFAULT_CMAP = "viridis"

Bounds = tuple[float, float, float, float]


# --------------------------------------------------------------------------------------------
# Checking input


def _features(geojson: object) -> list[dict[str, Any]]:
    """Return the features of a FeatureCollection after checking its shape."""
    if not isinstance(geojson, Mapping):
        raise UsageError("maps take a GeoJSON FeatureCollection as a dict, such as load_world() "
                         f"or load_provinces(), not {type(geojson).__name__}.")
    features = geojson.get("features")
    if geojson.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise DataError("the map is not a GeoJSON FeatureCollection (it needs "
                        "type 'FeatureCollection' and a list of features).")
    if not features:
        raise DataError("the map has no features: there is nothing to draw.")
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not isinstance(geometry, Mapping) or geometry.get("type") not in (
                "Polygon", "MultiPolygon"):
            raise DataError(f"feature {number} of the map has no Polygon or MultiPolygon "
                            "geometry.")
        if not isinstance(feature.get("properties"), Mapping):
            raise DataError(f"feature {number} of the map has no properties.")
    return features


def _resolve_key(features: Sequence[Mapping[str, Any]], key: str | None) -> str:
    """Return the property that names each shape, checking every feature has it."""
    if key is None:
        first = features[0]["properties"]
        key = next((k for k in KNOWN_KEYS if k in first), None)
        if key is None:
            raise UsageError("the map's features have none of the properties "
                             f"{', '.join(KNOWN_KEYS)}; say which property names a shape with "
                             f"key=..., one of: {', '.join(map(str, first))}.")
    elif not isinstance(key, str):
        raise UsageError(f"key is the name of a property such as 'adm0_a3', not "
                         f"{type(key).__name__}.")
    for number, feature in enumerate(features, start=1):
        value = feature["properties"].get(key)
        if not isinstance(value, str) or not value:
            known = ", ".join(map(str, feature["properties"]))
            raise DataError(f"feature {number} of the map has no property '{key}' (it has: "
                            f"{known}); pass the right key=.")
    return key


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _clean_values(values: object) -> dict[str, Any]:
    """Return ``values`` as a dict of code -> value, missing values dropped, types checked."""
    if hasattr(values, "to_dict") and not isinstance(values, Mapping):
        values = values.to_dict()  # a pandas Series indexed by code
    if not isinstance(values, Mapping):
        raise UsageError("values map codes to categories or numbers, as a dict or a pandas "
                         f"Series indexed by code, not {type(values).__name__}.")
    out: dict[str, Any] = {}
    for code, value in values.items():
        if not isinstance(code, str):
            raise UsageError(f"the codes in values are text such as 'AFG', not "
                             f"{type(code).__name__} ({code!r}).")
        if _is_missing(value):
            continue
        if isinstance(value, bool) or not isinstance(value, str | numbers.Real):
            raise UsageError(f"the value for '{code}' is {type(value).__name__}; values are "
                             "text (categories) or numbers.")
        if isinstance(value, numbers.Real) and not math.isfinite(float(value)):
            raise DataError(f"the value for '{code}' is {value}, not a finite number.")
        out[code] = value
    kinds = {isinstance(v, str) for v in out.values()}
    if len(kinds) > 1:
        raise UsageError("values mix text and numbers: use text for a categorical map or "
                         "numbers for a choropleth.")
    return out


def _per_category(option: object, categories: Sequence[str], default: Sequence[str],
                  what: str) -> list[str]:
    """Return one colour or hatch per category from a mapping, a sequence or the defaults."""
    if option is None:
        if len(categories) > len(default):
            raise UsageError(f"there are {len(categories)} categories but only {len(default)} "
                             f"default {what}s; pass {what}s=... with one per category.")
        return list(default[: len(categories)])
    if isinstance(option, Mapping):
        missing = [c for c in categories if c not in option]
        if missing:
            raise UsageError(f"{what}s has no entry for {', '.join(map(repr, missing))}.")
        chosen = [option[c] for c in categories]
    elif isinstance(option, Sequence) and not isinstance(option, str):
        if len(option) != len(categories):
            raise UsageError(f"{what}s has {len(option)} entries for {len(categories)} "
                             "categories; give one per category.")
        chosen = list(option)
    else:
        raise UsageError(f"{what}s is a dict keyed by category or a list, not "
                         f"{type(option).__name__}.")
    for item in chosen:
        if what == "colour" and not is_color_like(item):
            raise UsageError(f"{item!r} is not a colour matplotlib knows.")
        if what == "hatch" and not isinstance(item, str):
            raise UsageError(f"a hatch is a pattern such as '//', not {type(item).__name__}.")
    return chosen


# --------------------------------------------------------------------------------------------
# Geometry


def _polygons(geometry: Mapping[str, Any]) -> list[list[Any]]:
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise DataError("a geometry of the map has no coordinates list.")
    return [coords] if geometry["type"] == "Polygon" else coords


def _ring_array(ring: object) -> np.ndarray:
    try:
        points = np.asarray(ring, dtype=float)
    except (TypeError, ValueError):
        raise DataError("a ring of the map is not a list of [longitude, latitude] pairs.") from None
    if points.ndim != 2 or points.shape[1] < 2 or len(points) < 3:
        raise DataError("a ring of the map has fewer than three [longitude, latitude] points.")
    if not np.isfinite(points[:, :2]).all():
        raise DataError("a ring of the map has a coordinate that is not a finite number.")
    return points[:, :2]


def _feature_path(geometry: Mapping[str, Any]) -> Path:
    """Return one compound path for a Polygon or MultiPolygon, outer rings and holes opposed."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in _polygons(geometry):
        for index, ring in enumerate(polygon):
            points = _ring_array(ring)
            if (points[0] == points[-1]).all():
                points = points[:-1]
            x, y = points[:, 0], points[:, 1]
            area = float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
            if (area > 0) != (index == 0):  # outer rings counter-clockwise, holes clockwise
                points = points[::-1]
            ring_codes = np.full(len(points) + 1, Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            vertices.append(np.vstack([points, points[:1]]))
            codes.append(ring_codes)
    if not vertices:
        raise DataError("a shape of the map has no rings.")
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _extent(features: Iterable[Mapping[str, Any]]) -> Bounds:
    xs_min, ys_min, xs_max, ys_max = math.inf, math.inf, -math.inf, -math.inf
    for feature in features:
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                points = _ring_array(ring)
                xs_min = min(xs_min, float(points[:, 0].min()))
                xs_max = max(xs_max, float(points[:, 0].max()))
                ys_min = min(ys_min, float(points[:, 1].min()))
                ys_max = max(ys_max, float(points[:, 1].max()))
    return xs_min, ys_min, xs_max, ys_max


def _aspect(min_lat: float, max_lat: float) -> float:
    middle = math.radians(max(-80.0, min(80.0, (min_lat + max_lat) / 2)))
    return 1 / math.cos(middle)


# --------------------------------------------------------------------------------------------
# Public functions


def bounding_box(geojson: Mapping[str, Any], codes: Iterable[str], *, key: str | None = None,
                 pad: float = 0.05) -> Bounds:
    """Return ``(min_lon, min_lat, max_lon, max_lat)`` around the shapes with the given codes.

    ``pad`` widens the box by that fraction of its width and height on every side, so the
    shapes do not touch the frame. Pass the result to :func:`zoom_to` to draw a regional map,
    e.g. Afghanistan and its six neighbours. A code not on the map raises :class:`DataError`.
    (A country that crosses the date line, such as Russia, gives a box as wide as the world.)
    """
    features = _features(geojson)
    key = _resolve_key(features, key)
    if isinstance(codes, str) or not isinstance(codes, Iterable):
        raise UsageError("codes is a list of codes such as ['AFG', 'PAK'], not "
                         f"{type(codes).__name__}.")
    wanted = list(codes)
    if not wanted:
        raise UsageError("codes is empty: name at least one shape to frame.")
    if not all(isinstance(c, str) for c in wanted):
        raise UsageError("every code is text such as 'AFG'.")
    if isinstance(pad, bool) or not isinstance(pad, numbers.Real) or not 0 <= pad <= 1:
        raise UsageError(f"pad is a fraction between 0 and 1, not {pad!r}.")
    chosen = [f for f in features if f["properties"][key] in set(wanted)]
    unknown = sorted(set(wanted) - {f["properties"][key] for f in chosen})
    if unknown:
        raise DataError(f"code(s) {', '.join(unknown)} are not on the map (property '{key}').")
    min_x, min_y, max_x, max_y = _extent(chosen)
    dx, dy = (max_x - min_x) * pad, (max_y - min_y) * pad
    return min_x - dx, min_y - dy, max_x + dx, max_y + dy


def zoom_to(ax: Axes, bounds: Sequence[float]) -> None:
    """Frame the axes on ``(min_lon, min_lat, max_lon, max_lat)`` with true proportions there."""
    if not isinstance(ax, Axes):
        raise UsageError(f"zoom_to takes matplotlib axes, not {type(ax).__name__}.")
    if isinstance(bounds, str) or not isinstance(bounds, Sequence) or len(bounds) != 4:
        raise UsageError("bounds are four numbers (min_lon, min_lat, max_lon, max_lat), as "
                         "bounding_box() returns.")
    if not all(isinstance(b, numbers.Real) and math.isfinite(b) for b in bounds):
        raise UsageError("bounds are four finite numbers.")
    min_x, min_y, max_x, max_y = (float(b) for b in bounds)
    if not (min_x < max_x and min_y < max_y):
        raise UsageError("bounds need min_lon < max_lon and min_lat < max_lat.")
    ax.set_xlim(min_x, max_x)
    ax.set_ylim(min_y, max_y)
    ax.set_aspect(_aspect(min_y, max_y))


def draw_geojson(
    ax: Axes,
    geojson: Mapping[str, Any],
    values: Mapping[str, Any] | Any | None = None,
    *,
    key: str | None = None,
    categories: Sequence[str] | None = None,
    colors: Mapping[str, str] | Sequence[str] | None = None,
    hatches: Mapping[str, str] | Sequence[str] | None = None,
    cmap: str | Colormap = DEFAULT_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
    colorbar_label: str | None = None,
    edgecolor: str = EDGE_COLOR,
    linewidth: float = 0.5,
    missing_color: str = MISSING_COLOR,
    missing_label: str = "No data",
    ignore_unknown: bool = False,
) -> list[Patch]:
    """Draw every shape of ``geojson`` on ``ax`` and return legend handles.

    Shapes are matched to ``values`` by the property ``key`` (by default ``adm0_a3`` on the
    world map, ``iso_code`` on the province map). Text values draw a categorical map: each of
    ``categories`` (default: the values, sorted) gets a colour and a hatch (defaults: Okabe-Ito
    colours and distinct hatches), and one legend handle. Numbers draw a choropleth with
    ``cmap`` (default 'viridis'; 'cividis' also suits colour-blind readers) between ``vmin``
    and ``vmax``, with a colour bar when ``colorbar`` is true. Without values every shape is
    drawn plain. Shapes without a value are filled with ``missing_color`` and listed as
    ``missing_label``. A code in ``values`` that is not on the map raises :class:`DataError`
    unless ``ignore_unknown`` is true. Pass the handles on: ``ax.legend(handles=handles)``.
    """
    if not isinstance(ax, Axes):
        raise UsageError(f"draw_geojson takes matplotlib axes first (from new_figure()), not "
                         f"{type(ax).__name__}.")
    features = _features(geojson)
    key = _resolve_key(features, key)
    for name, colour in (("edgecolor", edgecolor), ("missing_color", missing_color)):
        if not is_color_like(colour):
            raise UsageError(f"{name} {colour!r} is not a colour matplotlib knows.")
    paths = [_feature_path(f["geometry"]) for f in features]
    codes = [f["properties"][key] for f in features]
    clean = {} if values is None else _clean_values(values)
    unknown = sorted(set(clean) - set(codes))
    if unknown and not ignore_unknown:
        shown = ", ".join(unknown[:8]) + (" ..." if len(unknown) > 8 else "")
        raise DataError(f"{len(unknown)} code(s) in values are not on the map (property "
                        f"'{key}'): {shown}. Check the codes, or pass ignore_unknown=True to "
                        "leave them out knowingly.")
    numeric = bool(clean) and not isinstance(next(iter(clean.values())), str)
    if numeric and any(o is not None for o in (categories, colors, hatches)):
        raise UsageError("categories, colors and hatches are for text values; numbers draw a "
                         "choropleth coloured by cmap.")
    style = {"edgecolors": edgecolor, "linewidths": linewidth, "transform": ax.transData}
    handles: list[Patch] = []
    missing = [p for p, c in zip(paths, codes, strict=True) if c not in clean]

    if values is None:
        ax.add_collection(PathCollection(paths, facecolors=missing_color, **style))
        missing = []
    elif numeric:
        handles.extend(_draw_numeric(ax, paths, codes, clean, cmap, vmin, vmax, colorbar,
                                     colorbar_label, style))
    else:
        handles.extend(_draw_categories(ax, paths, codes, clean, categories, colors, hatches,
                                        style))
    if missing:
        ax.add_collection(PathCollection(missing, facecolors=missing_color, **style))
        handles.append(Patch(facecolor=missing_color, edgecolor="#9a9a9a", label=missing_label))
    _frame(ax, features)
    return handles


def _draw_categories(ax: Axes, paths: list[Path], codes: list[str], clean: Mapping[str, Any],
                     categories: Sequence[str] | None, colors: object, hatches: object,
                     style: dict[str, Any]) -> list[Patch]:
    if categories is None:
        categories = sorted(set(clean.values()))
    elif isinstance(categories, str) or not isinstance(categories, Sequence) or not all(
            isinstance(c, str) for c in categories):
        raise UsageError("categories is a list of category names in legend order.")
    if len(set(categories)) != len(categories):
        raise UsageError("categories repeats a name; list each once.")
    strays = sorted({f"{c}: {v!r}" for c, v in clean.items() if v not in categories})
    if strays:
        raise DataError(f"value(s) not among the categories {list(categories)}: "
                        f"{', '.join(strays[:8])}.")
    fills = _per_category(colors, categories, COLOR_CYCLE, "colour")
    patterns = _per_category(hatches, categories, HATCHES, "hatch")
    handles = []
    for category, fill, pattern in zip(categories, fills, patterns, strict=True):
        chosen = [p for p, c in zip(paths, codes, strict=True) if clean.get(c) == category]
        if chosen:
            ax.add_collection(PathCollection(chosen, facecolors=fill, hatch=pattern,
                                             hatchcolor=HATCH_COLOR, **style))
        handles.append(Patch(facecolor=fill, edgecolor=HATCH_COLOR, hatch=pattern,
                             linewidth=0.5, label=category))
    return handles


def _draw_numeric(ax: Axes, paths: list[Path], codes: list[str], clean: Mapping[str, Any],
                  cmap: str | Colormap, vmin: float | None, vmax: float | None,
                  colorbar: bool, label: str | None, style: dict[str, Any]) -> list[Patch]:
    try:
        colormap = cmap if isinstance(cmap, Colormap) else colormaps[cmap]
    except (KeyError, TypeError):
        raise UsageError(f"{cmap!r} is not a matplotlib colormap; try 'viridis' or "
                         "'cividis'.") from None
    chosen = [(p, float(clean[c])) for p, c in zip(paths, codes, strict=True) if c in clean]
    if not chosen:
        return []
    numbers_ = np.array([v for _, v in chosen])
    low = float(numbers_.min()) if vmin is None else vmin
    high = float(numbers_.max()) if vmax is None else vmax
    if not low <= high:
        raise UsageError(f"vmin ({low}) is above vmax ({high}).")
    collection = PathCollection([p for p, _ in chosen], cmap=colormap,
                                norm=Normalize(vmin=low, vmax=high), **style)
    collection.set_array(numbers_)
    ax.add_collection(collection)
    if colorbar:
        bar = ax.figure.colorbar(collection, ax=ax, shrink=0.75, label=label or "")
        bar.formatter = FuncFormatter(lambda value, _pos: f"{value:,.10g}")
        bar.update_ticks()
    return []


def _frame(ax: Axes, features: Sequence[Mapping[str, Any]]) -> None:
    """Fit the axes to the shapes, keep their proportions, and hide ticks and grid."""
    min_x, min_y, max_x, max_y = _extent(features)
    dx, dy = (max_x - min_x) * 0.02 or 0.5, (max_y - min_y) * 0.02 or 0.5
    zoom_to(ax, (min_x - dx, min_y - dy, max_x + dx, max_y + dy))
    ax.set_axis_off()
