"""The thin ipywidgets layer: one live widget per exercise, and the progress widget.

An :class:`ExerciseWidget` lays out the question (an HTML widget), the controls of its kind, the
buttons "Check", "Hint" and "Show answer" and a feedback area, and hands every click to
:mod:`helpers.exercises.session`, which grades and saves. Every control is a standard ipywidgets
control (radio buttons, check boxes, text boxes, drop-downs, buttons), so it is labelled and can be
used from the keyboard; ordering and matching use one drop-down per item rather than dragging.
Feedback is an HTML widget whose text is escaped and starts with a symbol and a word, never colour
alone. The first display holds no Output widget and nothing that depends on the student's
history, so stored notebook outputs are the same on every run.

An :class:`ExerciseView` is what a notebook displays: its output carries the live widget and, for
places without widgets (GitHub, nbviewer, PDF), the question as plain text and static HTML.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as w

from helpers.display import access_helper, widget_bundle
from helpers.errors import CourseError
from helpers.exercises import render, session
from helpers.exercises.grading import RANK, Result
from helpers.exercises.schema import Exercise

WIDE = {"description_width": "initial"}
#: How long a Check click in a live kernel waits before it records the answer, in seconds.
#: ipywidgets holds back a control's new value while its previous update is unacknowledged but
#: sends a click at once, so a click can reach the kernel just before the last value. The click
#: shows its feedback at once (graded, not yet saved); a value arriving in this time is graded
#: again and its feedback replaces the first (each restarts the wait, up to CHECK_SETTLE_LIMIT);
#: then the controls, as they are on screen, are saved as one try.
CHECK_SETTLE_SECONDS = 0.4
CHECK_SETTLE_LIMIT = 2.0
#: Largest export offered as a download link (a data: URL) in the progress panel.
MAX_LINK_BYTES = 2 * 1024 * 1024
#: ipywidgets gives radio and check-box rows a fixed height, so a long option wraps into the next
#: row and covers its button (a click then picks the wrong option). Rows grow with their text.
EXERCISE_CSS = """<style>
.course-exercise .widget-radio-box label {
  display: flex; flex-direction: row-reverse; justify-content: flex-end; gap: 0.45em;
  height: auto; min-height: var(--jp-widgets-radio-item-height);
  line-height: 1.35; white-space: normal; margin-bottom: 6px; align-items: flex-start; }
.course-exercise .widget-radio-box input { margin: 0.2em 0 0 0; flex-shrink: 0; }
.course-exercise .widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height); }
.course-exercise .widget-checkbox label { height: auto; line-height: 1.35; white-space: normal;
  align-items: flex-start; overflow: visible; text-overflow: clip; }
