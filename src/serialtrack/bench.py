"""`python -m serialtrack.bench` (`make bench`): how fast and how big large postings and lookups are,
on SQLite and PostgreSQL, each time on a fresh database this command creates and drops itself.

Measured per backend:
  * receipts of `--sizes` serials through the service layer (`posting.receive`) and through the CLI
    (`serialtrack receive --serials-file`), each in its own process on its own fresh database, so
    the memory high-water mark (VmHWM; ru_maxrss of the CLI child) belongs to that one receipt;
    the baseline is the high-water mark just before it;
  * a raw driver baseline writing the same unit and ledger rows (sqlite3 executemany / PostgreSQL
    COPY) into the same migrated schema, and the ratio service time / raw time;
  * a shipment of 10,000 serials out of the largest receipt's stock;
  * `queries.unit_history` and `queries.find_unit` latency with that stock stored.

And the REST API (`--only-api` for just this part, `--no-api` to skip it), on SQLite
(`--api-database postgresql`: on PostgreSQL instead, its statistics gathered after the seeding): a fresh
database seeded with 1,000,000 units (`--quick`: 100,000) through `posting.receive`, a clerk and a
token made by `serialtrack.accounts.services`, `python -m serialtrack serve --workers 2` started on
a free loopback port, then 16 client processes (a minimal Python HTTP/1.1 client on a socket
each, on the same cores as the server) for a warm-up and a fixed measured time per endpoint: unit lookups by
product and serial and by serial alone, one-serial scans into a draft of their own (empty; and
holding 10,000 serials, also with one client alone). Client latency and requests/s, and the
server's own time per request from the access log `serve` writes (its last field, microseconds;
the client names its run in the User-Agent header, which the log line carries).

Every measurement runs in a child process started as `python -m serialtrack.bench --worker JSON`,
which prints one JSON line with its result."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SKU = "BENCH-1"
WAREHOUSE = "BENCH"
CUSTOMER = "Bench Customer"
USER = "bench"
SHIP_SIZE = 10_000
LOOKUPS = 2_000
WARMUP = 200
SEED = 20_240_601

DEFAULT_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
TARGET_SIZE = 1_000_000
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 500.0
TARGET_P99_MS = 5.0
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
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
TARGET_API_P99_MS = 20.0
TARGET_LOOKUP_RPS = 500.0
TARGET_BIG_DRAFT_P99_MS = 30.0
AGENT = "serialtrack-bench"  # User-Agent of the load clients: "serialtrack-bench/<run tag>"
BACKENDS = ("sqlite", "postgresql")

UNIT_COLUMNS = ("id, product_id, serial, lot_id, status, location_id, holder_id, cost, received_at, "
                "attributes, last_document_id, moved_at")
MOVEMENT_COLUMNS = ("document_id, line_id, unit_id, product_id, lot_id, quantity, from_location_id, "
                    "to_location_id, from_status, to_status, from_party_id, to_party_id, cost, "
                    "created_at, user_id, note")

Json = dict[str, Any]


def serial(n: int) -> str:
    return f"SN-{n:09d}"


def serials_for(count: int) -> list[str]:
    """The serials of a receipt of `count` units (the same list for every path and backend)."""
    return [serial(n) for n in range(1, count + 1)]


def cpu_model() -> str:
    """The processor (Linux: /proc/cpuinfo): virtual machines of one size can sit on different
    processors, and the figures of two runs compare only on the same one."""
    info: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().split("\n\n", 1)[0].splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    if "model name" not in info:
        return platform.processor() or "processor unknown"
    mhz = info.get("cpu MHz", "")
    return (f"{info['model name']}, family {info.get('cpu family', '?')} model "
            f"{info.get('model', '?')}" + (f", {float(mhz):,.0f} MHz" if mhz else ""))


def peak_mb() -> float:
    """This process's RSS high-water mark in MB. Read from VmHWM, not ru_maxrss: Linux carries the
    high-water mark of the process that started us across fork+exec into ru_maxrss (a child of a
    300 MB parent reports 300 MB), while VmHWM belongs to this program image alone."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# == worker side: one measurement per process ====================================================

def setup_django(url: str) -> None:
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
    import django

    django.setup()


def task_prepare(spec: Json) -> Json:
    """Migrate the fresh database and create the master data every measurement uses."""
    from django.core.management import call_command

    from serialtrack import catalog
    from serialtrack.posting import system_user

    call_command("migrate", verbosity=0, interactive=False)
    product = catalog.create_product(SKU, "Benchmark device", "serial", warranty_days=365)
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    catalog.create_party(CUSTOMER, customer=True)
    location = catalog.get_location(WAREHOUSE)
    return {"product_id": product.pk, "location_id": location.pk, "user_id": system_user(USER).pk}


