"""Orders made and closed in the web (issue 17): a manager's new-order form (supplier or
customer, expected date, reference, lines of product / quantity / price — judged as
`orders.create_order` judges the API's and the CLI's), and "Close short" on an order's page
(Django's test client); in a real browser, creating a PO and an SO, closing a PO short, and a
sales order picked and shipped from its page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from serialtrack import posting
from serialtrack.inventory.models import Order, OrderLine
from tests.helpers.orders import pdf_text, purchase
from tests.helpers.web import PASSWORD, Site, post_draft, scan, sign_in


def _client(role: str, name: str) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    who, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(who)
    return client


@pytest.fixture
def manager_client(shop: dict, user: Any) -> Any:
    return _client("manager", "morgan")


@pytest.fixture
def clerk_client(shop: dict, user: Any) -> Any:
    return _client("clerk", "casey")


@pytest.mark.django_db
def test_new_order_form_creates_an_open_order(manager_client: Any) -> None:
    page = manager_client.get("/purchase-orders/").content.decode()
    assert 'href="/purchase-orders/new"' in page
    form = manager_client.get("/purchase-orders/new").content.decode()
    assert 'name="supplier"' in form and "Supplier S" in form and "CBL-1" in form
    r = manager_client.post("/purchase-orders/new", {
        "supplier": "Supplier S", "expected_date": "2030-01-31", "reference": "their 77",
        "product-1": "HT-1", "quantity-1": "3", "price-1": "100.50",
        "product-3": "CBL-1", "quantity-3": "10"})  # an empty row between: skipped
    assert r.status_code == 302 and r["Location"] == "/purchase-orders/PO-000001"
    order = Order.objects.get(number="PO-000001")
    assert (order.kind, order.status, order.party.name, str(order.expected_date),
            order.reference) == ("purchase", "open", "Supplier S", "2030-01-31", "their 77")
    assert [(ln.line_no, ln.product.sku, ln.quantity, ln.unit_price) for ln in
            OrderLine.objects.filter(order=order).order_by("line_no")] == [
        (1, "HT-1", 3, 100.5), (2, "CBL-1", 10, None)]
    r = manager_client.post("/sales-orders/new", {"customer": "Customer A", "product-1": "HT-1",
                                                  "quantity-1": "1", "price-1": "499.99"})
    assert r.status_code == 302 and r["Location"] == "/sales-orders/SO-000001"


@pytest.mark.django_db
def test_new_order_refusals_name_the_line_and_keep_the_form(manager_client: Any) -> None:
    r = manager_client.post("/purchase-orders/new", {
        "supplier": "Supplier S", "product-1": "HT-1", "quantity-1": "2",
        "product-2": "NOPE-9", "quantity-2": "0"})
    assert r.status_code == 422
    page = r.content.decode()
    assert "line 2: unknown product &#x27;NOPE-9&#x27;" in page
    assert "line 2: quantity 0 must be at least 1" in page
    assert 'data-testid="line-problem-2"' in page and 'data-testid="line-problem-1"' not in page
    assert 'value="NOPE-9"' in page and 'value="Supplier S"' in page
    r = manager_client.post("/purchase-orders/new", {
        "supplier": "Supplier S", "expected_date": "soon", "product-1": "HT-1",
        "quantity-1": "two", "price-1": "cheap"})
    page = r.content.decode()
    assert r.status_code == 422
    assert "expected date &#x27;soon&#x27; is not a date" in page
    assert "line 1: quantity &#x27;two&#x27; is not a whole number" in page
    assert "line 1: unit price &#x27;cheap&#x27; is not a number" in page
    # a customer is not a supplier; an order needs a line
    r = manager_client.post("/purchase-orders/new", {"supplier": "Customer A"})
    assert r.status_code in (404, 422)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_orders_are_created_and_closed_by_managers(clerk_client: Any, manager_client: Any,
                                                   user: Any) -> None:
    assert clerk_client.get("/purchase-orders/new").status_code == 403
    assert clerk_client.post("/sales-orders/new", {"customer": "Customer A"}).status_code == 403
    assert 'href="/purchase-orders/new"' not in clerk_client.get("/purchase-orders/").content.decode()
    po = purchase(user, ("HT-1", 3, "100"))
    posting.receive(warehouse="WH1", product="HT-1", serials=["P1"], user=user, order=po.number)
    assert 'data-testid="close-form"' not in clerk_client.get(
        f"/purchase-orders/{po.number}").content.decode()
    assert clerk_client.post(f"/purchase-orders/{po.number}/close").status_code == 403
    page = manager_client.get(f"/purchase-orders/{po.number}").content.decode()
    assert 'data-testid="close-form"' in page
    r = manager_client.post(f"/purchase-orders/{po.number}/close", {"reason": "discontinued"})
    assert r.status_code == 302 and r["Location"] == f"/purchase-orders/{po.number}"
    page = manager_client.get(f"/purchase-orders/{po.number}").content.decode()
    assert "closed" in page and "discontinued" in page and 'data-testid="close-form"' not in page
    assert OrderLine.objects.get(order__number=po.number).short_quantity == 2
    again = manager_client.post(f"/purchase-orders/{po.number}/close", {"reason": "x"})
    assert again.status_code == 422 and "only an open order can be closed" in \
        again.content.decode()
    assert manager_client.post("/purchase-orders/PO-999999/close").status_code == 404
    assert manager_client.post(f"/sales-orders/{po.number}/close").status_code == 404


def test_create_a_po_and_an_so_and_close_the_po_short_in_the_browser(browser: Any,
                                                                    site: Site) -> None:
    from playwright.sync_api import expect

    site.add_user("max", "manager")
    page = sign_in(browser, site, "max")
    page.goto("/purchase-orders/")
    page.get_by_test_id("new-order").click()
    expect(page).to_have_url(re.compile(r"/purchase-orders/new$"))
    page.get_by_test_id("order-party").fill("Scanners Wholesale")
    page.fill("input[name=expected_date]", "2030-06-30")
    page.fill("input[name=reference]", "SW-4411")
    page.get_by_label("Product of line 1").fill("HT-200")
    page.get_by_label("Quantity of line 1").fill("0")  # refused, the form kept
    page.get_by_role("button", name="Create purchase order").click()
    expect(page.get_by_test_id("line-problem-1")).to_contain_text("must be at least 1")
    expect(page.get_by_label("Product of line 1")).to_have_value("HT-200")
    page.get_by_label("Quantity of line 1").fill("3")
    page.get_by_label("Unit price of line 1").fill("50")
    page.get_by_role("button", name="Create purchase order").click()
    expect(page).to_have_url(re.compile(r"/purchase-orders/PO-000001$"))
    expect(page.get_by_test_id("order-status")).to_have_text("open")
    expect(page.get_by_test_id("open-1")).to_have_text("3")
    site.cli("receive", "-w", "WH1", "-p", "HT-200", "--order", "PO-000001",
             "device-00801", user="boss")
    page.reload()
    page.fill("form[data-testid=close-form] input[name=reason]", "supplier is out of stock")
    page.get_by_test_id("close-short").click()
    expect(page).to_have_url(re.compile(r"/purchase-orders/PO-000001$"))
    expect(page.get_by_test_id("order-status")).to_contain_text("closed")
    expect(page.get_by_test_id("order-lines")).to_contain_text("2")  # never delivered
    expect(page.get_by_test_id("close-form")).to_have_count(0)
    expect(page.get_by_test_id("station-link")).to_have_count(0)

    page.goto("/sales-orders/")
    page.get_by_test_id("new-order").click()
    page.get_by_test_id("order-party").fill("Customer A")
    page.get_by_label("Product of line 1").fill("HT-200")
    page.get_by_label("Quantity of line 1").fill("1")
    page.get_by_label("Unit price of line 1").fill("99.90")
    page.get_by_role("button", name="Create sales order").click()
    expect(page).to_have_url(re.compile(r"/sales-orders/SO-000001$"))
    expect(page.get_by_test_id("pick")).to_contain_text("device-00801")


def test_pick_and_ship_a_sales_order_in_the_browser(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("product", "add", "HT-300", "--name", "Rugged terminal", "--tracking", "serial")
    site.cli("receive", "-w", "WH1", "-p", "HT-300", "--supplier", "Scanners Wholesale",
             "--cost", "60", "R-911", "R-912", user="boss")
    so = json.loads(site.cli("so", "create", "--customer", "Customer B", "--line",
                             "HT-300:3:100", "--json", user="boss"))["number"]
    site.add_user("sam", "clerk")
    page = sign_in(browser, site, "sam")
    page.goto(f"/sales-orders/{so}")
    pick = page.get_by_test_id("pick")
    expect(pick).to_contain_text("R-911")
    expect(pick).to_contain_text("R-912")
    expect(pick).to_contain_text("1 not in stock (back-order)")
    suggested = sorted(re.findall(r"R-\d{3}", pick.inner_text()))
    assert suggested == ["R-911", "R-912"]
    page.get_by_test_id("station-link").click()
    expect(page.get_by_test_id("order")).to_have_value(so)
    # where to ship from is filled in from the pick suggestion (both are in WH1)
    expect(page.locator("select[name=warehouse]")).to_have_value("WH1")
    page.get_by_role("button", name="Start scanning").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(page.get_by_test_id("draft-order")).to_have_text(so)
    for serial in suggested:
        scan(page, serial)
    number = post_draft(page, "shipment")
    page.goto(f"/sales-orders/{so}")
    expect(page.get_by_test_id("order-status")).to_have_text("partially shipped")
    expect(page.get_by_test_id("open-1")).to_have_text("1")  # the back-order
    expect(page.get_by_test_id("order-documents")).to_contain_text(number)
    # 200 sold less 2 × 60 cost
    expect(page.get_by_test_id("order-margin-total")).to_have_text(re.compile(r"^80\.00(00)?$"))
    expect(page.get_by_test_id("pick")).to_contain_text("1 not in stock (back-order)")
    # the packing slip of the shipment names every serial shipped
    page.goto(f"/documents/{number}")
    href = page.get_by_test_id("packing-slip").get_attribute("href")
    slip = page.request.get(href)  # the link, with the page's signed-in session
    assert slip.ok and slip.headers["content-type"] == "application/pdf"
    text = pdf_text(slip.body())
    assert all(serial in text for serial in suggested) and so in text
