"""The rules of DESIGN.md, one group per invariant, through the posting engine. Every refusal
is checked to change nothing (the full table snapshot is equal before and after)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import Movement, Unit
from tests.helpers.posting import SERIALS, receive, refused, ship

# 1. One unit, one serial ------------------------------------------------------------------------

def test_same_serial_on_two_products_is_two_units(shop: dict, user: Any) -> None:
    other = catalog.create_product("HT-2", "Other make", "serial")
    receive(user, ["A100"])
    receive(user, ["A100"], product="HT-2")
    assert Unit.objects.filter(serial="A100").count() == 2
    assert {u.product_id for u in Unit.objects.filter(serial="A100")} == {shop["ht"].pk, other.pk}


def test_serial_stored_as_received_trimmed(shop: dict, user: Any) -> None:
    receive(user, ["  Ab-1 ", "ab-1"])
    assert sorted(Unit.objects.values_list("serial", flat=True)) == ["Ab-1", "ab-1"]


def test_receiving_a_serial_twice_is_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.DuplicateSerial, receive, user, ["device-00122", "device-00999"])
    assert [p.serial for p in exc.problems] == ["device-00122"]
    assert "already exists" in exc.problems[0].message


def test_database_refuses_a_duplicate_unit_even_without_the_engine(shop: dict, user: Any) -> None:
    receive(user, ["A1"])
    unit = Unit.objects.get(serial="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(product=unit.product, serial="A1", status="in_stock",
                            location=unit.location, received_at=unit.received_at,
                            moved_at=unit.moved_at)


def test_serial_pattern_enforced_on_new_serials(shop: dict, user: Any) -> None:
    catalog.create_product("PAT", "Patterned", "serial", serial_pattern=r"SN\d{4}")
    exc = refused(errors.InvalidSerial, receive, user, ["SN0001", "SN01", "sn0002"], product="PAT")
    assert [p.serial for p in exc.problems] == ["SN01", "sn0002"]


# 2. Quantity equals serial count ------------------------------------------------------------------

def test_receipt_quantity_must_equal_serial_count(shop: dict, user: Any) -> None:
    exc = refused(errors.CountMismatch, receive, user, SERIALS, quantity=4)
    assert "quantity 4 but 5 serials" in exc.problems[0].message


def test_shipment_quantity_must_equal_serial_count(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.CountMismatch, ship, user, SERIALS[:2], quantity=3)
    assert exc.problems[0].field == "quantity"


def test_receipt_line_carries_exactly_its_serials(shop: dict, user: Any) -> None:
    doc = receive(user, SERIALS)
    line = doc.lines.get()
    assert line.quantity == 5
    assert Movement.objects.filter(line=line).count() == 5
    assert set(Movement.objects.filter(line=line).values_list("unit__serial", flat=True)) == set(SERIALS)


# 3. No serial, no move ---------------------------------------------------------------------------------

def test_ship_unknown_serial_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    exc = refused(errors.Refused, ship, user, ["device-00121", "nope-1"])
    assert [p.serial for p in exc.problems] == ["nope-1"]


def test_ship_from_another_warehouse_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS, warehouse="WH2")
    exc = refused(errors.SerialNotInStock, ship, user, ["device-00121"], warehouse="WH1")
    assert "WH2" in exc.problems[0].message and exc.problems[0].serial == "device-00121"


def test_ship_held_unit_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    posting.hold(product="HT-1", serials=["device-00122"], user=user, reason="QA")
    exc = refused(errors.SerialNotInStock, ship, user, ["device-00121", "device-00122"])
    assert [p.serial for p in exc.problems] == ["device-00122"]
    assert "on hold" in exc.problems[0].message


def test_ship_twice_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    first = ship(user, ["device-00123"])
    exc = refused(errors.SerialNotInStock, ship, user, ["device-00123"], customer="Customer B")
    assert first.number in exc.problems[0].message and "Customer A" in exc.problems[0].message


def test_every_state_change_is_a_movement_of_a_posted_document(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00123"])
    posting.receive_return(shipment=shp.number, serials=["device-00123"], disposition="repair",
                           user=user)
    posting.ship_back(product="HT-1", serials=["device-00123"], user=user)
    unit = Unit.objects.get(serial="device-00123")
    moves = list(Movement.objects.filter(unit=unit).order_by("id").select_related("document"))
    assert [(m.from_status, m.to_status) for m in moves] == [
        (None, "in_stock"), ("in_stock", "shipped"), ("shipped", "in_repair"),
        ("in_repair", "shipped")]
    assert all(m.document.status == "posted" and m.user_id == user.pk for m in moves)
    # The unit row holds the state the last movement left it in.
    assert unit.status == moves[-1].to_status and unit.last_document_id == moves[-1].document_id


# 4. Returns come back from where they went ------------------------------------------------------------

def test_return_of_serial_not_on_that_shipment_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    to_a = ship(user, ["device-00121"])
    ship(user, ["device-00122"], customer="Customer B")
    exc = refused(errors.NotOnShipment, posting.receive_return, shipment=to_a.number,
                  serials=["device-00122", "device-00125"], user=user)
    assert [p.serial for p in exc.problems] == ["device-00122", "device-00125"]
    assert to_a.number in exc.problems[0].message


def test_second_return_of_same_unit_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121", "device-00122"])
    ret = posting.receive_return(shipment=shp.number, serials=["device-00121"], user=user)
    exc = refused(errors.NotOnShipment, posting.receive_return, shipment=shp.number,
                  serials=["device-00121"], user=user)
    assert ret.number in exc.problems[0].message


def test_return_after_reshipment_must_name_the_new_shipment(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    first = ship(user, ["device-00121"])
    posting.receive_return(shipment=first.number, serials=["device-00121"], user=user)
    second = ship(user, ["device-00121"], customer="Customer B")
    refused(errors.NotOnShipment, posting.receive_return, shipment=first.number,
            serials=["device-00121"], user=user)
    ret = posting.receive_return(shipment=second.number, serials=["device-00121"], user=user)
    assert ret.party.name == "Customer B" and ret.related_id == second.pk


def test_return_dispositions(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, SERIALS[:4])
    posting.receive_return(
        shipment=shp.number, serials=SERIALS[:4], user=user,
        dispositions={SERIALS[0]: "restock", SERIALS[1]: "hold", SERIALS[2]: "repair",
                      SERIALS[3]: "scrap"})
    states = dict(Unit.objects.values_list("serial", "status"))
    assert [states[s] for s in SERIALS[:4]] == ["in_stock", "on_hold", "in_repair", "scrapped"]
    assert Unit.objects.get(serial=SERIALS[3]).location is None
    assert Unit.objects.get(serial=SERIALS[1]).holder is None


# 5. History is append-only ---------------------------------------------------------------------------

def test_ledger_rows_cannot_be_updated_or_deleted(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    for sql in ("UPDATE inventory_movement SET quantity = 2",
                "DELETE FROM inventory_movement"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    assert Movement.objects.filter(quantity=1).count() == 5


def test_reversal_adds_rows_and_keeps_the_original(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00123"])
    before = list(Movement.objects.order_by("id").values())
    rev = posting.reverse(number=shp.number, user=user)
    after = list(Movement.objects.order_by("id").values())
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    unit = Unit.objects.get(serial="device-00123")
    assert (unit.status, unit.holder, unit.warranty_start) == ("in_stock", None, None)
    assert rev.related_id == shp.pk


# 6. All or nothing ------------------------------------------------------------------------------------

def test_10000_serial_receipt_with_two_bad_serials_changes_nothing(shop: dict, user: Any) -> None:
    receive(user, ["SN-0000042"])
    serials = [f"SN-{n:07d}" for n in range(10_000)]
    serials[5_000] = serials[4_999]  # duplicated inside the receipt; SN-0000042 already in stock
    exc = refused(errors.Refused, receive, user, serials)
    assert sorted(p.serial for p in exc.problems) == ["SN-0000042", "SN-0004999"]
    assert {p.code for p in exc.problems} == {"duplicate_serial"}


def test_refusal_lists_every_offending_serial(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    posting.hold(product="HT-1", serials=["device-00121"], user=user)
    ship(user, ["device-00122"])
    exc = refused(errors.Refused, ship, user,
                  ["device-00121", "device-00122", "device-00123", "ghost", "device-00123"])
    assert sorted(p.serial for p in exc.problems) == ["device-00121", "device-00122",
                                                      "device-00123", "ghost"]


# 8. Tracking mode is a one-way door ------------------------------------------------------------------

def test_product_with_units_stays_serial_tracked(shop: dict, user: Any) -> None:
    receive(user, ["A1"])
    for mode in ("lot", "none"):
        exc = refused(errors.TrackingLocked, catalog.set_tracking, "HT-1", mode)
        assert "HT-1" in exc.problems[0].message


def test_product_becomes_serial_tracked_only_at_zero_stock(shop: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", quantity=3, user=user)
    refused(errors.TrackingLocked, catalog.set_tracking, "CBL-1", "serial")
    posting.scrap(product="CBL-1", quantity=3, warehouse="WH1", reason="count", user=user)
    assert catalog.set_tracking("CBL-1", "serial").tracking == "serial"


def test_serial_product_without_units_may_change(shop: dict, user: Any) -> None:
    assert catalog.set_tracking("HT-1", "lot").tracking == "lot"


def test_a_lost_race_is_retried_with_the_same_streamed_serials(shop: dict, user: Any,
                                                              monkeypatch: Any) -> None:
    """The CLI streams serials from a file; a retry after a lost race must see them all again."""
    from serialtrack.posting import receipts
    from serialtrack.posting.engine import RaceLost, retrying

    calls: list[int] = []
    real = receipts.receive

    def flaky(**kwargs: Any) -> Any:
        serials = list(kwargs["serials"])
        calls.append(len(serials))
        if len(calls) == 1:
            raise RaceLost("simulated deadlock")
        return real(**{**kwargs, "serials": serials})

    doc = retrying(flaky)(warehouse="WH1", product="HT-1", user=user,
                          serials=(s for s in ["R1", "R2", "R3"]))
    assert calls == [3, 3]
    assert doc.lines.get().quantity == 3
