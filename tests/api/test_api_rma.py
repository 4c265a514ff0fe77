"""Service cases over HTTP (`/api/rma-cases`): clerks open a claim by scanning and add notes and
documents, managers close; refusals are problem details naming the field; the flag for a unit
sold to another customer; a viewer reads only."""

from __future__ import annotations

import pytest

from tests.helpers.api import Api

pytestmark = pytest.mark.django_db


def shop(manager: Api, clerk: Api) -> str:
    assert manager("POST", "/api/products", {"sku": "HT-200", "name": "Handheld terminal",
                                             "warranty_days": 365}).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    manager("POST", "/api/parties", {"name": "Scanners Wholesale", "supplier": True})
    for name in ("Customer A", "Customer B"):
        manager("POST", "/api/parties", {"name": name, "customer": True})
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                    "supplier": "Scanners Wholesale", "serials": ["D1", "D2"]})
    shp = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                           "product": "HT-200", "serials": ["D1"]})
    return str(shp.json()["document"])


def test_rma_cases_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shp = shop(manager, clerk)
    body = {"scan": "D1", "claimant": "Customer B", "fault": "screen flickers"}
    assert viewer("POST", "/api/rma-cases", body).status_code == 403
    created = clerk("POST", "/api/rma-cases", body)
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"] == "RMA-000001" and case["sold_on"] == shp
    assert case["other_customer"] is True and case["flags"][0]["code"] == "other_customer"
    assert case["warranty"]["under_warranty"] is True

    again = clerk("POST", "/api/rma-cases", body)
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "scan"
    missing = clerk("POST", "/api/rma-cases", {"scan": "D2", "claimant": "Nobody", "fault": "x"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "customer"
    unknown = clerk("POST", "/api/rma-cases", {**body, "colour": "red"})
    assert unknown.status_code == 422

    noted = clerk("POST", "/api/rma-cases/RMA-000001/notes", {"text": "photos by mail"})
    assert noted.status_code == 201 and noted.json()["notes"][0]["user"] == "clerk-1"
    ret = clerk("POST", "/api/returns", {"shipment": shp, "serials": ["D1"],
                                         "disposition": "repair"}).json()["document"]
    listed = viewer("GET", "/api/rma-cases/RMA-000001").json()
    assert [c["number"] for c in listed["candidates"]] == [ret]
    bad = clerk("POST", "/api/rma-cases/RMA-000001/documents", {"document": "RCV-000001"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "document"
    linked = clerk("POST", "/api/rma-cases/RMA-000001/documents", {"document": ret})
    assert linked.status_code == 201 and linked.json()["documents"][0]["role"] == "customer return"

    close = {"outcome": "refund", "reason": "customer wants the money back"}
    assert clerk("POST", "/api/rma-cases/RMA-000001/close", close).status_code == 403
    refused = manager("POST", "/api/rma-cases/RMA-000001/close", close)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "refund"
    closed = manager("POST", "/api/rma-cases/RMA-000001/close", {**close, "refund": "CN-77"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["refund"] == "CN-77"
    assert viewer("GET", "/api/rma-cases?open=true").json() == []
    assert viewer("GET", "/api/rma-cases").json()[0]["outcome"] == "refund"
    assert viewer("GET", "/api/rma-cases/RMA-000099").status_code == 404
