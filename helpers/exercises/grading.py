"""Grading of every exercise kind as plain functions: no widgets, no files, no browser.

Each ``grade_*`` function takes an :class:`~helpers.exercises.schema.Exercise` and what the student
gave, and returns a :class:`Result`: a status (``correct``, ``partial``, ``incorrect``, ``invalid``
for input that is not an answer, ``recorded`` for a reflection), a message in words, a score from 0
to 1 and, where it helps, the explanation and sources to show. The functions never raise on a
student's input, whatever its type or length; an input that cannot be graded comes back as an
``invalid`` result that says plainly what is wrong, and it does not count as a try. Number and data
questions are graded against a :class:`NumericTarget`, which :mod:`helpers.exercises.answers`
computes from a literal answer or from the data, so these functions never read a file.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.exercises.schema import Exercise

#: Longest text accepted where a short answer or a number is expected.
MAX_SHORT_CHARS = 1_000
#: Longest reflection accepted (about 1,500 words).
MAX_LONG_CHARS = 10_000
#: Longest text kept in a message when it quotes what the student typed.
QUOTE_CHARS = 40
#: Most items accepted in a list answer (choices, orders, pairs).
MAX_ITEMS = 100

STATUSES = ("correct", "partial", "incorrect", "invalid", "recorded", "revealed")
SYMBOLS = {
    "correct": "✓",
    "partial": "◐",
    "incorrect": "✗",
    "invalid": "⚠",
    "recorded": "✎",
    "revealed": "↪",
}
LABELS = {
    "correct": "Right",
    "partial": "Partly right",
    "incorrect": "Not right yet",
    "invalid": "Not an answer yet",
    "recorded": "Saved",
    "revealed": "Answer",
}
#: Order used to keep a student's best result.
RANK = {"invalid": 0, "revealed": 1, "incorrect": 2, "partial": 3, "recorded": 4, "correct": 5}


@dataclass(frozen=True)
class Result:
    """The outcome of one check: status, message in words, score and what to show with it."""

    status: str
    message: str
    score: float = 0.0
    details: tuple[str, ...] = ()
    explanation: str = ""
    sources: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        """The symbol shown before the message (never colour alone)."""
        return SYMBOLS[self.status]

    @property
    def label(self) -> str:
        """The status in words: 'Right', 'Partly right', 'Not right yet'..."""
        return LABELS[self.status]

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == "correct"

    @property
    def counts_as_try(self) -> bool:
        """True when the answer was gradable, so it counts towards revealing the answer."""
        return self.status in ("correct", "partial", "incorrect")

    def text(self) -> str:
        """Return the feedback as plain text: symbol, status, message, details, explanation."""
        lines = [f"{self.symbol} {self.label}: {self.message}"]
        lines.extend(f"  • {d}" for d in self.details)
        if self.explanation:
            lines.append(self.explanation)
        if self.sources:
            lines.append("Sources: " + ", ".join(f"[{s}]" for s in self.sources))
        return "\n".join(lines)


@dataclass(frozen=True)
class NumericTarget:
    """What a number or data question accepts: the interval, the answer to show, known slips."""

    low: float
    high: float
    value: float | None = None
    unit: str = ""
    #: (value, tolerance, message) for each foreseeable mistake
    mistakes: tuple[tuple[float, float, str], ...] = ()
    close_margin: float = 0.0


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from what the student typed; ``percent`` when it ended in '%'."""

    value: float
    percent: bool = False
    notes: tuple[str, ...] = field(default=())


class NotANumber(ValueError):
    """What the student typed is not a number; the message says why in plain words."""


# --------------------------------------------------------------------------------------------
# Reading numbers and normalising text

_MINUS_SIGNS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-") | {
    0x066B: ".", 0x066C: ","}  # the Arabic decimal and thousands separators
#: Apostrophes used between groups of three digits (Swiss style, or curly from a word processor).
_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u02bc\u02b9\u2032\u00b4\u0060"), "'")
#: Months, whose names in a date answer must match exactly, like its digits.
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_MONTH_ABBREVIATIONS = {m[:3]: m for m in MONTHS} | {"sept": "september"}
_COUNT_WORDS = frozenset({
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "first", "second", "third", "fourth", "fifth",
    "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"})
_PERCENT_UNITS = ("%", "percent", "per cent", "percentage", "percentage points",
                  "percentage point", "pp", "% points")
