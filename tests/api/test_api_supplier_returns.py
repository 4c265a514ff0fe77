"""Returns to supplier and packing slips over HTTP: post the return, its replacement, a credit;
the awaiting-credit report; refusals as problem details; the packing slip PDF."""

from __future__ import annotations

from tests.helpers.api import Api, setup_shop
from tests.helpers.pdf_text import pdf_pages_text, pdf_words


def test_supplier_return_round_trip(users: dict[str, Api]) -> None:
    clerk, manager = users["clerk"], users["manager"]
    setup_shop(manager)
    manager("POST", "/api/parties", {"name": "Other Supplier", "supplier": True})
    rcv = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                          "supplier": "Scanners Wholesale", "cost": "99.90",
                                          "serials": ["R-1", "R-2"]}).json()["document"]
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                    "supplier": "Other Supplier", "serials": ["O-1"]})
    refused = clerk("POST", "/api/supplier-returns", {"receipt": rcv, "reason": "DOA",
                                                      "serials": ["R-1", "O-1"]})
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/not_from_supplier")
    assert [e["serial"] for e in problem["errors"]] == ["O-1"]
    assert "Other Supplier" in problem["errors"][0]["message"]

    posted = clerk("POST", "/api/supplier-returns", {"receipt": rcv, "reason": "DOA",
                                                     "serials": ["R-1", "R-2"]})
    assert posted.status_code == 201, posted.content
    rts = posted.json()
    assert (rts["document"], rts["related"], rts["party"]) == ("RTS-000001", rcv,
                                                               "Scanners Wholesale")
    unit = clerk("GET", "/api/products/HT-200/units/R-1").json()
    assert (unit["status"], unit["holder"]) == ("returned_to_supplier", "Scanners Wholesale")

    back = clerk("POST", "/api/supplier-returns/RTS-000001/replacements",
                 {"warehouse": "WH1", "serials": ["R-1"]})
    assert back.status_code == 201, back.content
    assert clerk("GET", "/api/products/HT-200/units/R-1").json()["status"] == "in_stock"

    report = clerk("GET", "/api/supplier-returns?awaiting_credit=true").json()
    assert [(r["document"], r["awaiting_credit"]) for r in report] == [("RTS-000001", "99.90")]
    assert clerk("POST", "/api/supplier-returns/RTS-000001/credits",
                 {"amount": "99.90"}).status_code == 403  # money is the manager's
    credited = manager("POST", "/api/supplier-returns/RTS-000001/credits",
                       {"amount": "99.90", "reference": "CN-7"})
    assert credited.status_code == 201 and credited.json()["awaiting_credit"] == "0.00"
    assert clerk("GET", "/api/supplier-returns?awaiting_credit=true").json() == []
    assert len(clerk("GET", "/api/supplier-returns?supplier=Scanners%20Wholesale").json()) == 1
    again = manager("POST", "/api/supplier-returns/RTS-000001/credits", {"amount": "1"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "amount"


def test_packing_slip_pdf(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    serials = [f"P-{n:03d}" for n in range(200)]
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200", "serials": serials})
    shp = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                           "product": "HT-200", "serials": serials,
                                           "reference": "PO-CUST-1"}).json()["document"]
    response = users["viewer"]("GET", f"/api/documents/{shp}/packing-slip.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert set(serials) <= pdf_words(response.content)
    assert "Customer A" in "\n".join(pdf_pages_text(response.content))
    assert clerk("GET", "/api/documents/RCV-000001/packing-slip.pdf").status_code == 422
    assert clerk("GET", "/api/documents/SHP-999999/packing-slip.pdf").status_code == 404
