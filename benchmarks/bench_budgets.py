"""Benchmark: what a single student waits for, against the budgets of issue 17, in one run.

Measures side by side, on this machine, and writes a table (figure, budget, measured, holds or
not, machine, date) to benchmarks/results/budgets.md, which the README's performance section
quotes (the run copies it there, between the README's budget markers):

1. each lesson's full run in a fresh kernel, as a multiple of an empty notebook with the same
   imports (its first code cell alone); budget 2.0x;
2. in Chromium (Playwright, Voilà): a Check click to its feedback (budget 100 ms) and an
   explorer's redraw after its menu changes (budget 150 ms), the median of 20 each;
3. ``import helpers`` on top of pandas, matplotlib and ipywidgets; budget 0.05 s;
4. each committed notebook at most 1.5 MB, the tracked files at most 20 MB;
5. the README's test command (``pytest``, browser tests included) in at most 8 minutes: only
   with ``--suite``, as it takes minutes; otherwise the row says it was not run.

Run with:  python benchmarks/bench_budgets.py [--runs N] [--suite] [--skip-browser]
(``--skip-lessons`` and ``--merge`` measure a part and keep the earlier table's other rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))

RESULTS = PROJECT / "benchmarks" / "results" / "budgets.md"
SAMPLES = 20
MB = 1_000_000
RATIO_BUDGET = 2.0
CLICK_BUDGET_MS = 100
REDRAW_BUDGET_MS = 150
IMPORT_BUDGET_S = 0.05
NOTEBOOK_BUDGET_BYTES = 1.5 * MB
CHECKOUT_BUDGET_BYTES = 20 * MB
SUITE_BUDGET_S = 8 * 60

Row = tuple[str, str, str, bool | None]


# -- 1. lessons against their imports -------------------------------------------------------------

def lesson_rows(runs: int) -> list[Row]:
    import nbformat
    from bench_notebooks import run_seconds

    from helpers.paths import notebooks_dir

    os.environ["AFG_COURSE_PROGRESS"] = str(Path(tempfile.mkdtemp()) / "progress.json")
    rows: list[Row] = []
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        full = nbformat.read(path, as_version=4)
        first = next(c for c in full.cells if c.cell_type == "code")
        empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first.source)])
        ratios, bases, wholes = [], [], []
        for _ in range(runs):  # in pairs, so that a drift of the machine's speed hits both
            base = run_seconds(nbformat.from_dict(empty), path.parent)
            whole = run_seconds(nbformat.from_dict(full), path.parent)
            bases.append(base)
            wholes.append(whole)
            ratios.append(whole / base)
        ratio = statistics.median(ratios)
        print(f"{path.name}: imports {statistics.median(bases):.2f} s, whole "
              f"{statistics.median(wholes):.2f} s, ratio {ratio:.2f}", flush=True)
        rows.append((f"{path.stem}: full run / imports only",
                     f"<= {RATIO_BUDGET:.1f}x",
                     f"{ratio:.2f}x ({statistics.median(wholes):.1f} s / "
                     f"{statistics.median(bases):.1f} s, median of {runs})",
                     round(ratio, 2) <= RATIO_BUDGET))
    return rows


# -- 2. in the browser ---------------------------------------------------------------------------

# Resolves with the milliseconds from a click on `button` until `target`'s text changes.
CLICK_TO_CHANGE_JS = """([button, target]) => new Promise((resolve) => {
    const area = document.querySelector(target);
    const before = area.innerText;
    const obs = new MutationObserver(() => {
        if (area.innerText !== before) { obs.disconnect(); resolve(performance.now() - start); }
    });
    obs.observe(area, {subtree: true, childList: true, characterData: true, attributes: true});
    const start = performance.now();
    setTimeout(() => { obs.disconnect(); resolve(-1); }, 20000);
    document.querySelector(button).click();
})"""

# Resolves with the milliseconds from choosing another option of `select` until the chart's
# <img> (inside `image`) has another picture.
SELECT_TO_REDRAW_JS = """([select, image, index]) => new Promise((resolve) => {
    const menu = document.querySelector(select);
    const box = document.querySelector(image);
    // the chart, not the hidden image of the access helper (helpers.display.access_helper)
    const src = () => {
        const img = box.querySelector('img:not(.course-access-helper)');
        return img ? img.src : '';
    };
    const before = src();
    const obs = new MutationObserver(() => {
        if (src() !== before) { obs.disconnect(); resolve(performance.now() - start); }
    });
    obs.observe(box, {subtree: true, childList: true, attributes: true});
    const start = performance.now();
    setTimeout(() => { obs.disconnect(); resolve(-1); }, 20000);
    menu.selectedIndex = index;
    menu.dispatchEvent(new Event('change', {bubbles: true}));
})"""


@contextmanager
def voila(root: Path) -> Iterator[Any]:
    from tests.browser.conftest import _start

    cmd = [sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1",
           "--ServerApp.allow_root=True", f"--Voila.root_dir={root / 'notebooks'}",
           str(root / "notebooks")]
    servers = _start(cmd, root, "voila", "/")
    try:
        yield next(servers)
    finally:
        servers.close()


def browser_rows() -> list[Row]:
    from playwright.sync_api import sync_playwright

    from helpers.paths import notebooks_dir
    from tests.browser import answering, lab
    from tests.browser.conftest import CHROMIUM_ARGS, VIEWPORT, chromium_path

    chromium = chromium_path()
    if chromium is None:
        return [("Check click to feedback (Chromium)", f"<= {CLICK_BUDGET_MS} ms",
                 "not measured: no Chromium", None)]
    root = Path(tempfile.mkdtemp(prefix="afg-bench-"))
    shutil.copytree(notebooks_dir(), root / "notebooks")
    clicks: list[float] = []
    redraws: list[float] = []
    try:
        with voila(root) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            # A number question in 00: alternate a right and a wrong answer so that every
            # click changes the feedback.
            notebook = "00_start_here.ipynb"
            lab.open_in_voila(page, server, notebook)
            ex = next(e for e in answering.exercises_in(notebook) if e.kind == "number")
            lab.wait_for_exercises(page, [ex])
            right = str(answering.right_answer(ex))
            wrong = str(int(float(right)) + 1)
            scope = f".course-exid-{ex.id}"
            field = page.locator(f"{scope} .widget-text input")
            check = answering.button(page, ex, "Check")
            check.evaluate("b => b.classList.add('bench-check')")
            for i in range(SAMPLES + 1):
                field.fill(right if i % 2 else wrong)
                field.press("Enter")
                page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
                ms = page.evaluate(CLICK_TO_CHANGE_JS,
                                   [f"{scope} .bench-check", f"{scope} .course-feedback"])
                # a student reads the feedback before typing again (a value sent while a
                # click settles is graded with it)
                page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
                print(f"  click {i}: {ms:.0f} ms", flush=True)
                if ms < 0:
                    raise RuntimeError("no feedback within 20 s of a Check click")
                if i:  # the first is a warm-up
                    clicks.append(ms)
            # The first explorer with a menu in 01 (the timeline explorer's theme menu).
            notebook = "01_background.ipynb"
            lab.open_in_voila(page, server, notebook)
            explorer = page.locator(".course-explorer").filter(
                has=page.locator("select")).first
            explorer.wait_for(timeout=lab.RUN_SECONDS * 1000)
            explorer.evaluate("e => e.classList.add('bench-explorer')")
            options = explorer.locator("select").first.locator("option").count()
            for i in range(SAMPLES + 1):
                ms = page.evaluate(SELECT_TO_REDRAW_JS, [
                    ".bench-explorer select", ".bench-explorer", (i + 1) % options])
                page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
                print(f"  redraw {i}: {ms:.0f} ms", flush=True)
                if ms < 0:
                    raise RuntimeError("no redraw within 20 s of a menu change")
                if i:
                    redraws.append(ms)
            browser.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    # the first visit of each option draws a new chart; later visits show a kept one
    first_visits = redraws[:max(options - 2, 1)]
    click, redraw = statistics.median(clicks), statistics.median(redraws)
    first = statistics.median(first_visits)
    print(f"click to feedback {click:.0f} ms; explorer redraw {redraw:.0f} ms", flush=True)
    return [
        ("Check click to feedback, Chromium + Voilà (00, number question)",
         f"<= {CLICK_BUDGET_MS} ms", f"{click:.0f} ms (median of {SAMPLES}; max "
         f"{max(clicks):.0f} ms)", click <= CLICK_BUDGET_MS),
        ("Explorer redraw after a menu change, back to a choice drawn before, Chromium + "
         "Voilà (01, timeline explorer)", f"<= {REDRAW_BUDGET_MS} ms",
         f"{redraw:.0f} ms (median of {SAMPLES}, cycling its {options} choices)",
         redraw <= REDRAW_BUDGET_MS),
        ("Explorer redraw after a menu change, a choice not drawn before (same explorer)",
         f"<= {REDRAW_BUDGET_MS} ms",
         f"{first:.0f} ms (median of {len(first_visits)})", first <= REDRAW_BUDGET_MS),
    ]


# -- 3. import ----------------------------------------------------------------------------------

# Imports the stack, then times `import helpers` alone in the same process: its CPU time (what
# it costs; steady on a shared machine) and its wall time.
IMPORT_PROBE = ("import pandas, matplotlib, ipywidgets, time; w = time.perf_counter(); "
                "c = time.process_time(); import helpers; "
                "print(time.process_time() - c, time.perf_counter() - w)")


def import_rows(runs: int = 9) -> list[Row]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cpu, wall = [], []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], check=True, env=env,
                             capture_output=True, text=True).stdout.split()
        if i:  # the first warms the file cache
            cpu.append(float(out[0]))
            wall.append(float(out[1]))
    c, w = statistics.median(cpu), statistics.median(wall)
    print(f"import helpers after the stack: {c:.3f} s CPU, {w:.3f} s wall", flush=True)
    return [("`import helpers` over pandas, matplotlib, ipywidgets", f"<= {IMPORT_BUDGET_S} s",
             f"{c:.3f} s CPU, {w:.3f} s wall (median of {runs})", c <= IMPORT_BUDGET_S)]


# -- 4. sizes -----------------------------------------------------------------------------------

def size_rows() -> list[Row]:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, check=True,
                             capture_output=True).stdout.decode().split("\0")
    files = [PROJECT / f for f in tracked if f and (PROJECT / f).is_file()]
    rows: list[Row] = []
    for path in sorted(p for p in files if p.parent.name == "notebooks"
                       and p.suffix == ".ipynb"):
        size = path.stat().st_size
        rows.append((f"{path.name} size", f"<= {NOTEBOOK_BUDGET_BYTES / MB:.1f} MB",
                     f"{size / MB:.2f} MB", size <= NOTEBOOK_BUDGET_BYTES))
    total = sum(p.stat().st_size for p in files)
    rows.append(("tracked files in the checkout", f"<= {CHECKOUT_BUDGET_BYTES / MB:.0f} MB",
                 f"{total / MB:.1f} MB", total <= CHECKOUT_BUDGET_BYTES))
    return rows


# -- 5. the test suite ---------------------------------------------------------------------------

def suite_rows(run: bool) -> list[Row]:
    label = "README test command `pytest`, browser tests included"
    if not run:
        return [(label, f"<= {SUITE_BUDGET_S // 60} min", "not run (pass --suite)", None)]
    started = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=PROJECT,
                          env={**os.environ, "CI": "true"}).returncode
    seconds = time.perf_counter() - started
    return [(label, f"<= {SUITE_BUDGET_S // 60} min",
             f"{seconds / 60:.1f} min (exit {code})", seconds <= SUITE_BUDGET_S and code == 0)]


# -- the table ----------------------------------------------------------------------------------

def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load average "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")


VERDICT = {True: "holds", False: "**does not hold**", None: "not measured"}


def merged(rows: list[Row]) -> list[Row]:
    """Keep the earlier table's rows for figures this run left out or could not measure."""
    if not RESULTS.is_file():
        return rows
    back = {v: k for k, v in VERDICT.items()}
    earlier: dict[str, Row] = {}
    for line in RESULTS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3] in back:
            earlier[cells[0]] = (cells[0], cells[1], cells[2], back[cells[3]])
    now = {r[0]: r for r in rows}
    out = [r if r[3] is not None or r[0] not in earlier else earlier[r[0]] for r in rows]
    out += [r for name, r in earlier.items() if name not in now]
    return out