_SCALES = (
    ("thousand", 1e3), ("million", 1e6), ("billion", 1e9),
    ("bn", 1e9), ("mn", 1e6), ("k", 1e3), ("m", 1e6), ("b", 1e9),
)
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d{1,4})?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_APOSTROPHE_GROUPED = re.compile(r"[+-]?\d{1,3}(?:'\d{3})+(?:\.\d+)?")
_NUMBER_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "twenty", "hundred", "thousand", "million"}


def _quote(text: str) -> str:
    """Return a short, quoted form of student text for a message (never HTML)."""
    flat = " ".join(text.split())
    if len(flat) > QUOTE_CHARS:
        flat = flat[: QUOTE_CHARS - 1] + "…"
    return f"“{flat}”"


def strip_invisible(text: str) -> str:
    """Return ``text`` without format characters: zero-width spaces and joiners, the byte-order
    mark, soft hyphens and direction marks, which text pasted from Dari or Pashto sources (or a
    word processor) carries between visible characters."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def is_percent_unit(unit: str) -> bool:
    """True when an exercise's unit is a percentage ('%', 'percent', 'percentage points'...)."""
    folded = " ".join(unit.casefold().split())
    return folded in _PERCENT_UNITS or folded.startswith(("%", "percent", "per cent"))


def _strip_unit(text: str, unit: str) -> str:
    """Remove the exercise's unit typed after the number ("6 notebooks", "20475 deaths")."""
    folded = " ".join(unicodedata.normalize("NFKC", unit).casefold().split())
    if not folded or is_percent_unit(folded):
        return text
    forms = {folded, folded[:-1] if folded.endswith("s") else folded + "s"}
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+")
                            for f in sorted(forms, key=len, reverse=True) if f)
    stripped = re.sub(rf"(?<=[\d.%kmb])\s*(?:{alternatives})\s*\.?\s*$", "", text,
                      flags=re.IGNORECASE)
    return stripped if stripped.strip() else text


def parse_number(text: str, unit: str = "") -> ParsedNumber:
    """Read a number as people type it, or raise :class:`NotANumber` saying why it is not one.

    Accepts thousands separators (``"1,000"``, ``"1 000"``, ``" 35 593 "``), a trailing percent
    sign (``"12%"``), scale words and letters (``"3.5k"``, ``"2.1m"``, ``"1 million"``),
    scientific notation (``"1.5e3"``), a leading ``$``, and the Unicode minus sign (U+2212).
    Apostrophes, straight or curly, may separate groups of three digits (``"1’000"``); invisible
    marks (zero-width, byte-order, direction) are ignored; ``unit``, the exercise's unit, may be
    typed after the number (``"6 notebooks"``). Text longer than :data:`MAX_SHORT_CHARS` is
    refused before it is read.
    """
    if not isinstance(text, str):
        raise NotANumber(f"a {type(text).__name__} is not a number.")
    if len(text) > MAX_SHORT_CHARS:
        raise NotANumber(f"that is {len(text):,} characters long, too long to be a number.")
    raw = unicodedata.normalize("NFKC", strip_invisible(text)).translate(_MINUS_SIGNS).strip()
    if not raw:
        raise NotANumber("the box is empty: type a number, such as 1,000 or 12%.")
    if unit:
        raw = _strip_unit(raw, unit)
    s = "".join(raw.split()).lower()  # spaces between digit groups: "35 593"
    s = s.translate(_APOSTROPHES).replace("_", "")
    percent = False
    for mark in ("%", "percent", "percentage"):
        if s.endswith(mark) and s[: -len(mark)]:
            s, percent = s[: -len(mark)], True
            break
    if "'" in s:
        if not _APOSTROPHE_GROUPED.fullmatch(s.lstrip("$")) and not re.fullmatch(
                r"[+-]?(?:us\$|usd|\$)?\d{1,3}(?:'\d{3})+(?:\.\d+)?[a-z]*", s):
            raise NotANumber(f"{_quote(raw)} is not a number: apostrophes go only between "
                             "groups of three digits, as in 35’593.")
        s = s.replace("'", "")
    sign = s[0] if s[:1] in ("+", "-") else ""
    body = s[len(sign):]
    for prefix in ("us$", "usd", "$"):
        if body.startswith(prefix):
            body = body[len(prefix):]
            break
    scale = 1.0
    if not percent:
        for word, factor in _SCALES:
            head = body[: -len(word)]
            if body.endswith(word) and head and (head[-1].isdigit() or head[-1] == "."):
                body, scale = head, factor
                break
    s = sign + body
    if _GROUPED.fullmatch(s):
        s = s.replace(",", "")
    elif "," in s:
        if re.fullmatch(r"[+-]?\d+,\d+", s):
            raise NotANumber(f"{_quote(raw)} is ambiguous: write decimals with a point (3.5) "
                             "and use commas only between groups of three digits (1,000).")
        raise NotANumber(f"{_quote(raw)} is not a number: commas go only between groups of "
                         "three digits, as in 35,593.")
    if not _PLAIN.fullmatch(s):
        words = set(re.findall(r"[a-z]+", raw.lower()))
        if words & _NUMBER_WORDS:
            raise NotANumber(f"{_quote(raw)} is written in words: type it in digits, such as 6.")
        raise NotANumber(f"{_quote(raw)} is not a number: type digits, such as 1,000, 3.5k "
                         "or 12%.")
    value = float(s) * scale
    if not math.isfinite(value):
        raise NotANumber(f"{_quote(raw)} is too large to be a useful answer.")
    return ParsedNumber(value=value, percent=percent)


