"""Issue 14, in the browser: a click grades what is on screen, exports go where the README says.

ipywidgets can deliver a Check click before the last value change (it buffers a control's state
while its previous update is unacknowledged, but sends a click at once). In a live kernel the
Check handler therefore waits a moment, handling any value that arrives meanwhile, and grades the
controls as they then are. The tests run that in an asyncio loop, as the kernel does. A repeat of
the same answer is not a new try. Exports go to the progress folder, with a download link that
works in Voilà, and the progress panel ignores exercises no longer in the files.
"""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path

import pytest

from helpers.exercises import api, session, widgets
from helpers.exercises.bank import exercises_by_notebook, get_exercise
from helpers.exercises.widgets import ExerciseWidget, ProgressWidget, progress_rows


@pytest.fixture(autouse=True)
def fresh_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(path))
    session.reset()
    yield path
    session.reset()


def build(exercise_id: str) -> ExerciseWidget:
    return ExerciseWidget(get_exercise(exercise_id))


def _first_of_kind(kind: str):
    ids = exercises_by_notebook()["00_start_here"]
    return next(get_exercise(i) for i in ids if get_exercise(i).kind == kind)


def settle() -> float:
    return widgets.CHECK_SETTLE_SECONDS + 0.3


# --------------------------------------------------------------------------------------------
# A click grades what is on screen


def test_a_value_arriving_just_after_the_click_is_what_is_graded() -> None:
    async def scenario() -> None:
        widget = build("00-notebook-count")
        box = widget.inputs["answer"]
        box.value = "5"
        widget.check_button.click()  # the click overtook the buffered value "6"
        await asyncio.sleep(0.05)
        box.value = "6"
        await asyncio.sleep(settle())
        assert "✓ Right" in widget.feedback.value, widget.feedback.value
        assert session.attempts("00-notebook-count").tries == 1

    asyncio.run(scenario())


def test_a_click_shows_feedback_at_once_and_saves_one_try_when_settled() -> None:
    async def scenario() -> None:
        widget = build("00-notebook-count")
        box = widget.inputs["answer"]
        box.value = "5"
        widget.check_button.click()
        await asyncio.sleep(0)  # no settling wait before the student sees feedback
        assert "✗ Not right yet" in widget.feedback.value, widget.feedback.value
        assert session.attempts("00-notebook-count").tries == 0
        box.value = "6"  # the value the click overtook: its feedback replaces the first
        await asyncio.sleep(0)
        assert "✓ Right" in widget.feedback.value, widget.feedback.value
        assert session.attempts("00-notebook-count").tries == 0
        await asyncio.sleep(settle())
        assert "✓ Right" in widget.feedback.value, widget.feedback.value
        assert session.attempts("00-notebook-count").tries == 1
        entry = session.store().entries()["00-notebook-count"]
        assert entry["tries"] == 1 and entry["status"] == "correct", entry

    asyncio.run(scenario())


def test_dropdown_changes_after_the_click_are_graded_too() -> None:
    async def scenario() -> None:
        widget = ExerciseWidget(_first_of_kind("matching"))
        ex = widget.exercise
        widget.check_button.click()
        for i, (_, right) in enumerate(ex.pairs):
            await asyncio.sleep(0.02)
            widget.inputs[f"pair{i}"].value = right
        await asyncio.sleep(settle())
        assert "✓ Right" in widget.feedback.value, widget.feedback.value

    asyncio.run(scenario())


def test_rapid_repeat_clicks_are_one_try() -> None:
    async def scenario() -> None:
        widget = build("00-notebook-count")
        widget.inputs["answer"].value = "7"
        for _ in range(5):
            widget.check_button.click()
            await asyncio.sleep(0.01)
        await asyncio.sleep(settle())
        assert "too high" in widget.feedback.value
        assert session.attempts("00-notebook-count").tries == 1

    asyncio.run(scenario())


def test_without_a_running_loop_a_click_grades_at_once() -> None:
    widget = build("00-notebook-count")
    widget.inputs["answer"].value = "6"
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value


def test_the_same_answer_again_is_not_a_new_try() -> None:
    widget = build("00-notebook-count")
    box = widget.inputs["answer"]
    box.value = "7"
    for _ in range(3):
        widget.check_button.click()
    assert session.attempts("00-notebook-count").tries == 1
    assert session.store().entries()["00-notebook-count"]["tries"] == 1
    box.value = "8"
    widget.check_button.click()
    assert session.attempts("00-notebook-count").tries == 2
    box.value = "7"  # back to an earlier answer after another: a new try
    widget.check_button.click()
    assert session.attempts("00-notebook-count").tries == 3


