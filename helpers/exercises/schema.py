"""The exercise schema: what an exercise in ``data/exercises/*.toml`` holds, and its validation.

An exercise is a TOML table in an ``[[exercise]]`` array with the common fields ``id``, ``kind``,
``question``, ``explanation``, ``sources`` (ids from ``data/sources.csv``), ``hints`` and
``tries_before_reveal``, and the fields of its kind (``options`` and ``answer`` for a single
choice, ``items`` for an ordering...). ``data/exercises/README.md`` documents every field for
instructors. :func:`parse_exercise` checks one raw table and returns the :class:`Exercise` with
every :class:`Problem` found, so that one run of the validator reports all of an instructor's slips
at once, each as one line naming file, exercise id and field, instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from helpers.errors import DataError
from helpers.exercises.grading import normalise_text

KINDS = ("single_choice", "select_all", "number", "text", "ordering", "matching", "data",
         "reflection")
AGGREGATIONS = ("sum", "mean", "median", "min", "max", "count", "nunique")
ID_PATTERN = re.compile(r"\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*")
#: Citations written in text as [SOURCE-ID]; each must resolve in the source list.
CITATION = re.compile(r"\[([A-Z][A-Z0-9]*(?:[.\-][A-Z0-9]+)+|[A-Z]{3,}[0-9]*)\]")
MAX_QUESTION = 3_000
MAX_TEXT = 2_000
MAX_OPTION = 500
#: Largest number accepted anywhere in an exercise: no answer in the course needs more digits,
#: and larger whole numbers cannot be compared exactly as decimals.
MAX_MAGNITUDE = 1e15

COMMON = ("id", "kind", "title", "question", "explanation", "sources", "hints",
          "tries_before_reveal")
BY_KIND: dict[str, tuple[str, ...]] = {
    "single_choice": ("options", "answer"),
    "select_all": ("options", "answers"),
    "number": ("answer", "answer_from", "tolerance", "rel_tolerance", "range", "unit",
               "mistakes"),
    "text": ("answers", "mistakes"),
    "ordering": ("items",),
    "matching": ("pairs", "distractors", "left_label", "right_label"),
    "data": ("answer", "answer_from", "tolerance", "rel_tolerance", "range", "unit", "mistakes",
             "code_hint"),
    "reflection": ("model_answer", "rubric", "min_words"),
}
ALL_FIELDS = tuple(dict.fromkeys(COMMON + tuple(f for fs in BY_KIND.values() for f in fs)))
ANSWER_FROM_KEYS = ("table", "column", "filter", "agg")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an exercise file, located by file, exercise id and field."""

    file: str
    message: str
    exercise: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.exercise is not None:
            where += f": exercise '{self.exercise}'"
        if self.field is not None:
            where += f", field '{self.field}'" if self.exercise is not None \
                else f": field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Option:
    """A choice in a single-choice or select-all exercise, with why it is right or wrong."""

    text: str
    explanation: str


