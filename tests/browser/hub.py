"""A local JupyterHub for tests and the capacity benchmark: loopback only, throw-away users.

The hub runs from the current Python environment with its proxy, configurable-http-proxy (from
the npm registry, installed by ``.ci/run`` with ``npm ci --prefix tests/browser/proxy``). Students
log in with a shared test password (SharedPasswordAuthenticator) and each gets a single-user
Jupyter server from SimpleLocalProcessSpawner, with its own home folder under the hub's temporary
folder, so no system accounts are needed. Their servers and kernels use this Python environment,
which has the course's packages. A service token with admin scopes lets the caller start and stop
servers and reach each student's server through the proxy, as the hub's own pages do.

The course reaches the students the way a teacher's class gets it: a git repository (here a local
one, served as a ``file://`` URL) and the README's nbgitpuller link.
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
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.paths import PROJECT_DIR

PROXY_PREFIX = PROJECT_DIR / "tests" / "browser" / "proxy"
COURSE_NAME = "afghanistan-course"
PASSWORD = "class-of-thirty-test"
SERVICE = "course-test"
START_SECONDS = 120
#: JupyterLab settings a student's home gets before the first start: all cells rendered (so a
#: test can count run prompts), the notebook's kernel started without asking, no news checks.
LAB_SETTINGS = {
    "notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def proxy_command() -> str | None:
    """Return configurable-http-proxy's executable, or None when it is not installed."""
    for candidate in (os.environ.get("CONFIGPROXY_PATH"),
                      str(PROXY_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"),
                      shutil.which("configurable-http-proxy")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def missing_requirements() -> str | None:
    """Say what the hub needs and this machine lacks, or return None when all is there."""
    try:
        import jupyterhub  # noqa: F401
        import nbgitpuller  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -r requirements.txt)"
    if shutil.which("node") is None:
        return "Node.js is not installed (Debian's `nodejs` package), needed by the hub's proxy"
    if proxy_command() is None:
        return ("configurable-http-proxy is not installed: run "
                "`npm ci --prefix tests/browser/proxy`")
    if shutil.which("git") is None:
        return "git is not installed, needed by nbgitpuller"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; return what it prints."""
    cmd = ["git", "-c", "user.name=Course Test", "-c", "user.email=course-test@localhost",
           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_course_repo(parent: Path) -> Path:
    """Make a git repository holding the course's notebooks, as a teacher's fork would.

    Only what a student opens is copied (the notebooks and the README); the helpers and data come
    from the environment the servers run in, as they come from the image on a real hub.
    """
    repo = parent / COURSE_NAME
    repo.mkdir(parents=True)
    shutil.copytree(PROJECT_DIR / "notebooks", repo / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(PROJECT_DIR / "README.md", repo / "README.md")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "Course, first version", cwd=repo)
    return repo


def pull_link(hub_url: str, repo: Path, notebook: str) -> str:
    """The README's nbgitpuller link for this hub, pulling ``repo`` and opening ``notebook``."""
    query = urllib.parse.urlencode({
        "repo": repo.as_uri(), "branch": "main",
        "urlpath": f"lab/tree/{COURSE_NAME}/notebooks/{notebook}",
    })
    return f"{hub_url}/hub/user-redirect/git-pull?{query}"


@dataclass
class Hub:
    """A running JupyterHub: its public URL, an admin service token and the students' homes."""

    url: str
    token: str
    root: Path
    log: Path
    proc: subprocess.Popen[bytes] = field(repr=False)

    def home(self, user: str) -> Path:
        return self.root / "homes" / user

    def progress_file(self, user: str) -> Path:
        return self.home(user) / ".afghanistan-course" / "progress.json"

    def request_raw(self, method: str, path: str, body: Any = None, timeout: float = 30) -> str:
        """Call the hub or a user's server (through the proxy) with the service token."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read().decode("utf-8")

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        """Call the hub's or a user server's REST API with the service token; return its JSON."""
        raw = self.request_raw(method, path, body, timeout)
        return json.loads(raw) if raw else None

    def add_students(self, names: list[str], autosave: bool = True) -> None:
        """Create the accounts and give each home the JupyterLab settings a test relies on.

        ``autosave=False`` keeps a student's notebooks as pulled, so that a later pull merges
        without conflicts whatever the timing of JupyterLab's autosave.
        """
        overrides = dict(LAB_SETTINGS)
        if not autosave:
            overrides["docmanager-extension/plugin"] = {"autosave": False}
        for name in names:
            settings = self.home(name) / ".jupyter" / "lab" / "user-settings"
            for key, values in overrides.items():
                package, plugin = key.split("/")
                target = settings / "@jupyterlab" / package / f"{plugin}.jupyterlab-settings"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(values), encoding="utf-8")
        self.request("POST", "/hub/api/users", {"usernames": names})

    def server_ready(self, user: str) -> bool:
        model = self.request("GET", f"/hub/api/users/{user}")
        server = model.get("servers", {}).get("", {})
        return bool(server.get("ready")) and not server.get("pending")

    def wait_for(self, user: str, ready: bool, seconds: float = START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            model = self.request("GET", f"/hub/api/users/{user}")
            server = model.get("servers", {}).get("")
            if ready and server and server.get("ready") and not server.get("pending"):
                return
            if not ready and not server:
                return
            if ready and not server and time.monotonic() > deadline - seconds + 5:
                raise RuntimeError(f"the hub gave up starting {user}'s server (neither running "
                                   "nor pending; see Spawner.start_timeout and http_timeout); "
                                   f"hub log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server not {'up' if ready else 'stopped'} after "
                           f"{seconds} s; hub log:\n{self.log.read_text()[-3000:]}")

    def request_start(self, user: str) -> None:
        """Ask the hub to start a student's server; do not wait for it."""
        self.request("POST", f"/hub/api/users/{user}/server", timeout=START_SECONDS)

    def request_stop(self, user: str) -> None:
        """Ask the hub to stop a student's server; do not wait for it."""
        self.request("DELETE", f"/hub/api/users/{user}/server", timeout=START_SECONDS)

    def start_server(self, user: str) -> None:
        self.request_start(user)
        self.wait_for(user, ready=True)

    def stop_server(self, user: str) -> None:
        self.request_stop(user)
        self.wait_for(user, ready=False)

    def restart_servers(self, users: list[str]) -> None:
        """Stop the students' servers (kernels and all), then start them again, as an admin."""
        for user in users:
            self.request_stop(user)
        for user in users:
            self.wait_for(user, ready=False)
        for user in users:
            self.request_start(user)
        for user in users:
            self.wait_for(user, ready=True)

    def server_pids(self, user: str) -> list[int]:
        """Return the process ids of a student's server and its kernels (for memory figures)."""
        import psutil

        home = str(self.home(user))
        pids = []
        for proc in psutil.Process(self.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if proc.environ().get("HOME") == home:
                    pids.append(proc.pid)
        return pids


def _config(root: Path, port: int, token: str, proxy: str) -> str:
    settings = {
        "ip": "127.0.0.1", "port": port, "hub_port": free_port(), "proxy_api": free_port(),
        "proxy": proxy, "db": f"sqlite:///{root / 'jupyterhub.sqlite'}",
        "cookie": str(root / "cookie_secret"), "homes": str(root / "homes" / "{username}"),
        "python": sys.executable, "token": token, "password": PASSWORD, "service": SERVICE,
        "timeout": START_SECONDS,
    }
    return f"""\
s = {settings!r}
c.JupyterHub.ip = s["ip"]
c.JupyterHub.port = s["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hub_port"]
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%d" % s["proxy_api"]
c.JupyterHub.db_url = s["db"]
c.JupyterHub.cookie_secret_file = s["cookie"]
c.JupyterHub.cleanup_servers = True
# API calls that start or stop a server answer at once (202) instead of waiting up to 10 s
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0, "slow_stop_timeout": 0}}
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = s["password"]
c.Authenticator.allow_existing_users = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = s["homes"]
c.Spawner.cmd = [s["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"]  # CI runs as root
c.Spawner.start_timeout = s["timeout"]
c.Spawner.http_timeout = s["timeout"]
c.JupyterHub.services = [{{"name": s["service"], "api_token": s["token"]}}]
c.JupyterHub.load_roles = [{{
    "name": "course-test-admin", "services": [s["service"]],
    "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"],
}}]
"""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the hub (it stops the proxy and the students' servers), then anything left."""
    import psutil

    try:
        left = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        left = []
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    for child in left:  # servers run in sessions of their own; the hub normally stops them
        with contextlib.suppress(psutil.Error):
            child.kill()


@contextlib.contextmanager
def running_hub(root: Path) -> Iterator[Hub]:
    """Start a JupyterHub in ``root`` on 127.0.0.1; stop it and every server it started at exit."""
    problem = missing_requirements()
    if problem:
        raise RuntimeError(problem)
    root.mkdir(parents=True, exist_ok=True)
    (root / "homes").mkdir(exist_ok=True)
    port, token = free_port(), secrets.token_hex(24)
    config = root / "jupyterhub_config.py"
    config.write_text(_config(root, port, token, str(proxy_command())), encoding="utf-8")
    log = root / "hub.log"
    env = {**os.environ, "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24)}
    env.pop("JUPYTERHUB_API_TOKEN", None)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, root, log, proc)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the hub exited early; log:\n{log.read_text()[-3000:]}")
            try:
                hub.request("GET", "/hub/api/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the hub is not up after {START_SECONDS} s; log:\n"
                                       f"{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield hub
    finally:
        _stop(proc)
