"""The ledger's unit counts (`UnitCount`) against a GROUP BY of the units themselves."""

from __future__ import annotations

from django.db.models import Count

from serialtrack.inventory.models import Unit, UnitCount


def counted() -> dict[tuple[int, int, str], int]:
    """(location id, product id, status) → units, from the units."""
    rows = (Unit.objects.filter(location__isnull=False).order_by()
            .values_list("location_id", "product_id", "status").annotate(n=Count("id")))
    return {(loc, prod, status): n for loc, prod, status, n in rows}


def tallied() -> dict[tuple[int, int, str], int]:
    """The same, from the ledger's counts (rows at 0 left out)."""
    rows = UnitCount.objects.filter(units__gt=0).values_list(
        "location_id", "product_id", "status", "units")
    return {(loc, prod, status): n for loc, prod, status, n in rows}


def assert_counts_agree() -> None:
    assert tallied() == counted(), "the unit counts (UnitCount) disagree with the units"


GROUPS = ("SELECT location_id, product_id, status, COUNT(*) FROM inventory_unit "
          "WHERE location_id IS NOT NULL GROUP BY location_id, product_id, status")
COUNTS = ("SELECT location_id, product_id, status, units FROM inventory_unitcount "
          "WHERE units > 0")


def assert_counts_agree_at(url: str) -> None:
    """`assert_counts_agree` on the database at `url` (one a subprocess wrote)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            counted, tallied = (sorted(con.execute(sql).fetchall()) for sql in (GROUPS, COUNTS))
        finally:
            con.close()
    else:
        import psycopg

        with psycopg.connect(url) as pg:
            counted, tallied = (sorted(tuple(r) for r in pg.execute(sql).fetchall())
                                for sql in (GROUPS, COUNTS))
    assert tallied == counted, "the unit counts (UnitCount) disagree with the units"
