"""Static renderings of an exercise and of feedback, for places where widgets cannot run.

GitHub, nbviewer, a PDF export and a closed notebook show an exercise from the text stored with
the output, not from the live widget. :func:`exercise_text` and :func:`exercise_html` give the
question and its options in plain text and in HTML, with a line saying where to answer it. They
depend only on the exercise, never on the student's history or the clock, so they are identical
on every run. :func:`result_html` renders feedback. All text goes through :func:`html.escape`;
the only markup added is ``code`` for text between backticks and paragraphs at blank lines.
"""

from __future__ import annotations

import hashlib
import html
import re

from helpers.exercises.grading import Result
from helpers.exercises.schema import Exercise

WHERE_TO_ANSWER = "Answer in JupyterLab or Voilà to get feedback."
#: Shown instead of the choices of a sealed exercise (student release) in a static rendering.
SEALED_CHOICES = "Run this cell in JupyterLab or Voilà to see the choices."
KIND_NAMES = {
    "single_choice": "choose one",
    "select_all": "select all that apply",
    "number": "give a number",
    "text": "short answer",
    "ordering": "put in order",
    "matching": "match the pairs",
    "data": "data question",
    "reflection": "reflection",
}
_CODE = re.compile(r"`([^`\n]+)`")


def inline_html(text: str) -> str:
    """Return one paragraph of text as escaped HTML, with `backticks` as <code>."""
    escaped = html.escape(text, quote=True)
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)


def block_html(text: str) -> str:
    """Return text as escaped HTML paragraphs (split at blank lines; line breaks kept)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{inline_html(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def letters(n: int) -> list[str]:
    """Return the option letters A, B, C... for n options."""
    return [chr(ord("A") + i) for i in range(n)]


def shown_order(ex: Exercise) -> list[str]:
    """Return an ordering exercise's items in the order they are shown: fixed, never sorted.

    The order comes from a hash of the exercise id and each item, so it is the same on every run
    and machine; if that happens to be the right order, it is turned by one place.
    """
    def key(item: str) -> str:
        return hashlib.sha256(f"{ex.id}\x00{item}".encode()).hexdigest()

    order = sorted(ex.items, key=key)
    if order == list(ex.items):
        order = order[1:] + order[:1]
    return order


def match_choices(ex: Exercise) -> list[str]:
    """Return the right-hand choices of a matching exercise, in alphabetical order."""
    rights = {right for _, right in ex.pairs} | set(ex.distractors)
    return sorted(rights, key=lambda s: (s.casefold(), s))


def _heading(ex: Exercise) -> str:
    title = f": {ex.title}" if ex.title else ""
    return f"Exercise {ex.id}{title} ({KIND_NAMES[ex.kind]})"


def _body_lines(ex: Exercise) -> list[str]:
    """Return the lines under the question: options, items, pairs or instructions."""
    lines: list[str] = []
    if ex.sealed and ex.kind in ("single_choice", "select_all", "ordering", "matching"):
        lines.append(SEALED_CHOICES)
    elif ex.kind in ("single_choice", "select_all"):
        lines += [f"{letter}. {o.text}" for letter, o in zip(letters(len(ex.options)),
                                                              ex.options, strict=True)]
    elif ex.kind == "ordering":
        lines += [f"- {item}" for item in shown_order(ex)]
    elif ex.kind == "matching":
        lines.append(f"{ex.left_label}:")
        lines += [f"- {left}" for left, _ in ex.pairs]
        lines.append(f"{ex.right_label} (choose for each):")
        lines += [f"- {right}" for right in match_choices(ex)]
    elif ex.kind == "number" and ex.unit:
        lines.append(f"Give the answer in {ex.unit}.")
    elif ex.kind == "data":
        if ex.code_hint:
            lines.append(f"Start from: {ex.code_hint}")
        lines.append(f'Compute it in a code cell, then run check("{ex.id}", your_value).')
    elif ex.kind == "reflection":
        lines.append("Write a few sentences; a model answer and a rubric appear after you save.")
    return lines


def exercise_text(ex: Exercise) -> str:
    """Return the exercise as plain text: heading, question, options, where to answer."""
    parts = [_heading(ex), ex.question.strip(), *_body_lines(ex)]
    if ex.hints:
        parts.append(f"Hints available: {len(ex.hints)}.")
    parts.append(WHERE_TO_ANSWER if ex.kind != "data" else
                 "Run the notebook to get feedback from check().")
    return "\n".join(parts)


def exercise_html(ex: Exercise) -> str:
    """Return the exercise as static, escaped HTML with the same content as the plain text."""
    lines = _body_lines(ex)
    body = ""
    if ex.sealed and ex.kind in ("single_choice", "select_all", "ordering", "matching"):
        body = f"<p>{inline_html(SEALED_CHOICES)}</p>"
    elif ex.kind in ("single_choice", "select_all"):
        items = "".join(f"<li>{inline_html(o.text)}</li>" for o in ex.options)
        body = f'<ol type="A">{items}</ol>'
    elif ex.kind == "ordering":
        body = "<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in shown_order(ex)) + "</ul>"
    elif ex.kind == "matching":
        lefts = "".join(f"<li>{inline_html(left)}</li>" for left, _ in ex.pairs)
        rights = "".join(f"<li>{inline_html(r)}</li>" for r in match_choices(ex))
        body = (f"<p>{inline_html(ex.left_label)}:</p><ul>{lefts}</ul>"
                f"<p>{inline_html(ex.right_label)} (choose for each):</p><ul>{rights}</ul>")
    else:
        body = "".join(f"<p>{inline_html(line)}</p>" for line in lines)
    hints = f"<p>Hints available: {len(ex.hints)}.</p>" if ex.hints else ""
    where = WHERE_TO_ANSWER if ex.kind != "data" else \
        "Run the notebook to get feedback from check()."
    return (f'<div class="course-exercise-static course-ex-{ex.kind}">'
            f"<p><strong>{html.escape(_heading(ex))}</strong></p>"
            f"{block_html(ex.question)}{body}{hints}<p><em>{html.escape(where)}</em></p></div>")


def question_html(ex: Exercise) -> str:
    """Return the heading and question as HTML for the top of the live widget."""
    return (f'<div class="course-question"><p><strong>{html.escape(_heading(ex))}</strong></p>'
            f"{block_html(ex.question)}</div>")


def result_html(result: Result) -> str:
    """Return feedback as escaped HTML: symbol and status in words, message, details, sources."""
    details = "".join(f"<li>{inline_html(d)}</li>" for d in result.details)
    parts = [
        f'<div class="course-feedback-body course-status-{result.status}" role="status">',
        f"<p><strong>{html.escape(result.symbol)} {html.escape(result.label)}:</strong> "
        f"{html.escape(result.message)}</p>",
    ]
    if details:
        parts.append(f"<ul>{details}</ul>")
    if result.explanation:
        parts.append(block_html(result.explanation))
    if result.sources:
        cited = ", ".join(f"[{html.escape(s)}]" for s in result.sources)
        parts.append(f'<p class="course-sources">Sources: {cited}</p>')
    parts.append("</div>")
    return "".join(parts)
