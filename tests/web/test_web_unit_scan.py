"""The unit page found by a scanned GS1 label shows where the label contradicts the record."""

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
