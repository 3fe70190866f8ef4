"""Test set-up shared by the unit tests and the nbval notebook checks.

Every test session gets its own progress file, so stored notebook outputs never depend on a
student's history on this machine, and charts render with the non-interactive Agg backend.
The variables are set when pytest configures itself, before nbval starts any kernel, so the
notebook kernels inherit them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="afg-course-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ["AFG_COURSE_PROGRESS"] = str(_SESSION_DIR / "progress.json")
    os.environ.setdefault("MPLBACKEND", "Agg")
    # Kernels started by nbval must not pick up a user's IPython start-up files.
    os.environ["IPYTHONDIR"] = str(_SESSION_DIR / "ipython")


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away data folder that the helpers read instead of data/."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("AFG_COURSE_DATA", str(folder))
    return folder