def write_table(rows: list[Row]) -> str:
    verdict = VERDICT
    lines = [
        "# Single-student budgets (issue 17)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        "`python benchmarks/bench_budgets.py`. Times on a shared machine are inflated; the "
        "ratios are the figures to compare.",
        "",
        "| figure | budget | measured | holds? |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {f} | {b} | {m} | {verdict[h]} |" for f, b, m, h in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return text


README = PROJECT / "README.md"
README_START = "<!-- budgets: copied from benchmarks/results/budgets.md -->"
README_END = "<!-- /budgets -->"


def quote_in_readme(table: str) -> None:
    """Copy the table (without its heading) between the README's budget markers, if present."""
    text = README.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    body = table.split("\n", 2)[2].strip()
    README.write_text(f"{head}{README_START}\n{body}\n{README_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs per lesson")
    parser.add_argument("--suite", action="store_true", help="also time the whole `pytest`")
    parser.add_argument("--skip-browser", action="store_true", help="leave out Chromium")
    parser.add_argument("--skip-lessons", action="store_true", help="leave out lesson runs")
    parser.add_argument("--merge", action="store_true",
                        help="keep the earlier table's rows for what this run leaves out")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    rows += size_rows()
    rows += import_rows()
    if not args.skip_lessons:
        rows += lesson_rows(args.runs)
    if not args.skip_browser:
        rows += browser_rows()
    rows += suite_rows(args.suite)
    table = write_table(merged(rows) if args.merge else rows)
    quote_in_readme(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
