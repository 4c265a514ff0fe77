"""Recalls over HTTP: create, report, hold everything in stock, export the notification list;
holds of lots and quantities."""

from __future__ import annotations

import csv
import io

from serialtrack.api import routes  # noqa: F401 - registers the routes
from tests.helpers.api import Api


def test_recall_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    for product in ({"sku": "HT-1", "name": "T"}, {"sku": "SAL-1", "name": "S",
                                                   "tracking": "lot"}):
        assert manager("POST", "/api/products", product).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    manager("POST", "/api/parties", {"name": "Sup", "supplier": True})
    manager("POST", "/api/parties", {"name": "Acme", "customer": True,
                                     "email": "recalls@acme.test", "contact": "Bo"})
    assert clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                           "supplier": "Sup", "lot": "L77",
                                           "serials": ["A1", "A2", "A3"]}).status_code == 201
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "SAL-1", "supplier": "Sup",
                                    "lot": "L77", "quantity": 10})
    clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Acme", "product": "HT-1",
                                     "serials": ["A1"]})
    clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Acme",
                                     "product": "SAL-1", "quantity": 4})
    hold = clerk("POST", "/api/holds", {"product": "SAL-1", "lot": "L77", "quantity": 2,
                                        "warehouse": "WH1"})
    assert hold.status_code == 201, hold.content
    release = clerk("POST", "/api/releases", {"lot": "L77", "product": "SAL-1"})
    assert release.status_code == 201 and release.json()["lines"][0]["quantity"] == 2

    assert clerk("POST", "/api/recalls", {"lot": "L77", "reason": "x"}).status_code == 403
    created = manager("POST", "/api/recalls", {"lot": "L77", "reason": "capacitor"})
    assert created.status_code == 201, created.content
    number = created.json()["document"]
    report = viewer("GET", f"/api/recalls/{number}").json()
    assert report["progress"]["found"] == {"units": 3, "quantity": 10}
    assert {u["serial"]: u["status"] for u in report["units"]} == {
        "A1": "shipped", "A2": "in_stock", "A3": "in_stock"}
    assert viewer("GET", f"/api/recalls/{number}?limit=1&offset=1").json()["units"][0][
        "serial"] == "A2"
    held = manager("POST", f"/api/recalls/{number}/hold", {})
    assert held.status_code == 201 and held.json()["related"] == number
    again = manager("POST", f"/api/recalls/{number}/hold", {})
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "nothing_to_hold"
    report = viewer("GET", f"/api/recalls/{number}").json()
    assert report["progress"]["held"] == {"units": 2, "quantity": 6}
    exported = viewer("GET", f"/api/recalls/{number}/export?format=csv")
    assert exported["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["customer"], r["contact"], r["email"], r["serials"], r["lot_quantities"])
            for r in rows] == [("Acme", "Bo", "recalls@acme.test", "HT-1 A1", "SAL-1 lot L77: 4")]
    assert [(c["customer"], c["email"]) for c in report["customers"]] == [
        ("Acme", "recalls@acme.test")]
    xlsx = viewer("GET", f"/api/recalls/{number}/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert viewer("GET", "/api/recalls/RCL-999999").status_code == 404