def test_export_never_says_incorrect_with_a_best_score_of_one() -> None:
    widget = build("00-notebook-count")
    widget.inputs["answer"].value = "6"
    for _ in range(4):
        widget.check_button.click()
    entry = session.store().entries()["00-notebook-count"]
    assert (entry["status"], entry["best_status"], entry["tries"]) == ("correct", "correct", 1)


# --------------------------------------------------------------------------------------------
# Exports: where the README says, with a download link


def test_panel_exports_to_the_progress_folder_with_a_download_link(
        fresh_progress: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)
    api.check("00-notebook-count", 6)
    panel = ProgressWidget()
    assert str(fresh_progress.parent) in panel.table.value  # says where exports go
    target = panel.on_export()
    assert target == fresh_progress.parent / "course-answers.csv"
    assert list(notebooks.iterdir()) == []
    link = re.search(r'<a download="course-answers.csv" href="data:text/csv;charset=utf-8;'
                     r'base64,([A-Za-z0-9+/=]+)"', panel.message.value)
    assert link is not None, panel.message.value
    assert base64.b64decode(link.group(1)) == target.read_bytes()


def test_panel_download_link_for_json(fresh_progress: Path) -> None:
    api.check("00-notebook-count", 6)
    panel = ProgressWidget()
    panel.format.value = "json"
    target = panel.on_export()
    assert target is not None and target.suffix == ".json"
    assert 'download="course-answers.json" href="data:application/json;' in panel.message.value


def test_a_hostile_export_name_is_escaped_in_the_link(fresh_progress: Path) -> None:
    api.check("00-notebook-count", 6)
    panel = ProgressWidget()
    panel.path.value = '"><script>x</script>.csv'
    panel.on_export()
    assert "<script>" not in panel.message.value


# --------------------------------------------------------------------------------------------
# The progress panel ignores exercises no longer in the files


def test_progress_rows_ignore_removed_exercises() -> None:
    entries = {"00-a": {"notebook": "00_start_here", "best_status": "correct"},
               "00-removed": {"notebook": "00_start_here", "best_status": "correct"},
               "07-gone": {"notebook": "07_dropped", "best_status": "partial"},
               "09-z": {"notebook": "inline", "best_status": "recorded"}}
    rows = {r["notebook"]: r for r in progress_rows(entries, {"00_start_here": ["00-a", "00-b"]})}
    assert rows["00_start_here"]["exercises"] == 2 and rows["00_start_here"]["right"] == 1
    assert "07_dropped" not in rows
    assert rows["inline"]["saved"] == 1
    assert rows["Whole course"]["exercises"] == 3 and rows["Whole course"]["right"] == 1


def test_progress_rows_survive_odd_saved_values() -> None:
    entries = {"00-a": {"notebook": ["x"], "best_status": ["correct"], "revealed": "yes"}}
    rows = progress_rows(entries, {"00_start_here": ["00-a"]})
    assert rows[-1]["notebook"] == "Whole course"


# --------------------------------------------------------------------------------------------
# A failed write is told in the widget, where the student looks


def test_a_failed_write_is_told_once_in_the_widget_and_the_panel(
        fresh_progress: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import helpers.exercises.progress as progress_module

    api.check("00-notebook-count", 5)
    real = progress_module.os.replace

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress_module.os, "replace", full_disk)
    widget = build("00-notebook-count")
    widget.inputs["answer"].value = "6"
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value
    assert "No space left on device" in widget.feedback.value
    assert str(fresh_progress) in widget.feedback.value
    widget.inputs["answer"].value = "7"
    widget.check_button.click()
    assert "No space left" not in widget.feedback.value  # told once
    panel = ProgressWidget()
    assert "memory" in panel.table.value and "1" in panel.table.value
    monkeypatch.setattr(progress_module.os, "replace", real)
    widget.inputs["answer"].value = "8"
    widget.check_button.click()
    assert session.store().entries()["00-notebook-count"]["tries"] == 4
    assert "memory" not in ProgressWidget().table.value


def test_saved_form_of_a_deeply_nested_answer_is_a_note_not_a_crash() -> None:
    value: object = "x"
    for _ in range(5000):
        value = [value]
    assert "nested too deeply" in str(session.saved_form(value))