def task_receive(spec: Json) -> Json:
    from serialtrack.posting import receive, system_user

    serials = serials_for(spec["size"])
    user = system_user(USER)  # also opens the connection
    baseline = peak_mb()
    started = time.perf_counter()
    receive(warehouse=WAREHOUSE, product=SKU, serials=serials, user=user)
    return {"seconds": time.perf_counter() - started, "baseline_mb": baseline, "peak_mb": peak_mb()}


def task_ship(spec: Json) -> Json:
    from serialtrack.posting import ship, system_user

    chosen = random.Random(SEED).sample(range(1, spec["units"] + 1), SHIP_SIZE)
    serials = [serial(n) for n in chosen]
    user = system_user(USER)
    started = time.perf_counter()
    ship(warehouse=WAREHOUSE, customer=CUSTOMER, product=SKU, serials=serials, user=user)
    return {"seconds": time.perf_counter() - started}


def task_history(spec: Json) -> Json:
    """Latency of a scanner-style lookup: `LOOKUPS` random serials each, after `WARMUP` others."""
    from serialtrack.queries import find_unit, unit_history

    picks = random.Random(SEED + 1).sample(range(1, spec["units"] + 1), 2 * (LOOKUPS + WARMUP))
    serials = [serial(n) for n in picks]
    result: Json = {}
    for i, (name, lookup) in enumerate((("unit_history", unit_history), ("find_unit", find_unit))):
        chunk = serials[i * (LOOKUPS + WARMUP):(i + 1) * (LOOKUPS + WARMUP)]
        for text in chunk[:WARMUP]:
            lookup(text, SKU)
        times: list[float] = []
        for text in chunk[WARMUP:]:
            started = time.perf_counter()
            lookup(text, SKU)
            times.append((time.perf_counter() - started) * 1000)
        result[name] = {"median_ms": statistics.median(times),
                        "p99_ms": statistics.quantiles(times, n=100)[98]}
    return result


RAW_DOCUMENT = ("INSERT INTO inventory_document (kind, number, status, reason, reference, created_at, "
                "posted_at, created_by_id, posted_by_id) VALUES ('receipt', 'RAW-1', 'posted', '', '', "
                "{0}, {0}, {0}, {0}) RETURNING id")
RAW_LINE = ("INSERT INTO inventory_documentline (line_no, quantity, note, document_id, to_location_id, "
            "product_id) VALUES (1, {0}, '', {0}, {0}, {0}) RETURNING id")


def raw_rows(serials: list[str], ids: Json, doc: int, line: int, ts: Any
             ) -> tuple[Iterator[tuple[Any, ...]], Iterator[tuple[Any, ...]]]:
    """Unit rows and ledger rows exactly as a receipt writes them; unit ids are assigned here (the
    database is fresh), so the ledger needs no lookup."""
    product, location = ids["product_id"], ids["location_id"]
    units = ((i, product, s, None, "in_stock", location, None, None, ts, "{}", doc, ts)
             for i, s in enumerate(serials, 1))
    moves = ((doc, line, i, product, None, 1, None, location, None, "in_stock", None, None, None, ts,
              ids["user_id"], "") for i in range(1, len(serials) + 1))
    return units, moves


