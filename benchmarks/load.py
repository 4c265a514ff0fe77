"""The load generator of the API part: client processes on a raw socket each, in one of two modes.

* Closed loop (`"mode": "closed"`): each client sends its next request as soon as it has the
  answer to the last, as fast as the server goes: what the server can do at most (capacity), and
  the latency at that saturation.
* Open loop (`"mode": "open"`): the requests go out on a fixed schedule, `rate` per second in all,
  spread evenly over the clients (client i sends at start + (i + k * clients) / rate), whether or
  not the answers have come. A request's latency runs from its scheduled send time, not from the
  moment it was actually sent, so a request delayed behind a slow answer (or a late wake-up of its
  client) counts that delay: queueing is not hidden, as it would be by a client that waits for
  each answer before it starts its clock.

The clients run as forked processes (no GIL shared between them) on the same cores as the server,
so they are kept cheap: a minimal HTTP/1.1 client on a plain socket each."""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common import SEED, SKU, Json, percentile, serial

AGENT = "serialtrack-bench"  # User-Agent of the load clients: "serialtrack-bench/<run tag>"


def api_request(kind: str, spec: Json, index: int, n: int, rng: random.Random
                ) -> tuple[str, str, bytes | None]:
    """Method, path and body of the `n`-th request of client `index` for run `kind`."""
    if kind in ("unit", "by_serial"):
        text = serial(rng.randint(1, spec["units"]))
        return "GET", (f"/api/products/{SKU}/units/{text}" if kind == "unit"
                       else f"/api/units/by-serial/{text}"), None
    body = json.dumps({"serials": [f"{spec['prefix']}-{index:02d}-{n:08d}"]}).encode()
    return "POST", f"/api/drafts/{spec['drafts'][index]}/serials", body


class RawHttp:
    """A minimal HTTP/1.1 client on one socket: the request is a few bytes put together, the
    answer is read up to its Content-Length. Much cheaper than http.client (whose header parsing
    alone costs more than a lookup on the server), which matters with the load on the server's own
    cores. The connection is kept while the server keeps it (serialtrack's server closes it
    after every response: then the next request connects again)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"127.0.0.1:{port}", **headers}.items())
        self.sock: socket.socket | None = None

    def request(self, method: str, path: str, body: bytes | None, extra: str) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}{length}\r\n".encode() + (body or b""))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before the response headers")
            buf += chunk
        head, _, data = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        size, close = -1, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                size = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise ConnectionError("chunked responses are not expected here")
        while len(data) < size or size < 0:
            chunk = sock.recv(65536)
            if not chunk:
                if size < 0:
                    break
                raise ConnectionError("connection closed inside the response body")
            data += chunk
        if close or size < 0:
            self.close()
        return status, data[:size] if size >= 0 else data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Tally:
    """What one client saw: measured latencies, failures, and the scans' verdicts."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.lags: list[float] = []  # open loop: ms between the scheduled and the actual send
        self.errors: list[str] = []
        self.sent = self.accepted = self.accepted_measured = self.refused = 0

    def answer(self, status: int, data: bytes, body: bytes | None, measured: bool) -> bool:
        """Count an answer; False when it is a failure (then it carries no latency)."""
        self.sent += 1
        if status != 200:
            self.errors.append(f"{status} {data[:200]!r}")
            return False
        if body is not None:
            ok = sum(v["accepted"] for v in json.loads(data)["verdicts"])
            self.accepted += ok
            self.refused += 1 - ok
            self.accepted_measured += ok if measured else 0
        return True

    def result(self, index: int, cpu: float) -> Json:
        return {"index": index, "latencies": self.latencies, "lags": self.lags, "errors": self.errors,
                "sent": self.sent, "accepted": self.accepted,
                "accepted_measured": self.accepted_measured, "refused": self.refused, "cpu_s": cpu}


def _connection(spec: Json) -> RawHttp:
    return RawHttp(spec["port"], {"Authorization": f"Bearer {spec['token']}",
                                  "Content-Type": "application/json"})


def _tags(spec: Json) -> tuple[str, str]:
    return f"User-Agent: {AGENT}/{spec['tag']}\r\n", f"User-Agent: {AGENT}/warmup\r\n"


def closed_client(spec: Json, index: int, t0: float, t1: float, out: Any) -> None:
    """One closed-loop client: requests back to back until `t1`; the requests started at or after
    `t0` are measured (their latency from sending, connecting included, to the last body byte)."""
    rng = random.Random(SEED + 100 + index)
    conn = _connection(spec)
    measured_tag, warmup_tag = _tags(spec)
    tally = Tally()
    cpu_at_t0: float | None = None
    n = 0
    while True:
        started = time.perf_counter()
        if started >= t1:
            break
        measured = started >= t0
        if measured and cpu_at_t0 is None:
            cpu_at_t0 = time.process_time()
        method, path, body = api_request(spec["kind"], spec, index, n, rng)
        n += 1
        try:
            status, data = conn.request(method, path, body, measured_tag if measured else warmup_tag)
        except (OSError, ValueError, IndexError) as exc:
            conn.close()
            tally.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        if tally.answer(status, data, body, measured) and measured:
            tally.latencies.append(elapsed * 1000)
    conn.close()
    out.put(tally.result(index, time.process_time() - cpu_at_t0 if cpu_at_t0 is not None else 0.0))


