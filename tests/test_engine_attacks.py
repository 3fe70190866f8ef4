"""Issue 14, attacks beyond the listed examples: arbitrary progress files, exercise tables and cells.

Hypothesis writes any JSON document as a progress file, any table of fields as an exercise and any
text into a typed CSV cell. Whatever it writes, the engine must answer with a result, a warning or
a CourseError naming the place, never another exception, and a progress file must stay usable.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import data
from helpers.errors import DataError
from helpers.exercises.progress import FORMAT_NAME, ProgressFileWarning, ProgressStore, export_text
from helpers.exercises.schema import ALL_FIELDS, KINDS, parse_document, parse_exercise

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["correct", "partial", "incorrect", "revealed", "\ud800", "=1+1"]),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
ENTRY_KEYS = st.sampled_from(["notebook", "kind", "status", "best_status", "score", "tries",
                              "hints_used", "revealed", "answer", "first_seen", "updated",
                              "other"])


@st.composite
def progress_documents(draw: st.DrawFn) -> object:
    entries = draw(st.dictionaries(st.text(min_size=1, max_size=10),
                                   st.dictionaries(ENTRY_KEYS, JSON_VALUES, max_size=6),
                                   max_size=5))
    doc = {"format": FORMAT_NAME, "version": 1, "exercises": entries}
    return draw(st.one_of(st.just(doc), JSON_VALUES))


_CASES = itertools.count()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(progress_documents())
def test_any_progress_file_leaves_the_store_usable(tmp_path: Path, doc: object) -> None:
    folder = tmp_path / f"case{next(_CASES)}"  # a fresh folder for every example
    folder.mkdir()
    path = folder / "progress.json"
    path.write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")
    store = ProgressStore(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgressFileWarning)
        store.entries()
        store.record("02-x", notebook="02_doha", kind="text", answer=doc, status="incorrect",
                     score=0)
        store.record("02-x", notebook="02_doha", kind="text", answer="Doha", status="correct",
                     score=1)
        entries = store.entries()
    assert entries["02-x"]["best_status"] == "correct" and entries["02-x"]["tries"] >= 2
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["exercises"]["02-x"]["answer"] == "Doha"
    export_text(entries, "csv", student="\ud800")
    export_text(entries, "json")
    originals = [p for p in folder.iterdir() if "corrupt" in p.name]
    assert len(originals) <= 1  # a damaged original is kept, never deleted


FIELD_VALUES = st.one_of(
    JSON_SCALARS, st.integers(min_value=-(10**400), max_value=10**400),
    st.lists(JSON_SCALARS, max_size=5),
    st.lists(st.dictionaries(st.sampled_from(["text", "explanation", "left", "right", "value",
                                              "message", "tolerance", "answer_from"]),
                             JSON_SCALARS, max_size=3), max_size=4),
    st.dictionaries(st.sampled_from(["table", "column", "filter", "agg", "min", "max"]),
                    JSON_VALUES, max_size=4),
)


@st.composite
def exercise_tables(draw: st.DrawFn) -> dict:
    table = draw(st.dictionaries(st.sampled_from(ALL_FIELDS), FIELD_VALUES, max_size=10))
    table.setdefault("kind", draw(st.sampled_from(KINDS)))
    table.setdefault("id", "02-x")
    return table


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise_tables())
def test_any_exercise_table_gives_an_exercise_or_problems(table: dict) -> None:
    exercise, problems = parse_exercise(table, file="data/exercises/02_x.toml", index=1,
                                        notebook="02_x", source_ids=None)
    assert (exercise is None) == bool(problems)
    for problem in problems:
        assert str(problem).startswith("data/exercises/02_x.toml")
    if exercise is not None and exercise.range is not None:
        assert all(math.isfinite(v) for v in exercise.range)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_any_document_gives_exercises_or_problems(doc: object) -> None:
    exercises, problems = parse_document(doc, file="data/exercises/02_x.toml", notebook="02_x",
                                         source_ids=None)
    assert exercises or problems


SCHEMA = """
[cells]
file = "cells.csv"
[cells.columns.id]
type = "string"
required = true
[cells.columns.n]
type = "int"
[cells.columns.x]
type = "float"
[cells.columns.d]
type = "date"
"""


@pytest.fixture
def cells_folder(data_folder: Path) -> Path:
    (data_folder / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    return data_folder


CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(CELLS, CELLS, CELLS)
def test_any_cell_loads_or_names_its_row_and_column(cells_folder: Path, n: str, x: str,
                                                    d: str) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "n", "x", "d"], ["a", n, x, d]])
    (cells_folder / "cells.csv").write_text(buffer.getvalue(), encoding="utf-8")
    try:
        frame = data.load_table("cells")
    except DataError as exc:
        assert "data/cells.csv" in str(exc)
    else:
        assert len(frame) <= 1