def task_raw(spec: Json) -> Json:
    """The raw driver baseline: one document and one line row first (not timed), then every unit
    row and every ledger row in one timed transaction (SQLite executemany, PostgreSQL COPY)."""
    serials = serials_for(spec["size"])
    ids: Json = spec["ids"]
    now = dt.datetime.now(dt.UTC)
    users = [ids["user_id"], ids["user_id"]]
    if spec["url"].startswith("postgresql://"):
        import psycopg

        with psycopg.connect(spec["url"]) as con:
            doc = con.execute(RAW_DOCUMENT.format("%s"), [now, now, *users]).fetchone()[0]  # type: ignore[index]
            line = con.execute(RAW_LINE.format("%s"), [len(serials), doc, ids["location_id"],
                                                       ids["product_id"]]).fetchone()[0]  # type: ignore[index]
            con.commit()
            units, moves = raw_rows(serials, ids, doc, line, now)
            started = time.perf_counter()
            with con.cursor() as cur:
                for table, columns, rows in (("inventory_unit", UNIT_COLUMNS, units),
                                             ("inventory_movement", MOVEMENT_COLUMNS, moves)):
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            con.commit()
            seconds = time.perf_counter() - started
    else:
        from serialtrack.database import SQLITE_INIT

        ts = now.replace(tzinfo=None).isoformat(" ")  # the text Django stores in SQLite
        con = sqlite3.connect(spec["url"].removeprefix("sqlite:///"), isolation_level=None)
        con.executescript(SQLITE_INIT)  # the application's own connection settings
        con.execute("BEGIN IMMEDIATE")
        doc = con.execute(RAW_DOCUMENT.format("?"), [ts, ts, *users]).fetchone()[0]
        line = con.execute(RAW_LINE.format("?"), [len(serials), doc, ids["location_id"],
                                                  ids["product_id"]]).fetchone()[0]
        con.execute("COMMIT")
        units, moves = raw_rows(serials, ids, doc, line, ts)
        started = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.executemany(f"INSERT INTO inventory_unit ({UNIT_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                        units)
        con.executemany(f"INSERT INTO inventory_movement ({MOVEMENT_COLUMNS}) "
                        f"VALUES ({', '.join('?' * 16)})", moves)
        con.execute("COMMIT")
        seconds = time.perf_counter() - started
        con.close()
    return {"seconds": seconds, "peak_mb": peak_mb()}


def task_cli(spec: Json) -> Json:
    """Run one `serialtrack` command as a child and time it end to end. This worker starts no
    other child, so RUSAGE_CHILDREN's high-water mark is that command's own (at least this small
    worker's own peak, which exec carries over; reported as `worker_mb` to show it is smaller)."""
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": spec["url"], "SERIALTRACK_USER": USER}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "serialtrack", *spec["args"]], env=env,
                          cwd=tempfile.gettempdir(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"serialtrack {' '.join(spec['args'][:2])} exited {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "worker_mb": peak_mb()}


# -- the REST API under load (worker side) -------------------------------------------------------

def task_api_user(spec: Json) -> Json:
    """A clerk and a personal token for the load clients, through the accounts services."""
    from serialtrack.accounts.services import create_token, create_user

    create_user(API_USER, "clerk")
    _token, raw = create_token(API_USER, "bench")
    return {"token": raw}


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
        self.sock: Any = None

    def request(self, method: str, path: str, body: bytes | None, extra: str) -> tuple[int, bytes]:
        import socket

        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}{length}\r\n".encode()
                          + (body or b""))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
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
            chunk = self.sock.recv(65536)
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


def load_client(spec: Json, index: int, t0: float, t1: float, out: Any) -> None:
    """One client: requests back to back until `t1`; the requests started at or after `t0` are
    measured (their latency from sending, connecting included, to the last body byte)."""
    rng = random.Random(SEED + 100 + index)
    conn = RawHttp(spec["port"], {"Authorization": f"Bearer {spec['token']}",
                                  "Content-Type": "application/json"})
    kind = spec["kind"]
    measured_tag, warmup_tag = f"User-Agent: {AGENT}/{spec['tag']}\r\n", f"User-Agent: {AGENT}/warmup\r\n"
    latencies: list[float] = []
    errors: list[str] = []
    accepted = accepted_measured = refused = sent = 0
    cpu_at_t0: float | None = None
    n = 0
    while True:
        started = time.perf_counter()
        if started >= t1:
            break
        measured = started >= t0
        if measured and cpu_at_t0 is None:
            cpu_at_t0 = time.process_time()
        method, path, body = api_request(kind, spec, index, n, rng)
        n += 1
        try:
            status, data = conn.request(method, path, body, measured_tag if measured else warmup_tag)
        except (OSError, ValueError, IndexError) as exc:
            conn.close()
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        sent += 1
        if status != 200:
            errors.append(f"{status} {data[:200]!r}")
            continue
        if body is not None:
            ok = sum(v["accepted"] for v in json.loads(data)["verdicts"])
            accepted += ok
            refused += 1 - ok
            accepted_measured += ok if measured else 0
        if measured:
            latencies.append(elapsed * 1000)
    conn.close()
    cpu = time.process_time() - cpu_at_t0 if cpu_at_t0 is not None else 0.0
    out.put({"index": index, "latencies": latencies, "errors": errors, "sent": sent,
             "accepted": accepted, "accepted_measured": accepted_measured, "refused": refused,
             "cpu_s": cpu})


def _server_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"gunicorn {version('gunicorn')}"
    except PackageNotFoundError:
        return "version unknown"


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


