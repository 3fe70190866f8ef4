"""Benchmark: how long each notebook takes to run, against an empty notebook with its imports.

For every notebooks/NN_*.ipynb, runs (a) the notebook's first code cell alone (its imports and
set-up) and (b) the whole notebook, each in a fresh kernel, and prints the medians and the
difference: the time the lesson itself costs. Nothing is written back. Run with:
    python benchmarks/bench_notebooks.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.paths import notebooks_dir


def run_seconds(nb: nbformat.NotebookNode, folder: Path) -> float:
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def main(runs: int = 3) -> None:
    os.environ["AFG_COURSE_PROGRESS"] = str(Path(tempfile.mkdtemp()) / "progress.json")
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        full = nbformat.read(path, as_version=4)
        first_code = next(c for c in full.cells if c.cell_type == "code")
        empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first_code.source)])
        base = statistics.median(run_seconds(nbformat.from_dict(empty), path.parent)
                                 for _ in range(runs))
        whole = statistics.median(run_seconds(nbformat.from_dict(full), path.parent)
                                  for _ in range(runs))
        print(f"{path.name:24s} imports only {base:5.2f} s   whole notebook {whole:5.2f} s   "
              f"lesson adds {whole - base:5.2f} s  (median of {runs})", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
