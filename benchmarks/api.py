"""The REST API under load, served by `serialtrack serve` as shipped.

A fresh database (SQLite; `--api-database postgresql`: PostgreSQL, its statistics gathered after
the seeding) seeded with 1,000,000 units (`--quick`: 100,000) through `posting.receive`, a clerk
and a token made by `serialtrack.accounts.services`, `python -m serialtrack serve --workers 2`
started on a free loopback port, then client processes (benchmarks.load) on the same cores:

* unit lookups by product and serial and by serial alone, 16 clients back to back;
* one-serial scans into a draft of each client's own at a receiving dock's pace: an open loop of
  100 scans/s from 50 clients, latency from each request's scheduled send time;
* the same scans with 16 clients back to back: the capacity, and the p99 at that saturation;
* scans into drafts already holding 10,000 serials, one client alone and 16 back to back.

Client latency and requests/s, and the server's own time per request from the access log `serve`
writes (its last field, microseconds; the client names its run in the User-Agent header, which
the log line carries)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import SKU, WAREHOUSE, Backend, BenchError, Json, worker
from benchmarks.load import AGENT

API_UNITS = 1_000_000
API_QUICK_UNITS = 100_000
API_CLIENTS = 16
API_WORKERS = 2
API_SECONDS = 15.0
API_QUICK_SECONDS = 5.0
API_WARMUP = 3.0
API_USER = "bench-clerk"
BIG_DRAFT = 10_000
FILL_CHUNK = 5_000
OPEN_RATE = 100.0  # scans per second in all, a busy receiving dock
OPEN_CLIENTS = 50
OPEN_SECONDS = 30.0  # 3,000 measured scans: the p99 is the 30th slowest
OPEN_QUICK_SECONDS = 10.0
TARGET_API_P99_MS = 20.0
TARGET_LOOKUP_RPS = 500.0
TARGET_OPEN_P99_MS = 20.0
TARGET_SCAN_RPS = 1_000.0
TARGET_BIG_DRAFT_P99_MS = 30.0


def task_api_user(spec: Json) -> Json:
    """A clerk and a personal token for the load clients, through the accounts services."""
    from serialtrack.accounts.services import create_token, create_user

    create_user(API_USER, "clerk")
    _token, raw = create_token(API_USER, "bench")
    return {"token": raw}


def server_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pyuwsgi {version('pyuwsgi')}"
    except PackageNotFoundError:
        return "version unknown"


@dataclass
class ApiResults:
    units: int
    seconds: float
    warmup: float
    open_seconds: float = OPEN_SECONDS
    clients: int = API_CLIENTS
    backend: Backend = field(default_factory=lambda: Backend("sqlite"))
    seed_seconds: float | None = None
    runs: dict[str, Json] = field(default_factory=dict)  # tag -> task_load result + "server"
    scanned: dict[str, Json] = field(default_factory=dict)  # tag -> draft counts after the run
    error: str | None = None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_json(port: int, token: str, method: str, path: str, body: Json | None = None,
              timeout: float = 300) -> tuple[int, Any]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, data.decode(errors="replace")


def api_ok(port: int, token: str, method: str, path: str, body: Json | None = None) -> Any:
    status, data = http_json(port, token, method, path, body)
    if status not in (200, 201):
        raise BenchError(f"{method} {path}: HTTP {status} {str(data)[:500]}")
    return data


@dataclass
class Server:
    port: int
    pid: int
    log: Path

    def timings(self, tag: str) -> list[float]:
        """Server-side milliseconds of the requests a run marked `tag`: the access log's last
        field (serialtrack.server; from the parsed request to the last byte written, in the
        worker) on the lines whose User-Agent is this run's."""
        agent = f' "{AGENT}/{tag}" '
        out = []
        with self.log.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if agent in line:
                    out.append(int(line.rsplit(None, 1)[1]) / 1000)
        return out


