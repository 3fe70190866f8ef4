"""The progress file: atomic, locked writes; corrupt files set aside, never deleted; exports.

Every test uses its own progress file under ``tmp_path``. The concurrency test starts two real
processes that write to the same file at once and checks that no update is lost.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from pathlib import Path

import pytest

import helpers.exercises.progress as progress_module
from helpers.errors import UsageError
from helpers.exercises.progress import (
    FORMAT_NAME,
    ProgressFileWarning,
    ProgressStore,
    export_progress,
    progress_path,
)

HTML = "<script>alert('x')</script> & <b>bold</b>"
UNICODE = "کابل · Kābul · 🇦🇫 · \u202eRTL"


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def record(store: ProgressStore, exercise_id: str = "02-x", answer: object = "Doha",
           status: str = "correct", score: float = 1.0) -> dict:
    return store.record(exercise_id, notebook="02_doha", kind="text", answer=answer,
                        status=status, score=score)


def corrupt_copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("progress.corrupt-*.json"))


# --------------------------------------------------------------------------------------------
# Where the file is


def test_progress_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(tmp_path / "mine.json"))
    assert progress_path() == tmp_path / "mine.json"


def test_progress_path_default_is_in_the_home_folder(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AFG_COURSE_PROGRESS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress_path() == tmp_path / ".afghanistan-course" / "progress.json"


# --------------------------------------------------------------------------------------------
# Recording


def test_record_creates_folder_and_keeps_tries_best_and_last(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "new" / "folder" / "progress.json")
    record(store, answer="Kabul", status="incorrect", score=0)
    record(store, answer="Doha", status="correct", score=1)
    entry = record(store, answer="Herat", status="incorrect", score=0)
    assert entry["tries"] == 3
    assert entry["status"] == "incorrect" and entry["best_status"] == "correct"
    assert entry["score"] == 1 and entry["answer"] == "Herat"
    assert entry["notebook"] == "02_doha" and entry["kind"] == "text"
    doc = json.loads(store.path.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT_NAME and doc["exercises"]["02-x"]["tries"] == 3


def test_hints_and_reveal_are_recorded(store: ProgressStore) -> None:
    store.record_event("02-x", notebook="02_doha", kind="text", event="hint")
    store.record_event("02-x", notebook="02_doha", kind="text", event="hint")
    entry = store.record_event("02-x", notebook="02_doha", kind="text", event="reveal")
    assert entry["hints_used"] == 2 and entry["revealed"] is True
    assert entry["best_status"] == "revealed" and entry["tries"] == 0


def test_html_and_unicode_answers_round_trip_unchanged(store: ProgressStore) -> None:
    record(store, "02-a", HTML)
    record(store, "02-b", UNICODE)
    record(store, "02-c", {"first": 1, "<i>": None})
    fresh = ProgressStore(store.path).entries()
    assert fresh["02-a"]["answer"] == HTML
    assert fresh["02-b"]["answer"] == UNICODE
    assert fresh["02-c"]["answer"] == {"first": 1, "<i>": None}


def test_a_restart_loses_nothing(store: ProgressStore) -> None:
    record(store)
    assert ProgressStore(store.path).entries()["02-x"]["answer"] == "Doha"


# --------------------------------------------------------------------------------------------
# Atomic writes


def test_write_leaves_no_temporary_files(store: ProgressStore) -> None:
    for i in range(5):
        record(store, f"02-x{i}")
    names = sorted(p.name for p in store.path.parent.iterdir())
    assert names == ["progress.json", "progress.json.lock"]


def test_failed_write_keeps_old_file_and_warns(store: ProgressStore,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    record(store, "02-old", "kept")
    before = store.path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress_module.os, "replace", broken_replace)
    with pytest.warns(ProgressFileWarning, match="No space left on device"):
        entry = record(store, "02-new", "in memory")
    assert entry["answer"] == "in memory"  # kept for the session
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.glob("*.tmp")] == []
    record(store, "02-newer", "also in memory")  # warns once only (filterwarnings = error)
    assert set(store.entries()) == {"02-old", "02-new", "02-newer"}  # earlier answers kept


def _writer(path: str, name: str, count: int) -> None:
    store = ProgressStore(path)
    for i in range(count):
        store.record("02-shared", notebook="02_doha", kind="number", answer=i,
                     status="incorrect", score=0)
        store.record(f"02-{name}-{i}", notebook="02_doha", kind="number", answer=i,
                     status="correct", score=1)


def test_two_processes_at_once_lose_no_update(tmp_path: Path) -> None:
    path = str(tmp_path / "progress.json")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, name, 40)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    entries = ProgressStore(path).entries()
    assert entries["02-shared"]["tries"] == 80
    assert len(entries) == 1 + 2 * 40


# --------------------------------------------------------------------------------------------
# Corrupt or unreadable files are set aside, never deleted


@pytest.mark.parametrize(("content", "reason"), [
    (b"{not json", "not valid JSON"),
    (b"", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[]", "layout"),
    (b'{"format": "something-else", "version": 1, "exercises": {}}', "layout"),
    (json.dumps({"format": FORMAT_NAME, "version": 1, "exercises": {"x": 5}}).encode(),
     "layout"),
])
def test_corrupt_file_is_renamed_with_a_warning(store: ProgressStore, content: bytes,
                                                reason: str) -> None:
    store.path.write_bytes(content)
    with pytest.warns(ProgressFileWarning, match=reason):
        record(store)
    (kept,) = corrupt_copies(store.path.parent)
    assert kept.read_bytes() == content  # set aside intact
    assert store.entries()["02-x"]["tries"] == 1  # a new file was begun


def test_two_corrupt_files_in_one_second_are_both_kept(store: ProgressStore) -> None:
    for content in (b"first bad", b"second bad"):
        store.path.write_bytes(content)
        with pytest.warns(ProgressFileWarning):
            record(store)
    kept = corrupt_copies(store.path.parent)
    assert sorted(p.read_bytes() for p in kept) == [b"first bad", b"second bad"]


def test_unreadable_file_is_set_aside(store: ProgressStore,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store.path.write_text("{}", encoding="utf-8")
    real = Path.read_bytes

    def no_permission(self: Path) -> bytes:
        if self == store.path:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", no_permission)
    with pytest.warns(ProgressFileWarning, match="no permission"):
        record(store)
    assert len(corrupt_copies(store.path.parent)) == 1


def test_file_too_large_is_set_aside(store: ProgressStore,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "MAX_FILE_BYTES", 10)
    store.path.write_text('{"format": "x", "padding": "xxxxxxxx"}', encoding="utf-8")
    with pytest.warns(ProgressFileWarning, match="too large"):
        record(store)
    assert len(corrupt_copies(store.path.parent)) == 1


def test_when_set_aside_fails_the_file_is_left_alone(store: ProgressStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store.path.write_bytes(b"{bad")
    real_replace = os.replace

    def refuse_rename(src: str, dst: str) -> None:
        if "corrupt" in str(dst):
            raise OSError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(progress_module.os, "replace", refuse_rename)
    with pytest.warns(ProgressFileWarning, match="could not be set aside"):
        store.load()
    assert store.path.read_bytes() == b"{bad"


def test_odd_values_in_an_entry_are_tolerated(store: ProgressStore) -> None:
    doc = {"format": FORMAT_NAME, "version": 1,
           "exercises": {"02-x": {"tries": "many", "score": 7, "best_status": "weird"}}}
    store.path.write_text(json.dumps(doc), encoding="utf-8")
    entry = record(store)
    assert entry["tries"] == 1 and entry["score"] == 1 and entry["best_status"] == "correct"


# --------------------------------------------------------------------------------------------
# Export for an instructor


def test_export_json_round_trips_answers(store: ProgressStore, tmp_path: Path) -> None:
    record(store, "02-a", HTML)
    record(store, "02-b", ["x", "y"])
    path = export_progress(tmp_path / "out.json", student="Ayesha <A.>", store=store)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["student"] == "Ayesha <A.>"
    answers = {row["exercise_id"]: row["answer"] for row in doc["answers"]}
    assert answers == {"02-a": HTML, "02-b": ["x", "y"]}


def test_export_csv_round_trips_and_neutralises_formulas(store: ProgressStore,
                                                         tmp_path: Path) -> None:
    record(store, "02-a", HTML)
    record(store, "02-b", UNICODE)
    record(store, "02-c", "=HYPERLINK(\"http://x\")")
    record(store, "02-d", "-5")
    path = export_progress(tmp_path / "out.csv", store=store)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    answers = {row["exercise_id"]: row["answer"] for row in rows}
    assert answers["02-a"] == HTML and answers["02-b"] == UNICODE
    assert answers["02-c"] == "'=HYPERLINK(\"http://x\")"
    assert answers["02-d"] == "-5"
    assert rows[0]["tries"] == "1" and rows[0]["status"] == "correct"


def test_export_default_is_the_progress_folder_not_the_notebooks(
        store: ProgressStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)  # where a notebook runs
    record(store)
    folder = store.path.parent
    assert export_progress(store=store) == (folder / "course-answers.csv").resolve()
    assert export_progress(fmt="json", store=store) == (folder / "course-answers.json").resolve()
    assert export_progress("mine.csv", store=store) == (folder / "mine.csv").resolve()
    assert list(notebooks.iterdir()) == []


def test_export_of_nothing_is_a_header_only(store: ProgressStore, tmp_path: Path) -> None:
    path = export_progress(tmp_path / "empty.csv", store=store)
    assert path.read_text(encoding="utf-8").startswith("student,exercise_id,")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"path": ""}, "file path"),
    ({"path": 5}, "file path"),
    ({"fmt": "xlsx"}, "'csv' or 'json'"),
    ({"student": "x" * 500}, "at most 200"),
])
def test_export_bad_arguments(store: ProgressStore, tmp_path: Path, kwargs: dict,
                              words: str) -> None:
    kwargs.setdefault("path", tmp_path / "out.csv")
    with pytest.raises(UsageError, match=words):
        export_progress(store=store, **kwargs)


def test_export_to_a_folder_or_missing_folder(store: ProgressStore, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        export_progress(tmp_path, store=store)
    with pytest.raises(UsageError, match="does not exist"):
        export_progress(tmp_path / "no" / "out.csv", store=store)
