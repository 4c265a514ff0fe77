"""Reversing a landed cost (issue 17): a `REV-` document takes every share back out of the cost
of what is still in storage and gives back, as a COGS adjustment of its own day, what is an
expense by now; the landed cost stays, and reports before it and between say what they said."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from serialtrack import errors, posting
from serialtrack.inventory.models import CostLayer, Document, Movement, Unit
from serialtrack.queries import money
from tests.helpers.posting import receive, refused, ship

D = Decimal


def now_text() -> str:
    return timezone.now().isoformat()


def layers(sku: str) -> list[tuple[int, int, Decimal]]:
    return [(lay.received_quantity, lay.remaining_quantity, lay.remaining_value)
            for lay in CostLayer.objects.filter(product__sku=sku).order_by("id")]


def valuation(at: str | None = None) -> dict[str, Any]:
    """The valuation (without its moment), checked against a recount of the whole ledger."""
    report = {**money.valuation(at), "at": None}
    assert {**money.valuation(at, recount=True), "at": None} == report
    return report


def costs() -> dict[str, Decimal]:
    return dict(Unit.objects.values_list("serial", "cost"))


def cogs_today() -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return money.cogs(today, today)


def landed(receipt: str, amount: str, user: Any, by: str = "value") -> Document:
    return posting.add_landed_cost(receipt=receipt, amount=D(amount), reason="freight",
                                   user=user, by=by)


def test_reversal_gives_every_unit_and_layer_its_cost_back(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2", "A3"], cost=D("100"))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=7, cost=D("1"), user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=2, user=user)
    before, before_costs, before_layers = valuation(), costs(), layers("CBL-1")
    before_cogs = cogs_today()["total"]
    at_before = now_text()
    lc1 = landed("RCV-000001", "100.00", user)
    lc2 = landed("RCV-000002", "1.00", user, by="quantity")
    after_lc, at_lc = valuation(), now_text()
    assert costs()["A1"] == D("133.34") and layers("CBL-1") == [(7, 5, D("5.72"))]
    lc_rows = Movement.objects.filter(document__in=[lc1, lc2]).count()

    rev1 = posting.reverse(number=lc1.number, user=user, reason="wrong receipt")
    rev2 = posting.reverse(number=lc2.number, user=user)
    assert (rev1.kind, rev1.related, rev1.reason) == ("reversal", lc1, "wrong receipt")
    assert rev2.related == lc2
    # every cost back exactly, and the valuation with it
    assert costs() == before_costs
    assert layers("CBL-1") == before_layers
    assert valuation() == before
    # the past says what it said: before the landed costs, and between them and the reversal
    assert valuation(at_before) == before
    assert valuation(at_lc) == after_lc
    # append-only: the landed costs stay as they were, the reversals record the undo
    assert Movement.objects.filter(document__in=[lc1, lc2]).count() == lc_rows
    assert Document.objects.get(pk=lc1.pk).status == "posted"
    # the 0.28 expensed for the 2 cables already gone is given back on the reversal's day
    report = cogs_today()
    assert report["total"] == before_cogs == D("2.00")
    assert [(ln["kind"], ln["cogs"]) for ln in report["lines"]] == [
        ("shipment", D("2.00")), ("landed_cost", D("0.28")), ("reversal", D("-0.28"))]
    exc = refused(errors.NotReversible, posting.reverse, number=lc1.number, user=user)
    assert rev1.number in exc.problems[0].message


def test_goods_shipped_between_the_landed_cost_and_its_reversal(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("10"))
    posting.receive(warehouse="WH1", product="SAL-1", quantity=4, lot="L1", cost=D("1"),
                    user=user)
    landed("RCV-000001", "5.00", user)
    landed("RCV-000002", "2.00", user)
    assert costs() == {"A1": D("12.50"), "A2": D("12.50")}
    assert layers("SAL-1") == [(4, 4, D("6.00"))]
    ship(user, ["A1"])  # at 12.50, the freight in it
    posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=1,
                 user=user)  # a quarter of the layer: 1.50
    assert cogs_today()["total"] == D("14.00")

    posting.reverse(number="LC-000001", user=user)
    posting.reverse(number="LC-000002", user=user)
    # what is in stock is at its cost before the landed costs; what shipped keeps the cost it
    # shipped at, and the freight in it comes back as a COGS adjustment of today
    assert costs() == {"A1": D("12.50"), "A2": D("10")}
    assert layers("SAL-1") == [(4, 3, D("3.00"))]
    report = valuation()
    assert report["value"] == D("13.00") and report["quantity"] == 4
    lines = cogs_today()["lines"]
    assert [(ln["kind"], ln["product"], ln["cogs"]) for ln in lines[-2:]] == [
        ("reversal", "HT-1", D("-2.50")), ("reversal", "SAL-1", D("-0.50"))]
    assert cogs_today()["total"] == D("11.00")  # A1's own 10 + the lot's own 1.00


def test_a_unit_gone_at_the_landed_cost_and_back_since(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("10"))
    shipment = ship(user, ["A1"])
    landed("RCV-000001", "4.00", user)  # A1's 2.00 expensed, A2 takes 2.00
    posting.customer_return(shipment=shipment.number, serials=["A1"], user=user)
    assert costs() == {"A1": D("10"), "A2": D("12")}
    posting.reverse(number="LC-000001", user=user)
    assert costs() == {"A1": D("10"), "A2": D("10")}
    assert valuation()["value"] == D("20")
    # A1's expense is given back without moving it: it stays in stock where it is
    stock = money.stock_at(now_text())
    assert stock["units"][0]["serials"] == ["A1", "A2"]
    assert cogs_today()["total"] == 0  # shipped 10, returned 10, expensed 2, given back 2


def test_a_later_landed_cost_is_reversed_first(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("10"))
    before = valuation()
    landed("RCV-000001", "1.00", user)
    landed("RCV-000001", "2.00", user)
    exc = refused(errors.NotReversible, posting.reverse, number="LC-000001", user=user)
    assert exc.problems[0].extra["documents"] == ["LC-000002"]
    assert "LC-000002" in exc.problems[0].message
    posting.reverse(number="LC-000002", user=user)
    posting.reverse(number="LC-000001", user=user)
    assert valuation() == before and costs() == {"A1": D("10")}


def test_stock_moved_to_another_bin_since_is_refused_until_that_is_reversed(
        shop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", quantity=4, cost=D("1"), user=user)
    before = valuation()
    landed("RCV-000001", "2.00", user)
    transfer = posting.transfer(source="WH1", destination="WH2", product="CBL-1", quantity=1,
                                user=user)
    exc = refused(errors.NotReversible, posting.reverse, number="LC-000001", user=user)
    assert exc.problems[0].extra["document"] == transfer.number
    posting.reverse(number=transfer.number, user=user)
    posting.reverse(number="LC-000001", user=user)
    assert valuation() == before


def test_a_receipt_with_a_landed_cost_is_reversed_after_it(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("7"))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=3, cost=D("2"), user=user)
    landed("RCV-000001", "1.00", user)
    landed("RCV-000002", "1.50", user)
    for receipt, lc in (("RCV-000001", "LC-000001"), ("RCV-000002", "LC-000002")):
        exc = refused(errors.NotReversible, posting.reverse, number=receipt, user=user)
        assert exc.problems[0].extra["documents"] == [lc]
        posting.reverse(number=lc, user=user)
        posting.reverse(number=receipt, user=user)
    assert valuation()["lines"] == []
    assert Unit.objects.get(serial="A1").status == "voided"
