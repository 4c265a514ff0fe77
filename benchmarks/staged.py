"""What analyzing a staged serial list is worth on SQLite: `python -m benchmarks.staged
[--units 1000000] [--rounds 10]` (docs/benchmarks.md, section "The assembly station, and staged
lists analyzed on SQLite").

One process on a fresh SQLite database loaded as `benchmarks.pages` loads it (`--units` units,
1,000 orders). Then `--rounds` rounds of a one-serial receipt followed by the shipment of that
serial, each round twice: with `posting.engine.bulk_load` as it is (the staged list analyzed
after loading) and with the list loaded but not analyzed (as before commit 10238a2). Each
posting runs on a new connection, so no earlier statistics of the temporary tables remain.
Wall time per posting through the service layer, median and fastest."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from benchmarks import pages
from benchmarks.common import SKU, WAREHOUSE, Backend, cpu_model, setup_django


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.staged", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    backend = Backend("sqlite", "")
    with backend.fresh_database() as url:
        setup_django(url)
        seeded = pages.seed(args.units, 1000, 3000)
        from django.db import connections

        from serialtrack import posting
        from serialtrack.posting import engine

        analyzed = engine.bulk_load

        def not_analyzed(cursor: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
            marks = ", ".join(["?"] * len(columns))
            cursor.cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

        user = seeded["manager"]
        times: dict[tuple[str, str], list[float]] = {}
        number = 0
        try:
            for _ in range(args.rounds):
                for mode, load in (("analyzed", analyzed), ("not analyzed", not_analyzed)):
                    engine.bulk_load = load  # type: ignore[assignment]
                    number += 1
                    one = f"ONE-{number:05d}"
                    for kind, post in (
                            ("receipt", lambda s=one: posting.receive(
                                warehouse=WAREHOUSE, product=SKU, supplier=pages.SUPPLIERS[0],
                                serials=[s], user=user)),
                            ("shipment", lambda s=one: posting.ship(
                                warehouse=WAREHOUSE, customer=pages.CUSTOMERS[0], product=SKU,
                                serials=[s], user=user))):
                        connections.close_all()
                        began = time.perf_counter()
                        post()
                        times.setdefault((kind, mode), []).append(
                            (time.perf_counter() - began) * 1000)
        finally:
            engine.bulk_load = analyzed  # type: ignore[assignment]
    print(f"# one-serial postings at {args.units:,} units — {backend.describe()}, {cpu_model()}\n")
    print("| posting (one serial) | staged list | median ms | fastest ms |")
    print("|---|---|---:|---:|")
    for (kind, mode), spent in sorted(times.items()):
        print(f"| {kind} | {mode} | {statistics.median(spent):.1f} | {min(spent):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
