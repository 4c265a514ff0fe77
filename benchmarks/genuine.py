"""The public genuineness check under load: `python -m benchmarks.genuine` (`--help` for the
sizes). Target (issue 18): at least 500 requests/s on SQLite.

One fresh SQLite database (created and removed here): `--units` units of one serial product
received through `posting.receive` in batches of 100,000, the first `--sold` of them shipped to a
customer (so they answer "genuine, sold …"). Then `serialtrack serve` (gunicorn, its default two
workers, as shipped) with the check switched on (`SERIALTRACK_GENUINE_CHECK=1`) and the
per-address throttle set out of reach (`SERIALTRACK_GENUINE_CHECK_PER_MINUTE=1000000000`: every
client is 127.0.0.1, and the measure is of the check, not of the refusal; each request still
counts itself against the address, as in production). `--clients` client processes (forked, a
raw keep-alive HTTP/1.1 socket each, `benchmarks.load.RawHttp`) send GET
`/api/genuine?product=SKU&code=SERIAL` (or the page `/genuine/?…` with `--page`) back to back
for `--seconds` after a 2-second warm-up, the serials mixed in thirds: sold (genuine), in stock
(genuine, not yet sold), and not ours (a serial that does not exist: the failed check is counted
in `GenuineProbe`, a write)."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import SEED, SKU, WAREHOUSE, Backend, cpu_model, percentile, serial, setup_django

CUSTOMER = "Genuine Customer"
BATCH = 100_000
KINDS = ("sold", "not_yet_sold", "not_ours")


def seed(units: int, sold: int) -> float:
    from django.core.management import call_command

    from serialtrack import catalog, posting

    call_command("migrate", verbosity=0, interactive=False)
    catalog.create_product(SKU, "Benchmark device", "serial", warranty_days=365)
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    catalog.create_party(CUSTOMER, customer=True)
    user = posting.system_user("bench")
    started = time.perf_counter()
    for first in range(0, units, BATCH):
        posting.receive(warehouse=WAREHOUSE, product=SKU, user=user,
                        serials=[serial(n) for n in range(first, min(units, first + BATCH))])
    if sold:
        posting.ship(warehouse=WAREHOUSE, customer=CUSTOMER, product=SKU, user=user,
                     serials=[serial(n) for n in range(sold)])
    return time.perf_counter() - started


def path_of(kind: str, rng: random.Random, units: int, sold: int, page: bool) -> str:
    if kind == "sold":
        text = serial(rng.randrange(sold))
    elif kind == "not_yet_sold":
        text = serial(rng.randrange(sold, units))
    else:
        text = f"FAKE-{rng.randrange(10**9):09d}"
    return (f"/genuine/?product={SKU}&code={text}" if page
            else f"/api/genuine?product={SKU}&code={text}")


def client(spec: dict[str, Any], index: int, t0: float, t1: float, out: Any) -> None:
    """Back to back until `t1`; requests started at or after `t0` are measured."""
    from benchmarks.load import RawHttp

    rng = random.Random(SEED + index)
    conn = RawHttp(spec["port"], {"User-Agent": "serialtrack-bench/genuine"})
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    statuses: dict[str, int] = {}
    errors: list[str] = []
    n = 0
    while (started := time.perf_counter()) < t1:
        kind = KINDS[n % 3]
        n += 1
        try:
            status, data = conn.request("GET", path_of(kind, rng, spec["units"], spec["sold"],
                                                       spec["page"]), None, "")
        except (OSError, ValueError, IndexError) as exc:
            conn.close()
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if started < t0:
            continue
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 200:
            latencies[kind].append((time.perf_counter() - started) * 1000)
        elif len(errors) < 5:
            errors.append(f"{status} {data[:200]!r}")
    conn.close()
    out.put({"latencies": latencies, "statuses": statuses, "errors": errors})


def drive(port: int, master: int, clients: int, seconds: float, units: int, sold: int,
          page: bool) -> dict[str, Any]:
    from benchmarks.load import machine_busy_seconds, server_cpu_seconds

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    t0 = time.perf_counter() + 2.0
    t1 = t0 + seconds
    spec = {"port": port, "units": units, "sold": sold, "page": page}
    procs = [ctx.Process(target=client, args=(spec, i, t0, t1, out), daemon=True)
             for i in range(clients)]
    for p in procs:
        p.start()
    time.sleep(max(0.0, t0 - time.perf_counter()))
    cpu0, busy0 = server_cpu_seconds(master), machine_busy_seconds()
    time.sleep(max(0.0, t1 - time.perf_counter()))
    server_cpu, busy = server_cpu_seconds(master) - cpu0, machine_busy_seconds() - busy0
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    every = sorted(x for r in results for lat in r["latencies"].values() for x in lat)
    statuses: dict[str, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    by_kind = {}
    for kind in KINDS:
        lat = sorted(x for r in results for x in r["latencies"][kind])
        by_kind[kind] = {"requests": len(lat), "p50_ms": round(percentile(lat, 50), 2),
                         "p95_ms": round(percentile(lat, 95), 2)}
    per_request = server_cpu / len(every) if every else float("nan")
    return {"requests_per_s": round(len(every) / seconds, 1), "answered_200": len(every),
            # the server's CPU (its workers) per answer, and what two idle cores would give at
            # that cost (the machine is shared: its other work is in machine_busy_cores)
            "server_cpu_ms_per_request": round(per_request * 1000, 2),
            "capacity_on_2_idle_cores_per_s": round(2 / per_request) if every else None,
            "machine_busy_cores": round(busy / seconds, 2),
            "p50_ms": round(percentile(every, 50), 2), "p95_ms": round(percentile(every, 95), 2),
            "p99_ms": round(percentile(every, 99), 2), "statuses": statuses, "by_kind": by_kind,
            "first_errors": [e for r in results for e in r["errors"]][:3]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.genuine", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--sold", type=int, default=10_000, help="units shipped (sold)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--page", action="store_true",
                        help="the public page /genuine/ instead of GET /api/genuine")
    args = parser.parse_args(argv)
    backend = Backend("sqlite")
    with backend.fresh_database() as url:
        setup_django(url)
        seeded = seed(args.units, args.sold)
        from django.db import connections

        connections.close_all()
        os.environ["SERIALTRACK_GENUINE_CHECK"] = "1"
        os.environ["SERIALTRACK_GENUINE_CHECK_PER_MINUTE"] = "1000000000"
        from benchmarks.api import api_server

        with tempfile.TemporaryDirectory(prefix="st_genuine_") as tmp, \
                api_server(url, Path(tmp)) as server:
            result = drive(server.port, server.pid, args.clients, args.seconds, args.units, args.sold,
                           args.page)
    result = {"database": backend.describe(), "units": args.units, "sold": args.sold,
              "seed_s": round(seeded, 1), "clients": args.clients, "seconds": args.seconds,
              "endpoint": "/genuine/ (page)" if args.page else "/api/genuine",
              "throttle_per_minute": 1_000_000_000, **result, "cpu": cpu_model(),
              "load_average": os.getloadavg()}
    result["target"] = "PASS" if result["requests_per_s"] >= 500 else "MISS"
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
