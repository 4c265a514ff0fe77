"""The document page of a shipment (and of a return to supplier) links its delivery note /
packing slip, and the link serves the PDF to the signed-in browser; other documents have none."""

from __future__ import annotations

from typing import Any

from django.test import Client

from serialtrack import posting
from tests.helpers.pdf_text import pdf_words
from tests.helpers.posting import receive, ship


def signed_in(role: str) -> Client:
    from serialtrack.accounts.services import create_user

    user, _password = create_user(f"{role}-web", role, "correct horse battery")
    client = Client()
    client.force_login(user)
    return client


def test_document_page_links_the_packing_slip(shop: dict, user: Any) -> None:
    rcv = receive(user, ["W-1", "W-2", "W-3"])
    shp = ship(user, ["W-1", "W-2"])
    rts = posting.return_to_supplier(receipt=rcv.number, reason="faulty", serials=["W-3"],
                                     user=user)
    browser = signed_in("viewer")
    page = browser.get(f"/documents/{shp.number}").content.decode()
    link = f"/api/documents/{shp.number}/packing-slip.pdf"
    assert f'href="{link}"' in page and "packing slip" in page
    pdf = browser.get(link)
    assert pdf.status_code == 200 and {"W-1", "W-2"} <= pdf_words(pdf.content)
    page = browser.get(f"/documents/{rts.number}").content.decode()
    assert f"/api/documents/{rts.number}/packing-slip.pdf" in page
    assert "Goes back against" in page and rcv.number in page
    assert "packing-slip" not in browser.get(f"/documents/{rcv.number}").content.decode()
