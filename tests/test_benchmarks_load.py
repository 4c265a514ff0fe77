"""The benchmark's open-loop load (benchmarks/load.py): requests go out on a fixed schedule and their
latency runs from the scheduled send time, so a server slower than the schedule shows as growing
latency instead of being hidden by a client that waits for each answer before starting its clock.
Driven against a real HTTP server on a loopback socket that takes a fixed time per request."""

from __future__ import annotations

import itertools
import json
import queue
import statistics
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from benchmarks.load import closed_client, open_client, open_schedule

SERVICE_S = 0.03  # what the test server takes per request


class SlowScans(BaseHTTPRequestHandler):
    """Answers a scan the way the API does (one accepted verdict) after SERVICE_S, one at a time."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(SERVICE_S)
        body = json.dumps({"verdicts": [{"accepted": True}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), SlowScans)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def spec(port: int, **extra: Any) -> dict[str, Any]:
    return {"port": port, "token": "t", "kind": "scan", "drafts": [1], "prefix": "T", "tag": "test",
            "clients": 1, "warmup": 0.0, **extra}


def test_the_schedule_spreads_the_rate_evenly_over_the_clients() -> None:
    times = sorted(t for i in range(50) for t in open_schedule(i, 50, 100.0, 10.0, 12.0))
    assert len(times) == 200  # 100 per second for 2 s
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(0.01) and max(gaps) == pytest.approx(0.01)
    assert open_schedule(3, 50, 100.0, 10.0, 12.0) == pytest.approx([10.03, 10.53, 11.03, 11.53])


def test_an_open_loop_counts_the_queue_a_closed_loop_hides(slow_server: int) -> None:
    # One client scheduled every 10 ms against a server that takes 30 ms: each request waits
    # longer than the one before. Measured from the scheduled time, latency grows about 20 ms per
    # request; a closed-loop client measuring from its own send sees the 30 ms every time.
    out: queue.Queue[dict[str, Any]] = queue.Queue()
    t0 = time.perf_counter() + 0.05
    open_client(spec(slow_server, rate=100.0), 0, t0, t0 + 0.2, out)
    opened = out.get_nowait()
    assert opened["errors"] == [] and len(opened["latencies"]) == 20
    first, last = opened["latencies"][0], opened["latencies"][-1]
    assert first >= SERVICE_S * 1000 and last > first + 15 * 20 * 0.8
    assert opened["lags"][-1] > 300  # the 20th request went out long after its time

    t0 = time.perf_counter() + 0.05
    closed_client(spec(slow_server), 0, t0, t0 + 0.3, out)
    closed = out.get_nowait()
    assert closed["errors"] == [] and closed["latencies"]
    assert statistics.median(closed["latencies"]) < last / 4
