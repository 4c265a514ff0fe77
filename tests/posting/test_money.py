"""Money: each unit's own cost (specific identification), FIFO cost layers for lots and plain
quantities, landed costs, and the reports at a past moment read from the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from serialtrack import errors, posting
from serialtrack.inventory.models import CostLayer, Movement, Unit
from serialtrack.posting.landed_costs import spread
from serialtrack.queries import money
from serialtrack.queries.history import unit_history
from tests.helpers.posting import receive, refused, ship

D = Decimal


def now_text() -> str:
    return timezone.now().isoformat()


def layers(sku: str = "SAL-1") -> list[tuple[int, int, Decimal]]:
    return [(lay.received_quantity, lay.remaining_quantity, lay.remaining_value)
            for lay in CostLayer.objects.filter(product__sku=sku).order_by("id")]


def valuation(at: str | None = None, **kw: Any) -> dict[str, Any]:
    """The valuation report, checked against a recount of every movement in the ledger (the
    valuation entries the writer keeps must always say the same)."""
    report = money.valuation(at, **kw)
    recount = money.valuation(at, recount=True, **kw)
    assert {**recount, "at": None} == {**report, "at": None}
    return report


def value_of(report: dict[str, Any], sku: str, warehouse: str = "WH1",
             lot: str | None = None) -> tuple[int, Decimal]:
    for line in report["lines"]:
        if (line["product"], line["warehouse"], line["lot"]) == (sku, warehouse, lot):
            return line["quantity"], line["value"]
    return 0, D(0)


def test_cogs_of_two_serials_is_exactly_their_own_costs(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("100.10"))
    receive(user, ["B1", "B2"], cost=D("250.0333"))
    doc = ship(user, ["A2", "B1"])
    moves = Movement.objects.filter(document=doc)
    assert sorted(m.value for m in moves) == [D("100.10"), D("250.0333")]
    today = timezone.localdate().isoformat()
    report = money.cogs(today, today)
    assert report["total"] == D("350.1333")
    assert [(r["customer"], r["product"], r["quantity"], r["cogs"])
            for r in report["by_customer_product"]] == [("Customer A", "HT-1", 2, D("350.1333"))]
    assert [ln["document"] for ln in report["lines"]] == [doc.number]
    # what is left is valued at the two other units' own costs
    assert value_of(valuation(), "HT-1") == (2, D("350.1333"))


def test_a_return_comes_back_at_the_cost_it_shipped_at_and_lowers_cogs(shop: Any,
                                                                        user: Any) -> None:
    receive(user, ["A1"], cost=D("80"))
    shipment = ship(user, ["A1"])
    posting.customer_return(shipment=shipment.number, serials=["A1"], user=user)
    today = timezone.localdate().isoformat()
    assert money.cogs(today, today)["total"] == 0
    assert value_of(valuation(), "HT-1") == (1, D("80"))


def test_fifo_lot_shipped_across_two_receipt_layers(shop: Any, user: Any) -> None:
    for qty, cost in ((10, "2.50"), (10, "3.10")):
        posting.receive(warehouse="WH1", product="SAL-1", quantity=qty, lot="L1", cost=D(cost),
                        supplier="Supplier S", user=user)
    doc = posting.ship(warehouse="WH1", customer="Customer B", product="SAL-1", quantity=14,
                       user=user)
    moves = Movement.objects.filter(document=doc).order_by("id")
    # one movement per layer taken: the oldest whole, then 4 of the next
    assert [(m.quantity, m.value) for m in moves] == [(10, D("25.00")), (4, D("12.40"))]
    assert layers() == [(10, 0, D("0")), (10, 6, D("18.60"))]
    today = timezone.localdate().isoformat()
    assert money.cogs(today, today, customer="Customer B")["total"] == D("37.40")
    assert value_of(valuation(), "SAL-1", lot="L1") == (6, D("18.60"))


def test_taking_the_last_of_a_layer_takes_all_of_its_value(shop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", quantity=3, cost=D("0.3333"), user=user)
    posting.add_landed_cost(receipt="RCV-000001", amount=D("0.01"), reason="freight",
                            user=user)  # the layer is worth 1.0099 for 3
    takes = [posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=1,
                          user=user) for _ in range(3)]
    values = [Movement.objects.get(document=d).value for d in takes]
    assert sum(values) == D("1.0099")
    assert layers("CBL-1") == [(3, 0, D("0"))]


def test_valuation_between_two_postings_is_the_units_in_stock_then(shop: Any,
                                                                    user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("10.01"))
    receive(user, ["B1"], cost=D("20.02"), warehouse="WH2")
    between = now_text()
    ship(user, ["A1"])
    receive(user, ["C1"], cost=D("99"))
    then = valuation(at=between)
    assert then["value"] == D("40.04")
    assert value_of(then, "HT-1") == (2, D("20.02"))
    assert value_of(then, "HT-1", "WH2") == (1, D("20.02"))
    assert valuation(at=between, warehouse="WH2")["value"] == D("20.02")
    # a landed cost posted later changes nothing before its own time
    posting.add_landed_cost(receipt="RCV-000001", amount=D("5.00"), reason="freight",
                            user=user)
    assert valuation(at=between) == then
    assert valuation()["value"] == D("10.01") + D("20.02") + D("99") + D("5.00") \
        - D("2.50")  # A1's half of the freight is expensed: it had shipped
    # the sum of the costs of the units in stock equals the valuation now
    in_stock = sum(u.cost for u in Unit.objects.filter(status="in_stock"))
    assert valuation()["value"] == in_stock


def test_a_date_means_the_end_of_that_day(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("1"))
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert valuation(at=yesterday)["lines"] == []
    assert valuation(at=timezone.localdate().isoformat())["value"] == D("1")
    with pytest.raises(errors.InvalidInput) as info:
        money.valuation(at="last tuesday")
    assert info.value.problems[0].field == "at"


def test_landed_cost_by_value_exact_to_the_cent(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2", "A3"], cost=D("100"))
    receive(user, ["B1"], cost=D("1"))  # another receipt: untouched
    doc = posting.add_landed_cost(receipt="RCV-000001", amount=D("100.00"), reason="freight",
                                  user=user)
    assert doc.number == "LC-000001"
    costs = dict(Unit.objects.values_list("serial", "cost"))
    # 33.33 each, the one cent left over to the first unit in serial order
    assert [costs["A1"], costs["A2"], costs["A3"], costs["B1"]] == [
        D("133.34"), D("133.33"), D("133.33"), D("1")]
    assert sum(m.value for m in Movement.objects.filter(document=doc)) == D("100.00")


def test_landed_cost_by_quantity_over_units_and_layers(shop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", quantity=7, cost=D("1"), user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=2, user=user)
    posting.add_landed_cost(receipt="RCV-000001", amount=D("1.00"), reason="duty",
                            by="quantity", user=user)
    # 7 units for 1.00: the 5 in stock get floor(100*5/7)=71 cents +1 left over (first item)
    # = 0.72; the 2 gone floor(100*2/7)=28 cents, expensed
    assert layers("CBL-1") == [(7, 5, D("5.72"))]
    today = timezone.localdate().isoformat()
    report = money.cogs(today, today)
    assert report["total"] == D("2.28")
    assert [ln["kind"] for ln in report["lines"]] == ["shipment", "landed_cost"]
    assert value_of(valuation(), "CBL-1") == (5, D("5.72"))


def test_spread_puts_the_left_over_cents_on_the_first_items_of_weight() -> None:
    assert spread(D("0.05"), [D(0), D(1), D(1), D(1)]) == [D(0), D("0.02"), D("0.02"),
                                                           D("0.01")]
    assert sum(spread(D("120.00"), [D("3"), D("7"), D("11")])) == D("120.00")


def test_landed_cost_refusals_name_the_field_and_change_nothing(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("10"))
    def lc(**kw: Any) -> Any:
        args = {"receipt": "RCV-000001", "amount": D("5.00"), "reason": "freight", "user": user}
        return posting.add_landed_cost(**{**args, **kw})

    for kw, field in (({"amount": D("-1")}, "amount"), ({"amount": D("0")}, "amount"),
                      ({"amount": D("1.001")}, "amount"), ({"reason": " "}, "reason"),
                      ({"by": "weight"}, "by")):
        exc = refused(errors.InvalidInput, lc, **kw)
        assert exc.problems[0].field == field
    exc = refused(errors.NotFound, lc, receipt="RCV-000099")
    assert exc.problems[0].field == "receipt"
    ship(user, ["A1"])
    exc = refused(errors.Refused, lc)
    assert exc.problems[0].field == "receipt"
    assert exc.problems[0].code == "nothing_in_stock"


def test_reversing_a_shipment_restores_its_layers_exactly(shop: Any, user: Any) -> None:
    for qty, cost in ((5, "1.00"), (5, "2.00")):
        posting.receive(warehouse="WH1", product="SAL-1", quantity=qty, lot="L1", cost=D(cost),
                        user=user)
    before = layers()
    doc = posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=7,
                       user=user)
    assert layers() != before
    posting.reverse(number=doc.number, user=user)
    assert layers() == before
    assert value_of(valuation(), "SAL-1", lot="L1") == (10, D("15.00"))
    today = timezone.localdate().isoformat()
    assert money.cogs(today, today)["total"] == 0


def test_reversing_a_receipt_whose_layer_was_taken_from_is_refused(shop: Any,
                                                                   user: Any) -> None:
    first = posting.receive(warehouse="WH1", product="CBL-1", quantity=5, cost=D("1"), user=user)
    posting.receive(warehouse="WH1", product="CBL-1", quantity=5, cost=D("2"), user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=1, user=user)
    exc = refused(errors.NotReversible, posting.reverse, number=first.number, user=user)
    assert exc.problems[0].field == "quantity"
    posting.reverse(number="RCV-000002", user=user)  # untouched layer: goes back whole
    assert layers("CBL-1") == [(5, 4, D("4.00")), (5, 0, D("0"))]


def test_transfer_moves_layers_with_their_cost_and_age(shop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", quantity=4, cost=D("1.25"), user=user)
    posting.transfer(source="WH1", destination="WH2", product="CBL-1", quantity=3, user=user)
    report = valuation()
    assert value_of(report, "CBL-1") == (1, D("1.25"))
    assert value_of(report, "CBL-1", "WH2") == (3, D("3.75"))
    posting.reverse(number="TRF-000001", user=user)
    assert value_of(valuation(), "CBL-1") == (4, D("5.00"))
    assert [lay[1:] for lay in layers("CBL-1")] == [(4, D("5.00")), (0, D("0"))]


def test_stock_at_a_past_moment(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("1"))
    posting.receive(warehouse="WH1", product="CBL-1", quantity=9, user=user)
    between = now_text()
    ship(user, ["A1"])
    posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=4, user=user)
    then = money.stock_at(between)
    assert [(g["product"], g["count"], g["serials"]) for g in then["units"]] == [
        ("HT-1", 2, ["A1", "A2"])]
    assert [(q["product"], q["quantity"]) for q in then["quantities"]] == [("CBL-1", 9)]
    later = money.stock_at(now_text())
    assert [g["serials"] for g in later["units"]] == [["A2"]]
    assert [q["quantity"] for q in later["quantities"]] == [5]


def test_where_a_unit_was_at_a_past_moment(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("7"))
    between = now_text()
    ship(user, ["A1"])
    then = unit_history("A1", at=between)
    assert then["at"]["location"] == "WH1/MAIN"
    assert then["at"]["status"] == "in_stock"
    assert then["at"]["cost"] == D("7")
    assert len(then["movements"]) == 1
    now = unit_history("A1", at=now_text())["at"]
    assert (now["status"], now["location"], now["holder"]) == ("shipped", None, "Customer A")


def test_a_receipt_is_not_reversed_under_its_landed_cost(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("7"))
    doc = posting.add_landed_cost(receipt="RCV-000001", amount=D("1.00"), reason="freight",
                                  user=user)
    # the receipt it raised is reversed only after it (tests/posting/test_landed_cost_reversal)
    exc = refused(errors.NotReversible, posting.reverse, number="RCV-000001", user=user)
    assert exc.problems[0].extra["documents"] == [doc.number]


def test_a_quantity_return_comes_back_at_the_cost_it_shipped_at(shop: Any, user: Any) -> None:
    for qty, cost in ((2, "1.00"), (2, "4.00")):
        posting.receive(warehouse="WH1", product="CBL-1", quantity=qty, cost=D(cost), user=user)
    shipment = posting.ship(warehouse="WH1", customer="Customer A", product="CBL-1", quantity=3,
                            user=user)  # 2 at 1.00 + 1 at 4.00 = 6.00
    posting.customer_return(shipment=shipment.number, product="CBL-1", quantity=2, user=user)
    posting.customer_return(shipment=shipment.number, product="CBL-1", quantity=1, user=user)
    # 6.00 for 3: 4.00 for the first two back, the 2.00 left for the last one
    assert layers("CBL-1")[2:] == [(2, 2, D("4.00")), (1, 1, D("2.00"))]
    assert value_of(valuation(), "CBL-1") == (4, D("10.00"))
    today = timezone.localdate().isoformat()
    assert money.cogs(today, today)["total"] == 0
