"""The search box at size: `python -m benchmarks.search [--units 1000000] [--backends sqlite
postgresql]` (docs/benchmarks.md, section "Search").

For each database, in a process of its own: a fresh database, `--units` units received through
`posting.receive` in one receipt (its time is reported too: the search indexes of migration 0011
are written with every unit), then each kind of search (`queries.search.search`, the query under
the `/search` page) `--repeat` times with a different text each time, the median and the worst
in milliseconds. Wall time on a shared machine: read the medians, not the single worst."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import ROOT, SKU, WAREHOUSE, Backend, cpu_model, serial, setup_django

USER = "search-clerk"


def _kinds(units: int, rng: random.Random) -> dict[str, Callable[[], tuple[str, bool]]]:
    """Each kind of search: a function giving the next text and whether to ask for the
    contains-search explicitly."""
    def pick() -> int:
        return rng.randint(1, units)

    return {
        "exact serial": lambda: (serial(pick()), False),
        "serial in another case": lambda: (serial(pick()).lower(), False),
        "prefix (10 units)": lambda: (serial(pick())[:-1].lower(), False),
        "contains (digits inside)": lambda: (serial(pick())[4:11], False),
        "contains, asked (SQLite)": lambda: (serial(pick())[4:11], True),
        "miss": lambda: (f"zq{rng.randint(0, 10**6)}x", False),
        "miss, contains asked": lambda: (f"zq{rng.randint(0, 10**6)}x", True),
        "document number": lambda: ("rcv-000001", False),
    }


def measure(url: str, units: int, repeat: int) -> dict[str, Any]:
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from serialtrack import catalog
    from serialtrack.posting import receive, system_user
    from serialtrack.queries.search import search

    call_command("migrate", verbosity=0, interactive=False)
    catalog.create_product(SKU, "Benchmark device", "serial")
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    user = system_user(USER)
    started = time.perf_counter()
    receive(warehouse=WAREHOUSE, product=SKU, serials=[serial(n) for n in range(1, units + 1)],
            user=user)
    received = time.perf_counter() - started
    with connection.cursor() as cursor:
        # as a server runs: PostgreSQL's statistics gathered (autovacuum would), SQLite's
        # write-ahead log copied into the database (`serve` does it every 0.2 s)
        cursor.execute("ANALYZE" if connection.vendor == "postgresql"
                       else "PRAGMA wal_checkpoint(TRUNCATE)")
    rng = random.Random(20261207)
    rows: dict[str, Any] = {}
    for name, next_text in _kinds(units, rng).items():
        if name.endswith("(SQLite)") and connection.vendor != "sqlite":
            continue
        times, hits = [], 0
        for _ in range(repeat):
            text, contains = next_text()
            began = time.perf_counter()
            found = search(text, contains=contains)
            times.append((time.perf_counter() - began) * 1000)
            hits += len(found.hits)
        rows[name] = {"median_ms": statistics.median(times), "max_ms": max(times),
                      "hits": hits / repeat}
    return {"database": connection.vendor, "units": units, "receipt_seconds": received,
            "searches": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.units, args.repeat)), flush=True)
        return 0
    print(f"# search at {args.units:,} units — {cpu_model()}")
    for name in args.backends:
        backend = Backend(name)
        why = backend.unreachable()
        if why:
            print(f"{backend.label}: skipped ({why})")
            continue
        with backend.fresh_database() as url:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.search", "--child", url, "--units",
                 str(args.units), "--repeat", str(args.repeat)],
                capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                print(f"{backend.label}: failed\n{done.stderr[-3000:]}")
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n{backend.describe()}: receipt of {args.units:,} units in "
              f"{result['receipt_seconds']:.1f} s\n")
        print("| search | median ms | worst ms | hits |\n|---|---:|---:|---:|")
        for kind, row in result["searches"].items():
            print(f"| {kind} | {row['median_ms']:.2f} | {row['max_ms']:.2f} | "
                  f"{row['hits']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
