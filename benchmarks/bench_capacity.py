"""Benchmark: how many students one machine serves on a JupyterHub, and how much memory each needs.

Starts a local JupyterHub (loopback only; the same set-up as the hub test, tests/browser/hub.py),
then for each class size N logs in N simulated students at once. Each student, in a thread of
their own and through the hub's proxy as a browser would:

1. gets a single-user server (the hub's REST API) and the course (nbgitpuller's pull API, from a
   local git repository, as the README's link does);
2. opens the lesson: starts a kernel for it (Jupyter REST API) and connects to the kernel's
   websocket (the Jupyter messaging protocol). The notebook counts as *ready* when the kernel
   answers; the time is measured from the moment the whole class asked for their servers. A
   connection lost on the way is opened again in the same session, as JupyterLab does, and
   counted under *Reconnections*; after three losses the student counts as failed;
3. runs every code cell of the lesson in order (a "Run All"), and then
4. answers the lesson's exercises at a student's pace (a few seconds' thought between answers,
   some wrong first), each answer a ``check("id", value)`` executed in the kernel, which grades
   it and saves it to the student's progress file. The *round trip* is from sending the request
   to the kernel being idle again with the feedback sent: what the student waits for.

Memory per student is the resident memory (RSS) of their server plus kernel, taken after their
last answer. RSS counts shared libraries in full for each process, so it errs on the high side,
which is the safe side for a container's limit.

Run by hand (it is not a test):  python benchmarks/bench_capacity.py [--students 5,10,20,30]
``--quick`` runs one class of two. The table is printed and written to
benchmarks/results/capacity.md (``--out`` to change; the quick run writes nothing unless asked).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from helpers.exercises.bank import get_exercise  # noqa: E402

NOTEBOOK = "00_start_here.ipynb"
RESULTS = PROJECT / "benchmarks" / "results" / "capacity.md"
P95_BUDGET = 1.0  # seconds, for an answer check round trip
THINK_SECONDS = (3.0, 8.0)  # a student's pause before each answer
STUDENT_SECONDS = 900  # give up on a student after this long
MIB = 1024 * 1024


# ------------------------------------------------------------------------------------------
# Figures (pure functions, unit-tested in tests/test_bench_capacity.py)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def largest_class(rows: list[dict[str, Any]], budget: float = P95_BUDGET) -> int | None:
    """The largest class size whose answers all came back with the 95th percentile within budget.

    Sizes are read in increasing order and the first that fails (or had a student fail) ends the
    search: a larger class is not counted as served if a smaller one was not.
    """
    best = None
    for row in sorted(rows, key=lambda r: r["students"]):
        if row["failed"] or row["p95"] is None or row["p95"] >= budget:
            break
        best = row["students"]
    return best


def round_up(value_mib: float, step: int = 64) -> int:
    return int(math.ceil(value_mib / step) * step)


def memory_advice(per_student_mib: list[float], kernel_mib: list[float]) -> dict[str, int]:
    """The memory guarantee and limit for one student's container, in MiB, from the measurement.

    Guarantee: the largest measured server-plus-kernel figure with 25 % headroom (for the charts
    and tables a lesson holds once a student explores it further), rounded up to 64 MiB.
    Limit: the guarantee plus two more kernels of the largest measured size, rounded up to
    256 MiB, so a student may keep three lessons open at once before the container is stopped.
    """
    if not per_student_mib or not kernel_mib:
        raise ValueError("no memory figures")
    guarantee = round_up(max(per_student_mib) * 1.25)
    limit = round_up(guarantee + 2 * max(kernel_mib), 256)
    return {"guarantee": guarantee, "limit": limit}


# ------------------------------------------------------------------------------------------
# One simulated student


@dataclass
class Student:
    name: str
    ready: float | None = None  # seconds from the class's start to the kernel answering
    lesson: float | None = None  # seconds to run every code cell
    round_trips: list[float] = field(default_factory=list)
    memory_mib: float | None = None  # server + kernels, RSS
    kernel_mib: float | None = None
    reconnects: int = 0  # kernel connections lost and opened again
    error: str | None = None


def answers_for(notebook: str) -> list[tuple[str, str]]:
    """(exercise id, Python expression of the value) pairs: a wrong try, then the right answer,
    for each exercise the lesson shows that ``check`` grades from a plain value."""
    from tests.browser import answering

    out: list[tuple[str, str]] = []
    for ex in answering.exercises_in(notebook):
        if ex.kind in ("single_choice", "text"):
            out += [(ex.id, repr(answering.wrong_answer(ex))),
                    (ex.id, repr(answering.right_answer(ex)))]
        elif ex.kind == "number":
            out += [(ex.id, answering.wrong_answer(ex)), (ex.id, answering.right_answer(ex))]
        elif ex.kind == "select_all":
            out += [(ex.id, repr(list(answering.right_answer(ex))))]
    return out


MAX_RECONNECTS = 3  # per student; then the student counts as failed
RECONNECT_PAUSE = 1.0  # seconds before opening a lost connection again


class Kernel:
    """A kernel's websocket through the hub's proxy: send code, wait for its reply and idle.

    A connection lost mid-lesson is opened again in the same session, as JupyterLab does:
    the server keeps the session's messages while it is away and sends them on reconnection.
    Each reconnection is counted (a student would see "reconnecting" for a moment); after
    :data:`MAX_RECONNECTS` the loss is the student's failure.
    """

    def __init__(self, hub: Any, user: str, kernel_id: str) -> None:
        self.session = uuid.uuid4().hex
        self.url = (hub.url.replace("http://", "ws://")
                    + f"/user/{user}/api/kernels/{kernel_id}/channels?session_id={self.session}")
        self.header = [f"Authorization: token {hub.token}"]
        self.reconnects = 0
        self.ws = self._connect()

    def _connect(self) -> Any:
        import websocket

        return websocket.create_connection(self.url, header=self.header,
                                           timeout=STUDENT_SECONDS)

    def _recv(self) -> str:
        import websocket

        while True:
            try:
                return str(self.ws.recv())
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                if self.reconnects >= MAX_RECONNECTS:
                    raise
                self.reconnects += 1
                time.sleep(RECONNECT_PAUSE)
                with contextlib.suppress(Exception):
                    self.ws.close()
                self.ws = self._connect()

    def _send(self, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "student", "session": self.session,
                       "msg_type": msg_type, "version": "5.3",
                       "date": datetime.now(UTC).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell",
            "buffers": []}))
        return msg_id

    def _wait(self, msg_id: str, reply: str) -> dict[str, Any]:
        """Wait for the reply and for the kernel's idle status that follows the request."""
        got_reply: dict[str, Any] | None = None
        idle = False
        while got_reply is None or not idle:
            msg = json.loads(self._recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["header"]["msg_type"] == reply:
                got_reply = msg["content"]
            elif (msg["header"]["msg_type"] == "status"
                  and msg["content"].get("execution_state") == "idle"):
                idle = True
        return got_reply

    def info(self) -> None:
        self._wait(self._send("kernel_info_request", {}), "kernel_info_reply")

    def run(self, code: str) -> dict[str, Any]:
        reply = self._wait(self._send("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True}), "execute_reply")
        if reply.get("status") != "ok":
            raise RuntimeError(f"cell failed: {reply.get('ename')}: {reply.get('evalue')}\n"
                               f"{code[:200]}")
        return reply

    def close(self) -> None:
        self.ws.close()


def student_session(hub: Any, student: Student, repo: Path, cells: list[str],
                    answers: list[tuple[str, str]], started: float, seed: int) -> None:
    rng = random.Random(seed)
    user = student.name
    kernel = None
    try:
        hub.request_start(user)
        hub.wait_for(user, ready=True, seconds=STUDENT_SECONDS)
        query = urllib.parse.urlencode({"repo": repo.as_uri(), "branch": "main"})
        stream = hub.request_raw("GET", f"/user/{user}/git-pull/api?{query}",
                                 timeout=STUDENT_SECONDS)
        if '"phase": "finished"' not in stream:
            raise RuntimeError(f"nbgitpuller did not finish: {stream[-500:]}")
        path = f"afghanistan-course/notebooks/{NOTEBOOK}"
        session = hub.request("POST", f"/user/{user}/api/sessions", {
            "path": path, "name": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}},
            timeout=STUDENT_SECONDS)
        kernel = Kernel(hub, user, session["kernel"]["id"])
        kernel.info()
        student.ready = time.monotonic() - started
        t = time.monotonic()
        for code in cells:
            kernel.run(code)
        student.lesson = time.monotonic() - t
        for ex_id, value in answers:
            time.sleep(rng.uniform(*THINK_SECONDS))
            t = time.monotonic()
            kernel.run(f"check({ex_id!r}, {value})")
            student.round_trips.append(time.monotonic() - t)
        student.memory_mib, student.kernel_mib = memory_of(hub, user)
    except Exception as exc:  # reported per student; the class goes on
        student.error = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if kernel is not None:
            student.reconnects = kernel.reconnects
            kernel.close()


def memory_of(hub: Any, user: str) -> tuple[float, float]:
    """RSS of a student's server plus kernels, and of their largest kernel, in MiB."""
    import psutil

    total, largest_kernel = 0.0, 0.0
    for pid in hub.server_pids(user):
        try:
            proc = psutil.Process(pid)
            rss = proc.memory_info().rss / MIB
            cmd = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        total += rss
        if "ipykernel" in cmd:
            largest_kernel = max(largest_kernel, rss)
    return total, largest_kernel


def lesson_cells(notebook: str) -> list[str]:
    import nbformat

    nb = nbformat.read(PROJECT / "notebooks" / notebook, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def run_class(hub: Any, repo: Path, n: int, cells: list[str],
              answers: list[tuple[str, str]]) -> dict[str, Any]:
    names = [f"c{n}-s{i + 1:02d}" for i in range(n)]
    hub.add_students(names)
    students = [Student(name) for name in names]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        for i, st in enumerate(students):
            pool.submit(student_session, hub, st, repo, cells, answers, started, 1000 * n + i)
    wall = time.monotonic() - started
    for name in names:  # free the machine for the next class size
        with contextlib.suppress(Exception):
            hub.request_stop(name)
    for name in names:
        with contextlib.suppress(Exception):
            hub.wait_for(name, ready=False, seconds=120)
    ok = [s for s in students if s.error is None]
    trips = [t for s in ok for t in s.round_trips]
    return {
        "students": n,
        "failed": [f"{s.name}: {s.error}" for s in students if s.error],
        "reconnects": sum(s.reconnects for s in students),
        "ready_max": max((s.ready for s in ok if s.ready is not None), default=None),
        "ready_median": statistics.median([s.ready for s in ok]) if ok else None,
        "lesson_median": statistics.median([s.lesson for s in ok]) if ok else None,
        "memory_median": statistics.median([s.memory_mib for s in ok]) if ok else None,
        "memory_max": max((s.memory_mib for s in ok), default=None),
        "kernel_max": max((s.kernel_mib for s in ok), default=None),
        "checks": len(trips),
        "p50": statistics.median(trips) if trips else None,
        "p95": percentile(trips, 95) if trips else None,
        "wall": wall,
    }


# ------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def machine() -> dict[str, str]:
    import psutil

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"cores": str(os.cpu_count()), "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
            "cpu": model or platform.processor(), "load": load,
            "python": platform.python_version(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| Students at once | Notebook ready, all (median) | Lesson run, median | "
            "Memory per student, median (max) | Kernel, max | Answer checks | "
            "Check round trip, median | 95th percentile | Reconnections | Failed |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = []
    for r in rows:
        if r.get("skipped"):
            lines.append(f"| {r['students']} | not run: {r['skipped']} | | | | | | | | |")
            continue
        lines.append(
            f"| {r['students']} | {_fmt(r['ready_max'], ' s', 1)} "
            f"({_fmt(r['ready_median'], ' s', 1)}) | {_fmt(r['lesson_median'], ' s', 1)} | "
            f"{_fmt(r['memory_median'], ' MiB', 0)} ({_fmt(r['memory_max'], ' MiB', 0)}) | "
            f"{_fmt(r['kernel_max'], ' MiB', 0)} | {r['checks']} | {_fmt(r['p50'], ' s')} | "
            f"{_fmt(r['p95'], ' s')} | {r.get('reconnects', 0)} | {len(r['failed'])} |")
    return head + "\n".join(lines) + "\n"


def report(rows: list[dict[str, Any]], info: dict[str, str],
           notes: list[str]) -> tuple[str, int | None, dict[str, int] | None]:
    ran = [r for r in rows if not r.get("skipped") and r["memory_max"] is not None]
    served = largest_class([r for r in rows if not r.get("skipped")])
    advice = memory_advice([r["memory_max"] for r in ran], [r["kernel_max"] for r in ran]) \
        if ran else None
    out = [
        "# Capacity of one machine: students on a local JupyterHub",
        "",
        f"Measured {info['date']} by `python benchmarks/bench_capacity.py` on a machine with "
        f"{info['cores']} cores ({info['cpu']}) and {info['ram']} of memory, Python "
        f"{info['python']}; load average at the start {info['load']}.",
        "",
        table(rows),
        f"Largest class served with the 95th percentile of an answer check under "
        f"{P95_BUDGET:.0f} s: **{served if served is not None else 'none measured'}**"
        + (" (the largest size tried)" if served is not None and served == max(
            r["students"] for r in rows if not r.get("skipped")) else "") + ".",
        "",
    ]
    if advice:
        out += [
            f"Memory for one student's container: guarantee **{advice['guarantee']} MiB**, "
            f"limit **{advice['limit']} MiB**. The guarantee is the largest measured server plus "
            "kernel with 25 % headroom, rounded up to 64 MiB; the limit adds two more kernels of "
            "the largest measured size (a student with three lessons open), rounded up to "
            "256 MiB.",
            "",
        ]
    out += [
        f"Each student: a server from the hub, the course pulled with nbgitpuller, lesson "
        f"{NOTEBOOK} opened (ready = its kernel answers, counted from the moment the whole "
        "class asked for servers), all its code cells run, then its exercises answered with "
        f"`check(...)` at {THINK_SECONDS[0]:.0f}–{THINK_SECONDS[1]:.0f} s of thought per answer. "
        "Memory is resident memory (RSS) of server plus kernel after the last answer. A "
        "kernel connection lost on the way is opened again in the same session, as JupyterLab "
        "does (the server keeps the session's messages meanwhile): *Reconnections* counts "
        f"these; after {MAX_RECONNECTS} losses a student counts as failed.",
        "",
        *notes,
    ]
    return "\n".join(out).rstrip() + "\n", served, advice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default="5,10,20,30",
                        help="class sizes to try, in order (default 5,10,20,30)")
    parser.add_argument("--quick", action="store_true", help="one class of two students")
    parser.add_argument("--minutes", type=float, default=15,
                        help="start no new class size after this many minutes (default 15)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"where to write the table (default {RESULTS.relative_to(PROJECT)}; "
                             "the quick run writes nothing unless given)")
    parser.add_argument("--note", action="append", default=[],
                        help="a caveat to print under the table (repeatable)")
    args = parser.parse_args(argv)
    sizes = [2] if args.quick else [int(x) for x in args.students.split(",") if x.strip()]
    out = args.out if args.out is not None else (None if args.quick else RESULTS)

    from tests.browser import hub as hubkit

    problem = hubkit.missing_requirements()
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2
    info = machine()
    cells = lesson_cells(NOTEBOOK)
    answers = answers_for(NOTEBOOK)
    for ex_id, _ in answers:
        get_exercise(ex_id)
    rows: list[dict[str, Any]] = []
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="afg-capacity-") as tmp:
        repo = hubkit.make_course_repo(Path(tmp) / "git")
        with hubkit.running_hub(Path(tmp) / "hub") as hub:
            for n in sizes:
                if time.monotonic() - began > args.minutes * 60:
                    rows.append({"students": n, "skipped": f"over the {args.minutes:g}-minute "
                                 "budget"})
                    continue
                print(f"class of {n} ...", flush=True)
                row = run_class(hub, repo, n, cells, answers)
                rows.append(row)
                print(table([row]), flush=True)
                for failure in row["failed"][:5]:
                    print("  failed:", failure)
    notes = list(args.note)
    text, _served, _advice = report(rows, info, notes)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