def normalise_text(text: str) -> str:
    """Return text folded for comparison: no accents, case, punctuation or extra spaces.

    ``"  Doha,  QATAR "`` and ``"doha qatar"`` give the same result, as do ``"Kābul"`` and
    ``"kabul"``. A leading English article ("the", "a", "an") is dropped; invisible marks
    (soft hyphens, zero-width characters, direction marks) are ignored; initials written with
    dots or spaces are joined (``"I.S.A.F."`` and ``"I S A F"`` read as ``"isaf"``).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category.startswith("M") or category == "Cf":
            continue  # accents, and invisible marks: soft hyphen, zero-width, direction
        if category == "Nd":
            ch = str(unicodedata.decimal(ch))  # Dari, Pashto or Arabic digits read as 0-9
        kept.append(ch if category[0] in "LN" else " ")
    words = _join_initials("".join(kept).casefold().split())
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def _join_initials(words: list[str]) -> list[str]:
    """Join runs of single letters into one word: "i s a f" (from I.S.A.F. or I S A F) → isaf."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) > 1:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


def format_number(value: float, unit: str = "") -> str:
    """Return a number for a message: thousands separators, few decimals, then the unit."""
    if not math.isfinite(value):
        text = "not a number" if math.isnan(value) else ("infinity" if value > 0 else
                                                         "minus infinity")
    elif abs(value) >= 1e15:
        text = f"{value:.4g}"
    elif value == int(value):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


# --------------------------------------------------------------------------------------------
# Helpers shared by the kinds


def _invalid(message: str) -> Result:
    return Result("invalid", message)


def _with_explanation(ex: Exercise, status: str, message: str, score: float,
                      details: tuple[str, ...] = ()) -> Result:
    """Return a result that shows the exercise's explanation and sources when it is right."""
    if status != "correct":
        return Result(status, message, score, details)
    return Result(status, message, score, details, ex.explanation, ex.sources)


def _as_text_list(answer: object, what: str) -> list[str] | Result:
    """Return a list of strings from a list/tuple/set answer, or an invalid Result."""
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, set, frozenset)):
        return _invalid(f"give the {what} as a list, not a {type(answer).__name__}.")
    if len(answer) > MAX_ITEMS:
        return _invalid(f"that list has {len(answer):,} entries, more than there are {what}.")
    items = []
    for item in answer:
        if not isinstance(item, str):
            return _invalid(f"each of the {what} is text; one was a {type(item).__name__}.")
        items.append(item)
    return items


def _match_option(ex: Exercise, value: str) -> str | None:
    """Return the option text that ``value`` names (the text itself, or its letter A, B...)."""
    texts = [o.text for o in ex.options]
    if value in texts:
        return value
    folded = normalise_text(value)
    for text in texts:
        if normalise_text(text) == folded and folded:
            return text
    letter = value.strip().upper().rstrip(".)")
    if len(letter) == 1 and "A" <= letter < chr(ord("A") + len(texts)) and letter not in texts:
        return texts[ord(letter) - ord("A")]
    return None


# --------------------------------------------------------------------------------------------
# The kinds


