"""The widget layer without a browser: build each kind, simulate clicks, read the feedback.

A click is simulated by setting the controls' values and calling the button's ``click()``, which
runs the same handler a browser click runs. The tests check the feedback's words and symbol,
that every control is labelled, that what a student types is shown escaped, that the first
display is the same on every build, and that answers reach the progress file.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pytest

from helpers.errors import DataError, UsageError
from helpers.exercises import api, render, session
from helpers.exercises.bank import exercises_by_notebook, get_exercise
from helpers.exercises.schema import KINDS
from helpers.exercises.widgets import ExerciseView, ExerciseWidget, ProgressWidget, progress_rows

HTML = "<script>alert('x')</script>"
START_IDS = exercises_by_notebook()["00_start_here"]


@pytest.fixture(autouse=True)
def fresh_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give each test its own progress file and forget the session's counters."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(path))
    session.reset()
    yield path
    session.reset()


def build(exercise_id: str) -> ExerciseWidget:
    return ExerciseWidget(get_exercise(exercise_id))


def walk(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(walk(child))
    return found


def visible(button: w.Button) -> bool:
    return button.layout.display != "none"


# --------------------------------------------------------------------------------------------
# Structure, labels, determinism


@pytest.mark.parametrize("exercise_id", START_IDS)
def test_structure_classes_and_labels(exercise_id: str) -> None:
    widget = build(exercise_id)
    kind = widget.exercise.kind
    assert {"course-exercise", f"course-ex-{kind}"} <= set(widget.box._dom_classes)
    assert "course-feedback" in widget.feedback._dom_classes
    assert widget.feedback.value == "" and widget.answer.value == ""
    tree = walk(widget.box)
    assert not any(isinstance(node, w.Output) for node in tree)  # first display: no Output
    for node in tree:
        if isinstance(node, (w.Button, w.Text, w.Textarea, w.Checkbox, w.RadioButtons,
                             w.Dropdown)):
            assert node.description.strip(), f"unlabelled {type(node).__name__}"


def test_every_kind_is_shown_in_start_here() -> None:
    assert {get_exercise(i).kind for i in START_IDS} == set(KINDS)


@pytest.mark.parametrize("exercise_id", START_IDS)
def test_first_display_is_the_same_every_time(exercise_id: str) -> None:
    first = ExerciseView(get_exercise(exercise_id))._repr_mimebundle_()
    build(exercise_id).on_hint()  # history in this session must not change the display
    second = ExerciseView(get_exercise(exercise_id))._repr_mimebundle_()
    assert set(first) == {"application/vnd.jupyter.widget-view+json", "text/plain", "text/html"}
    assert first["text/plain"] == second["text/plain"]
    assert first["text/html"] == second["text/html"]
    assert "Answer in JupyterLab or Voilà" in first["text/plain"] or \
        "check(" in first["text/plain"]


def test_static_text_shows_question_and_options() -> None:
    text = ExerciseView(get_exercise("00-uncertainty-range"))._repr_mimebundle_()["text/plain"]
    ex = get_exercise("00-uncertainty-range")
    assert ex.question in text
    for letter, option in zip("ABCD", ex.options, strict=True):
        assert f"{letter}. {option.text}" in text


def test_ordering_is_shown_in_a_fixed_order_that_is_not_the_answer() -> None:
    ex = get_exercise("00-notebook-order")
    assert render.shown_order(ex) == render.shown_order(ex)
    assert render.shown_order(ex) != list(ex.items)
    assert sorted(render.shown_order(ex)) == sorted(ex.items)


# --------------------------------------------------------------------------------------------
# Each kind: simulated clicks


def test_single_choice_right_and_wrong() -> None:
    widget = build("00-uncertainty-range")
    radio = widget.inputs["answer"]
    radio.value = widget.exercise.options[0].text
    widget.check_button.click()
    assert "✗ Not right yet" in widget.feedback.value
    assert html.escape(widget.exercise.options[0].explanation) in widget.feedback.value
    radio.value = widget.exercise.answer
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value
    assert "Sources: [UCDP-BRD-24.1]" in widget.feedback.value


def test_single_choice_without_a_choice_is_not_a_try() -> None:
    widget = build("00-kernel-restart")
    widget.check_button.click()
    assert "⚠" in widget.feedback.value and "choose one of the options" in widget.feedback.value
    assert session.attempts("00-kernel-restart").tries == 0


def test_select_all_partly_right() -> None:
    widget = build("00-source-articles")
    widget.inputs["option0"].value = True  # AVIM-2021, right
    widget.inputs["option2"].value = True  # DOHA-2020, wrong
    widget.check_button.click()
    assert "◐ Partly right" in widget.feedback.value
    assert "DOHA" not in widget.feedback.value and "AVIM" not in widget.feedback.value


def test_number_reveal_appears_after_two_tries() -> None:
    widget = build("00-notebook-count")
    assert not visible(widget.reveal_button)
    box = widget.inputs["answer"]
    box.value = "six"
    widget.check_button.click()
    assert "⚠" in widget.feedback.value and "in words" in widget.feedback.value
    box.value = "5"
    widget.check_button.click()
    assert "leaves one out" in widget.feedback.value and not visible(widget.reveal_button)
    box.value = "7"
    widget.check_button.click()
    assert "too high" in widget.feedback.value and visible(widget.reveal_button)
    widget.reveal_button.click()
    assert "↪ Answer" in widget.answer.value and "6 notebooks" in widget.answer.value
    box.value = " 6 "
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value


def test_text_input_html_is_shown_escaped() -> None:
    widget = build("00-glossary-isaf")
    widget.inputs["answer"].value = HTML
    widget.check_button.click()
    assert "&lt;script&gt;" in widget.feedback.value
    assert "<script>" not in widget.feedback.value
    widget.inputs["answer"].value = "isaf"
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value


def test_ordering_right_and_out_of_place() -> None:
    widget = build("00-notebook-order")
    ex = widget.exercise
    shown = render.shown_order(ex)
    for i, item in enumerate(shown):
        widget.inputs[f"item{i}"].value = ex.items.index(item) + 1
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value
    first, second = shown.index(ex.items[0]), shown.index(ex.items[1])
    widget.inputs[f"item{first}"].value, widget.inputs[f"item{second}"].value = 2, 1
    widget.check_button.click()
    assert "◐ Partly right" in widget.feedback.value and "out of place" in widget.feedback.value
    widget.inputs[f"item{first}"].value = None
    widget.check_button.click()
    assert "⚠" in widget.feedback.value and "still needs one" in widget.feedback.value


def test_matching_names_the_wrong_item() -> None:
    widget = build("00-source-perspectives")
    pairs = widget.exercise.pairs
    for i, (_, right) in enumerate(pairs):
        widget.inputs[f"pair{i}"].value = right
    widget.check_button.click()
    assert "✓ Right" in widget.feedback.value
    widget.inputs["pair0"].value = "The UN Security Council"
    widget.check_button.click()
    assert "4 of 5 pairs are right" in widget.feedback.value
    assert html.escape(f"“{pairs[0][0]}”") in widget.feedback.value


def test_data_question_has_no_check_button_and_follows_check_calls() -> None:
    widget = build("00-deaths-2020")
    assert widget.check_button not in widget.buttons.children
    assert 'check(&quot;00-deaths-2020&quot;, your_value)' in widget.controls[0].value
    first = api.check("00-deaths-2020", 35593)
    assert first.status == "incorrect" and "2021" in repr(first)
    assert not visible(widget.reveal_button)
    api.check("00-deaths-2020", "not a number")  # not a try
    assert not visible(widget.reveal_button)
    api.check("00-deaths-2020", 18975)
    assert visible(widget.reveal_button)  # the widget heard about the calls
    right = api.check("00-deaths-2020", 20475)
    assert right.correct and repr(right).startswith("✓ Right: 20,475")
    assert '<div class="course-feedback">' in right._repr_html_()


def test_reflection_saves_and_shows_model_answer_and_rubric() -> None:
    widget = build("00-why-perspectives")
    assert widget.reveal_button not in widget.buttons.children
    area = widget.inputs["answer"]
    area.value = "Too short."
    widget.check_button.click()
    assert "⚠" in widget.feedback.value and widget.answer.value == ""
    area.value = (f"{HTML} A writer's position shapes what they stress, so I will compare "
                  "sources from different places before I believe one claim.")
    widget.check_button.click()
    assert "✎ Saved" in widget.feedback.value
    assert "Model answer:" in widget.feedback.value
    assert "<script>" not in widget.feedback.value
    saved = session.store().entries()["00-why-perspectives"]
    assert saved["answer"] == area.value and saved["status"] == "recorded"


def test_hints_one_at_a_time() -> None:
    widget = build("00-notebook-order")
    assert widget.hint_button.description == "Hint 1 of 2"
    widget.hint_button.click()
    assert "Hint 1:" in widget.hints.value and "Hint 2:" not in widget.hints.value
    assert widget.hint_button.description == "Hint 2 of 2"
    widget.hint_button.click()
    assert "Hint 2:" in widget.hints.value and widget.hint_button.disabled
    assert widget.on_hint() is None
    assert session.store().entries()["00-notebook-order"]["hints_used"] == 2


def test_answers_reach_the_progress_file(fresh_progress: Path) -> None:
    widget = build("00-glossary-isaf")
    widget.inputs["answer"].value = "Doha"
    widget.check_button.click()
    entry = session.store().entries()["00-glossary-isaf"]
    assert entry["answer"] == "Doha" and entry["tries"] == 1
    assert fresh_progress.is_file()


def test_a_data_problem_is_shown_as_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = build("00-deaths-2020")

    def missing(ex: object) -> None:
        raise DataError("the file is missing.", file="data/derived/battle_deaths.csv")

    monkeypatch.setattr(session, "target", missing)
    assert widget.on_reveal() is None
    assert "⚠ Problem:" in widget.feedback.value and "battle_deaths.csv" in widget.feedback.value


# --------------------------------------------------------------------------------------------
# Public API, inline exercises, progress widget


def test_show_exercise_unknown_id_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="no exercise '00-nope'"):
        api.show_exercise("00-nope")
    with pytest.raises(UsageError, match="exercise id first"):
        api.check(5, 5)  # type: ignore[arg-type]


def test_show_exercise_displays_one_output(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr(api, "_display", shown.append)
    api.show_exercise("00-notebook-count")
    api.exercise("00-notebook-count")
    assert len(shown) == 2 and all(isinstance(s, ExerciseView) for s in shown)


def test_inline_builders_make_each_kind() -> None:
    views = [
        api.single_choice("09-a", "Q?", options=[("x", "why x"), ("y", "why y")], answer="x",
                          explanation="e", sources=["COURSE"]),
        api.select_all("09-b", "Q?", options=[("x", "why x"), ("y", "why y")], answers=["x"],
                       explanation="e", sources=["COURSE"]),
        api.number_question("09-c", "Q?", answer=3, tolerance=0.5, explanation="e",
                            sources=["COURSE"]),
        api.text_question("09-d", "Q?", answers=["Doha"], explanation="e", sources=["COURSE"]),
        api.ordering_question("09-e", "Q?", items=["a", "b", "c", "d"], explanation="e",
                              sources=["COURSE"]),
        api.matching_question("09-f", "Q?", pairs={"a": "1", "b": "2"}, explanation="e",
                              sources=["COURSE"]),
        api.data_question("09-g", "Q?", answer=10, explanation="e", sources=["COURSE"]),
        api.reflection_question("09-h", "Q?", model_answer="M", rubric=["r"],
                                sources=["COURSE"]),
    ]
    assert [v.exercise.kind for v in views] == list(KINDS)
    assert api.check("09-g", "10").correct
    assert api.check("09-c", "3.4").correct


def test_inline_question_html_is_escaped() -> None:
    view = api.text_question("09-x", f"Which {HTML}?", answers=["a"], explanation="e",
                             sources=["COURSE"])
    bundle = view._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    assert "<script>" not in view.widget.question.value


def test_progress_rows_count_per_notebook_and_course() -> None:
    entries = {"00-a": {"notebook": "00_start_here", "best_status": "correct"},
               "00-b": {"notebook": "00_start_here", "best_status": "partial", "revealed": True},
               "09-z": {"notebook": "inline", "best_status": "recorded"}}
    rows = progress_rows(entries, {"00_start_here": ["00-a", "00-b", "00-c"], "01_bg": ["01-a"]})
    by_name = {r["notebook"]: r for r in rows}
    assert by_name["00_start_here"] == {"notebook": "00_start_here", "exercises": 3, "tried": 2,
                                        "right": 1, "partly": 1, "saved": 0, "revealed": 1}
    assert by_name["Whole course"]["exercises"] == 5 and by_name["Whole course"]["saved"] == 1
    assert rows[-1]["notebook"] == "Whole course"


def test_progress_widget_shows_and_exports(tmp_path: Path) -> None:
    api.check("00-notebook-count", 6)
    widget = ProgressWidget()
    assert "00_start_here" in widget.table.value and "course-progress" in widget.box._dom_classes
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Course progress:")
    widget.path.value = str(tmp_path / "answers.csv")
    widget.format.value = "json"
    assert widget.path.value.endswith("answers.json")
    target = widget.on_export()
    assert target is not None and target.is_file()
    assert "✓ Exported" in widget.message.value and "1 answer " in widget.message.value
    widget.path.value = str(tmp_path / "missing" / "x.csv")
    widget.export_button.click()
    assert "⚠ Not exported" in widget.message.value


def test_progress_widget_escapes_a_hostile_notebook_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a notebook name reaches the panel from an exercise file's name
    import helpers.exercises.bank as bank_module

    monkeypatch.setattr(bank_module, "exercises_by_notebook", lambda: {HTML: ["09-x"]})
    session.store().record("09-x", notebook=HTML, kind="text", answer="a", status="correct",
                           score=1)
    widget = ProgressWidget()
    assert "<script>" not in widget.table.value and "&lt;script&gt;" in widget.table.value


def test_matching_prompt_reads_as_a_sentence() -> None:
    widget = build("00-source-perspectives")
    prompt = widget.controls[0].value
    label = widget.exercise.right_label
    assert f"with one of the choices under “{html.escape(label)}”" in prompt
    assert "choose its" not in prompt


def test_select_all_rows_are_as_wide_as_their_text() -> None:
    widget = build(next(i for i in START_IDS if get_exercise(i).kind == "select_all"))
    boxes = [c for c in walk(widget.box) if isinstance(c, w.Checkbox)]
    assert boxes and all(b.layout.width == "auto" for b in boxes)
    assert "text-overflow: clip" in widget.style.value


# --------------------------------------------------------------------------------------------
# A demonstration of check() is not the student's answer


def test_a_demonstration_is_graded_but_not_saved_or_counted(fresh_progress: Path) -> None:
    widget = build("00-deaths-2020")
    for _ in range(3):
        shown = api.check("00-deaths-2020", 35593, demo=True)
        assert shown.status == "incorrect"
    assert "Example only" in repr(shown) and "not saved" in repr(shown)
    assert "2021" in repr(shown)  # the same diagnosis a student would get
    assert session.attempts("00-deaths-2020").tries == 0
    assert not visible(widget.reveal_button)
    assert "00-deaths-2020" not in session.store().entries()
    assert not fresh_progress.exists() or "00-deaths-2020" not in fresh_progress.read_text()
    api.check("00-deaths-2020", 35593)  # the student's own try still counts
    assert session.store().entries()["00-deaths-2020"]["tries"] == 1


def test_a_demonstration_shows_no_verdict_in_voila(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.8")
    shown = api.check("00-deaths-2020", 35593, demo=True)
    page = shown._repr_html_()
    for verdict in ("✗", "✓", "◐", "not right", "incorrect"):
        assert verdict not in page and verdict not in repr(shown)
    assert "JupyterLab" in page
    monkeypatch.setenv("SERVER_SOFTWARE", "TornadoServer/6.4")
    assert "✗" in api.check("00-deaths-2020", 35593, demo=True)._repr_html_()


def test_demo_must_be_true_or_false() -> None:
    with pytest.raises(UsageError, match="demo"):
        api.check("00-deaths-2020", 1, demo="yes")  # type: ignore[arg-type]