def percentile(values: Sequence[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def task_load(spec: Json) -> Json:
    """`clients` forked client processes (one connection each, no GIL shared between them):
    `warmup` seconds not measured, then `seconds` measured; the server's CPU over that window."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    t0 = time.perf_counter() + 0.5 + spec["warmup"]  # CLOCK_MONOTONIC: one clock for all processes
    t1 = t0 + spec["seconds"]
    clients = [ctx.Process(target=load_client, args=(spec, i, t0, t1, out), daemon=True)
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
    errors = [e for r in results for e in r["errors"]]
    return {
        "requests": len(latencies), "rps": len(latencies) / spec["seconds"],
        "median_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99), "max_ms": latencies[-1] if latencies else float("nan"),
        "errors": len(errors), "first_errors": errors[:3], "sent": sum(r["sent"] for r in results),
        "accepted": sum(r["accepted"] for r in results), "refused": sum(r["refused"] for r in results),
        "accepted_measured": sum(r["accepted_measured"] for r in results),
        "client_cpu_s": sum(r["cpu_s"] for r in results),
        "server_cpu_s": server_cpu, "machine_cpu_s": machine_cpu, "window_s": server_wall,
    }


TASKS: dict[str, Callable[[Json], Json]] = {
    "prepare": task_prepare, "receive": task_receive, "ship": task_ship, "history": task_history,
    "raw": task_raw, "cli": task_cli, "api_user": task_api_user, "load": task_load,
}
DJANGO_TASKS = {"prepare", "receive", "ship", "history", "api_user"}


def run_worker_mode(spec: Json) -> None:
    if spec["task"] in DJANGO_TASKS:
        setup_django(spec["url"])
    print(json.dumps(TASKS[spec["task"]](spec)), flush=True)


# == parent side =================================================================================

class BenchError(Exception):
    pass


def worker(task: str, **spec: Any) -> Json:
    """Run one measurement in a fresh `python -m serialtrack.bench --worker` process."""
    done = subprocess.run(
        [sys.executable, "-m", "serialtrack.bench", "--worker", json.dumps({"task": task, **spec})],
        capture_output=True, text=True,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"worker {task!r} failed (exit {done.returncode}):\n"
                         f"{done.stderr.strip()[-3000:]}")
    return json.loads(lines[-1])


@dataclass
class Backend:
    name: str  # "sqlite" | "postgresql"
    admin_url: str = PG_ADMIN_URL

    @property
    def label(self) -> str:
        return "SQLite" if self.name == "sqlite" else "PostgreSQL"

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new empty database, dropped afterwards whatever happens; yields its URL."""
        if self.name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="st_bench_") as tmp:
                yield f"sqlite:///{tmp}/bench.sqlite3"
            return
        import psycopg

        name = f"st_bench_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{self.admin_url.rpartition('/')[0]}/{name}"
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def prepared_database(self) -> Iterator[tuple[str, Json]]:
        """A fresh database, migrated, with the benchmark's product, warehouse and customer."""
        with self.fresh_database() as url:
            yield url, worker("prepare", url=url)

    def analyze(self, url: str) -> None:
        """PostgreSQL: gather the statistics autovacuum would gather about a minute after a bulk
        load (when it is on); without them the planner hashes the whole unit table to find 10,000
        serials and plans the ORM's joins 3× slower. SQLite has no automatic statistics: left as is."""
        if self.name == "postgresql":
            import psycopg

            with psycopg.connect(url, autocommit=True) as con:
                con.execute("ANALYZE")

    def unreachable(self) -> str | None:
        if self.name == "sqlite":
            return None
        import psycopg

        try:
            with psycopg.connect(self.admin_url, connect_timeout=3):
                return None
        except Exception as exc:  # any failure to connect means "skip PostgreSQL"
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    def describe(self) -> str:
        if self.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        import psycopg

        with psycopg.connect(self.admin_url) as con:
            shown = {name: str((con.execute(f"SHOW {name}").fetchone() or ("?",))[0])
                     for name in ("server_version", "autovacuum", "shared_buffers", "random_page_cost")}
        return (f"PostgreSQL {shown['server_version'].split()[0]} on {self.admin_url.rpartition('@')[2]} "
                f"(autovacuum {shown['autovacuum']}, shared_buffers {shown['shared_buffers']}, "
                f"random_page_cost {shown['random_page_cost']})")


@dataclass
class Results:
    """Every figure of one backend, as the workers reported them."""

    backend: Backend
    receipts: dict[tuple[str, int], Json] = field(default_factory=dict)  # (path, size) -> result
    ship: Json | None = None
    history: Json | None = None
    history_units: int = 0
    error: str | None = None


def bench_backend(res: Results, sizes: Sequence[int], files: dict[int, Path],
                  log: Callable[[str], None]) -> None:
    """Fill `res` as the measurements come in (a failure keeps what was measured before it)."""
    backend = res.backend
    for size in sizes:
        step = f"{backend.label} {size:,}"
        with backend.prepared_database() as (url, ids):
            log(f"{step}: raw driver baseline")
            res.receipts["raw", size] = worker("raw", url=url, size=size, ids=ids)
        with backend.prepared_database() as (url, _ids):
            log(f"{step}: service receipt")
            res.receipts["service", size] = worker("receive", url=url, size=size)
            if size == res.history_units:
                backend.analyze(url)
                log(f"{backend.label}: shipment of {SHIP_SIZE:,} from {size:,} in stock")
                res.ship = worker("ship", url=url, units=size)
                log(f"{backend.label}: history lookups at {size:,} units")
                res.history = worker("history", url=url, units=size)
        with backend.prepared_database() as (url, _ids):
            log(f"{step}: CLI receipt")
            base = worker("cli", url=url, args=["product", "list", "--json"])
            cli = worker("cli", url=url, args=["receive", "--warehouse", WAREHOUSE, "--product", SKU,
                                               "--serials-file", str(files[size]), "--json"])
            res.receipts["cli", size] = {**cli, "baseline_mb": base["peak_mb"]}


# == the REST API under load (parent side) =======================================================

@dataclass
class ApiResults:
    units: int
    seconds: float
    warmup: float
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
        proc.terminate()  # gunicorn's master (serve execs it): stops its workers and exits
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
                    "seconds": res.seconds, "warmup": res.warmup, "server_pid": server.pid}

            def run(tag: str, kind: str, clients: int = res.clients, **extra: Any) -> None:
                log(f"API: {tag}: {clients} client(s), {res.warmup:g} s warm-up + {res.seconds:g} s")
                result = worker("load", **{**base, "clients": clients}, tag=tag, kind=kind, **extra)
                result["server"] = server.timings(tag)
                result["clients"] = clients
                res.runs[tag] = result
                if result["errors"]:
                    log(f"API: {tag}: {result['errors']} failed requests, e.g. {result['first_errors']}")

            run("unit", "unit")
            run("by_serial", "by_serial")
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