.course-exercise .widget-checkbox input { margin-top: 0.2em; flex-shrink: 0; }
</style>"""


def _label_row(text: str) -> w.HTML:
    return w.HTML(value=f"<p>{render.inline_html(text)}</p>")


class ExerciseWidget:
    """The live widget of one exercise: question, controls, buttons and feedback."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        ex = exercise
        self.question = w.HTML(value=render.question_html(ex))
        self.question.add_class("course-question")
        self.controls: list[w.Widget] = []
        self.inputs: dict[str, w.ValueWidget] = {}
        self._build_controls()
        self.check_button = w.Button(
            description="Save my answer" if ex.kind == "reflection" else "Check",
            tooltip="Save your answer" if ex.kind == "reflection" else "Check your answer",
        )
        self.check_button.on_click(self.on_check)
        self.hint_button = w.Button(description=self._hint_label(), tooltip="Show one hint")
        self.hint_button.on_click(self.on_hint)
        self.reveal_button = w.Button(description="Show answer",
                                      tooltip="Show the answer and its explanation")
        self.reveal_button.on_click(self.on_reveal)
        self.hints = w.HTML(value="")
        self.hints.add_class("course-hints")
        self.feedback = w.HTML(value="")
        self.feedback.add_class("course-feedback")
        self.answer = w.HTML(value="")
        self.answer.add_class("course-answer")
        self.answer.add_class("course-feedback")
        buttons: list[w.Widget] = []
        if ex.kind != "data":
            buttons.append(self.check_button)
        if ex.hints:
            buttons.append(self.hint_button)
        if ex.kind != "reflection":
            buttons.append(self.reveal_button)
        self.buttons = w.HBox(buttons)
        self.style = w.HTML(value=EXERCISE_CSS, layout=w.Layout(height="0px", margin="0"))
        self.box = w.VBox([self.style, access_helper(), self.question, *self.controls,
                           self.buttons, self.hints, self.feedback, self.answer])
        self.box.add_class("course-exercise")
        self.box.add_class(f"course-ex-{ex.kind}")
        self.box.add_class(f"course-exid-{ex.id}")
        self._pending: asyncio.TimerHandle | None = None
        self._requested_at = 0.0
        for control in self.inputs.values():
            control.observe(self._on_input, names="value")
        self.refresh()
        session.subscribe(ex.id, self)

    # -- controls of each kind --------------------------------------------------------------

    def _build_controls(self) -> None:
        ex = self.exercise
        kind = ex.kind
        if kind == "single_choice":
            radio = w.RadioButtons(options=[o.text for o in ex.options], value=None,
                                   description="Your answer:", style=WIDE,
                                   layout=w.Layout(width="auto"))
            self.inputs["answer"] = radio
            self.controls.append(radio)
        elif kind == "select_all":
            self.controls.append(_label_row("Tick every option that applies:"))
            for i, option in enumerate(ex.options):
                box = w.Checkbox(value=False, description=option.text, indent=False,
                                 layout=w.Layout(width="auto"))
                self.inputs[f"option{i}"] = box
                self.controls.append(box)
        elif kind in ("number", "text"):
            placeholder = ("a number, such as 1,000 or 12%" if kind == "number"
                           else "a word or a short phrase")
            box = w.Text(value="", placeholder=placeholder, description="Your answer:",
                         style=WIDE, continuous_update=False)
            self.inputs["answer"] = box
            row: list[w.Widget] = [box]
            if kind == "number" and ex.unit:
                row.append(w.Label(value=ex.unit))
            self.controls.append(w.HBox(row))
        elif kind == "ordering":
            n = len(ex.items)
            self.controls.append(_label_row(
                f"Give each item its place, from 1 (earliest) to {n} (latest):"))
            choices: list[tuple[str, int | None]] = [("choose", None)]
            choices += [(str(i), i) for i in range(1, n + 1)]
            for i, item in enumerate(render.shown_order(ex)):
                drop = w.Dropdown(options=choices, value=None, description=item, style=WIDE,
                                  layout=w.Layout(width="auto"))
                self.inputs[f"item{i}"] = drop
                self.controls.append(drop)
        elif kind == "matching":
            self.controls.append(_label_row(
                f"Match each {ex.left_label.lower()} with one of the choices under "
                f"“{ex.right_label}”:"))
            options: list[tuple[str, str | None]] = [("choose", None)]
            options += [(r, r) for r in render.match_choices(ex)]
            for i, (left, _) in enumerate(ex.pairs):
                drop = w.Dropdown(options=options, value=None, description=left, style=WIDE,
                                  layout=w.Layout(width="auto"))
                self.inputs[f"pair{i}"] = drop
                self.controls.append(drop)
        elif kind == "data":
            hint = f"<p>Start from: <code>{html.escape(ex.code_hint)}</code></p>" \
                if ex.code_hint else ""
            self.controls.append(w.HTML(value=(
                f"{hint}<p>Compute the value in a code cell, then check it with "
                f"<code>check(&quot;{html.escape(ex.id)}&quot;, your_value)</code>.</p>")))
        else:  # reflection
            area = w.Textarea(value="", placeholder="Write a few sentences.",
                              description="Your answer:", style=WIDE, rows=6,
                              layout=w.Layout(width="95%"))
            self.inputs["answer"] = area
            self.controls.append(area)

    def read_answer(self) -> Any:
        """Return the answer as the controls hold it, in the form the grading functions take."""
        ex = self.exercise
        if ex.kind == "select_all":
            return [o.text for i, o in enumerate(ex.options) if self.inputs[f"option{i}"].value]
        if ex.kind == "ordering":
            return {item: self.inputs[f"item{i}"].value
                    for i, item in enumerate(render.shown_order(ex))}
        if ex.kind == "matching":
            return {left: self.inputs[f"pair{i}"].value for i, (left, _) in enumerate(ex.pairs)}
        if ex.kind == "data":
            return None
        return self.inputs["answer"].value

    # -- buttons ----------------------------------------------------------------------------

    def _hint_label(self) -> str:
        shown = session.attempts(self.exercise.id).hints
        total = len(self.exercise.hints)
        return f"Hint {min(shown + 1, total)} of {total}" if shown < total else "No more hints"

    def refresh(self) -> None:
        """Update the buttons from this session's counters (called after every submit)."""
        self.reveal_button.layout.display = None if session.can_reveal(self.exercise) else "none"
        self.hint_button.description = self._hint_label()
        self.hint_button.disabled = session.attempts(self.exercise.id).hints >= len(
            self.exercise.hints)

    def _show_error(self, exc: CourseError) -> None:
        self.feedback.value = (f'<div class="course-feedback-body course-status-invalid" '
                               f'role="status"><p><strong>⚠ Problem:</strong> '
                               f"{html.escape(str(exc))}</p></div>")

    def on_check(self, _button: Any = None) -> Result | None:
        """Grade what the controls hold and show the feedback; return the result.

        A click in a live kernel (an asyncio loop is running) shows its feedback at once and
        returns None; the answer is saved as a try after :data:`CHECK_SETTLE_SECONDS`, once any
        value the browser sent just after the click has arrived (and been graded again, its
        feedback replacing the first). Rapid repeat clicks are one check. Called directly, it
        grades and saves at once.
        """
        loop = _running_loop() if _button is not None else None
        if loop is None:
            return self._check_now()
        self._requested_at = loop.time()
        self._schedule(loop)
        self._preview()
        return None

    def _preview(self) -> None:
        """Show the feedback for what the controls hold now, without saving it."""
        try:
            result = session.preview(self.exercise, self.read_answer())
        except CourseError as exc:
            self._show_error(exc)
            return
        except Exception:  # the settled check reports it in the widget
            return
        self.feedback.value = render.result_html(result)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(CHECK_SETTLE_SECONDS, self._settled)

    def _on_input(self, _change: Any) -> None:
        """A value arrived while a click waits: wait for the browser's remaining changes."""
        if self._pending is None:
            return
        loop = _running_loop()
        if loop is not None and loop.time() - self._requested_at < CHECK_SETTLE_LIMIT:
            self._schedule(loop)
            self._preview()

    def _settled(self) -> None:
        self._pending = None
        try:
            self._check_now()
        except Exception as exc:  # a callback's error would otherwise vanish unseen
            self.feedback.value = (f'<div class="course-feedback-body course-status-invalid" '
                                   f'role="status"><p><strong>⚠ Problem:</strong> the answer '
                                   f"could not be checked ({html.escape(type(exc).__name__)}: "
                                   f"{html.escape(str(exc)[:300])}).</p></div>")

    def _check_now(self) -> Result | None:
        try:
            with _progress_notices() as notices:
                result = session.submit(self.exercise, self.read_answer())
        except CourseError as exc:  # e.g. the data behind a data question is missing
            self._show_error(exc)
            return None
        self.feedback.value = render.result_html(result) + _notice_html(notices)
        return result

    def on_hint(self, _button: Any = None) -> str | None:
        """Show the next hint under the earlier ones; return its text."""
        with _progress_notices() as notices:
            hint = session.next_hint(self.exercise)
        if hint is not None:
            number, text = hint
            self.hints.value += (f'<p class="course-hint"><strong>Hint {number}:</strong> '
                                 f"{render.inline_html(text)}</p>{_notice_html(notices)}")
        self.refresh()
        return None if hint is None else hint[1]

    def on_reveal(self, _button: Any = None) -> Result | None:
        """Show the answer with its explanation and sources."""
        try:
            with _progress_notices() as notices:
                result = session.reveal_answer(self.exercise)
        except CourseError as exc:
            self._show_error(exc)
            return None
        self.answer.value = render.result_html(result) + _notice_html(notices)
        return result


