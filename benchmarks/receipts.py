"""Receipts, a shipment and lookups in one process each, on SQLite and PostgreSQL.

Per backend and per size in `--sizes`: a receipt through the service layer (`posting.receive`)
and through the CLI (`serialtrack receive --serials-file`), each in its own process on its own
fresh database, so the memory high-water mark (VmHWM; ru_maxrss of the CLI child) belongs to that
one receipt, the baseline being the high-water mark just before it; a raw driver baseline writing
the same unit and ledger rows (sqlite3 executemany / PostgreSQL COPY) into the same migrated
schema; and on the largest size a shipment of 10,000 serials out of that stock and the
`queries.unit_history` / `queries.find_unit` latency, and the stock valuation
(`queries.money.valuation`) now and at a past moment (between the receipt and the shipment)."""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CUSTOMER,
    SEED,
    SKU,
    USER,
    WAREHOUSE,
    Backend,
    Json,
    peak_mb,
    serial,
    serials_for,
    worker,
)

SHIP_SIZE = 10_000
LOOKUPS = 2_000
WARMUP = 200
DEFAULT_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
TARGET_SIZE = 1_000_000
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 500.0
TARGET_P99_MS = 5.0
TARGET_VALUATION_SECONDS = 2.0
VALUATION_RUNS = 3
UNIT_COST = "129.99"  # every unit received at a cost, so the valuation sums real amounts

UNIT_COLUMNS = ("id, product_id, serial, lot_id, status, location_id, holder_id, cost, received_at, "
                "attributes, last_document_id, moved_at")
MOVEMENT_COLUMNS = ("document_id, line_id, unit_id, product_id, lot_id, quantity, from_location_id, "
                    "to_location_id, from_status, to_status, from_party_id, to_party_id, cost, "
                    "created_at, user_id, note")


# == worker side: one measurement per process ====================================================

def task_receive(spec: Json) -> Json:
    from serialtrack.posting import receive, system_user

    serials = serials_for(spec["size"])
    user = system_user(USER)  # also opens the connection
    baseline = peak_mb()
    started = time.perf_counter()
    receive(warehouse=WAREHOUSE, product=SKU, serials=serials, user=user,
            cost=Decimal(UNIT_COST))
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


def task_valuation(spec: Json) -> Json:
    """Stock valuation from the ledger, now and at `spec["at"]` (a moment between the receipt
    and the shipment): the best and the median of `VALUATION_RUNS` runs each, and what it said
    (the value must be units × cost, less the shipped ones now)."""
    from serialtrack.queries.money import valuation

    result: Json = {}
    for name, at in (("now", None), ("past", spec["at"])):
        times, value = [], None
        for _ in range(VALUATION_RUNS):
            started = time.perf_counter()
            report = valuation(at)
            times.append(time.perf_counter() - started)
            value = report["value"]
        result[name] = {"best_s": min(times), "median_s": statistics.median(times),
                        "value": str(value)}
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


# == parent side ================================================================================

@dataclass
class Results:
    """Every figure of one backend, as the workers reported them."""

    backend: Backend
    receipts: dict[tuple[str, int], Json] = field(default_factory=dict)  # (path, size) -> result
    ship: Json | None = None
    history: Json | None = None
    valuation: Json | None = None
    history_units: int = 0
    error: str | None = None


def bench_backend(res: Results, sizes: Sequence[int], files: dict[int, Path],
                  log: Callable[[str], None], valuation_only: bool = False) -> None:
    """Fill `res` as the measurements come in (a failure keeps what was measured before it).
    `valuation_only`: the service receipt, the shipment and the valuation only (no raw or CLI
    receipt, no lookups)."""
    backend = res.backend
    for size in sizes:
        step = f"{backend.label} {size:,}"
        if not valuation_only:
            with backend.prepared_database() as (url, ids):
                log(f"{step}: raw driver baseline")
                res.receipts["raw", size] = worker("raw", url=url, size=size, ids=ids)
        with backend.prepared_database() as (url, _ids):
            log(f"{step}: service receipt")
            res.receipts["service", size] = worker("receive", url=url, size=size)
            if size == res.history_units:
                backend.analyze(url)
                log(f"{backend.label}: shipment of {SHIP_SIZE:,} from {size:,} in stock")
                between = dt.datetime.now(dt.UTC).isoformat()
                time.sleep(0.01)
                res.ship = worker("ship", url=url, units=size)
                if not valuation_only:
                    log(f"{backend.label}: history lookups at {size:,} units")
                    res.history = worker("history", url=url, units=size)
                log(f"{backend.label}: valuation at {size:,} units, now and before the shipment")
                res.valuation = worker("valuation", url=url, at=between)
        if valuation_only:
            continue
        with backend.prepared_database() as (url, _ids):
            log(f"{step}: CLI receipt")
            base = worker("cli", url=url, args=["product", "list", "--json"])
            cli = worker("cli", url=url, args=["receive", "--warehouse", WAREHOUSE, "--product", SKU,
                                               "--serials-file", str(files[size]), "--json"])
            res.receipts["cli", size] = {**cli, "baseline_mb": base["peak_mb"]}
