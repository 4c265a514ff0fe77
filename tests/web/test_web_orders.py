"""The order pages: lists with filters, an order's page (lines, open quantities, documents,
pick suggestion), the PO PDF from the page (Django's test client); and in a real browser, a PO
page's "Receive against this PO" into the receive station, scans, post, the PO partially
received."""

from __future__ import annotations

import re
from typing import Any

import pytest

from serialtrack import posting
from tests.helpers.orders import pdf_text, purchase, sale
from tests.helpers.posting import receive
from tests.helpers.web import PASSWORD, Site, post_draft, scan, sign_in


@pytest.fixture
def clerk_client(shop: dict, user: Any) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    clerk, _ = create_user("casey", "clerk", PASSWORD)
    client = Client()
    client.force_login(clerk)
    return client


@pytest.mark.django_db
def test_order_pages(clerk_client: Any, user: Any) -> None:
    po = purchase(user, ("HT-1", 3, "100"), ("CBL-1", 10, "1.5"))
    posting.receive(warehouse="WH1", product="HT-1", serials=["P1"], user=user, order=po.number)
    listed = clerk_client.get("/purchase-orders/?open=1&party=Supplier+S")
    assert listed.status_code == 200 and po.number in listed.content.decode()
    page = clerk_client.get(f"/purchase-orders/{po.number}").content.decode()
    assert "partially received" in page and "RCV-000001" in page
    assert 'data-testid="open-1">2<' in page and 'data-testid="open-2">10<' in page
    link = re.search(r'href="(/receive/\?[^"]+)" data-testid="station-link"', page)
    assert link is not None
    station = clerk_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert f'value="{po.number}"' in station and 'value="Supplier S"' in station
    pdf = clerk_client.get(f"/purchase-orders/{po.number}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert all(s in text for s in (po.number, "HT-1", "CBL-1", "100.00", "1.50"))
    assert clerk_client.get("/purchase-orders/PO-999999").status_code == 404

    receive(user, ["S1", "S2"])
    so = sale(user, ("HT-1", 2, None))
    page = clerk_client.get(f"/sales-orders/{so.number}").content.decode()
    assert "Pick and ship this SO" in page and "P1" in page and "S1" in page
    assert "/ship/?order=SO-000001" in page
    assert clerk_client.get("/sales-orders/?status=open").status_code == 200



@pytest.mark.django_db
def test_order_lists_page_newest_first_keeping_the_filter(clerk_client: Any, user: Any) -> None:
    from serialtrack.web.orders import PAGE_SIZE
    numbers = [purchase(user, ("HT-1", 1, None)).number for _ in range(PAGE_SIZE + 2)]
    first = clerk_client.get("/purchase-orders/?party=Supplier+S").content.decode()
    assert numbers[-1] in first and numbers[2] in first and numbers[1] not in first
    assert f"1–{PAGE_SIZE} of {PAGE_SIZE + 2}" in first
    assert 'href="?party=Supplier+S&amp;page=2" rel="next"' in first
    second = clerk_client.get("/purchase-orders/?party=Supplier+S&page=2").content.decode()
    assert numbers[1] in second and numbers[0] in second and numbers[2] not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second

def test_receive_against_a_po_in_the_browser(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("po", "create", "--supplier", "Scanners Wholesale", "--line", "HT-200:3:50",
             user="boss")
    site.add_user("pat", "clerk")
    page = sign_in(browser, site, "pat")
    page.goto("/purchase-orders/PO-000001")
    page.get_by_test_id("station-link").click()
    expect(page.get_by_test_id("order")).to_have_value("PO-000001")
    page.locator("select[name=warehouse]").select_option("WH1")  # where it lands: no default
    page.get_by_role("button", name="Start scanning").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(page.get_by_test_id("draft-order")).to_have_text("PO-000001")
    scan(page, "device-00901")
    scan(page, "device-00902")
    number = post_draft(page, "receipt")
    page.goto("/purchase-orders/PO-000001")
    expect(page.get_by_test_id("order-status")).to_have_text("partially received")
    expect(page.get_by_test_id("open-1")).to_have_text("1")
    expect(page.get_by_test_id("order-documents")).to_contain_text(number)


@pytest.mark.django_db
def test_sales_order_page_and_unit_page_show_the_margin(clerk_client: Any, user: Any) -> None:
    from decimal import Decimal

    receive(user, ["M1"], cost=Decimal("100.10"))
    receive(user, ["M2"], cost=Decimal("250.0333"))
    so = sale(user, ("HT-1", 2, "499.99"))
    for serial in ("M1", "M2"):
        posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=[serial],
                     user=user, order=so.number)
    page = clerk_client.get(f"/sales-orders/{so.number}").content.decode()
    assert 'data-testid="order-margin-total">649.8467<' in page
    assert "999.98" in page and "350.1333" in page
    unit = clerk_client.get("/units/HT-1/M1").content.decode()
    sold = re.search(r'data-testid="unit-sale">(.*?)</dd>', unit, re.S)
    assert sold is not None
    text = re.sub(r"<[^>]+>", "", sold.group(1))
    assert "sold for 499.99" in text and "cost 100.10" in text and "margin 399.89" in text
    assert so.number in text
