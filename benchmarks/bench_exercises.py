"""Benchmark: the time of one check after a click, and what importing the exercise engine adds.

1. Click: builds the widgets of notebook 00's exercises in this process and times 1,000 clicks
   of "Check" on each kind (grading, feedback HTML, and the locked, atomic write of the progress
   file), and 1,000 ``check()`` calls on the data question. Target: median under 20 ms.
2. Import: in fresh processes that have already imported pandas, matplotlib and ipywidgets (as a
   notebook has), times importing every module of ``helpers.exercises``. Target: under 0.1 s.

Prints medians (and the 95th percentile for clicks); asserts nothing. The progress file is a
temporary one. Run with:  python benchmarks/bench_exercises.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CLICKS = 1_000
IMPORT_RUNS = 15
ENV = {**os.environ, "MPLBACKEND": "Agg"}
BASE = "import pandas, matplotlib, ipywidgets"
ENGINE = ("import helpers.exercises.api, helpers.exercises.widgets, helpers.exercises.bank, "
          "helpers.exercises.answers")
IMPORT_PROBE = (f"{BASE}; import time; t = time.perf_counter(); {ENGINE}; "
                "print(time.perf_counter() - t)")


def time_calls(action: Callable[[], object], n: int) -> list[float]:
    """Return the duration in seconds of each of ``n`` calls of ``action``."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"  {label:34s} median {statistics.median(times) * 1000:7.3f} ms   "
          f"p95 {p95 * 1000:7.3f} ms   (n = {len(times):,})")


def bench_clicks() -> None:
    from helpers.exercises import api, render, session
    from helpers.exercises.bank import get_exercise
    from helpers.exercises.grading import grade
    from helpers.exercises.widgets import ExerciseWidget

    answers: dict[str, Callable[[ExerciseWidget], None]] = {
        "00-uncertainty-range": lambda wdg: setattr(
            wdg.inputs["answer"], "value", wdg.exercise.answer),
        "00-source-articles": lambda wdg: setattr(wdg.inputs["option0"], "value", True),
        "00-notebook-count": lambda wdg: setattr(wdg.inputs["answer"], "value", " 1,000 "),
        "00-glossary-isaf": lambda wdg: setattr(wdg.inputs["answer"], "value", "Isaf"),
        "00-notebook-order": lambda wdg: [
            setattr(wdg.inputs[f"item{i}"], "value", i + 1)
            for i in range(len(render.shown_order(wdg.exercise)))],
        "00-source-perspectives": lambda wdg: setattr(
            wdg.inputs["pair0"], "value", wdg.exercise.pairs[0][1]),
        "00-why-perspectives": lambda wdg: setattr(
            wdg.inputs["answer"], "value", "A few words about where writers stand " * 5),
    }
    print(f"Click on 'Check' -> grading + feedback + progress write ({CLICKS:,} clicks each):")
    all_clicks: list[float] = []
    for exercise_id, fill in answers.items():
        widget = ExerciseWidget(get_exercise(exercise_id))
        fill(widget)
        times = time_calls(widget.check_button.click, CLICKS)
        all_clicks += times
        report(f"{widget.exercise.kind} ({exercise_id})", times)
    data_times = time_calls(lambda: api.check("00-deaths-2020", 20475), CLICKS)
    all_clicks += data_times
    report("data (check('00-deaths-2020', v))", data_times)
    report("all kinds together", all_clicks)
    print("  target: median under 20 ms")
    ex = get_exercise("00-notebook-order")
    order = list(ex.items)
    report("grading alone (ordering)", time_calls(lambda: grade(ex, order), CLICKS))
    report("progress write alone", time_calls(
        lambda: session.store().record("00-bench", notebook="00", kind="text", answer="x",
                                       status="correct", score=1), CLICKS))


def bench_import() -> None:
    def probe() -> float:
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], check=True, env=ENV,
                             capture_output=True, text=True).stdout
        return float(out.strip().splitlines()[-1])

    def wall(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
        return time.perf_counter() - started

    probe()  # warm the file cache
    inside = statistics.median(probe() for _ in range(IMPORT_RUNS))
    bases, fulls = [], []
    for _ in range(IMPORT_RUNS):  # interleaved, so drift in the machine's load affects both
        bases.append(wall(BASE))
        fulls.append(wall(f"{BASE}; {ENGINE}"))
    base, full = statistics.median(bases), statistics.median(fulls)
    print(f"Import of the exercise engine on top of [{BASE}] (median of {IMPORT_RUNS} fresh "
          "processes):")
    print(f"  measured inside the process      {inside * 1000:7.1f} ms")
    print(f"  difference of process wall times {(full - base) * 1000:7.1f} ms "
          f"(base {base:.3f} s; noisier, as it includes process start-up)")
    print("  target: under 100 ms")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-exercises-") as folder:
        os.environ["AFG_COURSE_PROGRESS"] = str(Path(folder) / "progress.json")
        ENV["AFG_COURSE_PROGRESS"] = os.environ["AFG_COURSE_PROGRESS"]
        bench_clicks()
        bench_import()


if __name__ == "__main__":
    main()
