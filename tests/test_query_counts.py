"""A lookup stays a constant number of queries at any size: an accidental N+1 fails here the day
it is written (pinned like NetBox's query_counts)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from serialtrack import posting, queries
from tests.test_invariants import receive, ship

PINNED = {"unit_history": 3, "warranty": 3, "find_unit": 1, "stock_on_hand": 1,
          "out_of_storage": 1}


def count(fn: Any, *args: Any, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(*args, **kwargs)
    return len(ctx.captured_queries)


def measure() -> dict[str, int]:
    return {
        "unit_history": count(queries.unit_history, "S-1"),
        "warranty": count(queries.warranty, "S-1"),
        "find_unit": count(queries.find_unit, "S-1"),
        "stock_on_hand": count(queries.stock_on_hand),
        "out_of_storage": count(queries.out_of_storage),
    }


def busy_unit(user: Any, serial: str, cycles: int) -> None:
    """Ship and take back `serial` `cycles` times: its history grows, its lookups must not."""
    for _ in range(cycles):
        shp = ship(user, [serial])
        posting.receive_return(shipment=shp.number, serials=[serial], user=user)


def test_lookups_do_not_grow_with_history_or_stock(shop: dict, user: Any) -> None:
    receive(user, ["S-1", "S-2"])
    busy_unit(user, "S-1", 1)
    small = measure()
    receive(user, [f"X-{n}" for n in range(300)], warehouse="WH2")
    ship(user, [f"X-{n}" for n in range(100)], warehouse="WH2")
    busy_unit(user, "S-1", 6)
    large = measure()
    assert small == large == PINNED
