"""The recall page: the report with its progress, "Hold all in storage" for managers, the
notification list's export links (Django's test client on the suite's database), and one short
browser run: a recall made through the engine, its page opened, hold pressed, progress seen."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from serialtrack import posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Unit
from tests.conftest import table_counts
from tests.helpers.posting import receive, ship
from tests.helpers.web import PASSWORD, Site, sign_in


def _client(name: str, role: str) -> Client:
    person, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def recalled(shop: dict, user: Any) -> str:
    receive(user, ["R-1", "R-2", "R-3"], lot="L77")
    ship(user, ["R-1"], customer="Customer A")
    return posting.create_recall(lot="L77", reason="capacitor", user=user).number or ""


def test_a_manager_holds_everything_in_storage_from_the_recall_page(recalled: str) -> None:
    manager = _client("mona", "manager")
    page = manager.get(f"/recalls/{recalled}/").content.decode()
    assert 'data-testid="hold-form"' in page and "Customer A" in page
    assert re.search(r'data-testid="found-units">3<', page)
    done = manager.post(f"/recalls/{recalled}/hold")
    assert done.status_code == 302
    page = manager.get(done["Location"]).content.decode()
    assert re.search(r'data-testid="held-units">2<', page) and 'data-testid="held"' in page
    assert set(Unit.objects.filter(status="on_hold").values_list("serial", flat=True)) == {
        "R-2", "R-3"}
    again = manager.post(f"/recalls/{recalled}/hold")
    assert again.status_code == 422 and 'role="alert"' in again.content.decode()
    export = manager.get(f"/recalls/{recalled}/customers.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["customer"], r["serials"]) for r in rows] == [("Customer A", "HT-1 R-1")]
    assert manager.get(f"/recalls/{recalled}/customers.xlsx").content[:2] == b"PK"
    assert recalled in manager.get("/recalls/").content.decode()
    assert manager.get("/recalls/RCL-999999/").status_code == 404


def test_a_clerk_sees_the_report_but_cannot_hold(recalled: str) -> None:
    clerk = _client("carl", "clerk")
    page = clerk.get(f"/recalls/{recalled}/").content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="hold-form"' not in page
    before = table_counts()
    assert clerk.post(f"/recalls/{recalled}/hold").status_code == 403
    assert table_counts() == before


def test_recall_page_in_the_browser(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale",
             "--lot", "L77", "device-00001..device-00004")
    site.cli("ship", "-w", "WH1", "--customer", "Customer B", "-p", "HT-200", "device-00001")
    site.cli("recall", "create", "--lot", "L77", "--reason", "capacitor")
    site.add_user("mona", "manager")
    page = sign_in(browser, site, "mona")
    page.goto("/recalls/RCL-000001/")
    expect(page.get_by_test_id("found-units")).to_have_text("4")
    expect(page.get_by_test_id("held-units")).to_have_text("0")
    expect(page.get_by_test_id("customers")).to_contain_text("Customer B")
    page.get_by_role("button", name="Hold all in storage").click()
    expect(page.get_by_test_id("held")).to_contain_text("ADJ-")
    expect(page.get_by_test_id("held-units")).to_have_text("3")
    expect(page.get_by_test_id("export-csv")).to_have_attribute(
        "href", "/recalls/RCL-000001/customers.csv")
