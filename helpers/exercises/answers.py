"""Answer keys of number and data questions, from a literal value or computed from the data.

A data question can name its answer as ``answer_from``: a small declarative recipe over one of the
collection's tables, such as ``{ table = "battle_deaths", filter = { year = 2021 }, column =
"deaths_best", agg = "sum" }``. :func:`compute` follows it with pandas (select the rows whose
columns equal the given values, lie in a list or between ``min`` and ``max``; then sum, average,
count... one column), so the answer key follows the data when the data are updated. Nothing in a
recipe is evaluated as code. :func:`target_for` turns an exercise into the
:class:`~helpers.exercises.grading.NumericTarget` it is graded against.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from helpers.errors import DataError
from helpers.exercises.grading import NumericTarget
from helpers.exercises.schema import Exercise


def _merge(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with the keys of ``change``; their filters are merged key by key."""
    merged = {**base, **change}
    merged["filter"] = {**dict(base.get("filter", {})), **dict(change.get("filter", {}))}
    return merged


def _describe(spec: Mapping[str, Any]) -> str:
    return (f"answer_from (table '{spec.get('table')}', column '{spec.get('column')}', "
            f"agg '{spec.get('agg')}')")


def compute(spec: Mapping[str, Any]) -> float:
    """Return the value an ``answer_from`` recipe gives on the current data.

    Raises :class:`DataError` saying what to fix when the table cannot be loaded, a column does
    not exist, the filter selects no rows, or the result is not a number.
    """
    from helpers.data import table_info

    name = spec.get("table")
    if not isinstance(name, str):
        raise DataError(f"{_describe(spec)}: 'table' must name a table in data/schema.toml.")
    path = table_info(name).file
    from helpers.paths import data_dir

    file = data_dir() / path
    try:
        stat = file.stat()
        stamp = (str(file), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(file), 0, 0)  # load_table raises the clear 'missing' or 'unreadable' message
    key = json.dumps(spec, sort_keys=True, default=str)
    return _compute_cached(key, stamp)


@lru_cache(maxsize=256)
def _compute_cached(key: str, stamp: tuple[str, int, int]) -> float:
    import pandas as pd

    from helpers.data import load_table, table_info

    spec = json.loads(key)
    where = _describe(spec)
    name = spec["table"]
    frame = load_table(name)
    info = table_info(name)
    types = {c.name: c.type for c in info.columns}
    column = spec.get("column")
    if column not in frame.columns:
        raise DataError(f"{where}: table '{name}' has no column '{column}'; its columns are "
                        f"{', '.join(frame.columns)}.")
    mask = pd.Series(True, index=frame.index)
    for col, wanted in dict(spec.get("filter", {})).items():
        if col not in frame.columns:
            raise DataError(f"{where}: the filter names column '{col}', which table '{name}' "
                            f"does not have; its columns are {', '.join(frame.columns)}.")
        series = frame[col]
        is_date = types.get(col) == "date"

        def conv(value: Any, is_date: bool = is_date, col: str = col) -> Any:
            if not is_date:
                return value
            try:
                return pd.Timestamp(value)
            except (TypeError, ValueError):
                raise DataError(f"{where}: filter on '{col}' needs a date written YYYY-MM-DD, "
                                f"not {value!r}.") from None

        try:
            if isinstance(wanted, dict):
                if "min" in wanted:
                    mask &= (series >= conv(wanted["min"])).fillna(False)
                if "max" in wanted:
                    mask &= (series <= conv(wanted["max"])).fillna(False)
            elif isinstance(wanted, list):
                mask &= series.isin([conv(v) for v in wanted]).fillna(False)
            else:
                mask &= (series == conv(wanted)).fillna(False)
        except TypeError:
            raise DataError(f"{where}: the filter on '{col}' compares values of different "
                            "kinds; numbers are written without quotes, text and dates with "
                            "them.") from None
    rows = frame.loc[mask.astype(bool), column]
    if rows.empty:
        numeric = types.get(next(iter(spec.get("filter", {})), ""), "") in ("int", "float")
        hint = " (numbers are written without quotes)" if numeric else ""
        raise DataError(f"{where}: the filter {spec.get('filter')} selects no rows of table "
                        f"'{name}'{hint}.")
    agg = spec.get("agg")
    if agg == "count":
        return float(rows.count())
    if agg == "nunique":
        return float(rows.nunique())
    if types.get(column) not in ("int", "float"):
        raise DataError(f"{where}: column '{column}' does not hold numbers, so it cannot be "
                        f"aggregated with '{agg}'; use 'count' or 'nunique'.")
    value = getattr(rows.astype("float64"), str(agg))()
    value = float(value)
    if not math.isfinite(value):
        raise DataError(f"{where}: the result is not a number (the rows hold no values).")
    return value


def _half_width(ex: Exercise, value: float) -> float:
    if ex.tolerance is not None:
        return ex.tolerance
    if ex.rel_tolerance is not None:
        return abs(value) * ex.rel_tolerance
    return 0.0


def target_for(ex: Exercise) -> NumericTarget:
    """Return what a number or data question accepts, computing ``answer_from`` on the data."""
    if ex.answer_from is not None:
        value: float | None = compute(ex.answer_from)
    else:
        value = ex.answer
    if ex.range is not None:
        low, high = ex.range
    elif value is not None:
        half = _half_width(ex, value)
        low, high = value - half, value + half
    else:  # the schema makes this impossible: a number needs answer, answer_from or range
        raise DataError(f"exercise '{ex.id}' has no answer, answer_from or range.")
    width = high - low
    mistakes = []
    for mistake in ex.mistakes:
        if mistake.answer_from is not None and ex.answer_from is not None:
            wrong = compute(_merge(ex.answer_from, mistake.answer_from))
        elif mistake.value is not None:
            wrong = mistake.value
        else:
            continue
        tolerance = mistake.tolerance if mistake.tolerance is not None else width / 2
        mistakes.append((wrong, tolerance, mistake.message))
    return NumericTarget(low=low, high=high, value=value, unit=ex.unit,
                         mistakes=tuple(mistakes), close_margin=2 * width)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def slip_problems(ex: Exercise, target: NumericTarget) -> list[str]:
    """Return why a number or data question's listed mistakes cannot be told apart.

    Two mistakes with different messages collide when either value lies within the other's
    tolerance: a student who makes the second slip would be told they made the first. A
    mistake inside the accepted interval can never be reported, since the answer counts as
    right. Each problem names the mistakes by position (1 = first listed) and the value.
    """
    problems = []
    slips = target.mistakes
    for i, (value, tolerance, message) in enumerate(slips):
        if target.low <= value <= target.high:
            problems.append(f"mistake {i + 1} ('{message}') gives {_fmt(value)}, which is "
                            "accepted as right, so its message can never be shown; change "
                            "the mistake or the tolerance.")
        for j in range(i + 1, len(slips)):
            other, other_tolerance, other_message = slips[j]
            if message == other_message:
                continue
            if abs(value - other) <= max(tolerance, other_tolerance) + 1e-9 * max(1.0, abs(value)):
                problems.append(f"mistakes {i + 1} and {j + 1} both give {_fmt(value)} on the "
                                f"current data, so a student who makes the second slip "
                                f"('{other_message}') would be told '{message}'; make the "
                                "slips differ or drop one.")
    return problems
