"""Receipts and shipments against purchase and sales orders: open quantities after each partial
delivery, over-receipt refused naming the line (and nothing changed), tolerance, closing short,
wrong customer / product, cancelled orders, reversals giving the quantity back, pick order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from serialtrack import errors, orders, posting
from serialtrack.inventory.models import Order, OrderLine, Unit
from serialtrack.queries.orders import expected, get_order, order_summary, pick
from tests.helpers.orders import open_quantities, purchase, sale, status
from tests.helpers.posting import receive, refused, ship

pytestmark = pytest.mark.django_db


def serials(start: int, count: int) -> list[str]:
    return [f"HT{n:04d}" for n in range(start, start + count)]


def test_numbers_are_gap_free_per_kind(shop: Any, user: Any) -> None:
    assert purchase(user, ("HT-1", 1, None)).number == "PO-000001"
    assert sale(user, ("HT-1", 1, None)).number == "SO-000001"
    assert purchase(user, ("HT-1", 1, None)).number == "PO-000002"
    with pytest.raises(errors.Refused) as info:
        purchase(user, ("HT-1", 1, None), ("NOPE", 2, None), ("CBL-1", 0, None))
    assert {(p.line, p.field) for p in info.value.problems} == {(2, "product"), (3, "quantity")}
    assert purchase(user, ("HT-1", 1, None)).number == "PO-000003"


def test_partial_receipts_against_a_po(shop: Any, user: Any) -> None:
    po = purchase(user, ("HT-1", 5, "120.50"), ("CBL-1", 100, "2.00"))
    assert open_quantities(po.number) == [5, 100]
    doc = posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 2), user=user,
                          order=po.number)
    assert doc.party.name == "Supplier S" and doc.reference == po.number
    assert open_quantities(po.number) == [3, 100]
    assert status(po.number) == "partial"
    # the line's unit price is each unit's cost; --cost overrides it
    assert {u.cost for u in Unit.objects.filter(serial__in=serials(1, 2))} == {Decimal("120.5")}
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(3, 1), user=user,
                    order=po.number, cost=Decimal("99"))
    assert Unit.objects.get(serial="HT0003").cost == Decimal("99")
    assert open_quantities(po.number) == [2, 100]
    posting.receive(warehouse="WH1", product="CBL-1", quantity=60, user=user, order=po.number,
                    supplier="Supplier S")
    assert open_quantities(po.number) == [2, 40]
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(4, 2), user=user,
                    order=po.number)
    posting.receive(warehouse="WH1", product="CBL-1", quantity=40, user=user, order=po.number)
    assert open_quantities(po.number) == [0, 0]
    assert status(po.number) == "complete"
    summary = order_summary(get_order(po.number))
    assert [d["quantity"] for d in summary["documents"]] == [2, 1, 60, 2, 40]
    assert summary["lines"][0]["received"] == 5


def test_over_receipt_refused_naming_the_line_and_nothing_changes(shop: Any, user: Any) -> None:
    po = purchase(user, ("CBL-1", 10, None), ("HT-1", 2, None))
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 1), user=user,
                    order=po.number)
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="HT-1",
                  serials=serials(2, 2), user=user, order=po.number)
    (problem,) = exc.problems
    assert problem.code == "over_delivery" and problem.line == 2
    assert po.number in problem.message and "HT-1" in problem.message
    assert "1 open" in problem.message and problem.extra["open"] == 1
    assert status(po.number) == "partial" and open_quantities(po.number) == [10, 1]
    refused(errors.Refused, posting.receive, warehouse="WH1", product="CBL-1", quantity=11,
            user=user, order=po.number)


def test_tolerance_allows_an_over_receipt(shop: Any, user: Any) -> None:
    po = purchase(user, ("CBL-1", 100, None), tolerance="5")
    posting.receive(warehouse="WH1", product="CBL-1", quantity=105, user=user, order=po.number)
    assert open_quantities(po.number) == [0] and status(po.number) == "complete"
    po2 = purchase(user, ("CBL-1", 100, None), tolerance="5")
    refused(errors.Refused, posting.receive, warehouse="WH1", product="CBL-1", quantity=106,
            user=user, order=po2.number)


def test_supplier_must_be_the_orders(shop: Any, user: Any) -> None:
    from serialtrack import catalog

    catalog.create_party("Other Supplier", supplier=True)
    po = purchase(user, ("HT-1", 2, None))
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="HT-1",
                  serials=serials(1, 1), user=user, order=po.number, supplier="Other Supplier")
    assert exc.problems[0].field == "supplier"
    assert "Supplier S" in exc.problems[0].message and "Other Supplier" in exc.problems[0].message


def test_po_closed_short_records_what_never_came(shop: Any, user: Any) -> None:
    po = purchase(user, ("HT-1", 5, None), ("CBL-1", 10, None))
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 3), user=user,
                    order=po.number)
    orders.close_order(po.number, user=user, reason="supplier discontinued")
    closed = get_order(po.number)
    assert closed.status == "closed" and closed.reason == "supplier discontinued"
    assert [line.short_quantity for line in OrderLine.objects.filter(order=closed)
            .order_by("line_no")] == [2, 10]
    summary = order_summary(closed)
    assert [(r["received"], r["short"], r["open"]) for r in summary["lines"]] == [
        (3, 2, 0), (0, 10, 0)]
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="HT-1",
                  serials=serials(4, 1), user=user, order=po.number)
    assert exc.problems[0].field == "order" and "closed" in exc.problems[0].message


def test_cancelled_order_refused(shop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 2), user=user,
                    supplier="Supplier S")
    so = sale(user, ("HT-1", 2, None))
    orders.cancel_order(so.number, user=user, reason="customer changed mind")
    assert status(so.number) == "cancelled"
    exc = refused(errors.Refused, posting.ship, warehouse="WH1", product="HT-1",
                  serials=serials(1, 1), user=user, order=so.number)
    assert exc.problems[0].field == "order"
    # an order with deliveries is closed short, not cancelled
    po = purchase(user, ("HT-1", 2, None))
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(5, 1), user=user,
                    order=po.number)
    with pytest.raises(errors.Refused):
        orders.cancel_order(po.number, user=user)


def test_partial_shipments_leave_a_back_order(shop: Any, user: Any) -> None:
    receive(user, serials(1, 5), product="HT-1")
    posting.receive(warehouse="WH1", product="CBL-1", quantity=50, user=user,
                    supplier="Supplier S")
    so = sale(user, ("HT-1", 4, "300"), ("CBL-1", 30, None))
    doc = posting.ship(warehouse="WH1", product="HT-1", serials=serials(1, 1), user=user,
                       order=so.number)
    assert doc.party.name == "Customer A"
    assert open_quantities(so.number) == [3, 30] and status(so.number) == "partial"
    posting.ship(warehouse="WH1", product="CBL-1", quantity=10, user=user, order=so.number,
                 customer="Customer A")
    assert open_quantities(so.number) == [3, 20]
    exc = refused(errors.Refused, ship, user, serials(2, 4), order=so.number)
    assert exc.problems[0].line == 1 and exc.problems[0].extra["open"] == 3
    ship(user, serials(2, 3), order=so.number)
    posting.ship(warehouse="WH1", product="CBL-1", quantity=20, user=user, order=so.number)
    assert open_quantities(so.number) == [0, 0] and status(so.number) == "complete"


def test_shipment_of_wrong_customer_or_product_refused(shop: Any, user: Any) -> None:
    receive(user, serials(1, 2), product="HT-1")
    posting.receive(warehouse="WH1", product="CBL-1", quantity=5, user=user,
                    supplier="Supplier S")
    so = sale(user, ("HT-1", 2, None))
    exc = refused(errors.Refused, ship, user, serials(1, 1), customer="Customer B",
                  order=so.number)
    (problem,) = exc.problems
    assert problem.field == "customer"
    assert "Customer A" in problem.message and "Customer B" in problem.message
    exc = refused(errors.Refused, posting.ship, warehouse="WH1", product="CBL-1", quantity=1,
                  user=user, order=so.number)
    assert exc.problems[0].field == "product" and "CBL-1" in exc.problems[0].message


def test_reversal_gives_the_quantity_back(shop: Any, user: Any) -> None:
    po = purchase(user, ("HT-1", 3, None))
    first = posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 3), user=user,
                            order=po.number)
    assert status(po.number) == "complete"
    posting.reverse(number=first.number, user=user, reason="wrong delivery")
    assert open_quantities(po.number) == [3] and status(po.number) == "open"
    posting.receive(warehouse="WH1", product="HT-1", serials=serials(1, 2), user=user,
                    order=po.number)
    assert open_quantities(po.number) == [1]
    summary = order_summary(get_order(po.number))
    assert summary["documents"][0]["reversed_by"] is not None


def test_explicit_line_and_oldest_open_line(shop: Any, user: Any) -> None:
    po = purchase(user, ("CBL-1", 5, None), ("CBL-1", 5, None))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=5, user=user, order=po.number)
    assert open_quantities(po.number) == [0, 5]
    posting.receive(warehouse="WH1", product="CBL-1", quantity=2, user=user, order=po.number)
    assert open_quantities(po.number) == [0, 3]
    po2 = purchase(user, ("CBL-1", 5, None), ("CBL-1", 5, None))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=4, user=user, order=po2.number,
                    order_line=2)
    assert open_quantities(po2.number) == [5, 1]
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="CBL-1", quantity=1,
                  user=user, order=po2.number, order_line=7)
    assert exc.problems[0].line == 7
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="CBL-1", quantity=1,
                  user=user, order_line=1, supplier="Supplier S")
    assert exc.problems[0].field == "order_line"


def test_expected_per_supplier(shop: Any, user: Any) -> None:
    po = purchase(user, ("HT-1", 3, None), ("CBL-1", 10, None))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=10, user=user, order=po.number)
    assert [(r["order"], r["line"], r["product"], r["open"]) for r in expected("Supplier S")] == [
        (po.number, 1, "HT-1", 3)]


def test_pick_suggestion_order(shop: Any, user: Any) -> None:
    from serialtrack.inventory.models import Lot

    receive(user, ["HT-B"], product="HT-1", warehouse="WH1/A-01")
    receive(user, ["HT-A", "HT-C"], product="HT-1")
    today = dt.date(2026, 12, 7)
    for code, expiry, qty in (("L-LATE", "2027-06-01", 5), ("L-OLD", "2026-01-01", 50),
                              ("L-SOON", "2027-01-01", 3)):
        posting.receive(warehouse="WH1", product="SAL-1", quantity=qty, lot=code,
                        expiry=dt.date.fromisoformat(expiry), user=user, supplier="Supplier S")
    so = sale(user, ("HT-1", 2, None), ("SAL-1", 6, None))
    result = pick(so.number, today=today)
    ht, sal = result["lines"]
    assert [(p["serial"], p["bin"]) for p in ht["picks"]] == [("HT-B", "WH1/A-01"),
                                                             ("HT-A", "WH1/MAIN")]
    # earliest expiry first, never the expired lot
    assert [(p["lot"], p["quantity"]) for p in sal["picks"]] == [("L-SOON", 3), ("L-LATE", 3)]
    assert sal["short"] == 0
    assert Lot.objects.filter(code="L-OLD").exists()


def test_orders_carry_no_serials(shop: Any, user: Any) -> None:
    fields = {f.name for f in OrderLine._meta.get_fields()} | {
        f.name for f in Order._meta.get_fields()}
    assert not any("serial" in name for name in fields)


def test_a_draft_posts_against_its_order(shop: Any, user: Any) -> None:
    from serialtrack.posting import drafts

    po = purchase(user, ("HT-1", 3, "7.25"))
    draft = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1",
                                order=po.number)
    assert draft.party.name == "Supplier S" and draft.draft.order_ref == po.number
    drafts.add_scans(draft.pk, serials(1, 2), user)
    doc = drafts.post_draft(draft.pk, user)
    assert doc.reference == po.number and open_quantities(po.number) == [1]
    assert {u.cost for u in Unit.objects.filter(serial__in=serials(1, 2))} == {Decimal("7.25")}
    so = sale(user, ("HT-1", 1, None))
    with pytest.raises(errors.Refused):  # a sales order is not a purchase order
        drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1",
                            order=so.number)
    with pytest.raises(errors.Refused) as info:
        drafts.create_draft(kind="adjustment", operation="hold", user=user,
                            product="HT-1", order=so.number)
    assert info.value.problems[0].field == "order"


def test_a_draft_order_takes_nothing_until_opened(shop: Any, user: Any) -> None:
    po = orders.create_order(kind="purchase", party="Supplier S", user=user, draft=True,
                             lines=[orders.LineIn("CBL-1", 5)])
    assert status(po.number) == "draft"
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="CBL-1", quantity=1,
                  user=user, order=po.number)
    assert exc.problems[0].field == "order" and "draft" in exc.problems[0].message
    orders.open_order(po.number, user=user)
    posting.receive(warehouse="WH1", product="CBL-1", quantity=1, user=user, order=po.number)
    assert status(po.number) == "partial"
    with pytest.raises(errors.Refused):
        orders.open_order(po.number, user=user)


@pytest.mark.slow
def test_two_clerks_cannot_over_receive_together(cli: Any) -> None:
    """Two clerks receive 2 units each against a PO line with 3 open, released at once: the
    order line is locked in the posting, so exactly one receipt posts, the other is refused
    naming the line (never both, never a crash)."""
    from tests.helpers.concurrency import race

    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Supplier S", "--supplier")
    cli("po", "create", "--supplier", "Supplier S", "--line", "HT-1:3")
    outcomes = race(cli.url, "receive_po", {"ann": [["A1", "A2"]], "bob": [["B1", "B2"]]})
    states = sorted(state for _name, _i, state, _n, _p in outcomes)
    assert states == ["posted", "refused"], outcomes
    (refusal,) = [problems for _n, _i, state, _c, problems in outcomes if state == "refused"]
    assert [code for code, _serial in refusal] == ["over_delivery"]
    assert [r["open"] for r in cli.json("po", "show", "PO-000001")["lines"]] == [1]
