"""`make bench` (`python -m benchmarks` from the repository root): how fast and how big large
postings, lookups and the REST API under load are, each time on fresh databases this command
creates and drops itself.

  * receipts, a shipment and lookups on SQLite and PostgreSQL (benchmarks.receipts);
  * the REST API served by `serialtrack serve`, on SQLite or PostgreSQL (benchmarks.api; the
    load clients in benchmarks.load): lookups, scans at a receiving dock's pace (an open loop of
    100 scans/s from 50 clients), the scan capacity (16 clients back to back), scans into drafts
    of 10,000 serials;

then every target with PASS or MISS (benchmarks.report). Every measurement runs in a child
process started as `python -m benchmarks --worker JSON`, which prints one JSON line with its
result. The benchmark is not part of the installed package: run it from a checkout."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from benchmarks import api as api_part
from benchmarks import load, receipts
from benchmarks.api import (
    API_CLIENTS,
    API_QUICK_SECONDS,
    API_QUICK_UNITS,
    API_SECONDS,
    API_UNITS,
    API_WARMUP,
    API_WORKERS,
    OPEN_CLIENTS,
    OPEN_QUICK_SECONDS,
    OPEN_RATE,
    OPEN_SECONDS,
    ApiResults,
    bench_api,
)
from benchmarks.common import (
    BACKENDS,
    PG_ADMIN_URL,
    Backend,
    BenchError,
    Json,
    cpu_model,
    serial,
    setup_django,
    task_prepare,
)
from benchmarks.receipts import DEFAULT_SIZES, LOOKUPS, QUICK_SIZES, SHIP_SIZE, WARMUP, Results, bench_backend
from benchmarks.report import markdown, print_sections, report

TASKS: dict[str, Callable[[Json], Json]] = {
    "prepare": task_prepare, "receive": receipts.task_receive, "ship": receipts.task_ship,
    "history": receipts.task_history, "raw": receipts.task_raw, "cli": receipts.task_cli,
    "api_user": api_part.task_api_user, "load": load.task_load,
    "valuation": receipts.task_valuation,
}
DJANGO_TASKS = {"prepare", "receive", "ship", "history", "api_user", "valuation"}


def run_worker_mode(spec: Json) -> None:
    if spec["task"] in DJANGO_TASKS:
        setup_django(spec["url"])
    print(json.dumps(TASKS[spec["task"]](spec)), flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
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
    parser.add_argument("--open-seconds", type=float, default=None,
                        help=f"measured seconds of the open-loop scans ({OPEN_RATE:g}/s from {OPEN_CLIENTS} "
                             f"clients; default {OPEN_SECONDS:g}; --quick {OPEN_QUICK_SECONDS:g})")
    parser.add_argument("--valuation-only", action="store_true",
                        help="per backend only the service receipt of the largest size, the "
                             "shipment and the stock valuation now and at a past moment")
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
    if args.open_seconds is None:
        args.open_seconds = OPEN_QUICK_SECONDS if args.quick else OPEN_SECONDS
    if args.only_api and not args.api:
        parser.error("--only-api and --no-api exclude each other")
    if args.api_units < 1 or args.api_seconds <= 0 or args.open_seconds <= 0:
        parser.error("--api-units, --api-seconds and --open-seconds must be positive")
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
        f"command: python -m benchmarks {' '.join(sys.argv[1:] if argv is None else argv)}".strip(),
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
                bench_backend(res, args.sizes, files, log, args.valuation_only)
            except Exception as exc:  # report it, keep the other backend's figures
                console.print(f"[bold red]{backend.label} failed[/]: {exc}", highlight=False)
                res.error = f"{type(exc).__name__}: {exc}"
    api: ApiResults | None = None
    if args.api:
        api = ApiResults(units=args.api_units, seconds=args.api_seconds, warmup=API_WARMUP,
                         open_seconds=args.open_seconds,
                         backend=Backend(args.api_database, admin_url=args.pg_admin_url))
        try:
            problem = api.backend.unreachable()  # before describe(), which would fail on it
            if problem:
                raise BenchError(f"{api.backend.label} not reachable at {api.backend.admin_url} "
                                 f"({problem})")
            environment.append(
                f"API: {api.backend.describe()}, `serialtrack serve --workers {API_WORKERS}` ("
                f"{api_part.server_version()}), {API_CLIENTS} Python client processes back to back and "
                f"{OPEN_CLIENTS} in the open loop (raw-socket HTTP/1.1) on the same {os.cpu_count()} CPUs")
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
