"""The web pages' server time at size: `python -m benchmarks.pages [--units 1000000] [--orders
100000] [--repeat 20]` (docs/benchmarks.md, section "Web pages at size"). Targets: every page
under 100 ms server time at 1,000,000 units (issue 16); a purchase or sales order's page under
100 ms with 1,000,000 units and 100,000 orders stored (issue 17).

One process on a fresh database: SQLite (a temporary file, removed afterwards), or with
`--database postgresql` a PostgreSQL database created and dropped here:

* load: two serial products, one warehouse, 20 suppliers, 100 customers; `--units` units of
  BENCH-1 received through `posting.receive` in ten lots of a tenth each (LOT-0 … LOT-9, the
  last few hundred against purchase orders, below); `--orders` orders, half purchase and half
  sales, two lines each (BENCH-1 and BENCH-2), written with `bulk_create` (open, nothing
  delivered: the orders are the stored volume, not what is measured); then five more purchase
  and five more sales orders through `orders.create_order`, 40 units received against each
  purchase order and 20 shipped against each sales order through the service; `--shipped`
  units in all shipped to customers (the rest in ten plain shipments); a recall of LOT-3 (a
  tenth of the units); SQLite: `ANALYZE` and a write-ahead-log checkpoint (as `serve` does);
  PostgreSQL: `VACUUM ANALYZE` (what autovacuum would do after the load).
* measure: each page in-process with Django's test `Client`, signed in as a manager
  (`force_login`): the wall clock around `client.get` (middleware, view, queries, template;
  no network, no server), two warm-ups then `--repeat` timed requests, median and p95 in ms.
  A page slower than a second on its warm-ups is timed five times only (said in the table).
  The number of SQL statements of one request is counted apart (`CaptureQueriesContext`),
  its three slowest are logged (stderr), with `--explain` in full with the database's plan.
* then the assembly station's scan (issue 18): one component scan posted as the station's htmx
  request into an assembly draft, each a different BENCH-1 unit in stock, `--repeat` times."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from benchmarks.common import (
    PG_ADMIN_URL,
    SKU,
    WAREHOUSE,
    Backend,
    cpu_model,
    percentile,
    serial,
    setup_django,
)

SKU2 = "BENCH-2"
SUPPLIERS = tuple(f"Supplier {k:02d}" for k in range(1, 21))
CUSTOMERS = tuple(f"Customer {k:03d}" for k in range(1, 101))
MANAGER = "bench-manager"
LOTS = 10
REAL_ORDERS = 5  # purchase and sales orders each, with postings against them
PER_PO = 40  # units received against each real purchase order
PER_SO = 20  # units shipped against each real sales order
TARGET_MS = 100.0
SLOW_WARMUP_S = 1.0
SLOW_REPEAT = 5
EXPLAIN_FROM_S = 0.02  # --explain: the plans of statements slower than this


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def seed(units: int, n_orders: int, shipped: int) -> dict[str, Any]:
    """Load the database; return what the pages are measured on."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from serialtrack import catalog, orders, posting
    from serialtrack.accounts.services import create_user
    from serialtrack.inventory.models import Counter, Order, OrderLine, Party, Product

    call_command("migrate", verbosity=0, interactive=False)
    catalog.create_product(SKU, "Benchmark device", "serial", warranty_days=365)
    catalog.create_product(SKU2, "Benchmark accessory", "serial")
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    for name in SUPPLIERS:
        catalog.create_party(name, supplier=True)
    for name in CUSTOMERS:
        catalog.create_party(name, customer=True)
    user = posting.system_user("bench")
    manager, _ = create_user(MANAGER, "manager", password="bench-manager-password-1")
    timings: dict[str, float] = {}

    # 1. the units, in ten receipts (the last PER_PO × REAL_ORDERS come against POs, below)
    by_order = PER_PO * REAL_ORDERS
    plain = units - by_order
    per_lot = plain // LOTS
    started = time.perf_counter()
    receipts = []
    for k in range(LOTS):
        end = plain if k == LOTS - 1 else (k + 1) * per_lot
        doc = posting.receive(warehouse=WAREHOUSE, product=SKU, supplier=SUPPLIERS[k],
                              lot=f"LOT-{k}", cost=Decimal("129.99"), user=user,
                              serials=[serial(n) for n in range(k * per_lot + 1, end + 1)])
        receipts.append(doc.number)
        log(f"receipt {k + 1}/{LOTS} {doc.number}: {end - k * per_lot:,} units")
    timings["receipts_s"] = time.perf_counter() - started

    # 2. the stored orders, bulk-written (open, two lines, nothing delivered)
    started = time.perf_counter()
    parties = {p.name: p.pk for p in Party.objects.all()}
    products = dict(Product.objects.values_list("sku", "pk"))
    bulk = {"purchase": n_orders // 2 - REAL_ORDERS, "sale": n_orders - n_orders // 2 - REAL_ORDERS}
    rng = random.Random(20261207)
    with transaction.atomic():
        for kind, count in bulk.items():
            prefix, names = ("PO", SUPPLIERS) if kind == "purchase" else ("SO", CUSTOMERS)
            Order.objects.bulk_create(
                [Order(kind=kind, number=f"{prefix}-{n:06d}", party_id=parties[names[n % len(names)]],
                       status="open", reference=f"bulk {n}", created_by_id=user.pk)
                 for n in range(1, count + 1)], batch_size=5000)
            Counter.objects.update_or_create(name=f"order:{kind}", defaults={"value": count})
        ids = list(Order.objects.values_list("pk", flat=True))
        OrderLine.objects.bulk_create(
            [OrderLine(order_id=pk, line_no=no, product_id=products[sku],
                       quantity=rng.randint(1, 200), unit_price=Decimal("99.5000"))
             for pk in ids for no, sku in ((1, SKU), (2, SKU2))], batch_size=5000)
    timings["bulk_orders_s"] = time.perf_counter() - started
    log(f"{len(ids):,} orders bulk-written in {timings['bulk_orders_s']:.1f} s")

    # 3. real orders with postings against them
    started = time.perf_counter()
    lines = [orders.LineIn(SKU, 50, Decimal("129.99")), orders.LineIn(SKU2, 50, Decimal("19.99"))]
    pos, sos, order_receipts, order_shipments = [], [], [], []
    next_serial = plain + 1
    for k in range(REAL_ORDERS):
        po = orders.create_order(kind="purchase", party=SUPPLIERS[k], lines=lines, user=user)
        doc = posting.receive(warehouse=WAREHOUSE, product=SKU, supplier=SUPPLIERS[k], user=user,
                              lot="LOT-PO", order=po.number,
                              serials=[serial(n) for n in range(next_serial, next_serial + PER_PO)])
        next_serial += PER_PO
        pos.append(po.number)
        order_receipts.append(doc.number)
    ship_next = 1  # ship from the oldest units (LOT-0)
    for k in range(REAL_ORDERS):
        so = orders.create_order(kind="sale", party=CUSTOMERS[k], lines=lines, user=user)
        doc = posting.ship(warehouse=WAREHOUSE, product=SKU, customer=CUSTOMERS[k], user=user,
                           order=so.number,
                           serials=[serial(n) for n in range(ship_next, ship_next + PER_SO)])
        ship_next += PER_SO
        sos.append(so.number)
        order_shipments.append(doc.number)
    rest = shipped - PER_SO * REAL_ORDERS
    for k in range(10):
        count = rest // 10 if k < 9 else rest - 9 * (rest // 10)
        posting.ship(warehouse=WAREHOUSE, product=SKU, customer=CUSTOMERS[10 + k], user=user,
                     serials=[serial(n) for n in range(ship_next, ship_next + count)])
        ship_next += count
    timings["order_postings_and_shipments_s"] = time.perf_counter() - started
    log(f"real orders, receipts and {shipped:,} shipped in "
        f"{timings['order_postings_and_shipments_s']:.1f} s")

    started = time.perf_counter()
    recall = posting.create_recall(lot="LOT-3", reason="bench", user=user)
    timings["recall_s"] = time.perf_counter() - started
    log(f"recall {recall.number} in {timings['recall_s']:.1f} s")

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # what autovacuum would do after the load (it is off on these machines)
            cursor.execute("VACUUM ANALYZE")
    return {
        "manager": manager, "timings": timings, "first_receipt": receipts[0],
        "last_receipt": receipts[-1],
        "large_receipt_units": per_lot, "small_shipment": order_shipments[-1],
        "po": pos[-1], "so": sos[-1], "shipped_unit": serial(1), "orders": len(ids) + 2 * REAL_ORDERS,
    }


def pages(seeded: dict[str, Any], units: int, rng: random.Random
          ) -> list[tuple[str, Callable[[], str], str]]:
    """(name, the next path, issue) of every page measured."""
    def fixed(path: str) -> Callable[[], str]:
        return lambda: path

    def exact() -> str:
        return f"/search?q={serial(rng.randint(1, units))}"

    def prefix() -> str:
        return f"/search?q={serial(rng.randint(1, units))[:-1]}"

    return [
        ("Home `/`", fixed("/"), "16"),
        (f"unit page (a shipped unit, {seeded['shipped_unit']})",
         fixed(f"/units/{SKU}/{seeded['shipped_unit']}"), "16"),
        (f"document: first receipt ({seeded['large_receipt_units']:,} units)",
         fixed(f"/documents/{seeded['first_receipt']}"), "16"),
        (f"document: tenth receipt ({seeded['large_receipt_units']:,} units)",
         fixed(f"/documents/{seeded['last_receipt']}"), "16"),
        (f"document: shipment of {PER_SO} units against an SO",
         fixed(f"/documents/{seeded['small_shipment']}"), "16"),
        ("`/report/` (in stock)", fixed("/report/"), "16"),
        ("`/search?q=` exact serial (302 to the unit)", exact, "16"),
        ("`/search?q=` serial prefix (10 hits)", prefix, "16"),
        ("`/purchase-orders/`", fixed("/purchase-orders/"), "17"),
        ("`/purchase-orders/<number>` (with a receipt)", fixed(f"/purchase-orders/{seeded['po']}"),
         "17"),
        ("`/sales-orders/`", fixed("/sales-orders/"), "17"),
        ("`/sales-orders/<number>` (with a shipment, pick list)",
         fixed(f"/sales-orders/{seeded['so']}"), "17"),
        ("`/recalls/` (one recall of a tenth of the units)", fixed("/recalls/"), "16"),
        ("`/valuation/`", fixed("/valuation/"), "16"),
        ("`/setup/products/`", fixed("/setup/products/"), "16"),
        ("`/setup/parties/` (120 parties)", fixed("/setup/parties/"), "16"),
    ]


def measure(seeded: dict[str, Any], units: int, repeat: int, explain: bool = False
            ) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(seeded["manager"])
    rng = random.Random(20261208)
    rows = []
    for name, next_path, issue in pages(seeded, units, rng):
        warm = []
        for _ in range(2):
            began = time.perf_counter()
            response = client.get(next_path())
            warm.append(time.perf_counter() - began)
            if response.status_code not in (200, 302):
                raise SystemExit(f"{name}: {next_path()} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(next_path())
        statements = len(captured)  # read now: each request's start empties the log
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
        size = len(response.content)
        count = repeat if max(warm) < SLOW_WARMUP_S else SLOW_REPEAT
        times = []
        for _ in range(count):
            path = next_path()
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        row = {"page": name, "status": response.status_code, "queries": statements,
               "bytes": size, "n": count, "median_ms": statistics.median(times),
               "p95_ms": percentile(times, 95), "issue": issue}
        row["verdict"] = "PASS" if row["median_ms"] < TARGET_MS else "MISS"
        log(f"{name}: median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms "
            f"({statements} queries)")
        for q in slowest:
            log(f"    {float(q['time']) * 1000:.1f} ms: {q['sql'][:400]}")
            if explain and float(q["time"]) >= EXPLAIN_FROM_S:
                log(f"    full statement: {q['sql']}")
                sqlite = connection.vendor == "sqlite"
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN {'QUERY PLAN ' if sqlite else ''}{q['sql']}")
                    for step in cursor.fetchall():
                        log(f"      plan: {step[-1]}")
        rows.append(row)
    return rows


def measure_assembly_scans(seeded: dict[str, Any], repeat: int) -> dict[str, Any]:
    """The assembly station's hot path: one component scan (the htmx POST a scanner's Enter
    sends) into an assembly draft of BENCH-2, each a unit of BENCH-1 in stock, judged by a dry
    run of `assemble` (rolled back) and kept. Two warm-ups, then `repeat` timed scans."""
    from django.db import connection
    from django.test import Client

    from serialtrack.inventory.models import Unit
    from serialtrack.posting import drafts

    client = Client()
    client.force_login(seeded["manager"])
    draft = drafts.create_draft(kind="assembly", operation="assemble", user=seeded["manager"],
                                product=SKU2, warehouse=WAREHOUSE, assembly="BENCH-ASM-1")
    parts = list(Unit.objects.filter(product__sku=SKU, status="in_stock")
                 .order_by("-id").values_list("serial", flat=True)[:repeat + 3])
    url = f"/drafts/{draft.pk}/scan"

    def scan(serial: str) -> Any:
        response = client.post(url, {"serial": serial}, HTTP_HX_REQUEST="true")
        if b'data-verdict="accepted"' not in response.content:
            raise SystemExit(f"assembly scan {serial}: not accepted: {response.content[:300]!r}")
        return response

    for part in parts[:2]:
        scan(part)
    # counted and timed by a wrapper: the request's start empties Django's query log
    statements: list[tuple[float, str]] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - began, sql))

    with connection.execute_wrapper(counted):
        scan(parts[2])
    for took, sql in sorted(statements, reverse=True)[:3]:
        log(f"    {took * 1000:.1f} ms: {sql[:400]}")
    times = []
    for part in parts[3:3 + repeat]:
        began = time.perf_counter()
        scan(part)
        times.append((time.perf_counter() - began) * 1000)
    row = {"page": "assembly station: one component scan (POST, htmx)", "status": 200,
           "queries": len(statements), "bytes": 0, "n": len(times),
           "median_ms": statistics.median(times), "p95_ms": percentile(times, 95),
           "issue": "18"}
    row["verdict"] = "PASS" if row["median_ms"] < TARGET_MS else "MISS"
    log(f"{row['page']}: median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms "
        f"({row['queries']} queries)")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=100_000,
                        help="orders stored, half purchase and half sales, two lines each")
    parser.add_argument("--shipped", type=int, default=3_000, help="units shipped to customers")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--explain", action="store_true",
                        help="log the full SQL and the plan of every statement over 20 ms")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin-url", default=os.environ.get("SERIALTRACK_BENCH_PG",
                                                                 PG_ADMIN_URL),
                        help="PostgreSQL maintenance database to create/drop st_bench_* from")
    args = parser.parse_args(argv)
    if args.units < 10 * LOTS + PER_PO * REAL_ORDERS + args.shipped or args.orders < 4 * REAL_ORDERS:
        parser.error("too few units or orders for the shapes loaded")
    backend = Backend(args.database, args.pg_admin_url)
    with backend.fresh_database() as url:
        setup_django(url)
        started = time.perf_counter()
        seeded = seed(args.units, args.orders, args.shipped)
        load_s = time.perf_counter() - started
        from django.db import connections

        connections.close_all()
        rows = measure(seeded, args.units, args.repeat, args.explain)
        rows.append(measure_assembly_scans(seeded, args.repeat))
        connections.close_all()
    print(f"# web pages at {args.units:,} units and {seeded['orders']:,} orders — "
          f"{backend.describe()}, {cpu_model()}")
    print(f"load {load_s:.0f} s (" + ", ".join(f"{k} {v:.1f}" for k, v in
                                          seeded["timings"].items()) + ")\n")
    print("| page | issue | status | SQL statements | median ms | p95 ms | target | verdict |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        n = "" if r["n"] == args.repeat else f" (n={r['n']})"
        print(f"| {r['page']} | {r['issue']} | {r['status']} | {r['queries']} | "
              f"{r['median_ms']:.1f}{n} | {r['p95_ms']:.1f} | < {TARGET_MS:.0f} ms | "
              f"{r['verdict']} |")
    return 1 if any(r["verdict"] == "MISS" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