@dataclass(frozen=True)
class Mistake:
    """A foreseeable wrong answer and the message that names the slip."""

    message: str
    value: float | None = None
    answer_from: Mapping[str, Any] | None = None
    tolerance: float | None = None
    text: str | None = None


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise: the common fields and those of its kind (unused ones keep defaults)."""

    id: str
    kind: str
    question: str
    sources: tuple[str, ...]
    explanation: str = ""
    title: str = ""
    hints: tuple[str, ...] = ()
    tries_before_reveal: int = 2
    notebook: str = ""
    file: str = ""
    options: tuple[Option, ...] = ()
    answer: Any = None
    answers: tuple[str, ...] = ()
    answer_from: Mapping[str, Any] | None = None
    tolerance: float | None = None
    rel_tolerance: float | None = None
    range: tuple[float, float] | None = None
    unit: str = ""
    mistakes: tuple[Mistake, ...] = ()
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    distractors: tuple[str, ...] = ()
    left_label: str = "Item"
    right_label: str = "Match"
    model_answer: str = ""
    rubric: tuple[str, ...] = ()
    min_words: int = 10
    code_hint: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: True when read from a student release's sealed file: static renderings then leave out
    #: the options, items and pairs (they would show the right option's text to a search).
    sealed: bool = False


def _type_name(value: object) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true/false",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def number_problem(value: int | float) -> str | None:
    """Say what is wrong with a number read from a file (not finite, far too large), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, not {value}."
    if abs(value) > MAX_MAGNITUDE:
        if isinstance(value, int):
            size = f"a whole number of {len(str(abs(value))):,} digits"
        else:
            size = f"{value:.3g}"
        return (f"is {size}, far too large; numbers here have at most 15 digits "
                f"({MAX_MAGNITUDE:,.0f}).")
    return None


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Reader:
    """Reads typed fields from one raw exercise table, collecting a Problem for each slip."""

    def __init__(self, raw: Mapping[str, Any], file: str, ex_id: str | None,
                 problems: list[Problem]) -> None:
        self.raw = raw
        self.file = file
        self.ex_id = ex_id
        self.problems = problems

    def problem(self, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, message, self.ex_id, field_name))

    def has(self, name: str) -> bool:
        return name in self.raw

    def text(self, name: str, *, required: bool = False, limit: int = MAX_TEXT,
             default: str = "") -> str:
        if name not in self.raw:
            if required:
                self.problem(name, "is missing; every exercise of this kind needs it.")
            return default
        value = self.raw[name]
        if not isinstance(value, str):
            self.problem(name, f"must be text in quotes, not {_type_name(value)}.")
            return default
        if not value.strip():
            if required:
                self.problem(name, "is empty; write it out.")
            return default
        if len(value) > limit:
            self.problem(name, f"has {len(value):,} characters; keep it under {limit:,}.")
        return value.strip()

    def text_list(self, name: str, *, required: bool = False, min_items: int = 0,
                  max_items: int = 50, unique: bool = False, limit: int = MAX_TEXT,
                  what: str = "entries") -> tuple[str, ...]:
        if name not in self.raw:
            if required:
                self.problem(name, "is missing; every exercise of this kind needs it.")
            return ()
        value = self.raw[name]
        if isinstance(value, str):
            self.problem(name, 'must be a list of text, such as ["a", "b"], not one text.')
            return ()
        if not isinstance(value, list):
            self.problem(name, f"must be a list of text, not {_type_name(value)}.")
            return ()
        out: list[str] = []
        for i, item in enumerate(value, start=1):
            if not isinstance(item, str):
                self.problem(name, f"entry {i} must be text in quotes, not {_type_name(item)}.")
                continue
            if not item.strip():
                self.problem(name, f"entry {i} is empty.")
                continue
            if len(item) > limit:
                self.problem(name, f"entry {i} has {len(item):,} characters; keep it under "
                             f"{limit:,}.")
            out.append(item.strip())
        if not min_items <= len(value) <= max_items:
            span = f"{min_items} to {max_items}" if max_items < 50 else f"at least {min_items}"
            self.problem(name, f"has {len(value)} {what}; it needs {span}.")
        if unique:
            seen: dict[str, str] = {}
            for item in out:
                key = normalise_text(item) or item
                if key in seen:
                    self.problem(name, f"'{item}' appears twice" +
                                 (f" (as '{seen[key]}')" if seen[key] != item else "") +
                                 "; each entry must be different.")
                seen.setdefault(key, item)
        return tuple(out)

    def number(self, name: str, *, minimum: float | None = None,
               maximum: float | None = None) -> float | None:
        if name not in self.raw:
            return None
        value = self.raw[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = " (write it without quotes)" if isinstance(value, str) else ""
            self.problem(name, f"must be a number{hint}, not {_type_name(value)}.")
            return None
        problem = number_problem(value)
        if problem is not None:
            self.problem(name, problem)
            return None
        if minimum is not None and value < minimum:
            self.problem(name, f"must be at least {minimum:g}; it is {value:g}.")
            return None
        if maximum is not None and value > maximum:
            self.problem(name, f"must be at most {maximum:g}; it is {value:g}.")
            return None
        return float(value)

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        if name not in self.raw:
            return default
        value = self.raw[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, f"must be a whole number, not {_type_name(value)}.")
            return default
        if not minimum <= value <= maximum:
            shown = f"{value}" if abs(value) < 10**20 else \
                f"a whole number of {len(str(abs(value))):,} digits"
            self.problem(name, f"must be from {minimum} to {maximum}; it is {shown}.")
            return default
        return value


def _check_citations(reader: _Reader, name: str, text: str, source_ids: set[str] | None) -> None:
    if source_ids is None:
        return
    for cited in CITATION.findall(text):
        if cited not in source_ids:
            reader.problem(name, f"cites [{cited}], which is not an id in data/sources.csv"
                           f"{_suggest(cited, source_ids)}.")


def _read_options(r: _Reader, source_ids: set[str] | None) -> tuple[Option, ...]:
    if "options" not in r.raw:
        r.problem("options", "is missing; list the choices, each with 'text' and 'explanation'.")
        return ()
    raw = r.raw["options"]
    if not isinstance(raw, list):
        r.problem("options", "must be a list of tables, each with 'text' and 'explanation', "
                  f"not {_type_name(raw)}.")
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        where = f"options[{i}]"
        if not isinstance(entry, dict):
            r.problem(where, "must be a table with 'text' and 'explanation', such as "
                      '{ text = "…", explanation = "…" }, not ' + _type_name(entry) + ".")
            continue
        unknown = sorted(set(entry) - {"text", "explanation"})
        for key in unknown:
            r.problem(f"{where}.{key}", "is not a field of an option; an option has 'text' "
                      f"and 'explanation'{_suggest(key, ('text', 'explanation'))}.")
        text = entry.get("text")
        explanation = entry.get("explanation")
        if not isinstance(text, str) or not text.strip():
            r.problem(f"{where}.text", "is missing or empty; every option needs its text.")
            continue
        if len(text) > MAX_OPTION:
            r.problem(f"{where}.text", f"has {len(text):,} characters; keep an option under "
                      f"{MAX_OPTION}.")
        if not isinstance(explanation, str) or not explanation.strip():
            r.problem(f"{where}.explanation", f"is missing for option '{text.strip()}'; every "
                      "option needs an explanation of why it is right or wrong.")
            explanation = ""
        else:
            _check_citations(r, f"{where}.explanation", explanation, source_ids)
        if text.strip() in seen:
            r.problem(where, f"'{text.strip()}' appears twice; each option must be different.")
        seen.add(text.strip())
        options.append(Option(text.strip(), explanation.strip()))
    if not 2 <= len(raw) <= 10:
        r.problem("options", f"has {len(raw)} options; give 2 to 10.")
    return tuple(options)


def _read_answer_from(r: _Reader, raw: object, name: str, *,
                      partial: bool = False) -> Mapping[str, Any] | None:
    """Check the shape of an answer_from table; the bank checks it against the data."""
    if not isinstance(raw, dict):
        r.problem(name, "must be a table such as { table = \"battle_deaths\", column = "
                  "\"deaths_best\", filter = { year = 2021 }, agg = \"sum\" }, not "
                  f"{_type_name(raw)}.")
        return None
    ok = True
    for key in sorted(set(raw) - set(ANSWER_FROM_KEYS)):
        r.problem(f"{name}.{key}", "is not a field of answer_from, which takes "
                  f"{', '.join(ANSWER_FROM_KEYS)}{_suggest(key, ANSWER_FROM_KEYS)}.")
        ok = False
    required = () if partial else ("table", "column", "agg")
    for key in ("table", "column", "agg"):
        if key in raw and not isinstance(raw[key], str):
            r.problem(f"{name}.{key}", f"must be text, not {_type_name(raw[key])}.")
            ok = False
        elif key not in raw and key in required:
            r.problem(f"{name}.{key}", "is missing.")
            ok = False
    agg = raw.get("agg")
    if isinstance(agg, str) and agg not in AGGREGATIONS:
        r.problem(f"{name}.agg", f"'{agg}' is not one of {', '.join(AGGREGATIONS)}"
                  f"{_suggest(agg, AGGREGATIONS)}.")
        ok = False
    filters = raw.get("filter", {})
    if not isinstance(filters, dict):
        r.problem(f"{name}.filter", "must be a table of column = value, such as "
                  f"{{ year = 2021 }}, not {_type_name(filters)}.")
        ok = False
    else:
        for column, wanted in filters.items():
            if isinstance(wanted, dict):
                bad = sorted(set(wanted) - {"min", "max"}) or ([] if wanted else ["(empty)"])
                if bad:
                    r.problem(f"{name}.filter.{column}", "a range takes only 'min' and 'max'.")
                    ok = False
                for bound in ("min", "max"):
                    if bound in wanted and (not isinstance(wanted[bound], (int, float, str))
                                            or isinstance(wanted[bound], bool)):
                        r.problem(f"{name}.filter.{column}", f"'{bound}' must be a number or "
                                  "a date in quotes.")
                        ok = False
                    elif bound in wanted and not isinstance(wanted[bound], str) and \
                            number_problem(wanted[bound]):
                        r.problem(f"{name}.filter.{column}",
                                  f"'{bound}' {number_problem(wanted[bound])}")
                        ok = False
            elif isinstance(wanted, list):
                if not wanted or not all(isinstance(v, (int, float, str)) and
                                         not isinstance(v, bool) for v in wanted):
                    r.problem(f"{name}.filter.{column}", "a list of values must hold numbers "
                              "or text, and not be empty.")
                    ok = False
            elif not isinstance(wanted, (int, float, str, bool)):
                r.problem(f"{name}.filter.{column}", "must be a value, a list of values or "
                          "{ min = …, max = … }.")
                ok = False
            values = wanted if isinstance(wanted, list) else [wanted]
            for value in values:
                if isinstance(value, (int, float)) and not isinstance(value, bool) and \
                        number_problem(value):
                    r.problem(f"{name}.filter.{column}", f"the value {number_problem(value)}")
                    ok = False
                    break
    return dict(raw) if ok else None


def _read_numeric(r: _Reader, kind: str, source_ids: set[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    has_answer = r.has("answer")
    has_from = r.has("answer_from")
    has_range = r.has("range")
    if has_answer and has_from:
        r.problem("answer", "give either 'answer' or 'answer_from', not both.")
    if has_answer:
        out["answer"] = r.number("answer")
    if has_from:
        out["answer_from"] = _read_answer_from(r, r.raw["answer_from"], "answer_from")
    if has_range:
        raw = r.raw["range"]
        if (not isinstance(raw, list) or len(raw) != 2 or
                not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw)):
            r.problem("range", "must be two numbers in brackets, low and high: [10, 20].")
        elif any(number_problem(v) for v in raw):
            end, value = next((e, v) for e, v in zip(("low", "high"), raw, strict=True)
                              if number_problem(v))
            r.problem("range", f"the {end} end {number_problem(value)}")
        elif raw[0] > raw[1]:
            r.problem("range", f"the low end {raw[0]} is above the high end {raw[1]}.")
        else:
            out["range"] = (float(raw[0]), float(raw[1]))
            answer = out.get("answer")
            if answer is not None and not raw[0] <= answer <= raw[1]:
                r.problem("answer", f"{answer:g} lies outside the range [{raw[0]}, {raw[1]}].")
    if not (has_answer or has_from or has_range):
        r.problem("answer", "is missing: give 'answer' (a number), 'answer_from' (computed "
                  "from a table) or 'range' (low and high).")
    out["tolerance"] = r.number("tolerance", minimum=0)
    out["rel_tolerance"] = r.number("rel_tolerance", minimum=0, maximum=1)
    given = [n for n in ("tolerance", "rel_tolerance", "range") if r.has(n)]
    if len(given) > 1:
        r.problem(given[1], f"give only one of tolerance, rel_tolerance or range; this "
                  f"exercise has {' and '.join(given)}.")
    out["unit"] = r.text("unit", limit=40)
    out["mistakes"] = _read_mistakes(r, kind, source_ids)
    if kind == "data":
        out["code_hint"] = r.text("code_hint", limit=300)
    return out


def _read_mistakes(r: _Reader, kind: str, source_ids: set[str] | None) -> tuple[Mistake, ...]:
    if "mistakes" not in r.raw:
        return ()
    raw = r.raw["mistakes"]
    if not isinstance(raw, list):
        r.problem("mistakes", f"must be a list of tables, not {_type_name(raw)}.")
        return ()
    numeric = kind in ("number", "data")
    allowed = {"message", "value", "answer_from", "tolerance"} if numeric else {"message", "text"}
    mistakes = []
    for i, entry in enumerate(raw, start=1):
        where = f"mistakes[{i}]"
        if not isinstance(entry, dict):
            r.problem(where, f"must be a table, not {_type_name(entry)}.")
            continue
        for key in sorted(set(entry) - allowed):
            r.problem(f"{where}.{key}", f"is not a field of a mistake here; use "
                      f"{', '.join(sorted(allowed))}{_suggest(key, allowed)}.")
        message = entry.get("message")
        if not isinstance(message, str) or not message.strip():
            r.problem(f"{where}.message", "is missing; say what the slip is and how to fix it.")
            continue
        _check_citations(r, f"{where}.message", message, source_ids)
        sub = _Reader(entry, r.file, r.ex_id, r.problems)
        if numeric:
            value = sub.number("value")
            if "value" in entry and value is None:
                continue
            answer_from = None
            if "answer_from" in entry:
                answer_from = _read_answer_from(r, entry["answer_from"], f"{where}.answer_from",
                                                partial=True)
                if answer_from is None:
                    continue
                if not r.has("answer_from"):
                    r.problem(f"{where}.answer_from", "needs the exercise itself to use "
                              "answer_from, whose settings it changes.")
                    continue
            if (value is None) == (answer_from is None):
                r.problem(where, "give either 'value' or 'answer_from' for the wrong answer.")
                continue
            tolerance = sub.number("tolerance", minimum=0)
            mistakes.append(Mistake(message.strip(), value, answer_from, tolerance))
        else:
            text = entry.get("text")
            if not isinstance(text, str) or not text.strip():
                r.problem(f"{where}.text", "is missing; give the wrong answer it catches.")
                continue
            mistakes.append(Mistake(message.strip(), text=text.strip()))
    return tuple(mistakes)


def _read_pairs(r: _Reader) -> tuple[tuple[str, str], ...]:
    if "pairs" not in r.raw:
        r.problem("pairs", "is missing; list the pairs as { left = \"…\", right = \"…\" }.")
        return ()
    raw = r.raw["pairs"]
    if not isinstance(raw, list):
        r.problem("pairs", f"must be a list of tables with 'left' and 'right', not "
                  f"{_type_name(raw)}.")
        return ()
    pairs: list[tuple[str, str]] = []
    lefts: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        where = f"pairs[{i}]"
        if not isinstance(entry, dict):
            r.problem(where, f"must be a table with 'left' and 'right', not {_type_name(entry)}.")
            continue
        for key in sorted(set(entry) - {"left", "right"}):
            r.problem(f"{where}.{key}", "is not a field of a pair; a pair has 'left' and "
                      f"'right'{_suggest(key, ('left', 'right'))}.")
        left, right = entry.get("left"), entry.get("right")
        if not isinstance(left, str) or not left.strip():
            r.problem(f"{where}.left", "is missing or empty.")
            continue
        if not isinstance(right, str) or not right.strip():
            r.problem(f"{where}.right", f"is missing or empty for '{left.strip()}'.")
            continue
        if left.strip() in lefts:
            r.problem(where, f"'{left.strip()}' appears twice on the left; each item is "
                      "paired once.")
            continue
        lefts.add(left.strip())
        pairs.append((left.strip(), right.strip()))
    if not 2 <= len(raw) <= 10:
        r.problem("pairs", f"has {len(raw)} pairs; give 2 to 10.")
    return tuple(pairs)


def parse_exercise(raw: object, *, file: str, index: int, notebook: str = "",
                   source_ids: set[str] | None = None) -> tuple[Exercise | None, list[Problem]]:
    """Check one raw exercise table and return ``(exercise or None, problems)``.

    ``index`` is the exercise's position in its file (from 1), used to name an exercise that has
    no id; ``notebook`` is the file's stem (``02_doha``), whose number the id must start with;
    ``source_ids`` are the ids of ``data/sources.csv`` (``None`` skips that check). The exercise
    is returned only when there are no problems.
    """
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        problems.append(Problem(file, f"exercise #{index} must be a table under [[exercise]], "
                                f"not {_type_name(raw)}."))
        return None, problems
    ex_id_raw = raw.get("id")
    label = ex_id_raw if isinstance(ex_id_raw, str) and ex_id_raw.strip() else \
        f"#{index} (no id)"
    r = _Reader(raw, file, label, problems)
    ex_id = r.text("id", required=True, limit=80)
    prefix = notebook[:2]
    if ex_id and not ID_PATTERN.fullmatch(ex_id):
        r.problem("id", "must be the notebook number, a hyphen and lowercase words joined by "
                  "hyphens, such as '02-signatories'.")
    elif ex_id and prefix.isdigit() and not ex_id.startswith(prefix + "-"):
        r.problem("id", f"must start with '{prefix}-', the number of its file.")
    kind = raw.get("kind")
    if kind is None:
        r.problem("kind", f"is missing; use one of {', '.join(KINDS)}.")
        return None, problems
    if not isinstance(kind, str) or kind not in KINDS:
        shown = kind if isinstance(kind, str) else _type_name(kind)
        r.problem("kind", f"unknown kind '{shown}'; use one of {', '.join(KINDS)}"
                  f"{_suggest(str(kind), KINDS)}.")
        return None, problems
    allowed = set(COMMON) | set(BY_KIND[kind])
    for key in sorted(set(raw) - allowed):
        if key in ALL_FIELDS:
            r.problem(key, f"is not used by a '{kind}' exercise; remove it.")
        else:
            r.problem(key, f"is not a known field{_suggest(key, allowed)}.")
    question = r.text("question", required=True, limit=MAX_QUESTION)
    _check_citations(r, "question", question, source_ids)
    explanation = r.text("explanation", required=kind != "reflection")
    _check_citations(r, "explanation", explanation, source_ids)
    sources = r.text_list("sources", required=True, min_items=1, max_items=20, unique=True,
                          what="ids")
    if source_ids is not None:
        for sid in sources:
            if sid not in source_ids:
                r.problem("sources", f"'{sid}' is not an id in data/sources.csv"
                          f"{_suggest(sid, source_ids)}.")
    fields: dict[str, Any] = {
        "title": r.text("title", limit=120),
        "hints": r.text_list("hints", max_items=5, what="hints"),
        "tries_before_reveal": r.integer("tries_before_reveal", default=2, minimum=0,
                                         maximum=20),
    }
    for i, hint in enumerate(fields["hints"], start=1):
        _check_citations(r, f"hints[{i}]", hint, source_ids)
    if kind in ("single_choice", "select_all"):
        options = _read_options(r, source_ids)
        fields["options"] = options
        texts = [o.text for o in options]
        if kind == "single_choice":
            answer = r.text("answer", required=True, limit=MAX_OPTION)
            if answer and options and answer not in texts:
                r.problem("answer", f"'{answer}' is not among the options"
                          f"{_suggest(answer, texts)}; copy the right option's text exactly.")
            fields["answer"] = answer
        else:
            answers = r.text_list("answers", required=True, min_items=1, max_items=10,
                                  unique=True, what="answers")
            for answer in answers:
                if options and answer not in texts:
                    r.problem("answers", f"'{answer}' is not among the options"
                              f"{_suggest(answer, texts)}; copy the option's text exactly.")
            fields["answers"] = answers
    elif kind in ("number", "data"):
        fields.update(_read_numeric(r, kind, source_ids))
    elif kind == "text":
        fields["answers"] = r.text_list("answers", required=True, min_items=1, max_items=20,
                                        unique=True, limit=200, what="accepted answers")
        fields["mistakes"] = _read_mistakes(r, kind, source_ids)
        accepted = {normalise_text(a) for a in fields["answers"]}
        for i, mistake in enumerate(fields["mistakes"], start=1):
            if normalise_text(mistake.text or "") in accepted:
                r.problem(f"mistakes[{i}].text", f"'{mistake.text}' is also an accepted "
                          "answer; a mistake must be a wrong answer.")
    elif kind == "ordering":
        fields["items"] = r.text_list("items", required=True, min_items=4, max_items=8,
                                      unique=True, limit=MAX_OPTION, what="items")
    elif kind == "matching":
        fields["pairs"] = _read_pairs(r)
        rights = {right for _, right in fields["pairs"]}
        distractors = r.text_list("distractors", max_items=10, unique=True, limit=MAX_OPTION,
                                  what="distractors")
        for d in distractors:
            if d in rights:
                r.problem("distractors", f"'{d}' is also a right answer; a distractor must "
                          "match nothing.")
        fields["distractors"] = distractors
        fields["left_label"] = r.text("left_label", limit=60, default="Item")
        fields["right_label"] = r.text("right_label", limit=60, default="Match")
    else:  # reflection
        fields["model_answer"] = r.text("model_answer", required=True, limit=MAX_QUESTION)
        _check_citations(r, "model_answer", fields["model_answer"], source_ids)
        fields["rubric"] = r.text_list("rubric", required=True, min_items=1, max_items=8,
                                       what="points")
        fields["min_words"] = r.integer("min_words", default=10, minimum=1, maximum=500)
    if problems:
        return None, problems
    exercise = Exercise(id=ex_id, kind=kind, question=question, sources=sources,
                        explanation=explanation, notebook=notebook, file=file, **fields)
    return exercise, problems


def exercise_from_dict(raw: Mapping[str, Any], *, source_ids: set[str] | None = None,
                       file: str = "inline exercise", notebook: str = "") -> Exercise:
    """Return the exercise described by ``raw``, or raise DataError listing every problem."""
    exercise, problems = parse_exercise(dict(raw), file=file, index=1, notebook=notebook,
                                        source_ids=source_ids)
    if exercise is None:
        lines = "\n".join(f"  {p}" for p in problems)
        raise DataError(f"the exercise has problems:\n{lines}")
    return exercise


def parse_document(doc: object, *, file: str, notebook: str,
                   source_ids: set[str] | None) -> tuple[list[Exercise], list[Problem]]:
    """Check a whole parsed TOML file: its top-level keys and each ``[[exercise]]``."""
    problems: list[Problem] = []
    exercises: list[Exercise] = []
    if not isinstance(doc, dict):
        return [], [Problem(file, "the file must hold [[exercise]] tables.")]
    for key in sorted(set(doc) - {"exercise", "title", "notebook"}):
        problems.append(Problem(file, f"unknown top-level key '{key}'"
                                f"{_suggest(key, ('exercise', 'title', 'notebook'))}; each "
                                "exercise starts with a line [[exercise]]."))
    for key in ("title", "notebook"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(Problem(file, f"'{key}' must be text in quotes."))
    raw_list = doc.get("exercise", [])
    if not isinstance(raw_list, list):
        problems.append(Problem(file, "'exercise' must be an array of tables: start each "
                                "exercise with [[exercise]] (two brackets)."))
        return [], problems
    if not raw_list:
        problems.append(Problem(file, "the file has no exercises; start each with "
                                "[[exercise]]."))
    for index, raw in enumerate(raw_list, start=1):
        exercise, found = parse_exercise(raw, file=file, index=index, notebook=notebook,
                                         source_ids=source_ids)
        problems.extend(found)
        if exercise is not None:
            exercises.append(exercise)
    return exercises, problems
