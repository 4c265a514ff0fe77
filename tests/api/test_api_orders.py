"""Purchase and sales orders over HTTP: create (manager only), receive / ship against them
(clerk), open quantities, refusals as problem details naming the line, close, cancel, pick,
the PDF, and idempotent creation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.helpers.api import Api
from tests.helpers.orders import pdf_text

pytestmark = pytest.mark.django_db


def shop(manager: Api) -> None:
    for body in ({"sku": "HT-200", "name": "Handheld terminal"},
                 {"sku": "SAL-1", "name": "Saline", "tracking": "lot"}):
        assert manager("POST", "/api/products", body).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    manager("POST", "/api/parties", {"name": "Scanners Wholesale", "supplier": True})
    manager("POST", "/api/parties", {"name": "Customer A", "customer": True})
    manager("POST", "/api/parties", {"name": "Customer B", "customer": True})


def test_purchase_order_round_trip(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shop(manager)
    body = {"supplier": "Scanners Wholesale", "expected_date": "2026-12-24",
            "lines": [{"product": "HT-200", "quantity": 3, "unit_price": "250.00"},
                      {"product": "SAL-1", "quantity": 100, "tolerance_percent": "10"}]}
    assert clerk("POST", "/api/purchase-orders", body).status_code == 403
    created = manager("POST", "/api/purchase-orders", body, **{"Idempotency-Key": "po-1"})
    assert created.status_code == 201, created.content
    again = manager("POST", "/api/purchase-orders", body, **{"Idempotency-Key": "po-1"})
    assert again.json()["number"] == created.json()["number"] == "PO-000001"
    assert len(viewer("GET", "/api/purchase-orders").json()) == 1
    rcv = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                          "order": "PO-000001", "serials": ["D1", "D2"]})
    assert rcv.status_code == 201, rcv.content
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "SAL-1", "lot": "L1",
                                    "quantity": 105, "order": "PO-000001"})
    po = viewer("GET", "/api/purchase-orders/PO-000001").json()
    assert [(r["received"], r["open"]) for r in po["lines"]] == [(2, 1), (105, 0)]
    assert po["status"] == "partial" and len(po["documents"]) == 2
    over = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                           "order": "PO-000001", "serials": ["D3", "D4"]})
    assert over.status_code == 422
    (error,) = over.json()["errors"]
    assert error["line"] == 1 and error["open"] == 1 and error["order"] == "PO-000001"
    opened = viewer("GET", "/api/purchase-orders?supplier=Scanners+Wholesale&open=true").json()
    assert [o["open"] for o in opened] == [1]
    assert viewer("GET", "/api/purchase-orders/expected").json()[0]["open"] == 1
    pdf = viewer("GET", "/api/purchase-orders/PO-000001/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "HT-200" in pdf_text(pdf.content) and "SAL-1" in pdf_text(pdf.content)
    assert clerk("POST", "/api/purchase-orders/PO-000001/close", {}).status_code == 403
    closed = manager("POST", "/api/purchase-orders/PO-000001/close", {"reason": "late"})
    assert closed.json()["lines"][0]["short"] == 1
    assert viewer("GET", "/api/purchase-orders/PO-000404").status_code == 404
    assert viewer("GET", "/api/sales-orders/PO-000001").status_code == 404


def test_sales_order_round_trip(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shop(manager)
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                    "supplier": "Scanners Wholesale", "serials": ["D1", "D2"]})
    so = manager("POST", "/api/sales-orders",
                 {"customer": "Customer A", "lines": [{"product": "HT-200", "quantity": 2}]})
    assert so.status_code == 201
    pick = viewer("GET", "/api/sales-orders/SO-000001/pick").json()
    assert [p["serial"] for p in pick["lines"][0]["picks"]] == ["D1", "D2"]
    wrong = clerk("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                             "customer": "Customer B", "order": "SO-000001",
                                             "serials": ["D1"]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "customer"
    assert clerk("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                            "order": "SO-000001", "serials": ["D1"]}
                 ).status_code == 201
    shown = viewer("GET", "/api/sales-orders/SO-000001").json()
    assert shown["lines"][0]["shipped"] == 1 and shown["lines"][0]["open"] == 1
    assert viewer("GET", "/api/sales-orders?customer=Customer+A&status=partial").json()
    refused = manager("POST", "/api/sales-orders/SO-000001/cancel", {})
    assert refused.status_code == 422
    so2 = manager("POST", "/api/sales-orders",
                  {"customer": "Customer A", "lines": [{"product": "HT-200", "quantity": 1}]})
    cancelled = manager("POST", f"/api/sales-orders/{so2.json()['number']}/cancel",
                        {"reason": "dup"})
    assert cancelled.json()["status"] == "cancelled"
    draft = manager("POST", "/api/sales-orders", {"customer": "Customer A", "draft": True,
                                                  "lines": [{"product": "HT-200", "quantity": 1}]})
    assert draft.json()["status"] == "draft"
    number = draft.json()["number"]
    assert clerk("POST", f"/api/sales-orders/{number}/open").status_code == 403
    assert manager("POST", f"/api/sales-orders/{number}/open").json()["status"] == "open"
    assert manager("POST", f"/api/sales-orders/{number}/open").status_code == 422
    bad = manager("POST", "/api/sales-orders",
                  {"customer": "Customer A", "lines": [{"product": "NOPE", "quantity": 1}]})
    assert bad.status_code == 404 and bad.json()["errors"][0]["line"] == 1




def test_sales_order_margin_over_http(users: dict[str, Api]) -> None:
    """Two partial shipments of serials at different costs against one priced SO line, and a
    return of one of them: the SO's gross margin and the COGS report's revenue and margin."""
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shop(manager)
    for serial, cost in (("D1", "100.10"), ("D2", "250.0333")):
        assert clerk("POST", "/api/receipts", {
            "warehouse": "WH1", "product": "HT-200", "supplier": "Scanners Wholesale",
            "cost": cost, "serials": [serial]}).status_code == 201
    so = manager("POST", "/api/sales-orders", {"customer": "Customer A", "lines": [
        {"product": "HT-200", "quantity": 3, "unit_price": "499.99"}]}).json()["number"]
    shipments = [clerk("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                                  "order": so, "serials": [serial]}
                       ).json()["document"] for serial in ("D1", "D2")]
    shown = viewer("GET", f"/api/sales-orders/{so}").json()
    assert shown["gross_margin"] == {"sold": 2, "revenue": "999.98", "cogs": "350.1333",
                                     "margin": "649.8467", "margin_percent": "64.99",
                                     "unpriced_sold": 0}
    today = timezone.localdate().isoformat()
    cogs = viewer("GET", f"/api/reports/cogs?from={today}&to={today}").json()
    assert (cogs["revenue"], cogs["total"], cogs["margin"]) == ("999.9800", "350.1333",
                                                                "649.8467")
    assert cogs["by_product"][0]["margin"] == "649.8467"
    sale = viewer("GET", "/api/history/D2").json()["sale"]
    assert (sale["sales_order"], sale["price"], sale["cost"], sale["margin"]) == (
        so, "499.9900", "250.0333", "249.9567")
    back = clerk("POST", "/api/returns", {"shipment": shipments[1], "serials": ["D2"]})
    assert back.status_code == 201, back.content
    line = viewer("GET", f"/api/sales-orders/{so}").json()["lines"][0]
    assert (line["shipped"], line["sold"], line["revenue"], line["cogs"], line["margin"]) == (
        2, 1, "499.99", "100.10", "399.89")
    cogs = viewer("GET", f"/api/reports/cogs?from={today}&to={today}").json()
    assert (cogs["revenue"], cogs["total"], cogs["margin"]) == ("499.9900", "100.1000",
                                                                "399.8900")
