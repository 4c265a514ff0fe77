"""Lots and plain quantities in the web: receive and ship by count, a GS1 label filling the form,
the pick shown in the engine's order (earliest expiry first), refusals naming the field. Through
Django's test client on the real database (SQLite and PostgreSQL), and once in the browser."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from serialtrack import catalog, posting
from serialtrack.inventory.models import Document, StockQuantity
from tests.helpers.web import PASSWORD, Site, sign_in

GTIN = "09506000134369"
GS = "\x1d"

@pytest.fixture
def clerk_client(shop: dict, user: Any) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    catalog.create_product("SAL-9", "Saline 1 l", "lot", gtin=GTIN)
    clerk, _ = create_user("quinn", "clerk", PASSWORD)
    client = Client()
    client.force_login(clerk)
    return client

def _on_hand(sku: str) -> dict[str | None, int]:
    rows = StockQuantity.objects.filter(product__sku=sku, quantity__gt=0).select_related("lot")
    return {r.lot.code if r.lot else None: r.quantity for r in rows}

def test_receive_a_lot_by_count(clerk_client: Any) -> None:
    response = clerk_client.post("/quantities/receive/", {
        "action": "post", "supplier": "Supplier S", "warehouse": "WH1", "product": "SAL-1",
        "quantity": "40", "lot": "L-1", "expiry": "2027-03-31", "reference": "PO-7"})
    assert response.status_code == 302
    doc = Document.objects.get(number=response["Location"].rsplit("/", 1)[1])
    assert (doc.kind, doc.reference, doc.party.name) == ("receipt", "PO-7", "Supplier S")
    assert _on_hand("SAL-1") == {"L-1": 40}

def test_a_gs1_label_fills_product_lot_expiry_and_count(clerk_client: Any) -> None:
    label = f"]d201{GTIN}10L-77{GS}17280131{GS}3012"
    page = clerk_client.post("/quantities/receive/", {"action": "read", "scan": label,
                                                      "warehouse": "WH1"})
    assert page.status_code == 200
    html = page.content.decode()
    for name, value in (("product", "SAL-9"), ("lot", "L-77"), ("expiry", "2028-01-31"),
                        ("quantity", "12")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', html), name
    assert _on_hand("SAL-9") == {}  # reading a label posts nothing

def test_an_unreadable_label_is_refused_naming_the_element(clerk_client: Any) -> None:
    page = clerk_client.post("/quantities/receive/", {"action": "read",
                                                      "scan": f"]d201{GTIN}17281341"})
    assert page.status_code == 422
    assert "(17)" in page.content.decode() and "month 13" in page.content.decode()

def test_ship_takes_the_earliest_expiry_first_and_shows_the_pick(clerk_client: Any, user: Any
                                                                 ) -> None:
    for lot, expiry in (("LATE", dt.date(2029, 1, 1)), ("SOON", dt.date(2027, 1, 1))):
        posting.receive(warehouse="WH1", product="SAL-1", user=user, quantity=10, lot=lot,
                        expiry=expiry)
    pick = clerk_client.post("/quantities/ship/", {"action": "show", "customer": "Customer A",
                                                   "warehouse": "WH1", "product": "SAL-1",
                                                   "quantity": "14"})
    rows = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td><td[^>]*>[^<]*</td>"
                      r"<td[^>]*>(\d+)</td><td[^>]*>(?:<strong>)?([^<]*)", pick.content.decode())
    assert rows == [("SOON", "10", "10"), ("LATE", "10", "4")]
    assert _on_hand("SAL-1") == {"SOON": 10, "LATE": 10}  # showing the pick posts nothing

    shipped = clerk_client.post("/quantities/ship/", {"action": "post", "customer": "Customer A",
                                                      "warehouse": "WH1", "product": "SAL-1",
                                                      "quantity": "14"})
    assert shipped.status_code == 302
    assert _on_hand("SAL-1") == {"LATE": 6}

def test_shipping_more_than_on_hand_is_refused_and_changes_nothing(clerk_client: Any,
                                                                    user: Any) -> None:
    posting.receive(warehouse="WH1", product="CBL-1", user=user, quantity=5)
    before = _on_hand("CBL-1")
    page = clerk_client.post("/quantities/ship/", {"action": "post", "customer": "Customer A",
                                                   "warehouse": "WH1", "product": "CBL-1",
                                                   "quantity": "6"})
    assert page.status_code == 422
    assert "6 requested, 5 on hand" in page.content.decode()
    assert _on_hand("CBL-1") == before
    assert not Document.objects.filter(kind="shipment").exists()

def test_bad_fields_are_named(clerk_client: Any) -> None:
    page = clerk_client.post("/quantities/receive/", {"action": "post", "warehouse": "WH1",
                                                      "product": "SAL-1", "quantity": "two",
                                                      "expiry": "31/03/2027", "cost": "cheap"})
    html = page.content.decode()
    assert page.status_code == 422
    assert "quantity &#x27;two&#x27;" in html and "expiry &#x27;31/03/2027&#x27;" in html
    assert "cost &#x27;cheap&#x27;" in html
    assert _on_hand("SAL-1") == {}

def test_a_viewer_sees_no_form_and_cannot_post(shop: dict) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    viewer, _ = create_user("vic", "viewer", PASSWORD)
    client = Client()
    client.force_login(viewer)
    assert 'data-testid="read-only"' in client.get("/quantities/ship/").content.decode()
    refused = client.post("/quantities/receive/", {"action": "post", "warehouse": "WH1",
                                                   "product": "CBL-1", "quantity": "3"})
    assert refused.status_code == 403
    assert _on_hand("CBL-1") == {}

@pytest.mark.slow
def test_receive_by_label_then_ship_in_the_browser(browser: Any, site: Site) -> None:
    """Keyboard only: scan a GS1 label (Enter reads it), post; then ship part of it by count."""
    from playwright.sync_api import expect

    site.cli("product", "add", "SAL-B", "--name", "Saline", "--tracking", "lot", "--gtin", GTIN)
    site.add_user("quentin", "clerk")
    page = sign_in(browser, site, "quentin")
    page.goto("/quantities/receive/")
    expect(page.locator("#label-scan")).to_be_focused()
    page.keyboard.type(f"]d201{GTIN}10LB-1")
    page.keyboard.press("Control+BracketRight")
    page.keyboard.type("17280131")
    page.keyboard.press("Control+BracketRight")
    page.keyboard.type("3025")
    page.keyboard.press("Enter")
    expect(page.locator("[name=product]")).to_have_value("SAL-B")
    expect(page.locator("[name=lot]")).to_have_value("LB-1")
    expect(page.locator("[name=quantity]")).to_have_value("25")
    page.locator("[name=reference]").focus()
    page.keyboard.press("Enter")  # Enter in any other field posts
    expect(page).to_have_url(re.compile(r"/documents/RCV-\d{6}$"))
    expect(page.locator("main")).to_contain_text("LB-1")

    page.goto("/quantities/ship/")
    page.locator("[name=customer]").fill("Customer A")
    page.locator("[name=product]").fill("SAL-B")
    page.locator("[name=quantity]").fill("5")
    page.get_by_role("button", name="Show the pick").click()
    expect(page.get_by_test_id("pick")).to_contain_text("LB-1")
    page.get_by_role("button", name="Post shipment").click()
    expect(page).to_have_url(re.compile(r"/documents/SHP-\d{6}$"))
    stock = json.loads(site.cli("stock", "--product", "SAL-B", "--json"))
    assert [(q["lot"], q["quantity"]) for q in stock["quantities"]] == [("LB-1", 20)], stock