def grade_single_choice(ex: Exercise, answer: object) -> Result:
    """Grade a single-choice answer (the option's text or letter); explain the option chosen."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return _invalid("choose one of the options first.")
    if not isinstance(answer, str):
        return _invalid(f"the answer is one option's text, not a {type(answer).__name__}.")
    if len(answer) > MAX_SHORT_CHARS:
        return _invalid("that text is far longer than any of the options.")
    chosen = _match_option(ex, answer)
    if chosen is None:
        return _invalid(f"{_quote(answer)} is not one of the options.")
    option = next(o for o in ex.options if o.text == chosen)
    if chosen == ex.answer:
        return Result("correct", "that is the best answer.", 1.0, (),
                      f"{option.explanation}\n{ex.explanation}".strip(), ex.sources)
    return Result("incorrect", "that is not the best answer.", 0.0, (), option.explanation,
                  ex.sources)


def grade_select_all(ex: Exercise, answer: object) -> Result:
    """Grade a select-all answer; say how many choices are right without saying which."""
    items = _as_text_list(answer, "options")
    if isinstance(items, Result):
        return items
    chosen: set[str] = set()
    for item in items:
        option = _match_option(ex, item)
        if option is None:
            return _invalid(f"{_quote(item)} is not one of the options.")
        chosen.add(option)
    if not chosen:
        return _invalid("tick at least one option first.")
    right = set(ex.answers)
    hits = len(chosen & right)
    wrong = len(chosen - right)
    missed = len(right - chosen)
    n = len(ex.options)
    settled = n - wrong - missed
    score = settled / n
    if wrong == 0 and missed == 0:
        return _with_explanation(ex, "correct", f"you ticked all {len(right)} right options "
                                 "and none of the others.", 1.0)
    parts = [f"{hits} of the {len(chosen)} option{'s' if len(chosen) != 1 else ''} you ticked "
             f"{'are' if hits != 1 else 'is'} right"]
    if missed:
        parts.append(f"{missed} right option{'s are' if missed != 1 else ' is'} not ticked yet")
    message = "; ".join(parts) + f" ({settled} of {n} options are set correctly)."
    status = "partial" if hits else "incorrect"
    return Result(status, message, score)


def _masked(answer: object) -> bool | None:
    """True for a numpy masked value, False for a masked array with nothing masked, else None."""
    import sys

    np = sys.modules.get("numpy")
    if np is None or not isinstance(answer, np.ma.MaskedArray):
        return None
    return bool(np.ma.getmaskarray(answer).any())


def _is_complex(answer: object) -> bool:
    if isinstance(answer, numbers.Complex) and not isinstance(answer, numbers.Real):
        return True
    dtype = getattr(answer, "dtype", None)
    return getattr(dtype, "kind", None) == "c"


def _numeric_value(answer: object, unit: str = "") -> tuple[float, bool, tuple[str, ...]] | Result:
    """Return (value, typed as percent, notes) from what the student gave, or an invalid Result."""
    notes: tuple[str, ...] = ()
    if answer is None:
        return _invalid("the value is None: did the code before it return nothing? "
                        "A function without `return`, or a method that changes data in place, "
                        "gives None.")
    if isinstance(answer, bool):
        return _invalid(f"{answer} is a yes/no value, not a number: did you compare (==) "
                        "where you meant to compute?")
    if _is_complex(answer):
        return _invalid("a complex number is not an answer here; give a real number.")
    masked = _masked(answer)
    if masked:
        return _invalid("the value is masked (missing): a masked value is not 0. Check the "
                        "filter and the column.")
    if masked is False:
        answer = answer.filled()  # type: ignore[attr-defined]
    if isinstance(answer, (list, tuple)) and not isinstance(answer, str):
        kind = type(answer).__name__
        if len(answer) > 1:
            return _invalid(f"you passed a {kind} of {len(answer):,} values; the question asks "
                            "for one number: did you forget to add them up (sum(...)) or to "
                            "pick one?")
        if not answer:
            return _invalid(f"the {kind} is empty: your filter selected nothing.")
        if isinstance(answer[0], (list, tuple, dict)):
            return _invalid(f"a {kind} of {type(answer[0]).__name__}s is not a number: give "
                            "the one value itself.")
        inner = _numeric_value(answer[0], unit)
        if isinstance(inner, Result):
            return inner
        return inner[0], inner[1], (f"You passed a {kind} holding one value; it was read as "
                                    "that value.",)
    shape = getattr(answer, "shape", None)
    if shape is not None and not isinstance(answer, (numbers.Number, str)):
        kind = type(answer).__name__
        try:
            size = operator.index(getattr(answer, "size", None))  # numpy ints too
        except TypeError:
            return _invalid(f"a {kind} is not a number.")
        if size == 0:
            return _invalid(f"the {kind} is empty: your filter selected no rows. Check the year "
                            "and the column names.")
        if size > 1:
            hint = " select one column, then add it up (.sum()) or pick one row." \
                if kind == "DataFrame" else \
                " did you forget to add them up (.sum()) or to filter one row?"
            return _invalid(f"you passed a {kind} of {size:,} values; the question asks for "
                            f"one number:{hint}")
        try:
            flat = answer.to_numpy().ravel() if hasattr(answer, "to_numpy") else answer.ravel()
            answer = flat[0].item() if hasattr(flat[0], "item") else flat[0]
        except (AttributeError, IndexError, TypeError, ValueError):
            return _invalid(f"a {kind} is not a number.")
        notes = (f"You passed a {kind} holding one value; it was read as that value.",)
        if answer is None or isinstance(answer, bool) or _is_complex(answer):
            return _numeric_value(answer, unit)
    if isinstance(answer, str):
        try:
            parsed = parse_number(answer, unit)
        except NotANumber as exc:
            return _invalid(str(exc))
        return parsed.value, parsed.percent, notes
    if isinstance(answer, numbers.Real):
        try:
            value = float(answer)
        except (OverflowError, TypeError, ValueError):
            return _invalid("that value is too large to be a useful answer.")
        if math.isnan(value):
            return _invalid("the value is NaN (not a number): often the mean or sum of no rows, "
                            "or of a column with missing values. Check your filter.")
        if not math.isfinite(value):
            return _invalid("the value is infinite: check for a division by zero.")
        return value, False, notes
    if isinstance(answer, numbers.Number):
        try:
            return _numeric_value(float(answer))  # Decimal and other exact types
        except (OverflowError, TypeError, ValueError):
            return _invalid(f"a {type(answer).__name__} that cannot be read as a number.")
    if type(answer).__name__ in ("NAType", "NaTType"):
        return _invalid("the value is missing (NA): your selection holds no data. Check the "
                        "filter and the column.")
    return _invalid(f"a {type(answer).__name__} is not a number.")


def _near(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))


def grade_number(ex: Exercise, answer: object, target: NumericTarget) -> Result:
    """Grade a number (typed text or a Python/numpy/pandas value) against ``target``.

    Right when the value lies in ``[target.low, target.high]``. When it does not, the feedback
    names a foreseeable slip where one fits: a listed mistake (wrong year, wrong column), a
    factor of 1,000 (thousands vs units) or 100 (percent vs fraction), or the wrong sign.
    """
    read = _numeric_value(answer, target.unit)
    if isinstance(read, Result):
        return read
    value, typed_percent, notes = read
    centre = target.value if target.value is not None else (target.low + target.high) / 2
    if typed_percent and not is_percent_unit(target.unit):
        if abs(centre) <= 1:
            value = value / 100  # "12%" where a fraction is asked for means 0.12
        elif target.unit:
            return _invalid(f"{format_number(value)}% is a percentage, but the answer is a "
                            f"number of {target.unit}: type the number without the % sign.")
    shown = format_number(value, target.unit)

    def inside(v: float) -> bool:
        return target.low - 1e-9 * max(1.0, abs(target.low)) <= v <= \
            target.high + 1e-9 * max(1.0, abs(target.high))

    if inside(value):
        return _with_explanation(ex, "correct", f"{shown} is the answer.", 1.0, notes)
    for mistake_value, tolerance, message in target.mistakes:
        if _near(value, mistake_value, tolerance):
            return Result("incorrect", f"{shown} is not right. {message}", 0.0, notes)
    share = is_percent_unit(target.unit) or abs(centre) <= 1
    if centre:
        for factor, hint in (
            (1000.0, "Your number is about 1,000 times too large: check the units (thousands "
                     "or units?)."),
            (0.001, "Your number is about 1,000 times too small: check the units (thousands "
                    "or units?)."),
            (100.0, "Your number is about 100 times too large" + (
                ": is it a percentage where a fraction is asked for?" if share else ".")),
            (0.01, "Your number is about 100 times too small" + (
                ": is it a fraction where a percentage is asked for?" if share else ".")),
            (-1.0, "The size is right but the sign is wrong."),
        ):
            if inside(value / factor):
                return Result("incorrect", f"{shown} is not right. {hint}", 0.0, notes)
    if target.close_margin and target.low - target.close_margin <= value <= \
            target.high + target.close_margin:
        return Result("partial", f"{shown} is close, but not close enough; check your "
                      "rounding and your working.", 0.5, notes)
    direction = "too high" if value > target.high else "too low"
    return Result("incorrect", f"{shown} is {direction}.", 0.0, notes)


def _typo(given: str, accepted: str) -> bool:
    """True when ``given`` is one slip (two for longer words) away from ``accepted``.

    Slips are a letter added, dropped, changed, or two neighbours swapped (optimal string
    alignment distance); very different lengths are ruled out before any work.
    """
    limit = 1 if len(accepted) <= 6 else 2
    if not accepted or abs(len(given) - len(accepted)) > limit or len(given) > 200:
        return False
    a, b = given, accepted
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return 0 < prev[-1] <= limit


def _month(word: str) -> str | None:
    """Return the month a word names, allowing one slip in a full name ("febuary")."""
    if word in MONTHS:
        return word
    if word in _MONTH_ABBREVIATIONS:
        return _MONTH_ABBREVIATIONS[word]
    if len(word) >= 4 and word.isalpha():
        close = [m for m in MONTHS if len(m) >= 4 and _typo(word, m)]
        if len(close) == 1:
            return close[0]
    return None


def _fixed_parts(folded: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return what a text answer's typo allowance must leave alone: its digits, the months it
    names and its number words. ``folded`` is the output of :func:`normalise_text`."""
    words = folded.split()
    digits = tuple(re.findall(r"\d+", folded))
    months = tuple(m for m in map(_month, words) if m is not None)
    counts = tuple(w for w in words if w in _COUNT_WORDS)
    return digits, months, counts


