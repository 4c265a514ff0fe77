"""What the stock report's unit counts (`UnitCount`, kept by `posting.ledger`) cost the
postings: `python -m benchmarks.tally [--units 100000] [--database sqlite|postgresql]`
(docs/benchmarks.md, section "Stock report counts").

One process on a fresh database: a receipt of `--units` units into one bin, then a transfer of
a tenth of them to another bin, a hold of a tenth, a shipment of a tenth and the reversal of the
transfer, each through the service layer. Every SQL statement is timed (a Django execute
wrapper); the table gives each posting's statement time, the time of the statements that keep
the counts (the group-by of the moved units by (bin, product, status), the upsert
before commit, and a reversal's before/after group-bys), and their share."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import PG_ADMIN_URL, SKU, WAREHOUSE, Backend, cpu_model, serial, setup_django

TALLY_MARKS = ("inventory_unitcount", "GROUP BY u.location_id, u.product_id, u.status")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tally", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)
    backend = Backend(args.database, args.pg_admin_url)
    with backend.fresh_database() as url:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connection

        from serialtrack import catalog, posting

        call_command("migrate", verbosity=0, interactive=False)
        catalog.create_product(SKU, "Benchmark device", "serial")
        catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
        catalog.create_bin(WAREHOUSE, "B-1")
        catalog.create_party("Bench Supplier", supplier=True)
        catalog.create_party("Bench Customer", customer=True)
        user = posting.system_user("bench")
        spent = {"all": 0.0, "tally": 0.0}

        def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                  context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - started
                spent["all"] += took
                if any(mark in sql for mark in TALLY_MARKS):
                    spent["tally"] += took

        tenth = args.units // 10
        serials = [serial(n) for n in range(1, args.units + 1)]
        steps: list[tuple[str, Callable[[], Any]]] = [
            (f"receipt of {args.units:,}", lambda: posting.receive(
                warehouse=WAREHOUSE, product=SKU, supplier="Bench Supplier", serials=serials,
                user=user)),
            (f"transfer of {tenth:,} to a bin", lambda: posting.transfer(
                source=WAREHOUSE, destination=f"{WAREHOUSE}/B-1", product=SKU,
                serials=serials[:tenth], user=user)),
            (f"hold of {tenth:,}", lambda: posting.hold(
                product=SKU, serials=serials[tenth:2 * tenth], user=user, reason="bench")),
            (f"shipment of {tenth:,}", lambda: posting.ship(
                warehouse=WAREHOUSE, customer="Bench Customer", product=SKU,
                serials=serials[2 * tenth:3 * tenth], user=user)),
            (f"reversal of the transfer ({tenth:,})", lambda: posting.reverse(
                number="TRF-000001", user=user, reason="bench")),
        ]
        rows = []
        for name, run in steps:
            spent.update(all=0.0, tally=0.0)
            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                run()
            wall = time.perf_counter() - started
            rows.append((name, wall, spent["all"], spent["tally"]))
        print(f"# unit counts' cost per posting — {backend.describe()}, {cpu_model()}\n")
        print("| posting | wall ms | SQL ms | counts' SQL ms | share of wall |")
        print("|---|---:|---:|---:|---:|")
        for name, wall, sql, tally in rows:
            print(f"| {name} | {wall * 1000:.0f} | {sql * 1000:.0f} | {tally * 1000:.1f} | "
                  f"{100 * tally / wall:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
