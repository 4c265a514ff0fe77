"""A receipt against a purchase order vs the same receipt without one (issue 17's target: a
10,000-serial receipt against a PO within 1.2× the same receipt without an order).

`python -m benchmarks.orders [--backends sqlite,postgresql] [--size 10000] [--rounds 5]`: per
backend, on a fresh database (created and dropped here), one worker process posts `rounds` pairs
of receipts of `size` new serials each — one plain, one against its own purchase order (created
before the clock starts) — alternating which goes first, and reports the medians and their ratio
with PASS or MISS. Not part of `make bench`'s report yet: run it on its own."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from benchmarks.common import (
    BACKENDS,
    PG_ADMIN_URL,
    ROOT,
    SKU,
    USER,
    WAREHOUSE,
    Backend,
    BenchError,
    Json,
    setup_django,
    task_prepare,
)

SUPPLIER = "Bench Supplier"
TARGET_RATIO = 1.2


def task_orders(spec: Json) -> Json:
    """In one process on a prepared database: `rounds` pairs of timed receipts."""
    from decimal import Decimal

    from serialtrack import catalog, orders
    from serialtrack.posting import receive, system_user

    task_prepare(spec)
    catalog.create_party(SUPPLIER, supplier=True)
    user = system_user(USER)
    size = spec["size"]
    plain: list[float] = []
    against: list[float] = []
    batch = 0

    def serials() -> list[str]:
        nonlocal batch
        batch += 1
        return [f"PO{batch:03d}-{n:08d}" for n in range(size)]

    for r in range(spec["rounds"]):
        for with_order in ((False, True) if r % 2 == 0 else (True, False)):
            listed = serials()
            number = None
            if with_order:
                number = orders.create_order(
                    kind="purchase", party=SUPPLIER, user=user,
                    lines=[orders.LineIn(SKU, size, Decimal("12.50"))]).number
            started = time.perf_counter()
            receive(warehouse=WAREHOUSE, product=SKU, serials=listed, user=user,
                    supplier=SUPPLIER, order=number)
            (against if with_order else plain).append(time.perf_counter() - started)
    return {"plain": plain, "against": against}


def run_backend(backend: Backend, size: int, rounds: int) -> Json:
    with backend.fresh_database() as url:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        spec = json.dumps({"url": url, "size": size, "rounds": rounds})
        done = subprocess.run([sys.executable, "-m", "benchmarks.orders", "--worker", spec],
                              capture_output=True, text=True, env=env)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise BenchError(f"orders worker failed (exit {done.returncode}):\n"
                             f"{done.stderr.strip()[-3000:]}")
        return json.loads(lines[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.orders", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg-admin-url", default=os.environ.get("SERIALTRACK_BENCH_PG",
                                                                 PG_ADMIN_URL))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        setup_django(spec["url"])
        print(json.dumps(task_orders(spec)), flush=True)
        return 0
    missed = False
    for name in (b.strip() for b in args.backends.split(",") if b.strip()):
        result = run_backend(Backend(name, args.pg_admin_url), args.size, args.rounds)
        plain, against = statistics.median(result["plain"]), statistics.median(result["against"])
        ratio = against / plain
        verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
        missed |= verdict == "MISS"
        print(f"{name}: {args.size:,}-serial receipt, median of {args.rounds}: without an order "
              f"{plain:.3f} s, against a PO {against:.3f} s, ratio {ratio:.2f} "
              f"(target ≤ {TARGET_RATIO}) {verdict}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
