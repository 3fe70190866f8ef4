"""The course on a real JupyterHub: two students pull it with the README's nbgitpuller link.

A local JupyterHub (loopback only, test password, one home folder per student under tmp; see
hub.py) serves the course from a local git repository. Each student opens the link in Chromium,
logs in, gets the course copied into their home, runs notebook 00 in a fresh kernel and answers
an exercise. Then both servers are stopped and started through the hub's API, the teacher commits
a newer version of the course, and each student opens the same link again: nbgitpuller merges the
new version in, the change shows, and the rerun notebook's progress panel still counts the
student's own answer (and only theirs), read from their own ``~/.afghanistan-course``.

Without Chromium, JupyterHub, nbgitpuller, Node.js or the proxy the test skips with a reason,
except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from . import answering, hub, lab
from .conftest import ARTIFACTS, VIEWPORT
from .test_notebooks_in_browser import code_cell_count

NOTEBOOK = "00_start_here.ipynb"
STUDENTS = ("student1", "student2")
UPDATE = "Course update for the hub test: this sentence arrived with the second pull."
LOGIN_SECONDS = hub.START_SECONDS


@pytest.fixture(scope="module")
def course_hub(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    problem = hub.missing_requirements()
    if problem:
        message = f"the JupyterHub test cannot run: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; in CI it must run", pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("hub")
    repo = hub.make_course_repo(root / "git")
    with hub.running_hub(root / "hub") as running:
        running.add_students(list(STUDENTS), autosave=False)
        running.repo = repo  # type: ignore[attr-defined]
        yield running


#: A Check shows its verdict at once and saves the try once the values have settled
#: (helpers.exercises.widgets.CHECK_SETTLE_SECONDS, restarted by late values up to
#: CHECK_SETTLE_LIMIT), so the file may appear a moment after the feedback.
SAVE_WAIT_SECONDS = 15


def progress(course_hub: Any, student: str) -> dict[str, Any]:
    path = course_hub.progress_file(student)
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while not path.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.is_file(), f"{student} has no progress file at {path}"
    return json.loads(path.read_text(encoding="utf-8"))["exercises"]


def best(entries: dict[str, Any], ex_id: str) -> str | None:
    return (entries.get(ex_id) or {}).get("best_status")


def open_link(page: Any, link: str, student: str) -> None:
    """Open the nbgitpuller link; log in if the hub asks; wait for the notebook's kernel."""
    page.goto(link)
    page.wait_for_url(re.compile(r"/hub/login|/lab/tree/"), timeout=LOGIN_SECONDS * 1000)
    if "/hub/login" in page.url:
        page.fill("#username_input", student)
        page.fill("#password_input", hub.PASSWORD)
        page.click("#login_submit")
    # the hub's spawn page, then nbgitpuller's progress page, then JupyterLab
    page.wait_for_url(re.compile(rf"/user/{student}/lab/tree/{hub.COURSE_NAME}/notebooks/"
                                 rf"{re.escape(NOTEBOOK)}"), timeout=LOGIN_SECONDS * 1000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=LOGIN_SECONDS * 1000)
    lab.accept_kernel_dialog(page)
    lab.wait_until_idle(page, LOGIN_SECONDS)


def run_all(page: Any, cells: int) -> None:
    """Clear the outputs and run every cell in the kernel the notebook just started.

    The kernel is fresh (the server started it when the link opened the notebook), so no restart
    is needed; a restart through the proxy was seen to hang in "Starting" on a loaded machine.
    """
    lab.menu(page, "Edit", "Clear Outputs of All Cells")
    lab.menu(page, "Run", "Run All Cells")
    page.wait_for_function(lab.ALL_CELLS_RUN_JS, arg=cells, timeout=lab.RUN_SECONDS * 1000)
    lab.wait_until_idle(page, lab.RUN_SECONDS)


def progress_row(page: Any, notebook: str) -> dict[str, str]:
    """Read one notebook's row of the progress panel shown by the notebook's last cell."""
    row = page.locator(".course-progress-table tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^{re.escape(notebook)}$"))).first
    row.wait_for(timeout=60_000)
    cells = row.locator("td").all_inner_texts()
    return dict(zip(("exercises", "tried", "right", "partly", "saved", "revealed"), cells,
                    strict=True))


def publish_new_version(repo: Path) -> None:
    """The teacher changes notebook 00's opening cell and commits it."""
    path = repo / "notebooks" / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += f"\n\n{UPDATE}"
    nbformat.write(nb, path)
    hub.git("commit", "-q", "-am", "Course, second version", cwd=repo)


def test_two_students_pull_run_and_keep_their_own_progress(browser: Any, course_hub: Any) -> None:
    link = hub.pull_link(course_hub.url, course_hub.repo, NOTEBOOK)
    assert link.startswith(f"{course_hub.url}/hub/user-redirect/git-pull?repo=file%3A%2F%2F")
    graded = [ex for ex in answering.exercises_in(NOTEBOOK)
              if ex.kind in answering.GRADED_IN_WIDGET]
    chosen = dict(zip(STUDENTS, graded[:2], strict=True))
    cells = code_cell_count(NOTEBOOK)
    # student2's server is started by the hub's API while student1's link starts theirs
    course_hub.request_start(STUDENTS[1])
    contexts = {s: browser.new_context(viewport=VIEWPORT) for s in STUDENTS}
    pages = {s: contexts[s].new_page() for s in STUDENTS}
    errors: list[str] = []
    for pg in pages.values():
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # 1. first pull, a full run in a fresh kernel, one answer each
        for student, ex in chosen.items():
            page = pages[student]
            open_link(page, link, student)
            run_all(page, cells)
            assert lab.error_outputs(page) == [], student
            answering.enter(page, ex, answering.right_answer(ex))
            page.wait_for_timeout(answering.HUMAN_PAUSE_MS)
            answering.press_check(page, ex)
            assert "✓" in answering.feedback(page, ex, "✓")
        clone = {s: course_hub.home(s) / hub.COURSE_NAME for s in STUDENTS}
        for student, ex in chosen.items():
            assert (clone[student] / "notebooks" / NOTEBOOK).is_file(), student
            entries = progress(course_hub, student)
            others = [o.id for s, o in chosen.items() if s != student]
            assert best(entries, ex.id) == "correct", (student, entries)
            assert all(best(entries, o) is None for o in others), (student, entries)
        saved = {s: course_hub.progress_file(s).read_bytes() for s in STUDENTS}

        # 2. both servers restarted through the hub, and a newer course version published
        course_hub.restart_servers(list(STUDENTS))
        assert {s: course_hub.progress_file(s).read_bytes() for s in STUDENTS} == saved
        publish_new_version(course_hub.repo)

        # 3. the same link again: nbgitpuller merges the new version; progress is intact
        for student, ex in chosen.items():
            page = pages[student]
            open_link(page, link, student)
            page.get_by_text(UPDATE).first.wait_for(timeout=60_000)
            assert UPDATE in (clone[student] / "notebooks" / NOTEBOOK).read_text("utf-8")
            run_all(page, cells)
            row = progress_row(page, NOTEBOOK.removesuffix(".ipynb"))
            assert row["right"] == "1" and row["tried"] == "1", (student, row)
            panel = page.locator(".course-progress").first.inner_text()
            assert str(course_hub.progress_file(student)) in panel, panel
            assert best(progress(course_hub, student), ex.id) == "correct"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        for student, context in contexts.items():
            with contextlib.suppress(Exception):
                pages[student].screenshot(path=str(ARTIFACTS / f"hub-{student}.png"))
            context.close()
    assert errors == []