def open_schedule(index: int, clients: int, rate: float, start: float, end: float) -> list[float]:
    """The send times of client `index` of `clients` in an open-loop load of `rate` requests per
    second in all, from `start` (inclusive) to `end` (exclusive): the whole load's k-th request
    is due at start + k / rate and goes to client k % clients."""
    first, interval = start + index / rate, clients / rate
    times: list[float] = []
    while (due := first + len(times) * interval) < end:
        times.append(due)
    return times


def open_client(spec: Json, index: int, t0: float, t1: float, out: Any) -> None:
    """One open-loop client: each request goes out at its scheduled time (or at once, if the
    answer to the previous one came after it); its latency runs from the scheduled time to the
    last byte of the answer. The requests scheduled at or after `t0` are measured."""
    rng = random.Random(SEED + 100 + index)
    conn = _connection(spec)
    measured_tag, warmup_tag = _tags(spec)
    tally = Tally()
    cpu_at_t0: float | None = None
    schedule = open_schedule(index, spec["clients"], spec["rate"], t0 - spec["warmup"], t1)
    for n, due in enumerate(schedule):
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        measured = due >= t0
        if measured and cpu_at_t0 is None:
            cpu_at_t0 = time.process_time()
        method, path, body = api_request(spec["kind"], spec, index, n, rng)
        sent_at = time.perf_counter()
        try:
            status, data = conn.request(method, path, body, measured_tag if measured else warmup_tag)
        except (OSError, ValueError, IndexError) as exc:
            conn.close()
            tally.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        done = time.perf_counter()
        if tally.answer(status, data, body, measured) and measured:
            tally.latencies.append((done - due) * 1000)
            tally.lags.append((sent_at - due) * 1000)
    conn.close()
    out.put(tally.result(index, time.process_time() - cpu_at_t0 if cpu_at_t0 is not None else 0.0))


def server_cpu_seconds(master: int) -> float:
    """User + system CPU seconds of the server's workers (the children of `master`) so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == master:  # fields[1] is the parent pid; 11, 12 utime, stime
                total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy_seconds() -> float:
    """CPU seconds all processes on this machine have spent so far (every CPU, not idle/iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def task_load(spec: Json) -> Json:
    """`clients` forked client processes (one connection each, no GIL shared between them):
    `warmup` seconds not measured, then `seconds` measured; the server's CPU over that window.
    `mode` "closed" (back to back) or "open" (`rate` requests per second on a fixed schedule)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    t0 = time.perf_counter() + 0.5 + spec["warmup"]  # CLOCK_MONOTONIC: one clock for all processes
    t1 = t0 + spec["seconds"]
    client = open_client if spec.get("mode") == "open" else closed_client
    clients = [ctx.Process(target=client, args=(spec, i, t0, t1, out), daemon=True)
               for i in range(spec["clients"])]
    for p in clients:
        p.start()
    time.sleep(max(0.0, t0 - time.perf_counter()))
    server_before, busy_before = server_cpu_seconds(spec["server_pid"]), machine_busy_seconds()
    wall_before = time.perf_counter()
    time.sleep(max(0.0, t1 - time.perf_counter()))
    server_cpu = server_cpu_seconds(spec["server_pid"]) - server_before
    machine_cpu = machine_busy_seconds() - busy_before
    server_wall = time.perf_counter() - wall_before
    results = [out.get(timeout=120) for _ in clients]
    for p in clients:
        p.join(timeout=10)
    latencies = sorted(x for r in results for x in r["latencies"])
    lags = sorted(x for r in results for x in r["lags"])
    errors = [e for r in results for e in r["errors"]]
    return {
        "mode": spec.get("mode", "closed"), "rate": spec.get("rate"),
        "requests": len(latencies), "rps": len(latencies) / spec["seconds"],
        "median_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99), "max_ms": latencies[-1] if latencies else float("nan"),
        "lag_p99_ms": percentile(lags, 99) if lags else None, "lag_max_ms": lags[-1] if lags else None,
        "errors": len(errors), "first_errors": errors[:3], "sent": sum(r["sent"] for r in results),
        "accepted": sum(r["accepted"] for r in results), "refused": sum(r["refused"] for r in results),
        "accepted_measured": sum(r["accepted_measured"] for r in results),
        "client_cpu_s": sum(r["cpu_s"] for r in results),
        "server_cpu_s": server_cpu, "machine_cpu_s": machine_cpu, "window_s": server_wall,
    }
