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


TASKS: dict[str, Callable[[Json], Json]] = {
    "prepare": task_prepare, "receive": task_receive, "ship": task_ship, "history": task_history,
    "raw": task_raw, "cli": task_cli,
}
DJANGO_TASKS = {"prepare", "receive", "ship", "history"}


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


# == report ======================================================================================

@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(all_results: list[Results], sizes: Sequence[int]) -> list[Section]:
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
    top = max(sizes)
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
    return [receipts, other, targets]


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
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform(terse=True)}",
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
    environment.append(f"total run time: {time.perf_counter() - started:.0f} s")
    sections = report(results, args.sizes)
    console.print()
    for line in environment:
        console.print(line, highlight=False)
    print_sections(console, sections)
    if args.markdown:
        args.markdown.write_text(markdown(sections, environment), encoding="utf-8")
        console.print(f"Markdown written to {args.markdown}", highlight=False)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
