"""The valuation page: the stock value now and at a past moment, with its filters, through
Django's test client on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from serialtrack import posting
from serialtrack.accounts.services import create_user
from tests.helpers.web import PASSWORD


def test_valuation_page_now_and_at_a_past_moment(shop: dict, user: Any) -> None:
    viewer, _ = create_user("vera", "viewer", PASSWORD)
    client = Client()
    client.force_login(viewer)
    posting.receive(warehouse="WH1", product="HT-1", serials=["A1", "A2"], cost=Decimal("1234.5"),
                    user=user)
    between = timezone.now().isoformat()
    posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=["A1"],
                 user=user)
    page = client.get("/valuation/").content.decode()
    assert "1,234.50 EUR" in page and "2,469.00 EUR" not in page
    page = client.get("/valuation/", {"at": between, "warehouse": "WH1"}).content.decode()
    assert 'data-testid="valuation-total">2,469.00 EUR' in page
    assert client.get("/valuation/", {"warehouse": "WH2"}).content.decode().count(
        "Nothing in storage then") == 1
    bad = client.get("/valuation/", {"at": "yesterday-ish"})
    assert bad.status_code == 422
    assert "neither a date" in bad.content.decode()