# == report ======================================================================================

@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(all_results: list[Results], sizes: Sequence[int], api: ApiResults | None = None
           ) -> list[Section]:
    receipts = Section("Receipts", ["database", "path", "serials", "seconds", "serials/s",
                                    "baseline MB", "peak MB", "receipt MB", "× raw"], [], note=(
        "Each row on its own fresh database, in its own process. Raw driver: sqlite3 executemany / "
        "PostgreSQL COPY of the same unit and ledger rows. Baseline: the process's RSS high-water mark "
        "just before the receipt (service layer: Django loaded, serial list built; CLI: the peak of "
        "`serialtrack product list --json`). Receipt MB = peak - baseline. × raw = seconds / raw "
        "driver seconds for the same size."))
    other = Section("Shipment and lookups", ["database", "measure", "result"], [], note=(
        "On the database of the largest service-layer receipt, right after it; PostgreSQL tables "
        "ANALYZEd first (as autovacuum would). Lookups: random serials, after 200 warm-up lookups."))
    targets = Section("Targets", ["database", "target", "measured", "verdict"], [])
    top = max(sizes) if sizes else TARGET_SIZE
    scale = "" if top == TARGET_SIZE else f" (target set at {TARGET_SIZE:,})"
    for res in all_results:
        db = res.backend.label
        for size in sizes:
            raw = res.receipts.get(("raw", size))
            for path in ("service", "cli", "raw"):
                r = res.receipts.get((path, size))
                if r is None:
                    continue
                base = r.get("baseline_mb")
                receipts.rows.append([
                    db, {"service": "service layer", "cli": "CLI", "raw": "raw driver"}[path],
                    f"{size:,}", f"{r['seconds']:.2f}", f"{size / r['seconds']:,.0f}",
                    f"{base:.0f}" if base is not None else "–", f"{r['peak_mb']:.0f}",
                    f"{r['peak_mb'] - base:.0f}" if base is not None else "–",
                    f"{r['seconds'] / raw['seconds']:.2f}" if raw else "–",
                ])
        if res.ship:
            seconds = res.ship["seconds"]
            other.rows.append([db, f"shipment of {SHIP_SIZE:,} random serials, {res.history_units:,} "
                               "in stock", f"{seconds:.2f} s, {SHIP_SIZE / seconds:,.0f} serials/s"])
        if res.history:
            for name in ("unit_history", "find_unit"):
                h = res.history[name]
                other.rows.append([db, f"{name}(serial, product) at {res.history_units:,} units, "
                                   f"{LOOKUPS:,} lookups",
                                   f"median {h['median_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms"])
        service, raw = res.receipts.get(("service", top)), res.receipts.get(("raw", top))
        if service and raw:
            ratio = service["seconds"] / raw["seconds"]
            targets.rows.append([db, f"receipt of {top:,} within {TARGET_RATIO:g}× raw{scale}",
                                 f"{ratio:.2f}×", verdict(ratio <= TARGET_RATIO)])
        for path, label in (("service", "service layer"), ("cli", "CLI")):
            r = res.receipts.get((path, top))
            if r:
                targets.rows.append([db, f"peak memory of a {top:,} receipt ({label}) "
                                     f"< {TARGET_PEAK_MB:.0f} MB{scale}",
                                     f"{r['peak_mb']:.0f} MB", verdict(r["peak_mb"] < TARGET_PEAK_MB)])
        if res.history:
            p99 = res.history["unit_history"]["p99_ms"]
            targets.rows.append([db, f"unit_history p99 < {TARGET_P99_MS:g} ms at "
                                 f"{res.history_units:,} units{scale}", f"{p99:.2f} ms",
                                 verdict(p99 < TARGET_P99_MS)])
        if res.error:
            targets.rows.append([db, f"run failed: {res.error.splitlines()[0]}", "–", "MISS"])
    sections = [receipts, other, targets] if all_results else [targets]
    if api is not None:
        sections.insert(len(sections) - 1, api_section(api))
        targets.rows += api_targets(api)
    return sections


