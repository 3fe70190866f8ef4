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

import pandas as pd
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


@pytest.fixture
def small_timeline() -> pd.DataFrame:
    """Four events with the timeline's columns, including HTML in a title and description."""
    return pd.DataFrame({
        "date": pd.to_datetime(["2001-10-07", "2001-12-05", "2020-02-29", "2021-08-15"]),
        "precision": ["day", "day", "day", "day"],
        "title": ["Campaign begins", "Bonn Agreement", "Doha Agreement", "<b>Kabul</b>"],
        "description": ["a", "b", "c", "<script>alert(1)</script>"],
        "theme": ["war", "diplomacy", "diplomacy", "war"],
        "actors": ["united-states;taliban", "un", "united-states;taliban", "taliban"],
        "notebook": ["01_background", "01_background", "02_doha", "03_withdrawal"],
        "source_ids": ["A", "B", "DOHA-2020", "SHAH-2022"],
    })


#: Test files whose tests share one costly build (a module- or session-scoped fixture: the student
#: release, the static site, the class report, a JupyterHub). Under pytest-xdist each file runs on
#: one worker, so the build is made once, not once per worker.
SHARED_BUILD_FILES = frozenset({
    "tests/test_release.py",
    "tests/test_site.py",
    "tests/test_class_report.py",
    "tests/test_answer_key.py",
    "tests/browser/test_site_in_browser.py",
    "tests/browser/test_hub_in_browser.py",
})


def run_together(nodeid: str) -> str:
    """Return the unit of work a test belongs to under pytest-xdist: what one worker runs.

    A notebook's nbval cells share one kernel, so a notebook is one unit, as is each file in
    :data:`SHARED_BUILD_FILES`; every other test is a unit of its own and may run on either
    worker.
    """
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") or path in SHARED_BUILD_FILES else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """The README's test command runs on two processes (pytest-xdist): keep units together.

    pytest-xdist's own ``xdist_group`` marks did not reach nbval's cells, so the grouping is
    done here, on node ids: load balancing as ``--dist load``, but by :func:`run_together`.
    """
    from xdist.scheduler import LoadScopeScheduling

    class RunTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return run_together(nodeid)

    return RunTogether(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio loop running in the test process while its browser
    is open; widget unit tests that run after it would see that loop and behave as in a live
    kernel. Unit tests and notebook checks therefore run first, each in their collected order.
    Under pytest-xdist the workers are sent their tests in this order too, because pyproject.toml
    turns off the reordering that would send the largest groups first: a group of browser tests
    sent early left Playwright's loop running under the widget tests that followed it.
    """
    # Among the browser tests the JupyterHub test, by far the longest (over a minute), goes
    # first, so that under pytest-xdist the other worker runs the rest meanwhile rather than
    # the run ending on it.
    items.sort(key=lambda item: ("tests/browser/" in item.nodeid,
                                 "tests/browser/test_hub_in_browser.py" not in item.nodeid))
