"""The class report: a folder of exported answers in, a report and a gradebook out.

The folder is built here from real exports: each student's answers are graded by the real
grading functions, saved in a real progress file and exported with ``export_progress``. Some
files are then broken in each way a teacher meets (malformed JSON, a truncated CSV, copies, the
same student twice, another course's file, a newer format version, an empty file, binary junk,
a file re-saved in another encoding). The expected figures are counted here from the plan that
made the files, never taken from the report code.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.class_report import main
from helpers.exercises.answers import target_for
from helpers.exercises.bank import load_bank
from helpers.exercises.grading import grade
from helpers.exercises.progress import ProgressStore, export_progress

ROOT = Path(__file__).resolve().parents[1]
GOOD = 21  # students whose files count
#: Names that appear nowhere in the course's exercises, so the anonymity test can look for them.
NAMES = ["Mariam Rahimi", "Zoë Amiri", "Farid Noori", "Laila Haidari", "Tamim Sultani",
         "Hasina Samadi", "Jawad Jalali", "Nadia Popal", "Samir Ludin", "Freshta Barakzai",
         "Yusuf Hotak", "Parwana Siddiqi", "Zarghona Rezai", "Shabnam Qaderi", "Karim Habibi",
         "Roya Mohseni", "Tariq Azizi", "Sima Osmani"]


def right_answer(ex, target):
    kind = ex.kind
    if kind == "single_choice":
        return ex.answer
    if kind == "select_all":
        return list(ex.answers)
    if kind in ("number", "data"):
        return target.value if target.value is not None else target.low
    if kind == "text":
        return ex.answers[0]
    if kind == "ordering":
        return list(ex.items)
    if kind == "matching":
        return {left: right for left, right in ex.pairs}
    sentence = ("I think the agreement mattered because it set a date for the withdrawal "
                "and left the Afghan government out of the talks, which weakened it at home. ")
    return sentence * max(1, ex.min_words // 20 + 1)


def wrong_answer(ex, target):
    """The one wrong answer every student who slips gives: a shared misconception."""
    kind = ex.kind
    if kind == "single_choice":
        return next(o.text for o in ex.options if o.text != ex.answer)
    if kind == "select_all":
        return [next(o.text for o in ex.options if o.text not in ex.answers)]
    if kind in ("number", "data"):
        return 987654321.0
    if kind == "text":
        return "Timbuktu"
    if kind == "ordering":
        return list(reversed(ex.items))
    if kind == "matching":
        rights = [r for _, r in ex.pairs]
        shifted = rights[1:] + rights[:1]
        return {left: shifted[i] for i, (left, _) in enumerate(ex.pairs)}
    return None  # a reflection has no wrong answer


@dataclass
class Plan:
    """What one student did, as the test decided it: the expected figures come from here."""

    name: str
    file: str
    tried: set[str] = field(default_factory=set)
    right: set[str] = field(default_factory=set)
    last_wrong: dict[str, object] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)
    revealed: set[str] = field(default_factory=set)
    score: dict[str, float] = field(default_factory=dict)


def make_student(tmp: Path, index: int, name: str, rng: random.Random, fmt: str) -> Plan:
    bank = load_bank()
    store = ProgressStore(tmp / f"progress-{index}.json")
    plan = Plan(name=name, file=f"student-{index:02d}.{fmt}")
    for ex in bank.exercises.values():
        roll = rng.random()
        if roll < 0.2:
            continue  # not tried
        target = target_for(ex) if ex.kind in ("number", "data") else None
        sequence = []
        if ex.kind == "reflection" or roll < 0.5:
            sequence = [right_answer(ex, target)]
        elif roll < 0.7:
            sequence = [wrong_answer(ex, target), right_answer(ex, target)]
        else:
            sequence = [wrong_answer(ex, target)]
        if rng.random() < 0.3 and ex.hints:
            plan.hints[ex.id] = 1
            store.record_event(ex.id, notebook=ex.notebook, kind=ex.kind, event="hint")
        for answer in sequence:
            result = grade(ex, answer, target)
            assert result.status in ("correct", "partial", "incorrect", "recorded"), \
                (ex.id, result)
            store.record(ex.id, notebook=ex.notebook, kind=ex.kind, answer=answer,
                         status=result.status, score=result.score)
            plan.score[ex.id] = max(plan.score.get(ex.id, 0.0), result.score)
            if result.status == "correct":
                plan.right.add(ex.id)
            plan.last_wrong.pop(ex.id, None)
            if result.status in ("incorrect", "partial"):
                plan.last_wrong[ex.id] = answer
        plan.tried.add(ex.id)
        if ex.id in plan.last_wrong and rng.random() < 0.5:
            plan.revealed.add(ex.id)
            store.record_event(ex.id, notebook=ex.notebook, kind=ex.kind, event="reveal")
    plan.store = store  # type: ignore[attr-defined]
    return plan


@dataclass
class ClassFolder:
    folder: Path
    plans: list[Plan]
    skipped: dict[str, str]  # file name -> word the reason must contain


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory: pytest.TempPathFactory) -> ClassFolder:
    tmp = tmp_path_factory.mktemp("class")
    folder = tmp / "handed-in"
    folder.mkdir()
    rng = random.Random(15)
    plans = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", lambda fd: None)  # thousands of saves; durability not tested
        for i in range(GOOD):
            fmt = "json" if i % 3 == 0 else "csv"
            name = NAMES[i] if i < len(NAMES) else ""  # the last students give no name
            plan = make_student(tmp, i, name, rng, fmt)
            export_progress(folder / plan.file, student=name, store=plan.store)  # type: ignore
            plans.append(plan)
    skipped: dict[str, str] = {}
    # an exact copy of one export, under another name
    (folder / "student-01 (1).csv").write_bytes((folder / plans[1].file).read_bytes())
    skipped["student-01 (1).csv"] = "copy"
    # the same student twice: an earlier export (fewer answers) of Farid Noori (student 02)
    older = ProgressStore(tmp / "older.json")
    first = next(iter(load_bank().exercises.values()))
    older.record(first.id, notebook=first.notebook, kind=first.kind, answer="3",
                 status="incorrect", score=0.0)
    early = export_progress(folder / "farid-monday.json", student="  farid noori ",
                            store=older)
    doc = json.loads(early.read_text(encoding="utf-8"))
    doc["exported"] = "2020-01-01T00:00:00+00:00"
    early.write_text(json.dumps(doc), encoding="utf-8")
    skipped["farid-monday.json"] = "same student"
    # malformed JSON: an export cut in the middle
    text = (folder / plans[0].file).read_text(encoding="utf-8")
    (folder / "broken.json").write_text(text[: len(text) // 2], encoding="utf-8")
    skipped["broken.json"] = "JSON"
    # truncated CSV: the last line cut short
    data = (folder / plans[2].file).read_bytes()
    (folder / "truncated.csv").write_bytes(data[: len(data) - 40])
    skipped["truncated.csv"] = "truncated"
    # another course's export: same layout, none of our exercise ids
    foreign = ProgressStore(tmp / "foreign.json")
    foreign.record("algebra-1", notebook="algebra", kind="number", answer="4",
                   status="correct", score=1.0)
    export_progress(folder / "other-course.csv", student="Someone Else", store=foreign)
    skipped["other-course.csv"] = "another course"
    # a newer version of the export format
    doc = json.loads((folder / plans[0].file).read_text("utf-8"))
    doc["version"] = 99
    (folder / "future.json").write_text(json.dumps(doc), encoding="utf-8")
    skipped["future.json"] = "version"
    (folder / "empty.csv").write_bytes(b"")
    skipped["empty.csv"] = "empty"
    (folder / "junk.json").write_bytes(bytes(range(256)) * 4)
    skipped["junk.json"] = "binary"
    # an export re-saved as Latin-1 by a spreadsheet (the name has an ë)
    latin = (folder / plans[1].file).read_text(encoding="utf-8")
    assert "ë" in latin
    (folder / "latin1.csv").write_bytes(latin.encode("latin-1", "replace"))
    skipped["latin1.csv"] = "UTF-8"
    assert len(list(folder.iterdir())) == 30
    return ClassFolder(folder, plans, skipped)


@pytest.fixture(scope="module")
def report(class_folder: ClassFolder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    before = snapshot(class_folder.folder)
    assert main([str(class_folder.folder), "--out", str(out)]) == 0
    assert snapshot(class_folder.folder) == before
    return out


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in sorted(folder.iterdir())}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def label(plan: Plan) -> str:
    return plan.name or Path(plan.file).stem


# --------------------------------------------------------------------------------------------
# What is written


def test_writes_the_report_files(report: Path) -> None:
    for name in ("report.md", "report.html", "gradebook.csv", "exercises.csv"):
        assert (report / name).is_file(), name
    charts = sorted((report / "charts").glob("*.png"))
    assert len(charts) >= 3
    assert all(c.read_bytes().startswith(b"\x89PNG") for c in charts)
    md = (report / "report.md").read_text(encoding="utf-8")
    for chart in charts:  # every chart is shown in the report, with alt text
        assert f"](charts/{chart.name})" in md
    assert "![](" not in md


def test_html_is_self_contained(report: Path) -> None:
    page = (report / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page
    assert page.count("data:image/png;base64,") == len(list((report / "charts").glob("*.png")))
    assert 'alt=""' not in page


def test_skipped_files_are_named_with_their_reason(report: Path,
                                                  class_folder: ClassFolder) -> None:
    md = (report / "report.md").read_text(encoding="utf-8")
    section = md.split("## Skipped files", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")][2:]
    assert len(lines) == len(class_folder.skipped)
    for name, reason in class_folder.skipped.items():
        line = next((row for row in lines if f"`{name}`" in row), None)
        assert line is not None, name
        assert reason.lower() in line.lower(), (name, line)


def test_figures_per_exercise_match_the_files(report: Path, class_folder: ClassFolder) -> None:
    plans = class_folder.plans
    rows = {r["exercise_id"]: r for r in read_csv(report / "exercises.csv")}
    bank = load_bank()
    assert set(rows) == set(bank.exercises)
    for ex_id, ex in bank.exercises.items():
        row = rows[ex_id]
        assert row["notebook"] == ex.notebook
        assert int(row["students"]) == GOOD
        assert int(row["tried"]) == sum(ex_id in p.tried for p in plans), ex_id
        assert int(row["right"]) == sum(ex_id in p.right for p in plans), ex_id
        assert int(row["hints_used"]) == sum(p.hints.get(ex_id, 0) for p in plans), ex_id
        assert int(row["answers_shown"]) == sum(ex_id in p.revealed for p in plans), ex_id
        wrong = Counter(json.dumps(p.last_wrong[ex_id], sort_keys=True) for p in plans
                        if ex_id in p.last_wrong)
        assert int(row["last_answer_wrong"]) == sum(wrong.values()), ex_id


def test_most_common_wrong_answer_is_reported(report: Path, class_folder: ClassFolder) -> None:
    bank = load_bank()
    ex = next(e for e in bank.exercises.values() if e.kind == "single_choice")
    wrong = wrong_answer(ex, None)
    count = sum(ex.id in p.last_wrong for p in class_folder.plans)
    assert count >= 2
    rows = {r["exercise_id"]: r for r in read_csv(report / "exercises.csv")}
    assert rows[ex.id]["most_common_wrong_answer"] == f"“{wrong}”"
    assert int(rows[ex.id]["most_common_wrong_count"]) == count
    md = (report / "report.md").read_text(encoding="utf-8")
    section = md.split(f"`{ex.id}`", 1)[1].split("\n### ", 1)[0]
    assert f"{count} × “" in section


def test_gradebook_has_one_row_per_student_and_a_column_per_exercise(
        report: Path, class_folder: ClassFolder) -> None:
    rows = read_csv(report / "gradebook.csv")
    bank = load_bank()
    assert len(rows) == GOOD
    header = list(rows[0])
    assert header[0] == "student"
    assert [h for h in header if h in bank.exercises] == list(bank.exercises)
    by_student = {r["student"]: r for r in rows}
    for plan in class_folder.plans:
        row = by_student[label(plan)]
        for ex_id in bank.exercises:
            if ex_id in plan.tried:
                assert float(row[ex_id]) == pytest.approx(plan.score[ex_id], abs=0.006), ex_id
            else:
                assert row[ex_id] == "", ex_id
        assert int(row["exercises_right"]) == len(plan.right)
        assert int(row["exercises_tried"]) == len(plan.tried)
        assert int(row["hints_used"]) == sum(plan.hints.values())
        assert int(row["answers_shown"]) == len(plan.revealed)
        assert float(row["total_score"]) == pytest.approx(sum(plan.score.values()), abs=0.01)
        assert int(row["out_of"]) == len(bank.exercises)


def test_students_without_a_name_are_labelled_by_file(report: Path,
                                                     class_folder: ClassFolder) -> None:
    unnamed = [p for p in class_folder.plans if not p.name]
    assert unnamed
    md = (report / "report.md").read_text(encoding="utf-8")
    for plan in unnamed:
        assert Path(plan.file).stem in md


def test_per_student_section_counts(report: Path, class_folder: ClassFolder) -> None:
    md = (report / "report.md").read_text(encoding="utf-8")
    section = md.split("## Students", 1)[1].split("\n## ", 1)[0]
    for plan in class_folder.plans:
        line = next(row for row in section.splitlines()
                    if row.startswith(f"| {label(plan)} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1:5] == [str(len(plan.tried)), str(len(plan.right)),
                              str(sum(plan.hints.values())), str(len(plan.revealed))], line


def test_anonymous_report_shows_no_name(class_folder: ClassFolder, tmp_path: Path) -> None:
    out = tmp_path / "anon"
    assert main([str(class_folder.folder), "--out", str(out), "--anonymous"]) == 0
    # every given and family name, and every file name (which may carry a name)
    words = {w for n in NAMES for w in n.lower().split()} | {"someone else"}
    words |= {Path(p.file).stem for p in class_folder.plans}
    words |= {"student-01 (1)", "farid-monday", "other-course"}
    for path in out.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            text = path.read_text(encoding="utf-8").lower()
            for word in words:
                assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text), (path.name,
                                                                                   word)
    rows = read_csv(out / "gradebook.csv")
    assert sorted(r["student"] for r in rows) == [f"Student {i:02d}" for i in range(1, GOOD + 1)]
    # stable: the same folder gives every student the same pseudonym again
    again = tmp_path / "again"
    assert main([str(class_folder.folder), "--out", str(again), "--anonymous"]) == 0
    assert read_csv(again / "gradebook.csv") == rows


def test_an_empty_export_is_a_student_with_nothing_done(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    store = ProgressStore(tmp_path / "p.json")
    export_progress(folder / "a.json", student="Ana", store=store)
    export_progress(folder / "b.csv", student="Bo", store=store)  # no row carries the name
    assert main([str(folder), "--out", str(tmp_path / "out")]) == 0
    rows = read_csv(tmp_path / "out" / "gradebook.csv")
    assert [(r["student"], r["exercises_tried"]) for r in rows] == [("Ana", "0"), ("b", "0")]


def test_no_readable_file_still_writes_the_report(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.json").write_text("{", encoding="utf-8")
    assert main([str(folder), "--out", str(tmp_path / "out")]) == 1
    assert "x.json" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "no file" in capsys.readouterr().err.lower()


# --------------------------------------------------------------------------------------------
# Bad arguments


def bad(args: list[str], capsys: pytest.CaptureFixture) -> str:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert "does not exist" in bad([str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
                                   capsys)


def test_folder_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "f.csv").write_text("x", encoding="utf-8")
    assert "not a folder" in bad([str(tmp_path / "f.csv"), "--out", str(tmp_path / "o")],
                                 capsys)


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "in").mkdir()
    assert "empty" in bad([str(tmp_path / "in"), "--out", str(tmp_path / "o")], capsys)


def test_out_inside_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("x", encoding="utf-8")
    for out in (folder, folder / "report"):
        assert "inside" in bad([str(folder), "--out", str(out)], capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv"]


def test_out_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("x", encoding="utf-8")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert "cannot" in bad([str(folder), "--out", str(tmp_path / "file" / "out")], capsys)
    assert "not a folder" in bad([str(folder), "--out", str(tmp_path / "file")], capsys)


def test_out_is_required(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert "--out" in bad([str(tmp_path)], capsys)


def test_command_line_help_and_error_exit_codes(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    shown = subprocess.run([sys.executable, "-m", "helpers.class_report", "--help"],
                           capture_output=True, text=True, env=env, check=False)
    assert shown.returncode == 0
    assert "--anonymous" in shown.stdout and "gradebook.csv" in shown.stdout
    failed = subprocess.run([sys.executable, "-m", "helpers.class_report",
                             str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, env=env, check=False)
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr and "does not exist" in failed.stderr


# --------------------------------------------------------------------------------------------
# One file at a time


def one_export(tmp_path: Path, fmt: str, name: str = "Ana") -> Path:
    ex = next(iter(load_bank().exercises.values()))
    store = ProgressStore(tmp_path / "progress.json")
    store.record(ex.id, notebook=ex.notebook, kind=ex.kind, answer="x", status="incorrect",
                 score=0.0)
    return export_progress(tmp_path / f"export.{fmt}", student=name, store=store)


@pytest.mark.parametrize(("fmt", "old", "new", "reason"), [
    ("json", '"status": "incorrect"', '"status": "brilliant"', "status"),
    ("json", '"tries": 1', '"tries": -4', "tries"),
    ("json", '"answers": [', '"answers": 5, "x": [', "list of answers"),
    ("json", '"format": "afghanistan-course-answers"', '"format": "quiz-app"', "format"),
    ("csv", ",incorrect,", ",brilliant,", "status"),
    ("csv", "student,exercise_id", "name,exercise_id", "not a course export"),
])
def test_an_edited_file_is_skipped_with_the_field_named(tmp_path: Path, fmt: str, old: str,
                                                      new: str, reason: str) -> None:
    from helpers.class_report import SkipFile, read_export

    path = one_export(tmp_path, fmt)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")
    with pytest.raises(SkipFile, match=reason):
        read_export(path)


def test_a_file_joined_from_two_students_is_skipped(tmp_path: Path) -> None:
    from helpers.class_report import SkipFile, read_export

    path = one_export(tmp_path, "csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    other = lines[1].replace("Ana", "Bo", 1).replace(lines[1].split(",")[1], "01-x", 1)
    path.write_text("".join([*lines, other]), encoding="utf-8", newline="")
    with pytest.raises(SkipFile, match="different student names"):
        read_export(path)


def test_a_progress_file_handed_in_by_mistake_is_read(tmp_path: Path) -> None:
    from helpers.class_report import read_export

    one_export(tmp_path, "csv")
    before = (tmp_path / "progress.json").read_bytes()
    sub = read_export(tmp_path / "progress.json")
    assert sub.progress_file and len(sub.entries) == 1 and sub.name == ""
    assert (tmp_path / "progress.json").read_bytes() == before


# --------------------------------------------------------------------------------------------
# A roster of names and LMS ids


def test_names_roster_gives_names_and_ids(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    ex = next(iter(load_bank().exercises.values()))
    for file, typed in (("a.csv", ""), ("b.json", "freshta b")):
        store = ProgressStore(tmp_path / f"{file}.progress.json")
        store.record(ex.id, notebook=ex.notebook, kind=ex.kind, answer=file, status="incorrect",
                     score=0.0)  # different answers: the same answers to the second is a copy
        export_progress(folder / file, student=typed, store=store)
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student,name,id\r\na.csv,,Tamim Sultani,tsultani\r\n"
                      ",Freshta  B,Freshta Barakzai,fbarakzai\r\nc.csv,,Sima Osmani,sosmani\r\n",
                      encoding="utf-8")
    assert main([str(folder), "--out", str(tmp_path / "out"), "--names", str(roster)]) == 0
    rows = read_csv(tmp_path / "out" / "gradebook.csv")
    assert [(r["student"], r["id"], r["file"]) for r in rows] == [
        ("Freshta Barakzai", "fbarakzai", "b.json"), ("Tamim Sultani", "tsultani", "a.csv")]
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "no counted file" in md and "Sima Osmani" in md
    anon = tmp_path / "anon"
    assert main([str(folder), "--out", str(anon), "--names", str(roster), "--anonymous"]) == 0
    for path in anon.glob("*.*"):
        text = path.read_text(encoding="utf-8").lower()
        for word in ("tamim", "sultani", "freshta", "barakzai", "sima", "osmani", "tsultani"):
            assert word not in text, (path.name, word)
    assert "1 student(s) on the --names list" in (anon / "report.md").read_text("utf-8")


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("who,what\nx,y\n", "'name' column"),
    ("file,name\na.csv,\n", "line 2"),
    ("file,name\n,Ana\n", "line 2"),
])
def test_bad_names_roster(tmp_path: Path, capsys: pytest.CaptureFixture, content: str | None,
                          message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("x", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    if content is not None:
        roster.write_text(content, encoding="utf-8")
    assert message in bad([str(folder), "--out", str(tmp_path / "o"), "--names", str(roster)],
                          capsys)
