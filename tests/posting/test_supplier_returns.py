"""Returns to supplier: units go back against the receipt they came on (and only those), the
supplier's replacement comes back against the return (same serial or a new one, linked), and
the credit expected, replaced and received adds up in the awaiting-credit report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import (
    Movement,
    StockQuantity,
    SupplierReplacement,
    Unit,
)
from serialtrack.queries.supplier_returns import supplier_returns
from tests.helpers.posting import receive, refused, ship


def rts(user: Any, receipt: str, serials: list[str], **kw: Any) -> Any:
    return posting.return_to_supplier(receipt=receipt, reason=kw.pop("reason", "dead on arrival"),
                                      serials=serials, user=user, **kw)


def unit(serial: str, sku: str = "HT-1") -> Unit:
    return Unit.objects.select_related("holder", "location").get(product__sku=sku, serial=serial)


@pytest.fixture
def two_suppliers(shop: dict, user: Any) -> dict[str, Any]:
    catalog.create_party("Other Supplier", supplier=True)
    first = receive(user, ["A-1", "A-2", "A-3"], cost=Decimal("100.00"))
    other = posting.receive(warehouse="WH1", product="HT-1", supplier="Other Supplier",
                            serials=["B-1"], cost=Decimal("80"), user=user)
    return {"first": first.number, "other": other.number}


def test_a_return_sends_units_back_with_the_supplier_as_holder(two_suppliers: dict, user: Any
                                                              ) -> None:
    posting.hold(product="HT-1", serials=["A-2"], user=user, reason="rattles")
    doc = rts(user, two_suppliers["first"], ["A-1", "A-2"], reference="RMA-77")
    assert doc.number == "RTS-000001" and doc.kind == "supplier_return"
    assert doc.related.number == two_suppliers["first"]
    assert doc.party.name == "Supplier S" and doc.reason == "dead on arrival"
    for serial in ("A-1", "A-2"):
        u = unit(serial)
        assert (u.status, u.location, u.holder.name) == ("returned_to_supplier", None,
                                                          "Supplier S")
    moves = {m.unit.serial: m for m in Movement.objects.filter(document=doc).select_related("unit")}
    assert moves["A-2"].from_status == "on_hold"
    assert moves["A-1"].to_party.name == "Supplier S"
    history = queries.unit_history("A-1", "HT-1")
    last = history["movements"][-1]
    assert last["document"] == "RTS-000001" and last["to_status"] == "returned_to_supplier"
    assert "dead on arrival" in last["note"]
    assert unit("A-3").status == "in_stock"


def test_a_unit_in_repair_may_go_back_but_not_a_shipped_one(two_suppliers: dict, user: Any
                                                            ) -> None:
    posting.start_repair(product="HT-1", serials=["A-1"], user=user)
    ship(user, ["A-2"])
    exc = refused(errors.SerialNotInStock, rts, user, two_suppliers["first"], ["A-1", "A-2"])
    assert [p.serial for p in exc.problems] == ["A-2"]
    assert "shipped to Customer A" in exc.problems[0].message
    rts(user, two_suppliers["first"], ["A-1"])
    assert unit("A-1").status == "returned_to_supplier"


def test_a_unit_from_another_supplier_is_refused_naming_where_it_came_from(
        two_suppliers: dict, user: Any) -> None:
    exc = refused(errors.NotFromSupplier, rts, user, two_suppliers["first"], ["A-1", "B-1"])
    (problem,) = exc.problems
    assert problem.serial == "B-1"
    assert "Other Supplier" in problem.message and two_suppliers["other"] in problem.message
    assert two_suppliers["first"] in problem.message


def test_a_unit_not_on_that_receipt_is_refused(two_suppliers: dict, user: Any) -> None:
    later = receive(user, ["A-9"])  # same supplier, another receipt
    posting.add_found(warehouse="WH1", product="HT-1", serials=["F-1"], reason="count",
                      user=user)
    exc = refused(errors.NotFromSupplier, rts, user, two_suppliers["first"],
                  ["A-9", "F-1", "NOPE"])
    by_serial = {p.serial: p.message for p in exc.problems}
    assert later.number in by_serial["A-9"]
    assert "found stock" in by_serial["F-1"]
    assert "not a known serial" in by_serial["NOPE"]


def test_a_unit_already_returned_is_refused(two_suppliers: dict, user: Any) -> None:
    rts(user, two_suppliers["first"], ["A-1"])
    exc = refused(errors.SerialNotInStock, rts, user, two_suppliers["first"], ["A-1"])
    assert "already returned to the supplier on RTS-000001" in exc.problems[0].message


def test_a_return_needs_a_reason_and_a_supplier(shop: dict, user: Any) -> None:
    first = receive(user, ["A-1"])
    refused(errors.InvalidInput, rts, user, first.number, ["A-1"], reason=" ")
    anonymous = posting.receive(warehouse="WH1", product="HT-1", serials=["N-1"], user=user)
    refused(errors.InvalidInput, rts, user, anonymous.number, ["N-1"])


def test_same_serial_comes_back_into_stock(two_suppliers: dict, user: Any) -> None:
    ret = rts(user, two_suppliers["first"], ["A-1"])
    back = posting.supplier_replacement(supplier_return=ret.number, warehouse="WH2",
                                        serials=["A-1"], user=user)
    assert back.kind == "receipt" and back.related == ret
    u = unit("A-1")
    assert (u.status, u.location.warehouse.code, u.holder) == ("in_stock", "WH2", None)
    assert u.cost == Decimal("100.00")
    link = SupplierReplacement.objects.get(supplier_return=ret)
    assert link.returned_unit_id == link.unit_id == u.pk
    assert [m["document"] for m in queries.unit_history("A-1", "HT-1")["movements"]] == [
        two_suppliers["first"], ret.number, back.number]
    # replaced once only; and it can go back again, against the replacement receipt
    refused(errors.SerialNotInStock, posting.supplier_replacement, supplier_return=ret.number,
            warehouse="WH1", serials=["A-1"], user=user)
    refused(errors.NotFromSupplier, rts, user, two_suppliers["first"], ["A-1"])
    again = rts(user, back.number, ["A-1"])
    assert unit("A-1").status == "returned_to_supplier" and again.related == back


def test_plain_receipt_of_a_returned_serial_is_refused(two_suppliers: dict, user: Any) -> None:
    rts(user, two_suppliers["first"], ["A-1"])
    exc = refused(errors.DuplicateSerial, receive, user, ["A-1"])
    assert "returned to supplier" in exc.problems[0].message


def test_a_new_serial_replaces_a_returned_one_and_both_histories_say_so(
        two_suppliers: dict, user: Any) -> None:
    ret = rts(user, two_suppliers["first"], ["A-1", "A-2"])
    back = posting.supplier_replacement(supplier_return=ret.number, warehouse="WH1",
                                        serials=["A-1-R", "A-2"], replaces=["A-1", "A-2"],
                                        user=user)
    new = unit("A-1-R")
    assert (new.status, new.cost) == ("in_stock", Decimal("100.00"))
    assert unit("A-2").status == "in_stock"
    assert unit("A-1").status == "returned_to_supplier"  # the supplier keeps the dead one
    link = SupplierReplacement.objects.get(supplier_return=ret, returned_unit=unit("A-1"))
    assert link.unit == new and link.document == back
    old_history = queries.unit_history("A-1", "HT-1")["movements"]
    assert old_history[-1]["document"] == back.number
    assert "replaced by A-1-R" in old_history[-1]["note"]
    new_history = queries.unit_history("A-1-R", "HT-1")["movements"]
    assert new_history[0]["document"] == back.number
    assert "replacement for A-1" in new_history[0]["note"]
    assert new_history[0]["party"] == "Supplier S"


def test_a_replacement_is_refused_for_serials_not_on_the_return(two_suppliers: dict, user: Any
                                                               ) -> None:
    ret = rts(user, two_suppliers["first"], ["A-1"])
    exc = refused(errors.NotFromSupplier, posting.supplier_replacement,
                  supplier_return=ret.number, warehouse="WH1", serials=["X-1"],
                  replaces=["A-3"], user=user)
    assert exc.problems[0].serial == "A-3"
    exc = refused(errors.DuplicateSerial, posting.supplier_replacement,
                  supplier_return=ret.number, warehouse="WH1", serials=["A-2"],
                  replaces=["A-1"], user=user)
    assert exc.problems[0].serial == "A-2"
    refused(errors.CountMismatch, posting.supplier_replacement, supplier_return=ret.number,
            warehouse="WH1", serials=["X-1", "X-2"], replaces=["A-1"], user=user)


def test_credit_expected_replaced_and_received(two_suppliers: dict, user: Any) -> None:
    first = rts(user, two_suppliers["first"], ["A-1", "A-2"])  # 2 × 100.00
    second = rts(user, two_suppliers["other"], ["B-1"], credit=Decimal("50"))
    rows = {r["document"]: r for r in supplier_returns()}
    assert rows[first.number]["credit_expected"] == "200.00"
    assert rows[second.number]["credit_expected"] == "50.00"
    assert rows[second.number]["supplier"] == "Other Supplier"
    posting.supplier_replacement(supplier_return=first.number, warehouse="WH1",
                                 serials=["A-2"], user=user)
    posting.record_credit(supplier_return=first.number, amount=Decimal("60"), user=user,
                          reference="CN-1")
    row = {r["document"]: r for r in supplier_returns()}[first.number]
    assert (row["replaced_value"], row["credit_received"], row["awaiting_credit"]) == (
        "100.00", "60.00", "40.00")
    exc = refused(errors.InvalidInput, posting.record_credit, supplier_return=first.number,
                  amount=Decimal("40.01"), user=user)
    assert "40" in exc.problems[0].message
    posting.record_credit(supplier_return=first.number, amount=Decimal("40"), user=user)
    awaiting = supplier_returns(awaiting_credit=True)
    assert [r["document"] for r in awaiting] == [second.number]
    assert [r["document"] for r in supplier_returns(supplier="Supplier S")] == [first.number]


def test_lot_quantity_goes_back_against_its_receipt(shop: dict, user: Any) -> None:
    first = posting.receive(warehouse="WH1", product="SAL-1", supplier="Supplier S", lot="L1",
                            expiry=dt.date(2030, 1, 31), quantity=10, cost=Decimal("2.50"),
                            user=user)
    posting.receive(warehouse="WH1", product="SAL-1", supplier="Supplier S", lot="L2",
                    quantity=5, user=user)
    doc = posting.return_to_supplier(receipt=first.number, reason="recalled lot",
                                     product="SAL-1", quantity=4, user=user)
    assert StockQuantity.objects.get(product__sku="SAL-1", lot__code="L1").quantity == 6
    assert StockQuantity.objects.get(product__sku="SAL-1", lot__code="L2").quantity == 5
    move = Movement.objects.get(document=doc)
    assert (move.quantity, move.lot.code, move.to_status, move.to_party.name) == (
        4, "L1", "returned_to_supplier", "Supplier S")
    row = {r["document"]: r for r in supplier_returns()}[doc.number]
    assert row["credit_expected"] == "10.00" and row["quantity"] == 4
    exc = refused(errors.NotFromSupplier, posting.return_to_supplier, receipt=first.number,
                  reason="more", product="SAL-1", quantity=7, user=user)
    assert "6" in exc.problems[0].message
    refused(errors.NotFromSupplier, posting.return_to_supplier, receipt=first.number,
            reason="wrong lot", product="SAL-1", lot="L2", quantity=1, user=user)
    back = posting.supplier_replacement(supplier_return=doc.number, warehouse="WH1",
                                        product="SAL-1", quantity=4, lot="L3",
                                        expiry=dt.date(2031, 1, 31), user=user)
    assert StockQuantity.objects.get(product__sku="SAL-1", lot__code="L3").quantity == 4
    assert back.related == doc
    refused(errors.NotFromSupplier, posting.supplier_replacement, supplier_return=doc.number,
            warehouse="WH1", product="SAL-1", quantity=1, user=user)
    row = {r["document"]: r for r in supplier_returns()}[doc.number]
    assert row["awaiting_credit"] == "0.00" and row["replaced_quantity"] == 4


def test_reversals_keep_returns_and_replacements_straight(two_suppliers: dict, user: Any
                                                         ) -> None:
    ret = rts(user, two_suppliers["first"], ["A-1"])
    refused(errors.NotReversible, posting.reverse, number=two_suppliers["first"], user=user)
    back = posting.supplier_replacement(supplier_return=ret.number, warehouse="WH1",
                                        serials=["A-1-R"], replaces=["A-1"], user=user)
    exc = refused(errors.NotReversible, posting.reverse, number=ret.number, user=user)
    assert back.number in exc.problems[0].message
    posting.reverse(number=back.number, user=user)  # the replacement was never received
    assert unit("A-1-R").status == "voided"
    row = {r["document"]: r for r in supplier_returns()}[ret.number]
    assert (row["replaced_value"], row["awaiting_credit"]) == ("0.00", "100.00")
    posting.supplier_replacement(supplier_return=ret.number, warehouse="WH1", serials=["A-1"],
                                 user=user)
    assert unit("A-1").status == "in_stock"
