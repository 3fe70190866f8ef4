"""Tests of the re-execution command (python -m helpers.execute)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers import execute
from helpers.errors import CourseError


def make_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, path)
    return path


def test_default_order_is_reading_order() -> None:
    names = [p.name for p in execute.notebook_paths()]
    assert names == sorted(names)
    assert names[0] == "00_start_here.ipynb"


def test_missing_notebook_is_named(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="no such notebook"):
        execute.notebook_paths([str(tmp_path / "nope.ipynb")])


def test_execute_writes_outputs_in_a_fresh_kernel(tmp_path: Path) -> None:
    path = make_notebook(tmp_path / "01_x.ipynb", "x = 6 * 7", "print(x)",
                         "import os; print(os.environ['AFG_COURSE_PROGRESS'] != '')")
    execute.execute_notebook(path)
    nb = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in nb.cells] == [1, 2, 3]
    assert nb.cells[1].outputs[0]["text"] == "42\n"
    assert "execution" not in nb.cells[0].metadata  # no timestamps stored


def test_main_reports_a_failing_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_notebook(tmp_path / "02_bad.ipynb", "1 / 0")
    assert execute.main([str(path)]) == 1
    err = capsys.readouterr().err
    assert "02_bad.ipynb failed" in err and "ZeroDivisionError" in err