API_LABELS = {
    "unit": f"GET /api/products/{SKU}/units/{{serial}}",
    "by_serial": "GET /api/units/by-serial/{serial}",
    "scan": "POST /api/drafts/{id}/serials, 1 new serial, draft empty at start",
    "scan_big_1": f"POST /api/drafts/{{id}}/serials, 1 new serial, draft of {BIG_DRAFT:,}, ONE client",
    "scan_big": f"POST /api/drafts/{{id}}/serials, 1 new serial, draft of {BIG_DRAFT:,}",
}


def server_stats(run: Json) -> tuple[float, float] | None:
    times = run.get("server") or []
    return (statistics.median(times), percentile(times, 99)) if times else None


def api_section(api: ApiResults) -> Section:
    section = Section(f"API ({api.units:,} units on {api.backend.label}, {api.clients} clients)", [
        "endpoint", "requests", "requests/s", "median ms", "p99 ms", "max ms", "server median ms",
        "server p99 ms", "server CPU ms/request", "failed", "CPU: clients / server / rest"], [], note=(
        f"{api.clients} client processes (Python, a minimal HTTP/1.1 client on a socket each) against "
        f"`serialtrack serve --workers {API_WORKERS}` on 127.0.0.1, all on the same cores; "
        f"{api.warmup:g} s warm-up, then {api.seconds:g} s measured. Client times run from sending the "
        "request (connecting included: the server closes every connection) to its last "
        "byte. Server times: the access log's request time for the same requests (request parsed to "
        "response written, in the worker). Server CPU ms/request: the workers' CPU time over the window / "
        "requests measured. CPU: cores' worth used over the measured window by the "
        "clients, the server's workers, and everything else on the machine (other work, kernel)."))
    for tag, label in API_LABELS.items():
        run = api.runs.get(tag)
        if run is None:
            continue
        srv = server_stats(run)
        window = run["window_s"] or api.seconds
        section.rows.append([
            label, f"{run['requests']:,}", f"{run['rps']:,.0f}", f"{run['median_ms']:.1f}",
            f"{run['p99_ms']:.1f}", f"{run['max_ms']:.1f}", f"{srv[0]:.1f}" if srv else "–",
            f"{srv[1]:.1f}" if srv else "–",
            f"{run['server_cpu_s'] * 1000 / run['requests']:.2f}" if run["requests"] else "–",
            f"{run['errors']:,}",
            f"{run['client_cpu_s'] / window:.2f} / {run['server_cpu_s'] / window:.2f} / "
            f"{max(0.0, run['machine_cpu_s'] - run['client_cpu_s'] - run['server_cpu_s']) / window:.2f}"])
        counts = api.scanned.get(tag)
        if counts:
            held = sum(counts["sizes"]) - counts["prefill"] * len(counts["sizes"])
            section.rows.append([
                f"  … scans accepted: {run['accepted']:,} of {run['sent']:,} answered "
                f"({run['refused']:,} refused); the drafts now hold {held:,} scans beyond their "
                f"{counts['prefill']:,} each", "", "", "", "", "", "", "", "", "",
                "consistent" if held == run["accepted"] else "MISMATCH"])
    if api.seed_seconds is not None:
        section.rows.append([f"seeding {api.units:,} units (posting.receive)",
                             "", "", "", "", "", "", "", "", "", f"{api.seed_seconds:.1f} s"])
    return section