@contextlib.contextmanager
def api_server(url: str, workdir: Path) -> Iterator[Server]:
    """`python -m serialtrack serve --workers 2` on a free loopback port, as shipped (its access
    log carries each request's server time)."""
    port = free_port()
    log = workdir / "server.log"
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": url,
           "SERIALTRACK_SECRET_KEY": secrets.token_urlsafe(32)}
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "serialtrack", "serve", "--port", str(port),
                                 "--workers", str(API_WORKERS)],
                                env=env, cwd=workdir, stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise BenchError(f"serialtrack serve exited {proc.returncode}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError):
                if http_json(port, "", "GET", "/api/health", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"serialtrack serve: no healthy answer within 60 s:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield Server(port, proc.pid, log)
    finally:
        proc.terminate()  # uWSGI's master (serve execs it): stops its workers and exits
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def open_drafts(server: Server, token: str, count: int) -> list[int]:
    return [api_ok(server.port, token, "POST", "/api/drafts",
                   {"kind": "receipt", "product": SKU, "warehouse": WAREHOUSE})["id"]
            for _ in range(count)]


def draft_sizes(server: Server, token: str, drafts: list[int]) -> list[int]:
    return [api_ok(server.port, token, "GET", f"/api/drafts/{d}")["scanned"] for d in drafts]


def bench_api(res: ApiResults, log: Callable[[str], None]) -> None:
    """Seed a fresh database with `res.units` units, serve it, and load each endpoint."""
    backend = res.backend
    with backend.prepared_database() as (url, _ids), \
            tempfile.TemporaryDirectory(prefix="st_bench_api_") as tmp:
        log(f"API: seeding {res.units:,} units on {backend.label} (posting.receive)")
        res.seed_seconds = worker("receive", url=url, size=res.units)["seconds"]
        backend.analyze(url)
        token = worker("api_user", url=url)["token"]
        with api_server(url, Path(tmp)) as server:
            log(f"API: serialtrack serve --workers {API_WORKERS} up on port {server.port}")
            base = {"port": server.port, "token": token, "clients": res.clients, "units": res.units,
                    "warmup": res.warmup, "server_pid": server.pid}

            def run(tag: str, kind: str, clients: int = res.clients, **extra: Any) -> None:
                seconds = extra.pop("seconds", res.seconds)
                pace = f"open loop, {extra['rate']:g}/s" if extra.get("mode") == "open" else "back to back"
                log(f"API: {tag}: {clients} client(s) {pace}, {res.warmup:g} s warm-up + {seconds:g} s")
                result = worker("load", **{**base, "clients": clients, "seconds": seconds}, tag=tag,
                                kind=kind, **extra)
                result["server"] = server.timings(tag)
                result["clients"] = clients
                res.runs[tag] = result
                if result["errors"]:
                    log(f"API: {tag}: {result['errors']} failed requests, e.g. {result['first_errors']}")

            run("unit", "unit")
            run("by_serial", "by_serial")
            drafts = open_drafts(server, token, OPEN_CLIENTS)
            run("scan_open", "scan", clients=OPEN_CLIENTS, drafts=drafts, prefix="DOCK", mode="open",
                rate=OPEN_RATE, seconds=res.open_seconds)
            res.scanned["scan_open"] = {"prefill": 0, "sizes": draft_sizes(server, token, drafts)}
            drafts = open_drafts(server, token, res.clients)
            run("scan", "scan", drafts=drafts, prefix="API")
            res.scanned["scan"] = {"prefill": 0, "sizes": draft_sizes(server, token, drafts)}
            log(f"API: {res.clients + 1} drafts of {BIG_DRAFT:,} serials ({BIG_DRAFT // FILL_CHUNK} bulk "
                f"calls of {FILL_CHUNK:,} each)")
            big = open_drafts(server, token, res.clients + 1)
            for i, d in enumerate(big):
                for start in range(0, BIG_DRAFT, FILL_CHUNK):
                    done = api_ok(server.port, token, "POST", f"/api/drafts/{d}/serials", {
                        "serials": [f"FILL-{i:02d}-{n:08d}" for n in range(start, start + FILL_CHUNK)]})
                    if done["scanned"] != start + FILL_CHUNK:
                        raise BenchError(f"draft {d}: {done['scanned']} scanned after a bulk fill")
            solo, big = big[:1], big[1:]
            run("scan_big_1", "scan", clients=1, drafts=solo, prefix="SOLO")
            res.scanned["scan_big_1"] = {"prefill": BIG_DRAFT, "sizes": draft_sizes(server, token, solo)}
            run("scan_big", "scan", drafts=big, prefix="BIG")
            res.scanned["scan_big"] = {"prefill": BIG_DRAFT, "sizes": draft_sizes(server, token, big)}
