"""The capacity benchmark's figures: percentiles, the largest class served, memory advice.

The benchmark itself is run by hand (it starts a JupyterHub and dozens of servers); these tests
check the arithmetic that turns its measurements into the README's figures.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from helpers.paths import PROJECT_DIR


def _load():
    path = PROJECT_DIR / "benchmarks" / "bench_capacity.py"
    spec = importlib.util.spec_from_file_location("bench_capacity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_capacity"] = module
    spec.loader.exec_module(module)
    return module


bench = _load()


def row(students: int, p95: float | None, failed: int = 0) -> dict:
    return {"students": students, "p95": p95, "failed": ["x"] * failed}


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert bench.percentile(values, 50) == pytest.approx(50.5)
    assert bench.percentile(values, 95) == pytest.approx(95.05)
    assert bench.percentile([3.0], 95) == 3.0
    assert bench.percentile([2.0, 1.0], 100) == 2.0


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        bench.percentile([], 95)


def test_largest_class_stops_at_the_first_size_over_budget() -> None:
    rows = [row(20, 1.4), row(5, 0.2), row(10, 0.6), row(30, 0.9)]
    # 30 came back fast, but 20 did not: the machine is not said to serve 30
    assert bench.largest_class(rows) == 10


def test_largest_class_with_a_failed_student_or_no_class_served() -> None:
    assert bench.largest_class([row(5, 0.3), row(10, 0.4, failed=1)]) == 5
    assert bench.largest_class([row(5, 1.0)]) is None  # "under one second" is strict
    assert bench.largest_class([row(5, None)]) is None


def test_memory_advice_adds_headroom_and_rounds_up() -> None:
    advice = bench.memory_advice([250.0, 280.0], [120.0, 139.0])
    # 280 × 1.25 = 350 → 384 (64 MiB steps); 384 + 2 × 139 = 662 → 768 (256 MiB steps)
    assert advice == {"guarantee": 384, "limit": 768}
    assert advice["limit"] > advice["guarantee"]


def test_memory_advice_needs_figures() -> None:
    with pytest.raises(ValueError, match="no memory"):
        bench.memory_advice([], [100.0])


def test_report_names_the_machine_the_largest_class_and_a_skipped_size() -> None:
    measured = {"students": 5, "failed": [], "ready_max": 40.0, "ready_median": 30.0,
                "lesson_median": 12.0, "memory_median": 270.0, "memory_max": 280.0,
                "kernel_max": 139.0, "checks": 45, "p50": 0.1, "p95": 0.4, "wall": 90.0}
    info = {"date": "2026-12-01 04:00 UTC", "cores": "2", "cpu": "Test CPU", "ram": "23.5 GiB",
            "python": "3.11.7", "load": "1.0, 1.0, 1.0"}
    text, served, advice = bench.report(
        [measured, {"students": 10, "skipped": "over the 10-minute budget"}], info,
        ["Caveat: shared machine."])
    assert served == 5
    assert advice == {"guarantee": 384, "limit": 768}
    assert "2 cores (Test CPU) and 23.5 GiB" in text
    assert "| 5 | 40.0 s (30.0 s) | 12.0 s | 270 MiB (280 MiB) | 139 MiB | 45 | 0.10 s | 0.40 s | 0 |" in text
    assert "| 10 | not run: over the 10-minute budget |" in text
    assert "guarantee **384 MiB**, limit **768 MiB**" in text
    assert text.rstrip().endswith("Caveat: shared machine.")


def test_answers_cover_the_lessons_checkable_exercises() -> None:
    answers = bench.answers_for("00_start_here.ipynb")
    ids = [ex_id for ex_id, _ in answers]
    assert "00-notebook-count" in ids and "00-glossary-isaf" in ids
    # each value is a Python expression the kernel can evaluate
    for _, value in answers:
        compile(str(value), "<answer>", "eval")



class FakeSocket:
    """A kernel websocket: answers the last request sent on any socket with the messages
    ``kinds`` names, in turn, then drops the connection (``drop=True``) when they run out."""

    last_request = ""

    def __init__(self, url: str, kinds: list[str], *, drop: bool) -> None:
        self.url, self.kinds, self.drop = url, list(kinds), drop

    def send(self, text: str) -> None:
        FakeSocket.last_request = json.loads(text)["header"]["msg_id"]

    def recv(self) -> str:
        import websocket

        if not self.kinds:
            if self.drop:
                raise websocket.WebSocketConnectionClosedException("Connection was lost.")
            raise AssertionError("the client waited for more than the kernel sends")
        kind = self.kinds.pop(0)
        msg_type, content = (("status", {"execution_state": kind}) if kind in ("busy", "idle")
                             else ("execute_reply", {"status": "ok"}))
        return json.dumps({"parent_header": {"msg_id": FakeSocket.last_request},
                           "header": {"msg_type": msg_type}, "content": content})

    def close(self) -> None:
        pass


HUB = type("Hub", (), {"url": "http://127.0.0.1:1", "token": "t"})()


def test_a_lost_kernel_connection_is_reopened_in_the_same_session(monkeypatch) -> None:
    """As JupyterLab does: the server keeps the session's messages while it is away."""
    import websocket

    opened: list[FakeSocket] = []

    def connect(url: str, **_: object) -> FakeSocket:
        # the first connection says busy, then is lost before the reply; on the second the
        # server replays what it kept for the session
        sock = (FakeSocket(url, ["busy"], drop=True) if not opened
                else FakeSocket(url, ["reply", "idle"], drop=False))
        opened.append(sock)
        return sock

    monkeypatch.setattr(websocket, "create_connection", connect)
    monkeypatch.setattr(bench, "RECONNECT_PAUSE", 0)
    kernel = bench.Kernel(HUB, "c5-s01", "k1")
    assert kernel.run("1 + 1") == {"status": "ok"}
    assert kernel.reconnects == 1
    assert len(opened) == 2 and opened[0].url == opened[1].url
    assert opened[0].url.endswith(
        f"/user/c5-s01/api/kernels/k1/channels?session_id={kernel.session}")


def test_a_connection_lost_again_and_again_fails_the_student(monkeypatch) -> None:
    import websocket

    monkeypatch.setattr(websocket, "create_connection",
                        lambda url, **_: FakeSocket(url, [], drop=True))
    monkeypatch.setattr(bench, "RECONNECT_PAUSE", 0)
    kernel = bench.Kernel(HUB, "c5-s01", "k1")
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        kernel.run("1 + 1")
    assert kernel.reconnects == bench.MAX_RECONNECTS