@contextlib.contextmanager
def _progress_notices() -> Iterator[list[str]]:
    """Collect the progress file's warnings during a check, to show them in the widget.

    A warning raised in a widget's callback goes to the kernel's log, which a student never
    sees; the feedback area is where they look. Other warnings pass on unchanged.
    """
    from helpers.exercises.progress import ProgressFileWarning

    notices: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notices
    for warning in caught:
        if issubclass(warning.category, ProgressFileWarning):
            notices.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def _notice_html(notices: list[str]) -> str:
    return "".join(f'<p class="course-progress-notice" role="status"><strong>⚠ About your '
                   f"saved answers:</strong> {html.escape(n)}</p>" for n in notices)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """Return the running event loop (the kernel's, during a click), or None outside one."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class ExerciseView:
    """A displayable exercise: the live widget plus a text and HTML rendering of the question."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self._widget: ExerciseWidget | None = None

    @property
    def widget(self) -> ExerciseWidget:
        """The live widget, built the first time it is needed."""
        if self._widget is None:
            self._widget = ExerciseWidget(self.exercise)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.widget.box, text=render.exercise_text(self.exercise),
                             html=render.exercise_html(self.exercise))

    def __repr__(self) -> str:
        return render.exercise_text(self.exercise)


class Feedback:
    """What ``check()`` returns: the result, shown as text and as escaped HTML."""

    def __init__(self, exercise_id: str, result: Result) -> None:
        self.exercise_id = exercise_id
        self.result = result

    @property
    def status(self) -> str:
        """'correct', 'partial', 'incorrect', 'invalid' or 'recorded'."""
        return self.result.status

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.result.correct

    def _repr_html_(self) -> str:
        return f'<div class="course-feedback">{render.result_html(self.result)}</div>'

    def __repr__(self) -> str:
        return self.result.text()


