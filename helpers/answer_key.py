"""The answer key for instructors: every exercise's answer, explanation and sources, per notebook.

``python -m helpers.answer_key`` reads the exercise bank (the same loader and schema the notebooks
use, so the key is exactly what the notebooks grade against) and writes, for each notebook, a
Markdown file to read and a CSV file to sort or import, plus an index ``README.md``::

    python -m helpers.answer_key                      # all notebooks, into docs/answer-key/
    python -m helpers.answer_key --notebook 02        # notebook 02 only
    python -m helpers.answer_key --out /tmp/key       # another folder
    python -m helpers.answer_key --check              # exit 1 if docs/answer-key/ is stale

Answers computed from the data (``answer_from``) are computed on the current data, so re-run the
command after updating a table. The key is not for students: the student release leaves it out.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.errors import CourseError, UsageError
from helpers.exercises.answers import target_for
from helpers.exercises.bank import load_bank
from helpers.exercises.grading import format_number
from helpers.exercises.schema import Exercise
from helpers.paths import PROJECT_DIR

DEFAULT_OUT = Path("docs") / "answer-key"
CSV_COLUMNS = ("notebook", "id", "kind", "title", "question", "answer", "explanation",
               "sources")
KIND_NAMES = {
    "single_choice": "single choice", "select_all": "select all that apply",
    "number": "number", "text": "short text", "ordering": "ordering", "matching": "matching",
    "data": "data question (pandas)", "reflection": "reflection",
}
QUESTION_CHARS = 200
AGG_WORDS = {"sum": "sum", "mean": "mean", "median": "median", "min": "smallest value",
             "max": "largest value", "count": "number of values",
             "nunique": "number of different values"}


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _short(text: str, limit: int = QUESTION_CHARS) -> str:
    flat = _flat(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _letter(index: int) -> str:
    return chr(ord("A") + index)


def _filter_text(filters: dict[str, Any]) -> str:
    parts = []
    for column, wanted in filters.items():
        if isinstance(wanted, dict):
            low, high = wanted.get("min"), wanted.get("max")
            if low is not None and high is not None:
                parts.append(f"{column} from {low} to {high}")
            elif low is not None:
                parts.append(f"{column} ≥ {low}")
            else:
                parts.append(f"{column} ≤ {high}")
        elif isinstance(wanted, list):
            parts.append(f"{column} in {', '.join(str(w) for w in wanted)}")
        else:
            parts.append(f"{column} = {wanted}")
    return " and ".join(parts)


def recipe_text(spec: dict[str, Any]) -> str:
    """Describe an ``answer_from`` recipe in words: ``sum of column 'x' in table 'y' where …``."""
    agg = AGG_WORDS.get(str(spec["agg"]), str(spec["agg"]))
    text = f"{agg} of column '{spec['column']}' in table '{spec['table']}'"
    if spec.get("filter"):
        text += f" where {_filter_text(dict(spec['filter']))}"
    return text


def answer_text(ex: Exercise) -> str:
    """Return the right answer of any kind of exercise as one readable line."""
    if ex.kind == "single_choice":
        return next(f"{_letter(i)}. {o.text}" for i, o in enumerate(ex.options)
                    if o.text == ex.answer)
    if ex.kind == "select_all":
        right = [f"{_letter(i)}. {o.text}" for i, o in enumerate(ex.options)
                 if o.text in ex.answers]
        return "All of: " + "; ".join(right)
    if ex.kind in ("number", "data"):
        target = target_for(ex)
        parts = []
        if target.value is not None:
            parts.append(format_number(target.value, ex.unit))
        if target.high > target.low:
            parts.append(f"accepted from {format_number(target.low, ex.unit)} to "
                         f"{format_number(target.high, ex.unit)}")
        elif target.value is not None:
            parts.append("exact")
        text = parts[0] + (f" ({parts[1]})" if len(parts) > 1 else "")
        if ex.answer_from is not None:
            text += f"; computed on the current data as the {recipe_text(dict(ex.answer_from))}"
        return text
    if ex.kind == "text":
        return ("Accepted: " + " | ".join(f"“{a}”" for a in ex.answers)
                + " (case, accents, punctuation and a leading 'the' are ignored)")
    if ex.kind == "ordering":
        return " → ".join(f"{i}. {item}" for i, item in enumerate(ex.items, start=1))
    if ex.kind == "matching":
        text = "; ".join(f"{left} → {right}" for left, right in ex.pairs)
        if ex.distractors:
            text += " (matching nothing: " + "; ".join(ex.distractors) + ")"
        return text
    return "No single answer: graded by the rubric; see the model answer"


def _source_titles() -> dict[str, str]:
    from helpers.data import load_table

    table = load_table("sources")
    return {str(i): _flat(t) for i, t in zip(table["id"], table["title"], strict=True)}


def sources_text(ex: Exercise, titles: dict[str, str]) -> str:
    """Return the exercise's sources as ``ID: title`` joined by semicolons."""
    return "; ".join(f"{sid}: {titles.get(sid, '(not in data/sources.csv)')}"
                     for sid in ex.sources)


