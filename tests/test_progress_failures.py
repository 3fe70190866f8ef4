"""Issue 14, saved answers: nothing a student did is lost, whatever happens to the progress file.

Each test damages the progress file or its folder in one way a student's machine can (a failed
write, a folder or a symlink at the path, a killed write's temporary file, a byte-order mark,
wrong-typed or deeply nested content, text that cannot be encoded) and checks that the earlier
answers are still shown and exported, that the file is written again once it can be, and that
the student is told once where their work is.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers.exercises.progress as progress_module
from helpers.exercises.progress import (
    FORMAT_NAME,
    ProgressFileWarning,
    ProgressStore,
    export_progress,
    export_text,
)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def record(store: ProgressStore, exercise_id: str = "02-x", answer: object = "Doha",
           status: str = "correct", score: float = 1.0) -> dict:
    return store.record(exercise_id, notebook="02_doha", kind="text", answer=answer,
                        status=status, score=score)


def on_disk(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["exercises"]


def _failing_replace(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Make os.replace fail (a full disk) until ``switch['broken']`` is set to False."""
    switch = {"broken": True}
    real = os.replace

    def replace(src: str, dst: str) -> None:
        if switch["broken"]:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(progress_module.os, "replace", replace)
    return switch


# --------------------------------------------------------------------------------------------
# A failed write: memory starts from the disk, the store keeps retrying, the student is told once


