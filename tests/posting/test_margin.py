"""Revenue and gross margin: a shipment line against a priced sales order line earns quantity ×
that line's unit price, a return gives it back; COGS is what the shipment movements took out of
stock. In the COGS report (by customer, by product, overall), per sales order line and per
unit; shipments without a priced order line are counted as unpriced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from serialtrack import posting
from serialtrack.queries import money
from serialtrack.queries.history import unit_history
from serialtrack.queries.orders import get_order, order_summary
from tests.helpers.orders import sale
from tests.helpers.posting import receive, ship

pytestmark = pytest.mark.django_db

D = Decimal


def report() -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return money.cogs(today, today)


def test_two_partial_shipments_earn_price_times_quantity_less_their_own_costs(
        shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("100.10"))
    receive(user, ["B1"], cost=D("250.0333"))
    so = sale(user, ("HT-1", 3, "499.99"))
    first = ship(user, ["A1"], order=so.number)
    second = ship(user, ["B1"], order=so.number)

    data = report()
    revenue, cogs = D("499.99") * 2, D("100.10") + D("250.0333")
    assert (data["revenue"], data["total"], data["margin"]) == (revenue, cogs, revenue - cogs)
    assert data["margin"] == D("649.8467")
    assert data["margin_percent"] == (D("649.8467") * 100 / revenue).quantize(D("0.01"))
    assert data["unpriced"] == {"lines": 0, "quantity": 0, "cogs": D(0)}
    assert [(ln["document"], ln["sales_order"], ln["order_line"], ln["revenue"], ln["cogs"])
            for ln in data["lines"]] == [
        (first.number, so.number, 1, D("499.99"), D("100.10")),
        (second.number, so.number, 1, D("499.99"), D("250.0333"))]
    for key, name in (("by_customer", "Customer A"), ("by_product", "HT-1")):
        [row] = data[key]
        assert (row["quantity"], row["revenue"], row["cogs"], row["margin"]) == (
            2, revenue, cogs, revenue - cogs), key
        assert name in row.values()

    summary = order_summary(get_order(so.number))
    line = summary["lines"][0]
    assert (line["shipped"], line["sold"], line["revenue"], line["cogs"], line["margin"]) == (
        2, 2, "999.98", "350.1333", "649.8467")
    assert summary["gross_margin"] == {
        "sold": 2, "revenue": "999.98", "cogs": "350.1333", "margin": "649.8467",
        "margin_percent": line["margin_percent"], "unpriced_sold": 0}
    assert D(line["margin_percent"]) == data["margin_percent"]

    # per unit: sold for the line's price, at its own cost
    sold = unit_history("A1", "HT-1")["sale"]
    assert (sold["shipment"], sold["sales_order"], sold["order_line"], sold["price"],
            sold["cost"], sold["margin"]) == (first.number, so.number, 1, D("499.99"),
                                              D("100.10"), D("399.89"))


def test_a_return_gives_back_revenue_and_cogs(shop: Any, user: Any) -> None:
    receive(user, ["A1"], cost=D("100.10"))
    receive(user, ["B1"], cost=D("250.0333"))
    so = sale(user, ("HT-1", 2, "499.99"))
    shipment = ship(user, ["A1", "B1"], order=so.number)
    returned = posting.customer_return(shipment=shipment.number, serials=["B1"], user=user)

    data = report()
    assert (data["revenue"], data["total"], data["margin"]) == (
        D("499.99"), D("100.10"), D("399.89"))
    back = [ln for ln in data["lines"] if ln["document"] == returned.number]
    assert [(ln["quantity"], ln["sales_order"], ln["revenue"], ln["cogs"]) for ln in back] == [
        (-1, so.number, D("-499.99"), D("-250.0333"))]
    line = order_summary(get_order(so.number))["lines"][0]
    assert (line["sold"], line["revenue"], line["cogs"], line["margin"]) == (
        1, "499.99", "100.10", "399.89")
    # a unit back in stock has no sale; the other one still has its own
    assert unit_history("B1", "HT-1")["sale"] is None
    assert unit_history("A1", "HT-1")["sale"]["margin"] == D("399.89")


def test_lots_across_two_layers_earn_the_line_price(shop: Any, user: Any) -> None:
    for qty, cost in ((10, "2.50"), (10, "3.10")):
        posting.receive(warehouse="WH1", product="SAL-1", quantity=qty, lot="L1", cost=D(cost),
                        supplier="Supplier S", user=user)
    so = sale(user, ("SAL-1", 20, "5.00"), customer="Customer B")
    shipment = posting.ship(warehouse="WH1", customer="Customer B", product="SAL-1",
                            quantity=14, user=user, order=so.number)
    posting.customer_return(shipment=shipment.number, product="SAL-1", quantity=4, user=user)
    data = report()
    # 14 out at 25.00 + 12.40, 4 back at their share of it
    assert data["revenue"] == D("50.00")
    summary = order_summary(get_order(so.number))["gross_margin"]
    assert (summary["sold"], D(summary["revenue"]), D(summary["cogs"])) == (
        10, D("50.00"), data["total"])
    assert D(summary["margin"]) == data["margin"] == D("50.00") - data["total"]


def test_shipments_without_a_priced_order_line_are_unpriced(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2", "A3"], cost=D("80"))
    so = sale(user, ("HT-1", 1, None), ("HT-1", 1, "120"), customer="Customer B")
    ship(user, ["A1"])  # no sales order
    ship(user, ["A2"], customer="Customer B", order=so.number)  # its first line has no price
    ship(user, ["A3"], customer="Customer B", order=so.number)

    data = report()
    assert data["unpriced"] == {"lines": 2, "quantity": 2, "cogs": D("160.0000")}
    assert data["total"] == D("240.0000")
    assert (data["revenue"], data["margin"]) == (D("120.0000"), D("40.0000"))
    assert data["margin_percent"] == D("33.33")
    by_customer = {row["customer"]: row for row in data["by_customer"]}
    assert by_customer["Customer A"]["revenue"] is None  # only unpriced: no revenue, no margin
    assert by_customer["Customer A"]["margin"] is None
    assert by_customer["Customer A"]["unpriced"]["quantity"] == 1
    assert by_customer["Customer B"]["revenue"] == D("120.0000")
    assert [ln["revenue"] for ln in data["lines"]].count(None) == 2

    summary = order_summary(get_order(so.number))
    assert [(r["sold"], r["revenue"], r["margin"]) for r in summary["lines"]] == [
        (1, None, None), (1, "120.00", "40.00")]
    assert summary["gross_margin"]["unpriced_sold"] == 1
    assert summary["gross_margin"]["cogs"] == "160.00"
    assert unit_history("A1", "HT-1")["sale"]["price"] is None


def test_a_reversed_shipment_gives_back_its_revenue(shop: Any, user: Any) -> None:
    receive(user, ["A1", "A2"], cost=D("80"))
    so = sale(user, ("HT-1", 2, "100"))
    ship(user, ["A1"], order=so.number)
    wrong = ship(user, ["A2"], order=so.number)
    posting.reverse(number=wrong.number, user=user, reason="wrong unit")
    data = report()
    assert (data["revenue"], data["total"], data["margin"]) == (D("100"), D("80"), D("20"))
    line = order_summary(get_order(so.number))["lines"][0]
    assert (line["shipped"], line["sold"], line["revenue"], line["cogs"], line["margin"]) == (
        1, 1, "100.00", "80.00", "20.00")
