"""A recall over 100,000 affected units among 1,000,000: `python -m benchmarks.recalls`
(`--help` for the sizes and the database). Targets (issue 18): the report under 3 s, the hold
of everything still in stock under 10 s, on both databases.

One process on a fresh database (created and dropped here, like the main benchmark's): 1,000,000
units of one serial product received through `posting.receive` in ten lots of 100,000
(LOT-0 … LOT-9); of the recalled lot (LOT-3) 20,000 units are shipped to three customers and
5,000 held before the recall, the rest (75,000) stays in stock. Then, timed with the wall clock:

* create: `posting.create_recall(lot="LOT-3")` (resolves and stores the 100,000 units);
* report: `queries.recalls.recall_report` (counts by status, progress, the first 100 units, the
  customers) — what `serialtrack recall show`, the API and the page call;
* hold: `posting.hold_recall` (one adjustment holding the 75,000 still in stock);
* report again after the hold, and the customer notification list as CSV (every shipped
  serial, one row per customer)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks.common import SKU, WAREHOUSE, Backend, cpu_model, serial, setup_django

CUSTOMERS = ("Recall Customer A", "Recall Customer B", "Recall Customer C")
SUPPLIER = "Recall Supplier"


def seed(units: int, lots: int, shipped: int, held: int) -> dict[str, float]:
    from django.core.management import call_command

    from serialtrack import catalog, posting

    call_command("migrate", verbosity=0, interactive=False)
    catalog.create_product(SKU, "Benchmark device", "serial", warranty_days=365)
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    catalog.create_party(SUPPLIER, supplier=True)
    for name in CUSTOMERS:
        catalog.create_party(name, customer=True)
    user = posting.system_user("bench")
    per_lot = units // lots
    started = time.perf_counter()
    for k in range(lots):
        posting.receive(warehouse=WAREHOUSE, product=SKU, supplier=SUPPLIER, lot=f"LOT-{k}",
                        serials=[serial(n) for n in range(k * per_lot, (k + 1) * per_lot)],
                        user=user)
    received = time.perf_counter() - started
    first = 3 * per_lot  # LOT-3
    each = shipped // len(CUSTOMERS)
    for i, name in enumerate(CUSTOMERS):
        posting.ship(warehouse=WAREHOUSE, customer=name, product=SKU, user=user,
                     serials=[serial(n) for n in range(first + i * each, first + (i + 1) * each)])
    posting.hold(product=SKU, user=user, reason="suspect",
                 serials=[serial(n) for n in range(first + shipped, first + shipped + held)])
    return {"receive_s": round(received, 1), "shipped": each * len(CUSTOMERS)}


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def run(backend: Backend, units: int, lots: int, shipped: int, held: int) -> dict[str, Any]:
    with backend.fresh_database() as url:
        setup_django(url)
        seeded = seed(units, lots, shipped, held)
        backend.analyze(url)
        from django.db import connections

        from serialtrack import posting
        from serialtrack.queries.recalls import notification_csv, recall_report

        connections.close_all()
        user = posting.system_user("bench")
        doc, create_s = timed(posting.create_recall, lot="LOT-3", reason="bench", user=user)
        report, report_s = timed(recall_report, doc.number)
        hold, hold_s = timed(posting.hold_recall, number=doc.number, user=user)
        after, report_after_s = timed(recall_report, doc.number)
        csv, export_s = timed(notification_csv, doc.number)
        held_now = after["progress"]["held"]["units"]
        connections.close_all()
    return {
        "database": backend.describe(), "units": units, "affected":
        report["progress"]["found"]["units"], "in_stock_held": held_now - held,
        "held_before": held, **seeded,
        "create_s": round(create_s, 2), "report_s": round(report_s, 2),
        "hold_s": round(hold_s, 2), "report_after_hold_s": round(report_after_s, 2),
        "export_csv_s": round(export_s, 2), "export_rows": csv.count(b"\n") - 1,
        "hold_document": hold.number,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recalls", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--lots", type=int, default=10, help="lots received (one is recalled)")
    parser.add_argument("--shipped", type=int, default=20_000,
                        help="units of the recalled lot shipped to three customers")
    parser.add_argument("--held", type=int, default=5_000,
                        help="units of the recalled lot held before the recall")
    args = parser.parse_args(argv)
    backend = Backend(args.database)
    problem = backend.unreachable()
    if problem:
        print(f"{backend.label} unreachable: {problem}", file=sys.stderr)
        return 2
    result = run(backend, args.units, args.lots, args.shipped, args.held)
    result["cpu"] = cpu_model()
    verdict = {"report under 3 s": result["report_s"] < 3,
               "hold under 10 s": result["hold_s"] < 10}
    result["targets"] = {k: "PASS" if ok else "MISS" for k, ok in verdict.items()}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