def test_failed_write_keeps_the_earlier_answers(store: ProgressStore,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    record(store, "02-old", "kept")
    _failing_replace(monkeypatch)
    with pytest.warns(ProgressFileWarning) as caught:
        record(store, "02-new", "in memory")
    assert set(store.entries()) == {"02-old", "02-new"}
    csv_text = export_text(store.entries(), "csv")
    assert "02-old" in csv_text and "02-new" in csv_text
    message = str(caught[0].message)
    assert str(store.path) in message and "memory" in message
    assert "export" in message.lower()  # says how to keep a copy now


def test_failed_write_is_retried_and_written_when_possible(
        store: ProgressStore, monkeypatch: pytest.MonkeyPatch) -> None:
    record(store, "02-old", "kept")
    switch = _failing_replace(monkeypatch)
    with pytest.warns(ProgressFileWarning):
        record(store, "02-a", "first")
    record(store, "02-a", "second", status="incorrect", score=0)  # told once only
    switch["broken"] = False
    record(store, "02-b", "after the disk was freed")
    saved = on_disk(store.path)
    assert set(saved) == {"02-old", "02-a", "02-b"}
    assert saved["02-a"]["tries"] == 2 and saved["02-a"]["answer"] == "second"
    assert saved["02-a"]["best_status"] == "correct"
    # back on disk: another store sees the same answers
    assert set(ProgressStore(store.path).entries()) == {"02-old", "02-a", "02-b"}


def test_retry_merges_with_what_another_notebook_wrote(store: ProgressStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    record(store, "02-old")
    switch = _failing_replace(monkeypatch)
    with pytest.warns(ProgressFileWarning):
        record(store, "02-mine")
    switch["broken"] = False
    record(ProgressStore(store.path), "02-other")  # another notebook, while this one waited
    record(store, "02-mine-again")
    assert set(on_disk(store.path)) == {"02-old", "02-mine", "02-other", "02-mine-again"}


def test_read_only_folder_keeps_earlier_answers(store: ProgressStore,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests may run as root, who can write anywhere, so the folder's refusal is simulated
    # where the store meets it: creating the temporary file next to the progress file.
    record(store, "02-old", "kept")
    real_mkstemp = progress_module.tempfile.mkstemp

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(store.path.parent))

    monkeypatch.setattr(progress_module.tempfile, "mkstemp", read_only)
    with pytest.warns(ProgressFileWarning, match="memory"):
        record(store, "02-new")
    assert set(store.entries()) == {"02-old", "02-new"}
    monkeypatch.setattr(progress_module.tempfile, "mkstemp", real_mkstemp)
    record(store, "02-later")
    assert set(on_disk(store.path)) == {"02-old", "02-new", "02-later"}


# --------------------------------------------------------------------------------------------
# What is at the path


def test_a_folder_at_the_path_is_never_renamed(store: ProgressStore) -> None:
    store.path.mkdir()
    (store.path / "inside.txt").write_text("mine", encoding="utf-8")
    with pytest.warns(ProgressFileWarning, match="folder"):
        record(store)
    assert store.path.is_dir() and (store.path / "inside.txt").read_text() == "mine"
    assert not list(store.path.parent.glob("*corrupt*"))
    assert store.entries()["02-x"]["answer"] == "Doha"  # kept in memory


def test_a_symlinked_progress_file_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "synced" / "real-progress.json"
    real.parent.mkdir()
    link = tmp_path / "progress.json"
    record(ProgressStore(real), "02-old")
    link.symlink_to(real)
    store = ProgressStore(link)
    record(store, "02-new")
    assert link.is_symlink()
    assert set(on_disk(real)) == {"02-old", "02-new"}


def test_leftover_temporary_files_of_killed_writes_are_removed(store: ProgressStore) -> None:
    record(store)
    leftovers = [store.path.parent / f".progress.json.killed{i}.tmp" for i in range(3)]
    for leftover in leftovers:
        leftover.write_text('{"half": ', encoding="utf-8")
        old = time.time() - 3600
        os.utime(leftover, (old, old))
    other = store.path.parent / "notes.tmp"
    other.write_text("not ours", encoding="utf-8")
    record(store, "02-y")
    assert not any(p.exists() for p in leftovers)
    assert other.exists()


def test_a_byte_order_mark_is_not_damage(store: ProgressStore) -> None:
    doc = {"format": FORMAT_NAME, "version": 1,
           "exercises": {"02-old": {"answer": "kept", "best_status": "correct"}}}
    store.path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode("utf-8"))
    assert set(store.entries()) == {"02-old"}
    record(store)
    assert not list(store.path.parent.glob("*corrupt*"))
    assert set(on_disk(store.path)) == {"02-old", "02-x"}


@pytest.mark.parametrize("bad_entry", [
    {"best_status": ["correct"]},
    {"status": {"a": 1}},
    {"notebook": ["02_doha"]},
    {"kind": 5, "best_status": {"x": []}},
    {"tries": [1, 2]},
    {"updated": {"when": "now"}},
])
def test_wrong_typed_fields_are_set_aside_and_good_entries_kept(store: ProgressStore,
                                                               bad_entry: dict) -> None:
    doc = {"format": FORMAT_NAME, "version": 1,
           "exercises": {"02-good": {"answer": "kept", "best_status": "correct", "tries": 1},
                         "02-bad": bad_entry}}
    store.path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.warns(ProgressFileWarning, match="kept as"):
        entries = store.entries()
    assert "02-good" in entries
    (kept,) = store.path.parent.glob("progress.corrupt-*.json")
    assert json.loads(kept.read_text(encoding="utf-8")) == doc  # the original, intact
    record(store, "02-bad")  # later checks work
    record(store, "02-next")
    assert {"02-good", "02-bad", "02-next"} <= set(on_disk(store.path))


def test_deep_nesting_is_set_aside(store: ProgressStore) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = ('{"format": "' + FORMAT_NAME + '", "version": 1, "exercises": '
            '{"02-x": {"answer": ' + deep + "}}}")
    store.path.write_text(text, encoding="utf-8")
    with pytest.warns(ProgressFileWarning, match="nest"):
        record(store, "02-y")
    record(store, "02-z")
    assert set(on_disk(store.path)) >= {"02-y", "02-z"}
    assert len(list(store.path.parent.glob("progress.corrupt-*.json"))) == 1


def test_moderately_deep_answer_is_set_aside_not_a_crash(store: ProgressStore) -> None:
    answer: object = "x"
    for _ in range(60):
        answer = [answer]
    doc = {"format": FORMAT_NAME, "version": 1,
           "exercises": {"02-deep": {"answer": answer}, "02-ok": {"answer": "fine"}}}
    store.path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.warns(ProgressFileWarning):
        record(store, "02-y")
    assert {"02-ok", "02-y"} <= set(on_disk(store.path))


def test_huge_integer_in_the_file_is_set_aside(store: ProgressStore) -> None:
    text = ('{"format": "' + FORMAT_NAME + '", "version": 1, "exercises": '
            '{"02-x": {"tries": ' + "9" * 5000 + "}}}")
    store.path.write_text(text, encoding="utf-8")
    with pytest.warns(ProgressFileWarning):
        record(store, "02-y")
    assert "02-y" in on_disk(store.path)


def test_when_setting_aside_fails_the_damaged_file_is_not_overwritten(
        store: ProgressStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.path.write_bytes(b"{bad")
    real_replace = os.replace

    def refuse_rename(src: str, dst: str) -> None:
        if "corrupt" in str(dst):
            raise OSError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(progress_module.os, "replace", refuse_rename)
    with pytest.warns(ProgressFileWarning):
        record(store, "02-new")
    assert store.path.read_bytes() == b"{bad"  # never overwritten
    assert store.entries()["02-new"]["answer"] == "Doha"


# --------------------------------------------------------------------------------------------
# Text that cannot be encoded


@pytest.mark.parametrize("answer", ["\ud800", "ok \udfff end", ["\ud83d"], {"k\udc00": "v"}])
def test_lone_surrogates_are_saved_not_a_crash(store: ProgressStore, answer: object) -> None:
    record(store, "02-s", answer)
    saved = on_disk(store.path)["02-s"]["answer"]
    assert "\ufffd" in json.dumps(saved, ensure_ascii=False)
    path = export_progress(store.path.parent / "out.csv", store=store, student="A\ud800")
    assert "\ufffd" in path.read_text(encoding="utf-8")


def test_a_surrogate_pair_becomes_its_character(store: ProgressStore) -> None:
    record(store, "02-s", "flag \ud83c\udde6\ud83c\uddeb")  # as UTF-16 halves from a browser
    assert on_disk(store.path)["02-s"]["answer"] == "flag 🇦🇫"


def test_an_escaped_surrogate_in_the_file_does_not_block_saving(store: ProgressStore) -> None:
    doc = '{"format": "%s", "version": 1, "exercises": {"02-x": {"answer": "\\ud800"}}}'
    store.path.write_text(doc % FORMAT_NAME, encoding="utf-8")
    record(store, "02-y")
    assert set(on_disk(store.path)) == {"02-x", "02-y"}


# --------------------------------------------------------------------------------------------
# CSV export: quoting and formulas however disguised


def _csv_answers(text: str) -> dict[str, str]:
    return {row["exercise_id"]: row["answer"] for row in csv.DictReader(io.StringIO(text,
                                                                                    newline=""))}


@pytest.mark.parametrize("answer", ["a\rb", "a\nb", "a\r\nb", "end\r", "\rstart", 'say "x", then y',
                                    "line\u2028sep"])
def test_line_breaks_and_quotes_stay_in_one_cell(answer: str) -> None:
    entries = {"02-a": {"answer": answer, "status": "correct"}, "02-b": {"answer": "after"}}
    text = export_text(entries, "csv")
    answers = _csv_answers(text)
    assert answers == {"02-a": answer, "02-b": "after"}


@pytest.mark.parametrize("answer", [
    "=1+1", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "\u200b=HYPERLINK(\"x\")", "\ufeff=1+1", "\u200e+1+1", "\u00a0=1", " =1",
    "\uff1d1+1", "\uff0b1", "\uff201", "\u2212" + "1+1", "\u3000=1", "\u2066=1",
])
def test_formulas_are_neutralised_however_disguised(answer: str) -> None:
    cell = _csv_answers(export_text({"02-a": {"answer": answer}}, "csv"))["02-a"]
    assert cell.startswith("'")
    assert cell[1:] == answer


@pytest.mark.parametrize("answer", ["-5", "+3.5", "-1e3", "Doha", "1,000"])
def test_plain_numbers_and_words_are_left_alone(answer: str) -> None:
    assert _csv_answers(export_text({"02-a": {"answer": answer}}, "csv"))["02-a"] == answer


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_any_text_round_trips_and_never_starts_a_formula(answer: str) -> None:
    text = export_text({"02-a": {"answer": answer}}, "csv", student=answer)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    cell = rows[1][1 + progress_module.EXPORT_FIELDS.index("answer")]
    clean = progress_module.clean_text(answer)
    assert cell in (clean, "'" + clean)
    if cell == clean and _looks_like_formula(cell):
        float(cell)  # only a plain number may start with a sign


def _looks_like_formula(cell: str) -> bool:
    """True when a spreadsheet could read the cell as a formula: a sign behind invisibles."""
    visible = cell
    while visible and (visible[0].isspace() or unicodedata.category(visible[0]) in (
            "Cc", "Cf", "Zs", "Zl", "Zp")):
        visible = visible[1:]
    first = unicodedata.normalize("NFKC", visible[:1])
    return first in ("=", "+", "-", "@", "\u2212", "\u2013", "\u2014", "\ufe63")


# --------------------------------------------------------------------------------------------
# Found by attacking beyond the listed examples


def test_a_fifo_or_device_at_the_path_is_never_read_renamed_or_replaced(
        store: ProgressStore) -> None:
    os.mkfifo(store.path)  # reading it would block the notebook forever
    with pytest.warns(ProgressFileWarning, match="not a regular file"):
        record(store)
    assert store.path.exists() and not store.path.is_file()
    assert not list(store.path.parent.glob("*corrupt*"))
    assert store.entries()["02-x"]["answer"] == "Doha"


def test_export_never_overwrites_the_progress_file(store: ProgressStore) -> None:
    from helpers.errors import UsageError

    record(store)
    before = store.path.read_bytes()
    for name in (store.path, "progress.json", store.path.parent / "progress.json.lock"):
        with pytest.raises(UsageError, match="progress file"):
            export_progress(name, store=store)
    assert store.path.read_bytes() == before
