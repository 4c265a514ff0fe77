"""Expiry at the shipping door: an expired lot (or a unit of one) does not ship unless a manager
lets it go with a reason (kept in the history); picking by quantity skips expired stock; the
report of what expires within N days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from serialtrack import errors, posting, queries
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Movement, StockQuantity
from tests.helpers.posting import refused

PAST = dt.date(2020, 1, 1)


@pytest.fixture
def manager(db: Any) -> Any:
    return create_user("mgr", "manager", "correct horse battery")[0]


@pytest.fixture
def clerk(db: Any) -> Any:
    return create_user("clk", "clerk", "correct horse battery")[0]


def soon(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_shipping_an_expired_lot_is_refused_naming_the_lot_and_its_expiry(shop: dict, user: Any
                                                                          ) -> None:
    posting.receive(warehouse="WH1", product="SAL-1", quantity=10, lot="OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    exc = refused(errors.Expired, posting.ship, warehouse="WH1", customer="Customer A",
                  product="SAL-1", quantity=2, lot="OLD", user=user)
    assert [(p.code, p.field, p.extra) for p in exc.problems] == [
        ("expired", "lot", {"lot": "OLD", "expiry": "2020-01-01"})]
    assert exc.problems[0].message == "SAL-1 lot OLD expired 2020-01-01"


def test_a_serial_unit_of_an_expired_lot_is_refused_naming_serial_lot_and_expiry(
        shop: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=["E-1", "E-2"], lot="L-OLD",
                    expiry=PAST, supplier="Supplier S", user=user)
    posting.receive(warehouse="WH1", product="HT-1", serials=["OK-1"], lot="L-NEW",
                    expiry=soon(100), supplier="Supplier S", user=user)
    exc = refused(errors.Expired, posting.ship, warehouse="WH1", customer="Customer A",
                  product="HT-1", serials=["OK-1", "E-2", "E-1"], user=user)
    assert [(p.serial, p.extra) for p in exc.problems] == [
        ("E-2", {"lot": "L-OLD", "expiry": "2020-01-01"}),
        ("E-1", {"lot": "L-OLD", "expiry": "2020-01-01"})]
    assert exc.problems[0].message == "serial 'E-2' is of lot L-OLD, which expired 2020-01-01"
    posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=["OK-1"],
                 user=user)


def test_a_manager_overrides_with_a_reason_kept_in_the_history(shop: dict, user: Any,
                                                               manager: Any) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=["E-1"], lot="L-OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot="OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    doc = posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=["E-1"],
                       user=manager, allow_expired=True, reason="customer accepted short-dated")
    assert doc.reason == "customer accepted short-dated"
    last = queries.unit_history("E-1", "HT-1")["movements"][-1]
    assert (last["document"], last["to_status"], last["user"]) == (doc.number, "shipped", "mgr")
    assert last["note"] == ("override: expired E-1 shipped — customer accepted short-dated")
    lot_doc = posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=2,
                           user=manager, allow_expired=True, reason="for training use")
    move = Movement.objects.get(document=lot_doc)
    assert (move.lot.code, move.quantity, move.note) == (
        "OLD", 2, "override: expired stock allowed — for training use")


def test_a_clerks_override_is_refused_naming_the_role_needed(shop: dict, user: Any,
                                                             clerk: Any, manager: Any) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=["E-1"], lot="L-OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    exc = refused(errors.NotPermitted, posting.ship, warehouse="WH1", customer="Customer A",
                  product="HT-1", serials=["E-1"], user=clerk, allow_expired=True,
                  reason="please")
    assert exc.http_status == 403
    assert [(p.field, p.extra) for p in exc.problems] == [
        ("allow_expired", {"role_needed": "manager"})]
    assert exc.problems[0].message == "allow-expired needs the manager role; clk does not have it"
    exc = refused(errors.InvalidInput, posting.ship, warehouse="WH1", customer="Customer A",
                  product="HT-1", serials=["E-1"], user=manager, allow_expired=True)
    assert exc.problems[0].field == "reason"


def test_fefo_skips_expired_stock_and_says_when_only_expired_is_left(shop: dict, user: Any
                                                                     ) -> None:
    posting.receive(warehouse="WH1", product="SAL-1", quantity=10, lot="OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    posting.receive(warehouse="WH1", product="SAL-1", quantity=4, lot="GOOD", expiry=soon(30),
                    supplier="Supplier S", user=user)
    doc = posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=3,
                       user=user)
    assert [(m.lot.code, m.quantity) for m in Movement.objects.filter(document=doc)] == [
        ("GOOD", 3)]
    exc = refused(errors.InsufficientStock, posting.ship, warehouse="WH1", customer="Customer A",
                  product="SAL-1", quantity=5, user=user)
    assert exc.problems[0].message == "SAL-1: 5 requested, 1 on hand and 10 expired in WH1"
    posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=1, user=user)
    exc = refused(errors.Expired, posting.ship, warehouse="WH1", customer="Customer A",
                  product="SAL-1", quantity=1, user=user)
    assert exc.problems[0].message == ("SAL-1: 1 requested, only expired stock is left "
                                       "(10 expired) in WH1")
    assert StockQuantity.objects.get(lot__code="OLD").quantity == 10


def test_transfers_and_write_offs_still_move_expired_stock(shop: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="SAL-1", quantity=10, lot="OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    posting.transfer(source="WH1", destination="WH2", product="SAL-1", quantity=4, user=user)
    posting.scrap(product="SAL-1", warehouse="WH2", quantity=4, reason="expired", user=user)
    assert StockQuantity.objects.get(lot__code="OLD", location__warehouse__code="WH2"
                                     ).quantity == 0


def test_expiring_report_lists_units_and_lot_quantities_with_location(shop: dict, user: Any
                                                                      ) -> None:
    posting.receive(warehouse="WH1/A-01", product="HT-1", serials=["S-1"], lot="L-SOON",
                    expiry=soon(10), supplier="Supplier S", user=user)
    posting.receive(warehouse="WH1", product="HT-1", serials=["S-2"], lot="L-LATE",
                    expiry=soon(400), supplier="Supplier S", user=user)
    posting.receive(warehouse="WH2", product="SAL-1", quantity=7, lot="OLD", expiry=PAST,
                    supplier="Supplier S", user=user)
    posting.receive(warehouse="WH1", product="HT-1", serials=["S-3"], lot="L-SOON",
                    supplier="Supplier S", user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=["S-3"],
                 user=user)  # shipped: no longer ours to watch
    today = timezone.localdate()
    report = queries.expiring(30)
    assert report == {
        "today": today.isoformat(), "until": soon(30).isoformat(),
        "units": [{"product": "HT-1", "serial": "S-1", "lot": "L-SOON",
                   "expiry": soon(10).isoformat(), "days_left": 10, "expired": False,
                   "status": "in_stock", "location": "WH1/A-01"}],
        "quantities": [{"product": "SAL-1", "lot": "OLD", "expiry": "2020-01-01",
                        "days_left": (PAST - today).days, "expired": True, "quantity": 7,
                        "location": "WH2/MAIN"}],
    }
    assert queries.expiring(30, warehouse="WH1")["quantities"] == []
    assert queries.expiring(30, product="SAL-1")["units"] == []
    assert [u["serial"] for u in queries.expiring(500)["units"]] == ["S-1", "S-2"]