def api_targets(api: ApiResults) -> list[list[str]]:
    db = api.backend.label
    scale = "" if api.units == API_UNITS else f" (target set at {API_UNITS:,})"
    rows = []
    for tag in ("unit", "by_serial"):
        run = api.runs.get(tag)
        if run:
            rows.append([db, f"{API_LABELS[tag]} p99 < {TARGET_API_P99_MS:g} ms, {api.clients} clients, "
                         f"{api.units:,} units{scale}", f"{run['p99_ms']:.1f} ms",
                         verdict(run["p99_ms"] < TARGET_API_P99_MS)])
            rows.append([db, f"{API_LABELS[tag]} > {TARGET_LOOKUP_RPS:g} requests/s{scale}",
                         f"{run['rps']:,.0f}/s", verdict(run["rps"] > TARGET_LOOKUP_RPS)])
    run = api.runs.get("scan")
    if run:
        rows.append([db, f"scan into a draft p99 < {TARGET_API_P99_MS:g} ms, {api.clients} clients"
                     f"{scale}", f"{run['p99_ms']:.1f} ms", verdict(run["p99_ms"] < TARGET_API_P99_MS)])
    for tag in ("scan_big_1", "scan_big"):
        run = api.runs.get(tag)
        srv = server_stats(run) if run else None
        if run and srv:
            who = "one clerk scanning" if run["clients"] == 1 else f"{run['clients']} clients at once"
            rows.append([db, f"server time per scan, {BIG_DRAFT:,}-serial draft open, p99 < "
                         f"{TARGET_BIG_DRAFT_P99_MS:g} ms ({who}){scale}",
                         f"{srv[1]:.1f} ms", verdict(srv[1] < TARGET_BIG_DRAFT_P99_MS)])
    if api.error:
        rows.append([db, f"API run failed: {api.error.splitlines()[0]}", "–", "MISS"])
    return rows


def print_sections(console: Console, sections: list[Section]) -> None:
    for section in sections:
        table = Table(title=section.title, title_justify="left", caption=section.note or None,
                      caption_justify="left")
        for i, header in enumerate(section.headers):
            table.add_column(header, justify="left" if i < 2 or header == "target" else "right")
        for row in section.rows:
            table.add_row(*[{"PASS": "[bold green]PASS[/]", "MISS": "[bold red]MISS[/]"}.get(c, c)
                            for c in row])
        console.print(table)


