"""A shipment's delivery note / packing slip: the PDF's own text lists every serial shipped and
every lot with its expiry and quantity, with the customer, number, date and reference — also
for a 10,000-serial shipment (several pages of compact columns)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from serialtrack import errors, posting
from serialtrack.packing_slips import render_packing_slip
from serialtrack.queries.packing_slips import packing_slip
from tests.helpers.pdf_text import pdf_pages_text, pdf_words
from tests.helpers.posting import receive, ship


def test_slip_lists_customer_header_serials_and_lots(shop: dict, user: Any) -> None:
    serials = [f"HT-{n:04d}" for n in range(30)] + ["x/y#1"]
    receive(user, serials)
    posting.receive(warehouse="WH1", product="SAL-1", supplier="Supplier S", lot="L-OLD",
                    expiry=dt.date(2030, 1, 31), quantity=3, user=user)
    posting.receive(warehouse="WH1", product="SAL-1", supplier="Supplier S", lot="L-NEW",
                    expiry=dt.date(2031, 6, 30), quantity=10, user=user)
    doc = ship(user, serials, reference="SO-4711")
    pdf = render_packing_slip(packing_slip(doc.number))
    text = "\n".join(pdf_pages_text(pdf))
    words = pdf_words(pdf)
    assert set(serials) <= words
    for expected in ("Customer A", doc.number, "SO-4711", doc.posted_at.date().isoformat(),
                     "HT-1", "Handheld terminal", "Delivery note"):
        assert expected in text, expected
    lots = posting.ship(warehouse="WH1", customer="Customer B", product="SAL-1", quantity=5,
                        user=user)  # earliest expiry first: 3 of L-OLD, 2 of L-NEW
    text = "\n".join(pdf_pages_text(render_packing_slip(packing_slip(lots.number))))
    assert "Lot L-OLD, expires 2030-01-31: 3" in text
    assert "Lot L-NEW, expires 2031-06-30: 2" in text
    assert "Customer B" in text


def test_ten_thousand_serials_all_on_the_slip(shop: dict, user: Any) -> None:
    serials = [f"SN-{n:07d}" for n in range(10_000)]
    receive(user, serials)
    doc = ship(user, serials)
    slip = packing_slip(doc.number)
    assert slip.serial_count == 10_000
    pages = pdf_pages_text(render_packing_slip(slip))
    assert 5 <= len(pages) <= 40
    assert {w for page in pages for w in page.split()} >= set(serials)


def test_only_shipments_have_a_slip(shop: dict, user: Any) -> None:
    doc = receive(user, ["A-1"])
    with pytest.raises(errors.InvalidInput):
        packing_slip(doc.number)
    with pytest.raises(errors.NotFound):
        packing_slip("SHP-999999")