def _slips(ex: Exercise) -> list[str]:
    if ex.kind in ("number", "data"):
        return [f"{format_number(value, ex.unit)}: {_flat(message)}"
                for value, _, message in target_for(ex).mistakes]
    if ex.kind == "text":
        return [f"“{m.text}”: {_flat(m.message)}" for m in ex.mistakes]
    if ex.kind in ("single_choice", "select_all"):
        right = {ex.answer} if ex.kind == "single_choice" else set(ex.answers)
        return [f"{_letter(i)}. {o.text}: {_flat(o.explanation)}"
                for i, o in enumerate(ex.options) if o.text not in right]
    return []


def _quote_block(text: str) -> list[str]:
    return ["> " + line if line.strip() else ">" for line in str(text).strip().splitlines()]


def markdown(notebook: str, exs: Sequence[Exercise], titles: dict[str, str]) -> str:
    """Return the Markdown answer key of one notebook."""
    lines = [f"# Answer key: notebook {notebook}", "",
             "For instructors. Generated by `python -m helpers.answer_key` from "
             f"`{exs[0].file}`; do not edit by hand (edit the exercise file and re-run). "
             "Answers computed from the data are as of the data in the repository.", ""]
    for ex in exs:
        heading = f"## `{ex.id}`: {KIND_NAMES[ex.kind]}"
        lines += [heading + (f" ({ex.title})" if ex.title else ""), "", "**Question**", ""]
        lines += _quote_block(ex.question)
        lines += ["", f"**Answer:** {answer_text(ex)}", ""]
        if ex.kind == "reflection":
            lines += ["**Model answer**", "", *_quote_block(ex.model_answer), ""]
            lines += ["**Rubric**", ""] + [f"- {_flat(point)}" for point in ex.rubric] + [""]
        slips = _slips(ex)
        if slips:
            lines += ["**Foreseen wrong answers and the feedback they get**", ""]
            lines += [f"- {slip}" for slip in slips] + [""]
        if ex.explanation:
            lines += [f"**Explanation:** {_flat(ex.explanation)}", ""]
        lines += ["**Sources:** " + sources_text(ex, titles), ""]
    return "\n".join(lines)


def csv_text(exs: Sequence[Exercise], titles: dict[str, str]) -> str:
    """Return the CSV answer key of one notebook (columns :data:`CSV_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ex in exs:
        answer = answer_text(ex)
        if ex.kind == "reflection":
            answer += f". Model answer: {_flat(ex.model_answer)} Rubric: " + \
                "; ".join(_flat(p) for p in ex.rubric)
        writer.writerow([ex.notebook, ex.id, ex.kind, ex.title, _short(ex.question), answer,
                         _flat(ex.explanation), sources_text(ex, titles)])
    return buffer.getvalue()


def index(notebooks: Sequence[str], counts: dict[str, int]) -> str:
    """Return the index page that links every notebook's key."""
    lines = ["# Answer keys", "",
             "For instructors, not students. Generated by `python -m helpers.answer_key`; "
             "do not edit by hand. Each notebook has a Markdown key to read and a CSV key to "
             "sort or import.", ""]
    lines += [f"- [{nb}]({nb}.md) ({counts[nb]} exercises; [CSV]({nb}.csv))"
              for nb in notebooks]
    return "\n".join(lines) + "\n"


