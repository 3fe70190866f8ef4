"""The answer key (``python -m helpers.answer_key``): complete, readable, current, and safe to call.

Every expectation is derived from the exercise bank and the source list themselves, so the tests
check that the key says what the bank says, not that it repeats a copy of an earlier output.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import answer_key
from helpers.data import load_table
from helpers.exercises.answers import target_for
from helpers.exercises.bank import load_bank
from helpers.exercises.grading import format_number
from helpers.paths import PROJECT_DIR


@pytest.fixture(scope="module")
def key_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("key")
    assert answer_key.main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def rows(key_folder: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in sorted(key_folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                assert row["id"] not in found, f"{row['id']} appears twice"
                found[row["id"]] = row
    return found


def exercises():
    return list(load_bank().exercises.values())


def test_every_exercise_appears_once_in_csv_and_markdown(key_folder: Path,
                                                         rows: dict[str, dict[str, str]]) -> None:
    bank = exercises()
    assert set(rows) == {e.id for e in bank}
    for ex in bank:
        assert rows[ex.id]["kind"] == ex.kind
        assert rows[ex.id]["notebook"] == ex.notebook
        md = (key_folder / f"{ex.notebook}.md").read_text(encoding="utf-8")
        assert md.count(f"`{ex.id}`") == 1, ex.id


def test_csv_has_the_documented_columns(key_folder: Path) -> None:
    for path in key_folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == list(answer_key.CSV_COLUMNS)


def test_choice_answers_give_letter_and_text(rows: dict[str, dict[str, str]]) -> None:
    for ex in exercises():
        if ex.kind not in ("single_choice", "select_all"):
            continue
        right = {ex.answer} if ex.kind == "single_choice" else set(ex.answers)
        shown = rows[ex.id]["answer"]
        for i, option in enumerate(ex.options):
            labelled = f"{chr(ord('A') + i)}. {option.text}"
            assert (labelled in shown) == (option.text in right), (ex.id, labelled)


def test_numbers_show_value_unit_and_what_is_accepted(rows: dict[str, dict[str, str]]) -> None:
    for ex in exercises():
        if ex.kind not in ("number", "data"):
            continue
        target = target_for(ex)
        shown = rows[ex.id]["answer"]
        if target.value is not None:
            assert format_number(target.value, ex.unit) in shown, ex.id
        if target.high > target.low:
            assert format_number(target.low, ex.unit) in shown, ex.id
            assert format_number(target.high, ex.unit) in shown, ex.id
        if ex.answer_from is not None:
            assert ex.answer_from["table"] in shown and ex.answer_from["column"] in shown


def test_text_ordering_and_matching_answers(rows: dict[str, dict[str, str]]) -> None:
    for ex in exercises():
        shown = rows[ex.id]["answer"]
        if ex.kind == "text":
            assert all(a in shown for a in ex.answers), ex.id
        elif ex.kind == "ordering":
            places = [shown.index(f"{i}. {item}") for i, item in enumerate(ex.items, start=1)]
            assert places == sorted(places), ex.id
        elif ex.kind == "matching":
            for left, right in ex.pairs:
                assert f"{left} → {right}" in shown, ex.id
            for distractor in ex.distractors:
                assert f"→ {distractor}" not in shown, ex.id


def test_reflections_say_there_is_no_single_answer(key_folder: Path,
                                                   rows: dict[str, dict[str, str]]) -> None:
    for ex in exercises():
        if ex.kind != "reflection":
            continue
        assert rows[ex.id]["answer"].startswith("No single answer")
        md = (key_folder / f"{ex.notebook}.md").read_text(encoding="utf-8")
        assert " ".join(ex.model_answer.split()) in " ".join(md.split())
        assert all(" ".join(point.split()) in " ".join(md.split()) for point in ex.rubric)


def test_explanations_and_sources_with_titles(rows: dict[str, dict[str, str]]) -> None:
    sources = load_table("sources").set_index("id")["title"]
    for ex in exercises():
        row = rows[ex.id]
        assert " ".join(ex.explanation.split()) == row["explanation"]
        for sid in ex.sources:
            assert f"{sid}: {' '.join(str(sources[sid]).split())}" in row["sources"]


def test_markdown_has_an_index_linking_every_notebook(key_folder: Path) -> None:
    index = (key_folder / "README.md").read_text(encoding="utf-8")
    for notebook in {e.notebook for e in exercises()}:
        assert f"({notebook}.md)" in index and (key_folder / f"{notebook}.md").is_file()


def test_one_notebook_only(tmp_path: Path) -> None:
    assert answer_key.main(["--out", str(tmp_path), "--notebook", "02"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["02_doha.csv", "02_doha.md"]


def test_the_committed_key_is_current() -> None:
    assert answer_key.main(["--check"]) == 0, (
        "run `python -m helpers.answer_key` and commit docs/answer-key/")


def test_check_notices_a_stale_key(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_DIR / answer_key.DEFAULT_OUT, tmp_path / "key")
    stale = next((tmp_path / "key").glob("02_*.md"))
    stale.write_text(stale.read_text(encoding="utf-8") + "\nedited by hand\n", encoding="utf-8")
    assert answer_key.main(["--check", "--out", str(tmp_path / "key")]) == 1


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpers.answer_key", *args],
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=PROJECT_DIR)


def test_help() -> None:
    run = _run("--help")
    assert run.returncode == 0 and "--notebook" in run.stdout and "--out" in run.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--notebook", "09"], "no exercises for notebook '09'"),
    (["--notebook", "doha"], "no exercises for notebook 'doha'"),
    (["--bogus"], "unrecognized arguments"),
])
def test_bad_arguments_exit_2_without_traceback(args: list[str], words: str) -> None:
    run = _run(*args)
    assert run.returncode == 2
    assert words in run.stderr and "Traceback" not in run.stderr + run.stdout


def test_out_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "key.md"
    target.write_text("x", encoding="utf-8")
    run = _run("--out", str(target))
    assert run.returncode == 2 and "is a file, not a folder" in run.stderr
    assert "Traceback" not in run.stderr and target.read_text(encoding="utf-8") == "x"


def test_unwritable_out_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_text", refuse)
    assert answer_key.main(["--out", str(tmp_path / "key")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_a_broken_bank_gives_no_partial_key(data_folder: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(PROJECT_DIR / "data" / "sources.csv", data_folder / "sources.csv")
    shutil.copy(PROJECT_DIR / "data" / "schema.toml", data_folder / "schema.toml")
    (data_folder / "exercises").mkdir()
    (data_folder / "exercises" / "02_doha.toml").write_text(
        '[[exercise]]\nid = "02-x"\nkind = "txt"\n', encoding="utf-8")
    assert answer_key.main(["--out", str(tmp_path / "key")]) == 1
    assert "python -m helpers.exercises" in capsys.readouterr().err
    assert not (tmp_path / "key").exists()
