"""Fixtures for the browser tests: JupyterLab and Voilà servers on loopback, and headless Chromium.

The servers run on copies of the notebooks in a temporary folder, with autosave off, so a test can
never change a committed notebook. Each server gets its own token, runtime folder and progress
file; everything a fixture starts is stopped at teardown, also when a test fails. Without a
Chromium binary the tests skip with a reason, except in CI (``CI=true``), where they fail: CI must
run them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import PROJECT_DIR, notebooks_dir

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
ARTIFACTS = PROJECT_DIR / "test-artifacts"
SERVER_START_SECONDS = 90


def chromium_path() -> str | None:
    """Return the Chromium executable to drive, or None when the machine has none."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@dataclass
class Server:
    """A running Jupyter server: where it listens and how to authenticate."""

    base_url: str
    token: str
    root: Path
    log: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early; log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"server not up after {SERVER_START_SECONDS} s; "
                       f"log:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server and every process it started (kernels included)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _lab_settings(folder: Path) -> Path:
    """Write JupyterLab settings overrides: no autosave, all cells rendered, no news checks."""
    overrides = {
        "docmanager-extension/plugin": {"autosave": False},
        "notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    for name, values in overrides.items():
        package, plugin = name.split("/")
        target = folder / "@jupyterlab" / package / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = ("no Chromium browser found (install Debian's `chromium` package, or set "
                   "CHROMIUM_PATH) — the browser tests need one")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; in CI they must run", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the notebooks to serve, so nothing a browser does reaches the committed files."""
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(notebooks_dir(), root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


def _server_env(root: Path, name: str) -> dict[str, str]:
    env = {**os.environ}
    env.update({
        "JUPYTER_RUNTIME_DIR": str(root / f"{name}-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(_lab_settings(root / f"{name}-settings")),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / f"{name}-workspaces"),
        "AFG_COURSE_PROGRESS": str(root / f"{name}-progress.json"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    })
    return env


def _start(cmd: list[str], root: Path, name: str, ready_path: str) -> Iterator[Server]:
    token = secrets.token_hex(16)
    port = _free_port()
    log = root / f"{name}.log"
    args = [*cmd, f"--port={port}", f"--IdentityProvider.token={token}"]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=root / "notebooks", env=_server_env(root, name),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", token, root / "notebooks", log)
    try:
        _wait_until_up(server.url(ready_path), proc, log)
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def lab_server(chromium: str, workspace: Path) -> Iterator[Server]:
    """JupyterLab on 127.0.0.1 with a token and autosave off, serving the notebook copies."""
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={workspace / 'notebooks'}",
           "--LabApp.news_url=", "--ServerApp.open_browser=False"]
    yield from _start(cmd, workspace, "lab", "/api/status")


@pytest.fixture(scope="session")
def voila_server(chromium: str, workspace: Path) -> Iterator[Server]:
    """Voilà (notebooks as apps, code hidden) on 127.0.0.1 with a token."""
    cmd = [sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1",
           "--show_tracebacks=True",
           "--ServerApp.allow_root=True", f"--Voila.root_dir={workspace / 'notebooks'}",
           str(workspace / "notebooks")]
    yield from _start(cmd, workspace, "voila", "/")


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def patient(page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening JupyterLab and running a whole notebook on a busy machine (two cores shared by
    other work) can take longer than Playwright's and lab's default waits: triple them."""
    from . import lab

    monkeypatch.setattr(lab, "RUN_SECONDS", 3 * lab.RUN_SECONDS)
    page.set_default_navigation_timeout(lab.RUN_SECONDS * 1000)


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page at 1280×800; a screenshot is saved under test-artifacts/ at the end."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    console: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # errors the page logs: not failures by themselves (Voilà logs some on every load, such as
    # fonts it cannot fetch offline), but what a failing test reports about the page
    pg.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    pg.page_errors = errors  # type: ignore[attr-defined]
    pg.console_messages = console  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        try:
            save_screenshot(pg, request, full_page=True)
        finally:
            context.close()


def save_screenshot(pg: object, request: pytest.FixtureRequest, *, full_page: bool) -> None:
    """Save the page under test-artifacts/, named after the test, to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"),  # type: ignore[attr-defined]
                  full_page=full_page)