def in_voila() -> bool:
    """True when the kernel runs under Voilà, which hides code cells from the student."""
    import os

    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila")


class DemoFeedback(Feedback):
    """What ``check(..., demo=True)`` returns: an author's worked example, never saved.

    In JupyterLab it shows the feedback under an "Example only, not saved" label; under Voilà,
    where the student cannot edit the cell, it shows a neutral note without a verdict.
    """

    NOTE = ("This cell shows how check() works. It is an example, not your answer, and no "
            "verdict is shown here; open the notebook in JupyterLab to try it yourself.")

    def _repr_html_(self) -> str:
        if in_voila():
            return f'<div class="course-demo"><p><em>{html.escape(self.NOTE)}</em></p></div>'
        return ('<div class="course-feedback course-demo"><p><strong>Example only, not saved '
                f'as your answer:</strong></p>{render.result_html(self.result)}</div>')

    def __repr__(self) -> str:
        if in_voila():
            return self.NOTE
        return f"Example only, not saved as your answer: {self.result.text()}"


# --------------------------------------------------------------------------------------------
# Progress


def progress_rows(entries: dict[str, dict[str, Any]],
                  planned: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Return one summary row per notebook and one for the whole course.

    ``planned`` lists each notebook's exercise ids (from the exercise files). Answers to inline
    exercises (saved under the notebook ``inline``) are counted there; answers to exercises that
    are no longer in the files are left out (they stay in the progress file and the export).
    """
    notebooks: dict[str, set[str]] = {nb: set(ids) for nb, ids in planned.items()}
    known = {ex_id for ids in planned.values() for ex_id in ids}
    for ex_id, entry in entries.items():
        if not isinstance(entry, dict) or ex_id in known:
            continue
        if entry.get("notebook") in (None, "", "inline"):
            notebooks.setdefault("inline", set()).add(ex_id)
    rows = []
    total = {"notebook": "Whole course", "exercises": 0, "tried": 0, "right": 0, "partly": 0,
             "saved": 0, "revealed": 0}
    for nb in sorted(notebooks):
        row = {"notebook": nb, "exercises": len(notebooks[nb]), "tried": 0, "right": 0,
               "partly": 0, "saved": 0, "revealed": 0}
        for ex_id in notebooks[nb]:
            entry = entries.get(ex_id)
            if not isinstance(entry, dict) or not entry:
                continue
            best = entry.get("best_status")
            if not isinstance(best, str):
                best = None
            if best in RANK and best != "revealed":
                row["tried"] += 1
            row["right"] += best == "correct"
            row["partly"] += best == "partial"
            row["saved"] += best == "recorded"
            row["revealed"] += entry.get("revealed") is True
        rows.append(row)
        for key in total:
            if key != "notebook":
                total[key] += row[key]
    rows.append(total)
    return rows


PROGRESS_TEXT = ("Course progress: run this cell in JupyterLab or Voilà to see which exercises "
                 "you have done and to export your answers.")


def download_link(path: Path) -> str:
    """Return an HTML link that downloads ``path`` in the browser (a data: URL), for Voilà and
    JupyterLab alike, where the student may have no other way to reach the file."""
    try:
        content = path.read_bytes()
    except OSError:
        return ""
    if len(content) > MAX_LINK_BYTES:
        return "The file is too large to offer as a download link; copy it from that folder."
    mime = "application/json" if path.suffix.lower() == ".json" else "text/csv"
    encoded = base64.b64encode(content).decode("ascii")
    name = html.escape(path.name, quote=True)
    return (f'<a download="{name}" href="data:{mime};charset=utf-8;base64,{encoded}">'
            f"Download {name}</a>.")


class ProgressWidget:
    """Per-notebook and whole-course progress, with a button to export the answers."""

    def __init__(self) -> None:
        self.table = w.HTML(value="")
        self.refresh_button = w.Button(description="Refresh", tooltip="Read the progress again")
        self.refresh_button.on_click(self.refresh)
        self.student = w.Text(value="", description="Your name (optional):", style=WIDE)
        self.path = w.Text(value="course-answers.csv", description="Save as:", style=WIDE)
        self.format = w.Dropdown(options=[("CSV", "csv"), ("JSON", "json")], value="csv",
                                 description="Format:", style=WIDE)
        self.format.observe(self._on_format, names="value")
        self.export_button = w.Button(description="Export my answers",
                                      tooltip="Write all your answers to one file")
        self.export_button.on_click(self.on_export)
        self.message = w.HTML(value="")
        self.message.add_class("course-feedback")
        self.box = w.VBox([
            access_helper(), w.HTML(value="<p><strong>Your progress</strong></p>"), self.table,
            self.refresh_button, self.student, w.HBox([self.path, self.format]),
            self.export_button, self.message,
        ])
        self.box.add_class("course-progress")
        self.refresh()

    def refresh(self, _button: Any = None) -> None:
        """Read the progress file again and redraw the table."""
        from helpers.exercises.bank import exercises_by_notebook

        try:
            planned = exercises_by_notebook()
        except CourseError:
            planned = {}
        with _progress_notices() as notices:
            rows = progress_rows(session.store().entries(), planned)
        head = ("<tr><th scope='col'>Notebook</th><th scope='col'>Exercises</th>"
                "<th scope='col'>Tried</th><th scope='col'>✓ Right</th>"
                "<th scope='col'>◐ Partly right</th><th scope='col'>✎ Reflections saved</th>"
                "<th scope='col'>↪ Answer shown</th></tr>")
        body = "".join(
            "<tr>" + f"<th scope='row'>{html.escape(str(r['notebook']))}</th>" +
            "".join(f"<td>{r[k]}</td>" for k in ("exercises", "tried", "right", "partly",
                                                 "saved", "revealed")) + "</tr>"
            for r in rows)
        from helpers.exercises.progress import export_folder

        store = session.store()
        where = html.escape(str(store.path))
        folder = html.escape(str(export_folder(store)))
        kept = ""
        if store.in_memory:
            kept = (f"<p role='status'><strong>⚠ Kept in memory only:</strong> {where} cannot "
                    "be written now, so your answers are held while this notebook runs and "
                    "saved there as soon as it can be written. Export them to keep a copy.</p>")
        kept += _notice_html(notices)
        self.table.value = (f"<table class='course-progress-table'>{head}{body}</table>{kept}"
                            f"<p>Saved on this computer in <code>{where}</code>. Exports are "
                            f"written to <code>{folder}</code> unless you give a full path, "
                            "and offered as a download link.</p>")

    def _on_format(self, change: dict[str, Any]) -> None:
        path = Path(self.path.value.strip() or "course-answers.csv")
        if path.suffix.lower() in (".csv", ".json"):
            self.path.value = str(path.with_suffix("." + change["new"]))

    def on_export(self, _button: Any = None) -> Path | None:
        """Export the answers to the chosen file and say where it is."""
        from helpers.exercises.progress import export_progress

        try:
            target = export_progress(self.path.value or None, fmt=self.format.value,
                                     student=self.student.value, store=session.store())
        except CourseError as exc:
            self.message.value = (f"<p role='status'><strong>⚠ Not exported:</strong> "
                                  f"{html.escape(str(exc))}</p>")
            return None
        count = len(session.store().entries())
        self.message.value = (f"<p role='status'><strong>✓ Exported</strong> {count} answer"
                              f"{'s' if count != 1 else ''} to <code>{html.escape(str(target))}"
                              f"</code>. {download_link(target)} Send this file to your "
                              "instructor.</p>")
        return target

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.box, text=PROGRESS_TEXT,
                             html=f"<p><em>{html.escape(PROGRESS_TEXT)}</em></p>")

    def __repr__(self) -> str:
        return PROGRESS_TEXT