def _spelling_slip(given: str, accepted: str) -> bool:
    """True when ``given`` differs from ``accepted`` by a slip in its letters only: digits,
    dates and numbers must match exactly.

    Months are compared where the accepted answer holds digits (a date); number words where
    both answers hold some (a misspelt number word is still a spelling slip).
    """
    if not _typo(given, accepted):
        return False
    digits, months, counts = _fixed_parts(given)
    want_digits, want_months, want_counts = _fixed_parts(accepted)
    if digits != want_digits:
        return False
    if want_digits and months != want_months:
        return False
    return not (counts and want_counts and counts != want_counts)


def grade_text(ex: Exercise, answer: object) -> Result:
    """Grade a short text answer against accepted variants, ignoring case, accents and spacing."""
    if not isinstance(answer, str):
        if answer is None:
            return _invalid("type an answer first.")
        return _invalid(f"the answer is text, not a {type(answer).__name__}.")
    if len(answer) > MAX_SHORT_CHARS:
        return _invalid(f"that is {len(answer):,} characters; the answer is a few words.")
    given = normalise_text(answer)
    if not given:
        return _invalid("type an answer first (letters or digits).")
    accepted = [normalise_text(a) for a in ex.answers]
    if given in accepted:
        return _with_explanation(ex, "correct", f"{_quote(answer)} is accepted.", 1.0)
    for mistake in ex.mistakes:
        if mistake.text is not None and normalise_text(mistake.text) == given:
            return Result("incorrect", f"{_quote(answer)} is not right. {mistake.message}")
    padded = f" {given} "
    if any(f" {a} " in padded for a in accepted if a):
        return Result("partial", f"{_quote(answer)} contains the answer, with more besides: "
                      "give just the answer.", 0.5)
    if any(_spelling_slip(given, a) for a in accepted):
        return Result("partial", f"{_quote(answer)} is close: check the spelling.", 0.5)
    return Result("incorrect", f"{_quote(answer)} is not right.")


