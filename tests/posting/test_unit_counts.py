"""The stock report's counts per (bin, product, status) (`UnitCount`, issue 16): kept by the
ledger as units arrive and move, equal to a GROUP BY of the units after every kind of posting
(also checked after every test on the in-process database, tests/conftest.py), read by the
report; the migration's fill gives an upgraded database the same counts."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest
from django.db import connection

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import UnitCount
from serialtrack.queries.stock import stock_on_hand
from tests.helpers.posting import SERIALS, receive, refused, ship
from tests.helpers.tally import assert_counts_agree, counted, tallied


def _report() -> list[tuple[str, str, str, str, int]]:
    return [(g["warehouse"], g["bin"], g["product"], g["status"], g["count"])
            for g in stock_on_hand(first=1)]


def _check() -> None:
    assert_counts_agree()
    # the report's counts (from the tally) are those of the full list (counted from the units)
    assert _report() == [(g["warehouse"], g["bin"], g["product"], g["status"], g["count"])
                         for g in stock_on_hand()]


def test_counts_follow_every_kind_of_posting(shop: dict, user: Any) -> None:
    first = receive(user, SERIALS)
    _check()
    assert _report() == [("WH1", "MAIN", "HT-1", "in_stock", 5)]
    second = receive(user, ["X-1", "X-2"], warehouse="WH2")
    _check()
    moved = posting.transfer(source="WH1", destination="WH1/A-01", product="HT-1",
                             serials=SERIALS[:2], user=user)
    _check()
    assert ("WH1", "A-01", "HT-1", "in_stock", 2) in _report()
    posting.hold(product="HT-1", serials=[SERIALS[2]], user=user, reason="check")
    _check()
    posting.release(product="HT-1", serials=[SERIALS[2]], user=user)
    posting.start_repair(product="HT-1", serials=[SERIALS[3]], user=user)
    _check()
    assert ("WH1", "MAIN", "HT-1", "in_repair", 1) in _report()
    posting.repair_done(product="HT-1", serials=[SERIALS[3]], user=user)
    _check()
    shipment = ship(user, [SERIALS[3], SERIALS[4]])
    _check()
    posting.receive_return(shipment=shipment.number, serials=[SERIALS[4]], warehouse="WH2",
                           user=user)
    _check()
    posting.scrap(product="HT-1", serials=[SERIALS[2]], reason="water damage", user=user)
    _check()
    posting.correct_serial(product="HT-1", old="X-1", new="X-01", reason="typo", user=user)
    _check()
    # reversals: a move put back, a receipt voided
    posting.reverse(number=moved.number, user=user, reason="wrong bin")
    _check()
    assert ("WH1", "A-01", "HT-1", "in_stock", 2) not in _report()
    posting.reverse(number=second.number, user=user, reason="never came")
    _check()
    assert not [g for g in _report() if g[0] == "WH2" and g[2] == "HT-1" and g[3] != "in_stock"]
    posting.return_to_supplier(receipt=first.number, reason="dead on arrival",
                               serials=[SERIALS[0]], user=user)
    _check()
    # receiving a voided serial again brings the unit back (and counts it again)
    receive(user, ["X-2"], warehouse="WH2")
    _check()


def test_counts_follow_assemblies_and_parts(shop: dict, user: Any) -> None:
    for sku in ("BIKE", "FRAME", "WHEEL", "BELL"):
        catalog.create_product(sku, sku.title(), "serial")
    for sku, serials in (("FRAME", ["FR-1"]), ("WHEEL", ["WH-1", "WH-2", "WH-3"]),
                         ("BELL", ["BL-1"])):
        posting.receive(warehouse="WH1", product=sku, supplier="Supplier S", serials=serials,
                        cost=Decimal("10"), user=user)
    posting.assemble(product="BIKE", serial="BK-1", warehouse="WH1",
                     serials=["FR-1", "WH-1", "WH-2"], user=user)
    _check()
    assert ("WH1", "MAIN", "BIKE", "in_stock", 1) in _report()
    assert ("WH1", "MAIN", "WHEEL", "in_stock", 1) in _report()
    start = posting.start_repair(product="BIKE", serials=["BK-1"], user=user)
    posting.install_parts(repair=start.number, serials=["BL-1"], product="BELL", user=user)
    _check()
    posting.remove_parts(repair="BK-1", serials=["WH-2"], scrap=True, reason="bent", user=user)
    posting.remove_parts(repair=start.number, serials=["BL-1"], to="WH1/A-01", user=user)
    _check()
    posting.repair_done(product="BIKE", serials=["BK-1"], user=user)
    posting.disassemble(serial="BK-1", to="WH1/A-01", user=user)
    _check()
    assert ("WH1", "A-01", "FRAME", "in_stock", 1) in _report()


def test_a_refused_posting_changes_no_count(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    before = tallied()
    refused(errors.Refused, ship, user, [SERIALS[0], "nope-1"])
    assert tallied() == before
    _check()


def test_a_count_gone_to_zero_is_no_group(shop: dict, user: Any) -> None:
    receive(user, SERIALS[:1])
    ship(user, SERIALS[:1])
    assert _report() == []
    assert list(UnitCount.objects.values_list("units", flat=True)) == [0]


def test_the_checker_sees_a_count_that_drifted(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    UnitCount.objects.update(units=4)
    with pytest.raises(AssertionError, match="disagree"):
        assert_counts_agree()
    UnitCount.objects.update(units=5)


def test_the_migration_fills_the_counts_from_the_units(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    receive(user, ["X-1", "X-2"], warehouse="WH2")
    ship(user, SERIALS[:1])
    expected = counted()
    UnitCount.objects.all().delete()
    fill = import_module("serialtrack.inventory.migrations.0023_tally").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert tallied() == expected
