"""Money over HTTP: a landed cost posted through its declared route, the valuation, COGS, stock
and unit reports at a past moment, with exact decimal strings and problem details."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from tests.helpers.api import Api, setup_shop


def test_landed_cost_and_reports_round_trip(users: dict[str, Api]) -> None:
    manager, clerk, viewer = users["manager"], users["clerk"], users["viewer"]
    setup_shop(manager)
    for serials, cost in ((["device-00001", "device-00002"], "100.00"),
                          (["device-00003"], "40.50")):
        r = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                            "supplier": "Scanners Wholesale", "cost": cost,
                                            "serials": serials})
        assert r.status_code == 201, r.content
    between = timezone.now().isoformat()
    r = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                         "product": "HT-200",
                                         "serials": ["device-00001", "device-00003"]})
    assert r.status_code == 201
    # a clerk may not post a landed cost; a manager may
    body = {"receipt": "RCV-000001", "amount": "10.01", "reason": "freight", "by": "quantity"}
    assert clerk("POST", "/api/landed-costs", body).status_code == 403
    r = manager("POST", "/api/landed-costs", body)
    assert r.status_code == 201, r.content
    assert r.json()["document"] == "LC-000001"

    now = viewer("GET", "/api/reports/valuation").json()
    assert now["currency"] == "EUR"
    # device-00002 is left, with its half of the freight (5.01: the odd cent to the first unit)
    assert Decimal(now["value"]) == Decimal("105.00")
    then = viewer("GET", f"/api/reports/valuation?at={between.replace('+', '%2B')}").json()
    assert Decimal(then["value"]) == Decimal("240.50")
    assert [(ln["warehouse"], ln["product"], ln["quantity"]) for ln in then["lines"]] == [
        ("WH1", "HT-200", 3)]

    today = timezone.localdate().isoformat()
    cogs = viewer("GET", f"/api/reports/cogs?from={today}&to={today}").json()
    assert Decimal(cogs["total"]) == Decimal("140.50") + Decimal("5.01")  # device-00001's part
    assert cogs["by_customer_product"][0]["customer"] == "Customer A"

    stock = viewer("GET", f"/api/stock?at={between.replace('+', '%2B')}").json()
    assert stock["units"][0]["serials"] == ["device-00001", "device-00002", "device-00003"]
    unit = viewer("GET", f"/api/history/device-00001?at={between.replace('+', '%2B')}").json()
    assert (unit["at"]["status"], unit["at"]["location"]) == ("in_stock", "WH1/MAIN")

    # the landed cost reversed through the generic reversal route: a manager's
    assert clerk("POST", "/api/documents/LC-000001/reverse", {}).status_code == 403
    r = manager("POST", "/api/documents/LC-000001/reverse", {"reason": "wrong invoice"})
    assert r.status_code == 201, r.content
    assert Decimal(viewer("GET", "/api/reports/valuation").json()["value"]) == Decimal("100.00")
    cogs = viewer("GET", f"/api/reports/cogs?from={today}&to={today}").json()
    assert Decimal(cogs["total"]) == Decimal("140.50")  # the 5.01 expensed is given back
    r = manager("POST", "/api/documents/LC-000001/reverse", {})
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["code"] == "not_reversible"


def test_landed_cost_refusals_are_problem_details_naming_the_field(
        users: dict[str, Api]) -> None:
    manager = users["manager"]
    setup_shop(manager)
    r = manager("POST", "/api/landed-costs", {"receipt": "RCV-000009", "amount": "1.00",
                                              "reason": "freight"})
    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] == "receipt"
    r = manager("POST", "/api/landed-costs", {"receipt": "RCV-000009", "amount": "-1.00",
                                              "reason": "freight"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "amount"
    r = users["viewer"]("GET", "/api/reports/valuation?at=someday")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "at"