def _same_text(typed: object, choices: Iterable[str]) -> str | None:
    """Return the choice ``typed`` names: the same text, or the same once folded (case,
    accents, spacing, invisible marks), when that matches exactly one choice."""
    if not isinstance(typed, str):
        return None
    options = list(choices)
    if typed in options:
        return typed
    if len(typed) > MAX_SHORT_CHARS:
        return None
    folded = normalise_text(typed)
    found = [c for c in options if folded and normalise_text(c) == folded]
    return found[0] if len(found) == 1 else None


def _longest_in_order(ranks: list[int]) -> set[int]:
    """Return indexes of a longest strictly increasing run (not necessarily contiguous)."""
    n = len(ranks)
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if ranks[j] < ranks[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    if not n:
        return set()
    i = max(range(n), key=lambda k: (best[k], -k))
    keep = set()
    while i != -1:
        keep.add(i)
        i = prev[i]
    return keep


def grade_ordering(ex: Exercise, answer: object) -> Result:
    """Grade an order: a list of the items, or a mapping of item to position (1 = earliest).

    The items out of place are the fewest that, moved, put the rest in order; the feedback
    names them and their positions without giving the full order away.
    """
    items = list(ex.items)
    if isinstance(answer, Mapping):
        if len(answer) > MAX_ITEMS:
            return _invalid("that mapping has far more entries than there are events.")
        positions: dict[str, int] = {}
        for typed, pos in answer.items():
            key = _same_text(typed, items)
            if key is None:
                return _invalid(f"{_quote(str(typed))} is not one of the events to order.")
            if pos is None:
                continue
            if isinstance(pos, bool) or not isinstance(pos, numbers.Integral):
                return _invalid("each position is a whole number from 1 to "
                                f"{len(items)}.")
            if not 1 <= pos <= len(items):
                return _invalid(f"positions run from 1 to {len(items)}; {pos} is outside that.")
            positions[key] = int(pos)
        unset = len(items) - len(positions)
        if unset:
            return _invalid(f"give every event a position: {unset} still need"
                            f"{'s' if unset == 1 else ''} one.")
        by_pos: dict[int, list[str]] = {}
        for key, pos in positions.items():
            by_pos.setdefault(pos, []).append(key)
        doubled = sorted(p for p, keys in by_pos.items() if len(keys) > 1)
        if doubled:
            listed = ", ".join(str(p) for p in doubled)
            many = len(doubled) > 1
            return _invalid(f"each position can hold one event; position{'s' if many else ''} "
                            f"{listed} {'are' if many else 'is'} used more than once.")
        order = [by_pos[p][0] for p in sorted(by_pos)]
    else:
        listed_items = _as_text_list(answer, "events")
        if isinstance(listed_items, Result):
            return listed_items
        if sorted(listed_items) != sorted(items):
            return _invalid(f"give each of the {len(items)} events exactly once.")
        order = listed_items
    ranks = [items.index(item) for item in order]
    keep = _longest_in_order(ranks)
    out = [(pos + 1, order[pos]) for pos in range(len(order)) if pos not in keep]
    n = len(items)
    if not out:
        return _with_explanation(ex, "correct", f"all {n} events are in order.", 1.0)
    details = tuple(f"{_quote_full(item)} (your position {pos})" for pos, item in out)
    k = len(out)
    message = (f"{n - k} of {n} events are in order with each other; "
               f"{k} {'is' if k == 1 else 'are'} out of place. Move "
               f"{'it' if k == 1 else 'them'} and the rest fall into line.")
    status = "partial" if n - k >= 2 else "incorrect"
    return Result(status, message, (n - k) / n, details)


def grade_matching(ex: Exercise, answer: object) -> Result:
    """Grade pairs given as a mapping of left item to right item; name the left items wrong."""
    if not isinstance(answer, Mapping):
        return _invalid(f"give the pairs as a mapping from each item to its match, not a "
                        f"{type(answer).__name__}.")
    if len(answer) > MAX_ITEMS:
        return _invalid("that mapping has far more entries than there are items to pair.")
    rights = {right for _, right in ex.pairs} | set(ex.distractors)
    expected = dict(ex.pairs)
    given: dict[str, str] = {}
    for typed_left, typed_right in answer.items():
        left = _same_text(typed_left, expected)
        if left is None:
            return _invalid(f"{_quote(str(typed_left))} is not one of the items to pair.")
        if typed_right is None or typed_right == "":
            continue
        right = _same_text(typed_right, rights)
        if right is None:
            return _invalid(f"{_quote(str(typed_right))} is not one of the choices for "
                            f"{_quote(left)}.")
        given[left] = right
    if not given:
        return _invalid("pair at least one item first.")
    wrong = [left for left, _ in ex.pairs if left in given and given[left] != expected[left]]
    unpaired = [left for left, _ in ex.pairs if left not in given]
    n = len(ex.pairs)
    hits = n - len(wrong) - len(unpaired)
    if hits == n:
        return _with_explanation(ex, "correct", f"all {n} pairs are right.", 1.0)
    details = tuple(f"Look again at {_quote_full(left)}." for left in wrong)
    if unpaired:
        details += (f"{len(unpaired)} item{'s are' if len(unpaired) > 1 else ' is'} not paired "
                    "yet.",)
    status = "partial" if hits else "incorrect"
    return Result(status, f"{hits} of {n} pairs {'is' if hits == 1 else 'are'} right.",
                  hits / n, details)


def grade_reflection(ex: Exercise, answer: object) -> Result:
    """Record a reflection (never graded) once it has enough words; return the model answer."""
    if not isinstance(answer, str):
        if answer is None:
            return _invalid("write a few sentences first.")
        return _invalid(f"a reflection is text, not a {type(answer).__name__}.")
    if len(answer) > MAX_LONG_CHARS:
        return _invalid(f"that is {len(answer):,} characters; keep it under {MAX_LONG_CHARS:,} "
                        "(a few sentences are enough).")
    words = len(re.findall(r"\w+", answer))
    if words == 0:
        return _invalid("write a few sentences first.")
    if words < ex.min_words:
        return _invalid(f"write a little more: at least {ex.min_words} words (you have "
                        f"{words}).")
    rubric = "\n".join(f"- {line}" for line in ex.rubric)
    explanation = f"Model answer: {ex.model_answer}\nWhat a good answer does:\n{rubric}"
    if ex.explanation:
        explanation += f"\n{ex.explanation}"
    return Result("recorded", "your answer is saved. It is not graded: compare it with the "
                  "model answer and the points below.", 1.0, (), explanation, ex.sources)


def grade(ex: Exercise, answer: object, target: NumericTarget | None = None) -> Result:
    """Grade ``answer`` for any kind; number and data questions need their ``target``."""
    kind = ex.kind
    if kind in ("number", "data"):
        if target is None:
            raise TypeError(f"exercise '{ex.id}': a number needs its target to be graded.")
        return grade_number(ex, answer, target)
    graders = {
        "single_choice": grade_single_choice,
        "select_all": grade_select_all,
        "text": grade_text,
        "ordering": grade_ordering,
        "matching": grade_matching,
        "reflection": grade_reflection,
    }
    return graders[kind](ex, answer)


def reveal(ex: Exercise, target: NumericTarget | None = None) -> Result:
    """Return the answer with its explanation and sources, as a 'revealed' result."""
    details: tuple[str, ...] = ()
    kind = ex.kind
    if kind == "single_choice":
        message = f"the best answer is {_quote_full(ex.answer)}."
        details = tuple(f"{o.text}: {o.explanation}" for o in ex.options)
    elif kind == "select_all":
        message = "the right options are " + "; ".join(_quote_full(a) for a in ex.answers) + "."
        details = tuple(f"{o.text}: {o.explanation}" for o in ex.options)
    elif kind in ("number", "data"):
        if target is None:
            raise TypeError(f"exercise '{ex.id}': a number needs its target to be revealed.")
        if target.value is not None:
            message = f"the answer is {format_number(target.value, target.unit)}"
            if target.high > target.low:
                message += (f" (anything from {format_number(target.low, target.unit)} to "
                            f"{format_number(target.high, target.unit)} counts)")
            message += "."
        else:
            message = (f"any value from {format_number(target.low, target.unit)} to "
                       f"{format_number(target.high, target.unit)} is right.")
    elif kind == "text":
        message = f"the answer is {_quote_full(ex.answers[0])}."
        if len(ex.answers) > 1:
            details = ("Also accepted: " + "; ".join(_quote_full(a) for a in ex.answers[1:]),)
    elif kind == "ordering":
        message = "the order, earliest first, is:"
        details = tuple(f"{i}. {item}" for i, item in enumerate(ex.items, start=1))
    elif kind == "matching":
        message = "the pairs are:"
        details = tuple(f"{left} → {right}" for left, right in ex.pairs)
    else:  # reflection
        message = "a reflection is not graded; here is a model answer."
        rubric = "; ".join(ex.rubric)
        details = (f"Model answer: {ex.model_answer}", f"What a good answer does: {rubric}")
    return Result("revealed", message, 0.0, details, ex.explanation, ex.sources)


def _quote_full(text: object) -> str:
    return f"“{text}”"
