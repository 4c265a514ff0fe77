"""Web pages of this branch: the unit page found by a scanned GS1 label shows where the label
contradicts the record; the page of what expires within N days."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.test import Client

from serialtrack import catalog, posting
from serialtrack.accounts.services import create_user
from tests.helpers.scans import GTIN, datamatrix


def test_unit_page_by_scan_shows_the_disagreement(shop: dict, user: Any) -> None:
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN)
    posting.receive(warehouse="WH1", product="PUMP-1", user=user,
                    serials=[datamatrix("SN-1", "L77", "280131")])
    viewer, _ = create_user("v", "viewer", "correct horse battery")
    client = Client()
    client.force_login(viewer)
    page = client.get("/units/PUMP-1/" + quote(f"(01){GTIN}(21)SN-1(10)FAKE", safe=""))
    assert page.status_code == 200
    text = page.content.decode()
    assert "contradicts the record:" in text and "lot recorded L77, scanned FAKE" in text
    plain = client.get("/units/PUMP-1/SN-1").content.decode()
    assert "contradicts the record" not in plain


def test_expiring_page_lists_expired_lot_quantities_with_location(shop: dict, user: Any) -> None:
    import datetime as dt

    posting.receive(warehouse="WH2", product="SAL-1", quantity=7, lot="OLD",
                    expiry=dt.date(2020, 1, 1), supplier="Supplier S", user=user)
    viewer, _ = create_user("v", "viewer", "correct horse battery")
    client = Client()
    client.force_login(viewer)
    page = client.get("/expiring/?days=10")
    assert page.status_code == 200
    text = page.content.decode()
    assert "expired</strong> 2020-01-01" in text and "WH2/MAIN" in text and ">7<" in text
    assert "Nothing expires" in client.get("/expiring/?days=10&warehouse=WH1").content.decode()
    assert Client().get("/expiring/").status_code == 302  # signed out: to the sign-in page
