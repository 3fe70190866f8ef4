"""Re-execute the collection's notebooks in place, in reading order, each in a fresh kernel.

Authors run this after changing data, helpers or a notebook, so that the stored outputs (which
GitHub and nbviewer show, and which nbval compares) follow from the current code and data::

    python -m helpers.execute                 # every notebooks/NN_*.ipynb
    python -m helpers.execute notebooks/02_doha.ipynb

Each notebook runs top to bottom in a new kernel with its own folder as the working directory and a
throw-away progress file, so a student's or author's saved answers never leak into stored outputs.
A notebook that raises stops the run with the cell that failed and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers.errors import CourseError
from helpers.paths import notebooks_dir

CELL_TIMEOUT_SECONDS = 600


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """Return the notebooks to run: the given paths, or every ``NN_*.ipynb`` in reading order."""
    if names:
        paths = [Path(n).resolve() for n in names]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CourseError(f"no such notebook: {', '.join(missing)}")
        return paths
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(path: Path, *, timeout: int = CELL_TIMEOUT_SECONDS) -> float:
    """Run one notebook in a fresh kernel and write it back with its outputs; return seconds."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    # A fixed, emptied folder: the progress panel shows its path, and stored outputs (and the
    # widget state saved with them) must not change from run to run.
    scratch = Path(tempfile.gettempdir()) / "afg-course-execute"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    previous = os.environ.get("AFG_COURSE_PROGRESS")
    os.environ["AFG_COURSE_PROGRESS"] = str(scratch / "progress.json")
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            record_timing=False,
        )
        client.execute()
    except CellExecutionError as exc:
        raise CourseError(f"{path.name} failed:\n{exc}") from None
    finally:
        if previous is None:
            os.environ.pop("AFG_COURSE_PROGRESS", None)
        else:
            os.environ["AFG_COURSE_PROGRESS"] = previous
        shutil.rmtree(scratch, ignore_errors=True)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: execute the named notebooks (default: all) in order."""
    parser = argparse.ArgumentParser(prog="python -m helpers.execute", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all, in order)")
    args = parser.parse_args(argv)
    try:
        paths = notebook_paths(args.notebooks)
        if not paths:
            print("no notebooks found", file=sys.stderr)
            return 1
        for path in paths:
            print(f"executing {path.name} ...", flush=True)
            seconds = execute_notebook(path)
            print(f"  done in {seconds:.1f} s", flush=True)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