def _pick(notebooks: Sequence[str], wanted: str | None) -> list[str]:
    if wanted is None:
        return list(notebooks)
    chosen = [nb for nb in notebooks if nb == wanted or nb.split("_", 1)[0] == wanted]
    if not chosen:
        raise UsageError(f"there are no exercises for notebook '{wanted}'; give its number "
                         f"or file name, one of: {', '.join(notebooks)}.")
    return chosen


def build(notebook: str | None = None) -> dict[str, str]:
    """Return the key's files as ``{file name: text}`` (all notebooks, or the one named)."""
    bank = load_bank()
    if bank.problems:
        lines = "\n".join(f"  {p}" for p in bank.problems[:10])
        raise CourseError(f"the exercise files have {len(bank.problems)} problem(s), so the key "
                          f"would be incomplete:\n{lines}\nFix them (run `python -m "
                          "helpers.exercises`), then write the key again.")
    grouped: dict[str, list[Exercise]] = {}
    for ex in bank.exercises.values():
        grouped.setdefault(ex.notebook, []).append(ex)
    chosen = _pick(sorted(grouped), notebook)
    titles = _source_titles()
    files: dict[str, str] = {}
    for nb in chosen:
        files[f"{nb}.md"] = markdown(nb, grouped[nb], titles)
        files[f"{nb}.csv"] = csv_text(grouped[nb], titles)
    if notebook is None:
        files["README.md"] = index(chosen, {nb: len(grouped[nb]) for nb in chosen})
    return files


def _out_folder(out: str | None) -> Path:
    folder = Path(out) if out else PROJECT_DIR / DEFAULT_OUT
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file, not a folder; give a folder for the key.")
    return folder


def write(files: dict[str, str], folder: Path) -> None:
    """Write the files into ``folder`` (created if needed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UsageError(f"cannot write the key into {folder}: {exc.strerror or exc}; choose "
                         "another folder with --out.") from None


def stale(files: dict[str, str], folder: Path, *, extra: bool = True) -> list[str]:
    """Return the names of key files in ``folder`` that are missing, out of date or extra."""
    names = set(files)
    if extra:
        names |= {p.name for p in folder.glob("*") if p.suffix in (".md", ".csv")}
    names = sorted(names)
    out = []
    for name in names:
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != files.get(name):
            out.append(name)
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.answer_key",
        description="Write the instructors' answer key (Markdown and CSV per notebook) from "
                    "the exercise files in data/exercises/.")
    parser.add_argument("--out", metavar="DIR",
                        help=f"folder to write into (default: {DEFAULT_OUT.as_posix()}/)")
    parser.add_argument("--notebook", metavar="NN",
                        help="only this notebook: its number (02) or file name (02_doha)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the key in the folder is out of date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return 0 (done), 1 (stale key or broken exercises) or 2 (bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        folder = _out_folder(args.out)
        files = build(args.notebook)
        if args.check:
            old = stale(files, folder, extra=args.notebook is None) if folder.is_dir() \
                else sorted(files)
            if old:
                print(f"the answer key in {folder} is out of date ({', '.join(old)}); run "
                      "`python -m helpers.answer_key` and commit it.", file=sys.stderr)
                return 1
            print(f"The answer key in {folder} is current.")
            return 0
        write(files, folder)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    count = sum(1 for name in files if name.endswith(".csv"))
    print(f"Wrote the answer key of {count} notebook{'s' if count != 1 else ''} to {folder}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