def markdown(sections: list[Section], environment: list[str]) -> str:
    out = ["# serialtrack benchmark results", "", *[f"- {line}" for line in environment], ""]
    for section in sections:
        out += [f"## {section.title}", "", "| " + " | ".join(section.headers) + " |",
                "|" + "|".join("---" if i < 2 else "---:" for i in range(len(section.headers))) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in section.rows]
        out += ["", section.note, ""] if section.note else [""]
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m serialtrack.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated: sqlite,postgresql (default both)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="receipt sizes, comma-separated (default 100000,1000000); shipment and "
                             "lookups run on the largest")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: sizes {','.join(map(str, QUICK_SIZES))}")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the results as Markdown")
    parser.add_argument("--pg-admin-url", default=os.environ.get("SERIALTRACK_BENCH_PG", PG_ADMIN_URL),
                        help="PostgreSQL maintenance database to create/drop st_bench_* from "
                             f"(default {PG_ADMIN_URL}, env SERIALTRACK_BENCH_PG)")
    parser.add_argument("--no-api", dest="api", action="store_false",
                        help="skip the REST API part")
    parser.add_argument("--only-api", action="store_true",
                        help="run only the REST API part (served by `serialtrack serve`)")
    parser.add_argument("--api-database", choices=BACKENDS, default="sqlite",
                        help="the database the API part serves (default sqlite, the targets' own)")
    parser.add_argument("--api-units", type=int, default=None,
                        help=f"units stored for the API part (default {API_UNITS:,}; "
                             f"--quick {API_QUICK_UNITS:,})")
    parser.add_argument("--api-seconds", type=float, default=None,
                        help=f"measured seconds per API endpoint, after {API_WARMUP:g} s of warm-up "
                             f"(default {API_SECONDS:g}; --quick {API_QUICK_SECONDS:g})")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes: comma-separated whole numbers")
    if args.quick:
        args.sizes = list(QUICK_SIZES)
    if args.api_units is None:
        args.api_units = API_QUICK_UNITS if args.quick else API_UNITS
    if args.api_seconds is None:
        args.api_seconds = API_QUICK_SECONDS if args.quick else API_SECONDS
    if args.only_api and not args.api:
        parser.error("--only-api and --no-api exclude each other")
    if args.api_units < 1 or args.api_seconds <= 0:
        parser.error("--api-units and --api-seconds must be positive")
    if args.only_api:
        args.backends, args.sizes = [], []
        return args
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes: give at least one positive size")
    smallest = max(SHIP_SIZE, 2 * (LOOKUPS + WARMUP))  # shipment and lookups run on the largest
    if max(args.sizes) < smallest:
        parser.error(f"--sizes: the largest size must be at least {smallest:,}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker_mode(json.loads(args.worker))
        return 0
    # A terminated run unwinds like Ctrl-C: the worker is killed and every database dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    console = Console(width=None if sys.stdout.isatty() else 150)
    started = time.perf_counter()

    def log(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:7.1f}s[/] {message}", highlight=False)

    environment = [
        f"date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.machine()}, "
        f"{platform.platform(terse=True)}",
        f"Python {platform.python_version()}",
        f"command: python -m serialtrack.bench {' '.join(sys.argv[1:] if argv is None else argv)}".strip(),
    ]
    results: list[Results] = []
    with tempfile.TemporaryDirectory(prefix="st_bench_files_") as tmp:
        files: dict[int, Path] = {}
        for size in args.sizes:
            files[size] = Path(tmp) / f"serials_{size}.txt"
            with files[size].open("w", encoding="utf-8") as fh:  # line by line: keep this process small
                fh.writelines(f"{serial(n)}\n" for n in range(1, size + 1))
        for name in args.backends:
            backend = Backend(name, admin_url=args.pg_admin_url)
            problem = backend.unreachable()
            if problem:
                console.print(f"[bold yellow]{backend.label} skipped[/]: not reachable at "
                              f"{backend.admin_url} ({problem})", highlight=False)
                environment.append(f"{backend.label}: skipped, not reachable ({problem})")
                continue
            environment.append(backend.describe())
            res = Results(backend, history_units=max(args.sizes))
            results.append(res)
            try:
                bench_backend(res, args.sizes, files, log)
            except Exception as exc:  # report it, keep the other backend's figures
                console.print(f"[bold red]{backend.label} failed[/]: {exc}", highlight=False)
                res.error = f"{type(exc).__name__}: {exc}"
    api: ApiResults | None = None
    if args.api:
        api = ApiResults(units=args.api_units, seconds=args.api_seconds, warmup=API_WARMUP,
                         backend=Backend(args.api_database, admin_url=args.pg_admin_url))
        try:
            problem = api.backend.unreachable()  # before describe(), which would fail on it
            if problem:
                raise BenchError(f"{api.backend.label} not reachable at {api.backend.admin_url} "
                                 f"({problem})")
            environment.append(
                f"API: {api.backend.describe()}, `serialtrack serve --workers {API_WORKERS}` ("
                f"{_server_version()}), {API_CLIENTS} Python client processes (raw-socket HTTP/1.1) on "
                f"the same {os.cpu_count()} CPUs")
            bench_api(api, log)
        except Exception as exc:  # report it with whatever was measured before
            console.print(f"[bold red]API part failed[/]: {exc}", highlight=False)
            api.error = f"{type(exc).__name__}: {exc}"
    environment.append(f"total run time: {time.perf_counter() - started:.0f} s")
    sections = report(results, args.sizes, api)
    console.print()
    for line in environment:
        console.print(line, highlight=False)
    print_sections(console, sections)
    if args.markdown:
        args.markdown.write_text(markdown(sections, environment), encoding="utf-8")
        console.print(f"Markdown written to {args.markdown}", highlight=False)
    return 1 if any(r.error for r in results) or (api and api.error) else 0


if __name__ == "__main__":
    sys.exit(main())
