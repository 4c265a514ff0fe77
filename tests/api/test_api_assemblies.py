"""Assemblies over HTTP: build, the history's component tree and chain up, refusals as problem
details naming the serial, disassembly, spare parts in a repair (manager only)."""

from __future__ import annotations

from serialtrack.api import routes  # noqa: F401 - registers the routes
from tests.helpers.api import Api


def test_assemblies_over_http(users: dict[str, Api]) -> None:
    clerk, manager = users["clerk"], users["manager"]
    for sku in ("BIKE", "FRAME", "WHEEL", "BELL"):
        assert manager("POST", "/api/products", {"sku": sku, "name": sku}).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    manager("POST", "/api/parties", {"name": "Sup", "supplier": True})
    for sku, serials in (("FRAME", ["FR-1"]), ("WHEEL", ["WH-1", "WH-2"]), ("BELL", ["BL-1"])):
        assert clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": sku,
                                               "supplier": "Sup", "cost": "10.00",
                                               "serials": serials}).status_code == 201
    built = clerk("POST", "/api/assemblies", {"product": "BIKE", "serial": "BK-1",
                                              "warehouse": "WH1",
                                              "serials": ["FR-1", "WH-1", "WH-2"]})
    assert built.status_code == 201, built.content
    assert built.json()["document"] == "ASM-000001"
    history = clerk("GET", "/api/products/BIKE/units/BK-1/history").json()
    assert history["unit"]["cost"] == "30.0000"
    assert [c["serial"] for c in history["unit"]["components"]] == ["FR-1", "WH-1", "WH-2"]
    wheel = clerk("GET", "/api/history/WH-1").json()
    assert wheel["unit"]["inside"] == [{"serial": "BK-1", "product": "BIKE",
                                        "product_name": "BIKE", "status": "in_stock",
                                        "cost": wheel["unit"]["inside"][0]["cost"]}]
    assert wheel["movements"][-1]["note"] == "installed in BK-1"

    again = clerk("POST", "/api/assemblies", {"product": "BIKE", "serial": "BK-2",
                                              "warehouse": "WH1", "serials": ["WH-1"]})
    assert again.status_code == 422
    assert again.json()["errors"][0]["serial"] == "WH-1"
    assert "already installed in BK-1" in again.json()["errors"][0]["message"]

    repair = manager("POST", "/api/repairs/start", {"product": "BIKE", "serials": ["BK-1"]})
    number = repair.json()["document"]
    assert clerk("POST", "/api/repairs/install", {"repair": number,
                                                  "serials": ["BL-1"]}).status_code == 403
    installed = manager("POST", "/api/repairs/install", {"repair": number, "serials": ["BL-1"],
                                                         "product": "BELL"})
    assert installed.status_code == 201, installed.content
    removed = manager("POST", "/api/repairs/remove", {"repair": "BK-1", "serials": ["WH-2"],
                                                      "scrap": True})
    assert removed.status_code == 201, removed.content
    manager("POST", "/api/repairs/done", {"product": "BIKE", "serials": ["BK-1"]})
    apart = clerk("POST", "/api/assemblies/disassemble", {"serial": "BK-1"})
    assert apart.status_code == 201, apart.content
    assert clerk("GET", "/api/history/BL-1").json()["unit"]["status"] == "in_stock"
    assert clerk("GET", "/api/history/BK-1").json()["unit"]["components"] == []
    refused = manager("POST", f"/api/documents/{apart.json()['document']}/reverse", {})
    assert refused.status_code == 422 and "disassemble" in refused.text


def test_an_assembly_drafted_scan_by_scan_over_http(users: dict[str, Api]) -> None:
    clerk, manager = users["clerk"], users["manager"]
    for sku in ("BIKE", "FRAME"):
        assert manager("POST", "/api/products", {"sku": sku, "name": sku}).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "FRAME",
                                    "serials": ["FR-1", "FR-2"]})
    missing = clerk("POST", "/api/drafts", {"kind": "assembly", "operation": "assemble",
                                            "product": "BIKE", "warehouse": "WH1"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "assembly"
    opened = clerk("POST", "/api/drafts", {"kind": "assembly", "operation": "assemble",
                                           "product": "BIKE", "warehouse": "WH1",
                                           "assembly": "BK-1"})
    assert opened.status_code == 201, opened.content
    assert opened.json()["assembly"] == "BK-1"
    draft = opened.json()["id"]
    scans = clerk("POST", f"/api/drafts/{draft}/serials", {"serials": ["FR-1", "NOPE"]}).json()
    assert [v["accepted"] for v in scans["verdicts"]] == [True, False]
    posted = clerk("POST", f"/api/drafts/{draft}/post")
    assert posted.status_code == 201, posted.content
    assert posted.json()["document"].startswith("ASM-")
    assert clerk("GET", "/api/history/FR-1").json()["unit"]["status"] == "installed"
