"""Bad input: each refused with a message naming the thing, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from serialtrack import catalog, errors, posting
from tests.helpers.posting import SERIALS, receive, refused, ship


@pytest.mark.parametrize(
    ("serial", "needle"),
    [("", "empty serial"), ("AB\tCD", "U+0009"), ("AB\x07CD", "U+0007"), ("Z" * 129, "129 characters")],
)
def test_bad_serial_in_receipt(shop: dict, user: Any, serial: str, needle: str) -> None:
    exc = refused(errors.InvalidSerial, receive, user, ["GOOD-1", serial])
    assert len(exc.problems) == 1 and needle in exc.problems[0].message


def test_serial_failing_pattern(shop: dict, user: Any) -> None:
    catalog.create_product("IMEI", "Phone", "serial", serial_pattern=r"\d{15}")
    exc = refused(errors.InvalidSerial, receive, user, ["35693803564380", "356938035643809"],
                  product="IMEI")
    assert exc.problems[0].serial == "35693803564380" and r"\d{15}" in exc.problems[0].message


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"product": "NOPE"}, "unknown product 'NOPE'"),
        ({"warehouse": "WH9"}, "unknown warehouse 'WH9'"),
        ({"warehouse": "WH1/Z-99"}, "unknown bin 'WH1/Z-99'"),
        ({"supplier": "Nobody Ltd"}, "unknown supplier 'Nobody Ltd'"),
        ({"supplier": "Customer A"}, "'Customer A' is not a supplier"),
    ],
)
def test_unknown_references_in_receipt(shop: dict, user: Any, kwargs: dict, needle: str) -> None:
    args = {"warehouse": "WH1", "product": "HT-1", "supplier": "Supplier S", **kwargs}
    exc = refused(errors.Refused, posting.receive, serials=["X1"], user=user, **args)
    assert needle in exc.problems[0].message


def test_unknown_customer(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.NotFound, ship, user, ["device-00121"], customer="Mystery Corp")
    assert "unknown customer 'Mystery Corp'" in exc.problems[0].message


def test_unknown_shipment_number(shop: dict, user: Any) -> None:
    exc = refused(errors.NotFound, posting.receive_return, shipment="SHP-999999",
                  serials=["device-00121"], user=user)
    assert "SHP-999999" in exc.problems[0].message


def test_receipt_number_is_not_a_shipment(shop: dict, user: Any) -> None:
    rcv = receive(user, SERIALS)
    exc = refused(errors.NotFound, posting.receive_return, shipment=rcv.number,
                  serials=["device-00121"], user=user)
    assert f"{rcv.number} is not a posted shipment" in exc.problems[0].message


def test_return_not_on_shipment_and_second_return(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121"])
    refused(errors.NotOnShipment, posting.receive_return, shipment=shp.number,
            serials=["device-00124"], user=user)
    posting.receive_return(shipment=shp.number, serials=["device-00121"], user=user)
    exc = refused(errors.NotOnShipment, posting.receive_return, shipment=shp.number,
                  serials=["device-00121"], user=user)
    assert "already came back" in exc.problems[0].message


def test_unknown_disposition(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121"])
    exc = refused(errors.InvalidInput, posting.receive_return, shipment=shp.number,
                  serials=["device-00121"], disposition="burn", user=user)
    assert "'burn'" in exc.problems[0].message


def test_ship_held_or_elsewhere(shop: dict, user: Any) -> None:
    receive(user, SERIALS[:3])
    receive(user, SERIALS[3:], warehouse="WH2")
    posting.hold(product="HT-1", serials=[SERIALS[0]], user=user)
    exc = refused(errors.SerialNotInStock, ship, user, [SERIALS[0], SERIALS[1], SERIALS[3]])
    by_serial = {p.serial: p.message for p in exc.problems}
    assert set(by_serial) == {SERIALS[0], SERIALS[3]}
    assert "on hold" in by_serial[SERIALS[0]] and "WH2" in by_serial[SERIALS[3]]


def test_ship_more_of_a_lot_than_on_hand(shop: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot="L1", user=user)
    exc = refused(errors.InsufficientStock, posting.ship, warehouse="WH1", customer="Customer A",
                  product="SAL-1", quantity=6, lot="L1", user=user)
    assert "SAL-1 lot L1: 6 requested, 5 on hand" in exc.problems[0].message


def test_switch_serial_product_with_units_away(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.TrackingLocked, catalog.set_tracking, "HT-1", "none")
    assert "HT-1" in exc.problems[0].message


def test_bad_product_definitions(shop: dict) -> None:
    with pytest.raises(errors.Refused) as exc:
        catalog.create_product("G", "bad gtin", "serial", gtin="4006381333932")
    assert "check digit" in exc.value.problems[0].message
    with pytest.raises(errors.Refused) as exc:
        catalog.create_product("R", "bad regex", "serial", serial_pattern="([a-z")
    assert "serial pattern" in exc.value.problems[0].message
    with pytest.raises(errors.Refused):
        catalog.create_product("HT-1", "again", "serial")
    with pytest.raises(errors.Refused):
        catalog.create_product("T", "tracking", "bulk")
    good = catalog.create_product("G2", "good gtin", "serial", gtin="4006381333931")
    assert good.gtin == "04006381333931"


def test_write_off_needs_a_reason(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.InvalidInput, posting.scrap, product="HT-1", serials=["device-00121"],
                  reason=" ", user=user)
    assert exc.problems[0].field == "reason"


@pytest.mark.parametrize("quantity", [10**12 + 1, 10**20])
def test_a_quantity_beyond_what_a_line_can_move(shop: dict, user: Any, quantity: int) -> None:
    """A number too large for the ledger is refused naming the quantity, not a database error
    (the web form once answered 500 for 99999999999999999999)."""
    exc = refused(errors.InvalidInput, posting.receive, warehouse="WH1", product="CBL-1",
                  quantity=quantity, user=user)
    assert exc.problems[0].field == "quantity" and "more than one line can move" in exc.problems[0].message


@pytest.mark.parametrize("expected", [0, 2**31, 10**20])
def test_a_draft_expecting_an_impossible_count(shop: dict, user: Any, expected: int) -> None:
    from serialtrack.posting import drafts

    exc = refused(errors.InvalidInput, drafts.create_draft, kind="receipt", user=user,
                  product="HT-1", warehouse="WH1", expected_quantity=expected)
    assert exc.problems[0].field == "expected_quantity"


def test_the_web_forms_refuse_huge_numbers_naming_the_field(shop: dict, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user
    from tests.helpers.web import PASSWORD

    clerk, _ = create_user("carl", "clerk", PASSWORD)
    client = Client()
    client.force_login(clerk)
    huge = "99999999999999999999"
    page = client.post("/quantities/receive/", {"warehouse": "WH1", "product": "CBL-1",
                                                "quantity": huge, "action": "post"})
    assert page.status_code == 422 and "more than one line can move" in page.content.decode()
    start = client.post("/receive/", {"warehouse": "WH1", "product": "HT-1",
                                      "expected_quantity": huge})
    assert start.status_code == 422 and "expected quantity" in start.content.decode()
