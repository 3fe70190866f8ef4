"""Benchmark: what `import helpers` (and using its loaders and plots) adds on top of the stack.

Runs fresh Python processes and compares the median wall time of
  (a) importing pandas, matplotlib and ipywidgets, with
  (b) the same plus `import helpers` and `from helpers import load_table, new_figure`.
Target (foundation issue): (b) - (a) at most 0.15 s. Run with:  python benchmarks/bench_import.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

BASE = "import pandas, matplotlib, ipywidgets"
# In a notebook the inline backend has already imported matplotlib.pyplot (and with it
# matplotlib.figure), so the loaders and chart helpers are measured on top of that too.
NOTEBOOK_BASE = BASE + ", matplotlib.pyplot"
CASES = {
    "import helpers": (BASE, BASE + "; import helpers"),
    "helpers data + plots, in a notebook": (
        NOTEBOOK_BASE, NOTEBOOK_BASE + "; from helpers import load_table, new_figure, show"),
}
RUNS = 9
# The inline backend of a notebook draws with Agg; a GUI backend's start-up would only add noise.
ENV = {**os.environ, "MPLBACKEND": "Agg"}


def timed(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
    return time.perf_counter() - started


def median_time(code: str) -> float:
    timed(code)  # warm the file cache
    return statistics.median(timed(code) for _ in range(RUNS))


def main() -> None:
    for label, (base_code, code) in CASES.items():
        base = median_time(base_code)
        extra = median_time(code) - base
        print(f"{label:38s} adds {extra:+.3f} s on top of {base:.3f} s "
              f"[{base_code}] (target <= 0.150 s; median of {RUNS})")


if __name__ == "__main__":
    main()
