"""Set-up from the browser (web/setup.py): who may reach it, the same refusals as the command
line, the station's offer to create what is missing, tokens of one's own — through Django's test
client; and one browser test: a new business set up from the first sign-in to a posted receipt,
shipment and return, with no command line."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from tests.conftest import Cli, snapshot
from tests.helpers.api import Api
from tests.helpers.web import CHROMIUM, LAUNCH_ARGS, SHOTS, TIMEOUT_MS

PASSWORD = "correct horse battery"

SETUP_PAGES = ["/setup/", "/setup/products/", "/setup/products/new/", "/setup/warehouses/",
               "/setup/warehouses/new/", "/setup/warehouses/WH1/", "/setup/parties/",
               "/setup/parties/new/", "/setup/users/", "/setup/users/new/"]


def client_as(role: str) -> Client:
    from serialtrack.accounts.services import create_user

    user, _ = create_user(f"{role}-x", role, PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


# -- who may set up -------------------------------------------------------------------------------

def test_a_clerk_cannot_reach_setup_pages_nor_create_a_product_inline(shop: dict) -> None:
    clerk = client_as("clerk")
    product = shop["ht"].pk
    pages = [*SETUP_PAGES, f"/setup/products/{product}/", f"/setup/products/{product}/edit/",
             f"/setup/parties/{shop['a'].pk}/", "/setup/users/clerk-x/"]
    for url in pages:
        assert clerk.get(url).status_code == 403, url
    before = snapshot()
    assert clerk.post("/setup/products/new/", {"sku": "SNEAKY", "tracking": "serial"}
                      ).status_code == 403
    assert clerk.post("/setup/parties/new/", {"name": "Brand New Supplier GmbH",
                                              "supplier": "on"}).status_code == 403
    assert clerk.post("/setup/warehouses/WH1/", {"bin": "Z-9"}).status_code == 403
    assert snapshot() == before
    home = text(clerk.get("/"))
    assert "/setup/" not in home and "My tokens" in home

    # The receive form names the missing product and who can add it — no link to create it.
    page = clerk.post("/receive/", {"supplier": "Supplier S", "warehouse": "WH1",
                                    "product": "NEW-9"})
    assert page.status_code == 422
    body = text(page)
    assert "unknown product 'NEW-9'" in body
    assert "There is no product NEW-9 yet. A manager or an admin can create product NEW-9" in body
    assert "/setup/products/new/" not in body
    assert snapshot() == before


def test_a_manager_sets_up_but_only_an_admin_manages_users(shop: dict) -> None:
    manager = client_as("manager")
    for url in SETUP_PAGES:
        expected = 403 if url.startswith("/setup/users/") else 200
        assert manager.get(url).status_code == expected, url
    assert "/setup/products/" in text(manager.get("/"))
    admin = client_as("admin")
    assert admin.get("/setup/users/").status_code == 200


# -- the station offers to create what is missing, and comes back ---------------------------------

def test_a_missing_supplier_is_created_in_place_and_the_receive_form_comes_back(shop: dict
                                                                                ) -> None:
    manager = client_as("manager")
    form = {"supplier": "Brand New Supplier GmbH", "warehouse": "WH1/A-01", "product": "HT-1",
            "expected_quantity": "3"}
    page = manager.post("/receive/", form)
    assert page.status_code == 422
    body = text(page)
    assert "unknown supplier 'Brand New Supplier GmbH'" in body
    link = re.search(r'href="(/setup/parties/new/\?[^"]+)" data-testid="offer"', page.content.decode())
    assert link, body
    url = html.unescape(link.group(1))
    query = parse_qs(urlparse(url).query)
    assert query["name"] == ["Brand New Supplier GmbH"] and query["supplier"] == ["on"]
    back = query["next"][0]
    assert back.startswith("/receive/?")

    creating = text(manager.get(url))
    assert 'value="Brand New Supplier GmbH"' in creating
    done = manager.post("/setup/parties/new/", {"name": "Brand New Supplier GmbH",
                                                "supplier": "on", "next": back})
    assert done.status_code == 302 and done["Location"] == back
    again = text(manager.get(back))
    for value in form.values():
        assert f'value="{value}"' in again
    assert manager.post("/receive/", form).status_code == 302  # the draft opens


def test_missing_bins_and_warehouses_are_offered_by_what_is_missing(shop: dict) -> None:
    from serialtrack.accounts.services import create_user
    from serialtrack.errors import Problem
    from serialtrack.web.setup import offers

    manager, _ = create_user("m-offers", "manager", PASSWORD)
    missing = [Problem("not_found", "unknown bin 'WH1/Z-1'", field="source"),
               Problem("not_found", "unknown warehouse 'WH9'", field="destination")]
    found = offers(missing, {"source": "WH1/Z-1", "destination": "WH9", "product": "HT-1"},
                   manager, "/transfer/")
    assert [o["action"] for o in found] == ["add bin WH1/Z-1", "create warehouse WH9"]
    assert found[0]["url"].startswith("/setup/warehouses/WH1/?bin=Z-1&next=%2Ftransfer%2F%3F")
    assert found[1]["url"].startswith("/setup/warehouses/new/?code=WH9&next=")

    # A customer who is not yet a supplier: the offer is to make them one, on their edit form.
    client = Client()
    client.force_login(manager)
    page = client.post("/receive/", {"supplier": "Customer A", "warehouse": "WH1",
                                     "product": "HT-1"})
    assert "Customer A is not a supplier yet: " in text(page)
    url = html.unescape(re.search(r'href="([^"]+)" data-testid="offer"', page.content.decode())
                        .group(1))
    assert url.startswith(f"/setup/parties/{shop['a'].pk}/edit/?supplier=on&next=")
    edit = client.get(url).content.decode()
    assert re.search(r'name="supplier" checked', edit)


# Every station form that names a party, product, warehouse or bin: what a refusal finds
# missing, posted as (the role that may post there), and the offer it gets.
STATION_FORMS = [
    ("/receive/", "clerk", {"supplier": "New Supplier", "warehouse": "WH1", "product": "HT-1"},
     "create supplier New Supplier"),
    ("/receive/", "clerk", {"supplier": "Supplier S", "warehouse": "WH1", "product": "NEW-9"},
     "create product NEW-9"),
    ("/ship/", "clerk", {"customer": "New Customer", "warehouse": "WH1", "product": "HT-1"},
     "create customer New Customer"),
    ("/ship/", "clerk", {"customer": "Supplier S", "warehouse": "WH1", "product": "HT-1"},
     "make Supplier S a customer"),
    ("/return/", "clerk", {"find": "SHP-000001", "disposition": "restock",
                           "warehouse": "WH1/R-9"}, "add bin WH1/R-9"),
    ("/return/", "clerk", {"find": "SHP-000001", "disposition": "hold", "warehouse": "WH7"},
     "create warehouse WH7"),
    ("/transfer/", "clerk", {"product": "HT-1", "source": "WH1", "destination": "WH2/B-7"},
     "add bin WH2/B-7"),
    ("/hold/", "clerk", {"product": "NEW-9", "reason": "check"}, "create product NEW-9"),
    ("/release/", "clerk", {"product": "NEW-9"}, "create product NEW-9"),
    ("/write-off/", "manager", {"product": "NEW-9", "reason": "broken"}, "create product NEW-9"),
    ("/repair/", "manager", {"product": "NEW-9"}, "create product NEW-9"),
    ("/repair/ship-back/", "manager", {"product": "NEW-9"}, "create product NEW-9"),
    ("/repair/replace/", "manager", {"product": "HT-1", "old": "R-1", "new": "R-2",
                                     "customer": "New Customer"}, "create customer New Customer"),
    ("/repair/replace/", "manager", {"product": "HT-1", "old": "R-1", "new": "R-2",
                                     "replacement_product": "NEW-9"}, "create product NEW-9"),
    ("/quantities/receive/", "clerk", {"supplier": "New Supplier", "warehouse": "WH1",
                                       "product": "SAL-1", "quantity": "5", "lot": "L1"},
     "create supplier New Supplier"),
    ("/quantities/ship/", "clerk", {"customer": "New Customer", "warehouse": "WH1",
                                    "product": "SAL-1", "quantity": "5"},
     "create customer New Customer"),
]


@pytest.mark.parametrize("station, role, form, action", STATION_FORMS,
                         ids=[f"{s}{a}" for s, _, _, a in STATION_FORMS])
def test_every_station_form_offers_to_create_what_is_missing(
        shop: dict, user: Any, station: str, role: str, form: dict, action: str) -> None:
    """A manager is offered the link that creates it and comes back to the station with the form
    filled in as it was; a clerk is told who can. Nothing is created by the refusal."""
    from serialtrack import posting

    posting.receive(warehouse="WH1", product="HT-1", supplier="Supplier S", user=user,
                    serials=["R-1", "R-2", "R-3"])
    posting.ship(warehouse="WH1", product="HT-1", customer="Customer A", user=user,
                 serials=["R-1"])
    poster, manager = client_as(role), client_as("manager") if role == "clerk" else None
    before = snapshot()
    page = poster.post(station, form)
    assert page.status_code == 422, text(page)
    offer = re.search(r'<div class="notice" data-testid="offers">(.*?)</div>', text(page), re.S)
    assert offer is not None, text(page)
    if role == "clerk":
        assert f"A manager or an admin can {action} (under Set-up)" in offer.group(1)
        assert 'data-testid="offer"' not in offer.group(1)
        poster = manager
        page = poster.post(station, form)
    assert snapshot() == before
    link = re.search(r'href="([^"]+)" data-testid="offer">([^<]+)</a>', page.content.decode())
    assert link is not None and html.unescape(link.group(2)) == action, text(page)
    back = parse_qs(urlparse(html.unescape(link.group(1))).query)["next"][0]
    assert back.startswith(station + "?")
    _create_as_offered(action)
    filled = text(poster.get(back))
    for name, value in form.items():
        shown = (rf'name="{name}"[^>]*value="{re.escape(value)}"',
                 rf'<select name="{name}"(?:(?!</select>).)*value="{re.escape(value)}" selected')
        assert any(re.search(pattern, filled, re.S) for pattern in shown), (name, value)


def _create_as_offered(action: str) -> None:
    """What following the offer does (the set-up pages' services, tested above through them)."""
    from serialtrack import catalog

    verb, what, value = action.split(" ", 2)
    if verb == "make":
        name, _, role = action.removeprefix("make ").rpartition(" a ")
        party = catalog.get_party_named(name)
        catalog.update_party(name, customer=party.is_customer or role == "customer",
                             supplier=party.is_supplier or role == "supplier")
    elif what in ("supplier", "customer"):
        catalog.create_party(value, **{what: True})
    elif what == "product":
        catalog.create_product(value, value, "serial")
    elif what == "bin":
        catalog.create_bin(*value.split("/"))
    else:
        catalog.create_warehouse(value)


# -- the same refusals as the command line ---------------------------------------------------------

def cli_message(cli: Cli, *args: str) -> str:
    refusal = cli.json(*args, check=3, user="boss")
    return refusal["errors"][0]["message"]


def test_form_refusals_say_what_the_command_line_says(shop: dict, user: Any, cli: Cli) -> None:
    from serialtrack import posting

    cli("product", "add", "HT-1", "--tracking", "serial", user="boss")
    cli("product", "add", "SAL-1", "--tracking", "lot", user="boss")
    cli("warehouse", "add", "WH1", user="boss")
    cli("receive", "--warehouse", "WH1", "--product", "SAL-1", "--qty", "5", "--lot", "L1",
        user="boss")
    expected = {
        "gtin": cli_message(cli, "product", "add", "G-1", "--gtin", "4006381333932"),
        "pattern": cli_message(cli, "product", "add", "P-1", "--serial-pattern", "dev-(\\d+"),
        "duplicate": cli_message(cli, "product", "add", "HT-1"),
        "tracking": cli_message(cli, "product", "set-tracking", "SAL-1", "serial"),
    }
    assert "check digit 2, expected 1" in expected["gtin"]
    posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot="L1", user=user)

    manager = client_as("manager")
    before = snapshot()
    pages = {
        "gtin": manager.post("/setup/products/new/", {"sku": "G-1", "tracking": "serial",
                                                      "gtin": "4006381333932"}),
        "pattern": manager.post("/setup/products/new/", {"sku": "P-1", "tracking": "serial",
                                                         "serial_pattern": "dev-(\\d+"}),
        "duplicate": manager.post("/setup/products/new/", {"sku": "HT-1", "tracking": "serial"}),
        "tracking": manager.post(f"/setup/products/{shop['med'].pk}/edit/",
                                 {"name": "Saline", "tracking": "serial"}),
    }
    for key, page in pages.items():
        assert page.status_code == 422, key
        assert expected[key] in text(page), (key, expected[key])
    assert snapshot() == before
    # The one-way door is explained on the form where it applies.
    edit = text(manager.get(f"/setup/products/{shop['med'].pk}/edit/"))
    assert "SAL-1 has stock on hand: it can become serial-tracked only once that stock is at zero" \
        in edit
    # The live test box judges samples as new serials would be.
    tried = text(manager.get("/setup/products/try-pattern", {
        "serial_pattern": r"device-\d{5}", "samples": "device-00001\ndevcie-1"}))
    assert "device-00001</code> would be accepted" in tried
    assert "serial 'devcie-1' does not match the product's pattern device-\\d{5}" in tried
    shown = text(manager.get("/setup/products/preview-serials",
                             {"serial_template": "LTP-{seq:04}", "sku": "LTP"}))
    assert "LTP-0001" in shown and "LTP-0005" in shown


def test_party_contact_details_agree_in_all_three_interfaces(shop: dict, cli: Cli,
                                                             users: dict[str, Api]) -> None:
    made = cli.json("party", "add", "Ada Supplies", "--supplier", "--contact", "Ada",
                    "--email", "ada@example.com", "--phone", "+44 1", "--address", "1 Road",
                    user="boss")
    assert made["email"] == "ada@example.com" and made["address"] == "1 Road"
    bad_cli = cli_message(cli, "party", "add", "Bad Mail", "--email", "not-an-address")
    api_bad = users["manager"]("POST", "/api/parties", {"name": "Bad Mail", "email": "not-an-address"})
    assert api_bad.status_code == 422
    assert api_bad.json()["errors"][0]["message"] == bad_cli
    created = users["manager"]("POST", "/api/parties", {"name": "Ada Supplies", "supplier": True,
                                                       "contact": "Ada", "phone": "+44 1"})
    assert created.status_code == 201 and created.json()["contact"] == "Ada"
    manager = client_as("manager")
    page = manager.post("/setup/parties/new/", {"name": "Bad Mail", "email": "not-an-address"})
    assert page.status_code == 422 and bad_cli in text(page)
    from serialtrack.inventory.models import Party

    party_id = Party.objects.get(name="Ada Supplies").pk
    edited = manager.post(f"/setup/parties/{party_id}/edit/", {
        "customer": "on", "supplier": "on", "contact": "Ada L.", "email": "ada@example.com"})
    assert edited.status_code == 302
    detail = text(manager.get(f"/setup/parties/{party_id}/"))
    assert "customer and supplier" in detail and "Ada L." in detail


# -- tokens of one's own, users by an admin ---------------------------------------------------------

def test_my_tokens_are_shown_once_and_revocable_by_me_only(shop: dict) -> None:
    from serialtrack.accounts.services import create_token

    clerk = client_as("clerk")
    made = clerk.post("/tokens/", {"name": "bench gun"})
    assert made.status_code == 200
    raw = re.search(r'data-testid="token-secret">(st_[^<]+)<', made.content.decode()).group(1)
    assert Api(raw)("GET", "/api/auth/me").json()["username"] == "clerk-x"
    listed = text(clerk.get("/tokens/"))
    assert raw not in listed and "bench gun" in listed
    other, _raw = create_token("clerk-x")  # the clerk's second token
    _theirs, _ = create_token_for_someone_else()
    assert clerk.post(f"/tokens/{_theirs.pk}/revoke").status_code == 404
    assert clerk.post(f"/tokens/{other.pk}/revoke").status_code == 302
    mine = [t for t in text(clerk.get("/tokens/")).split("<tr>") if "bench gun" in t]
    assert mine and "active" in mine[0]
    token_id = re.search(r'/tokens/(\d+)/revoke', made.content.decode()).group(1)
    clerk.post(f"/tokens/{token_id}/revoke")
    assert Api(raw)("GET", "/api/auth/me").status_code == 401


def create_token_for_someone_else() -> Any:
    from serialtrack.accounts.services import create_token, create_user

    create_user("somebody", "viewer", PASSWORD)
    return create_token("somebody")


def test_an_admin_adds_a_user_and_changes_its_role(shop: dict) -> None:
    admin = client_as("admin")
    page = admin.post("/setup/users/new/", {"username": "casey", "role": "clerk"})
    assert page.status_code == 200
    password = re.search(r'data-testid="password">([^<]+)<', page.content.decode()).group(1)
    assert Client().login(username="casey", password=html.unescape(password))
    duplicate = admin.post("/setup/users/new/", {"username": "casey", "role": "clerk"})
    assert duplicate.status_code == 422 and "user 'casey' already exists" in text(duplicate)
    assert admin.post("/setup/users/casey/", {"role": "manager", "active": "on"}).status_code == 302
    assert "casey" in text(admin.get("/setup/users/?q=CAS"))
    from serialtrack.accounts.roles import role_of
    from serialtrack.accounts.services import get_user

    assert role_of(get_user("casey")) == "manager"
    myself = admin.post("/setup/users/admin-x/", {"role": "clerk", "active": "on"})
    assert myself.status_code == 422 and "you cannot take the admin role from yourself" in text(myself)


def test_lists_search_any_case_and_page(shop: dict) -> None:
    from serialtrack import catalog

    for n in range(30):
        catalog.create_product(f"BULK-{n:02}", f"Bulk item {n}", "none")
    manager = client_as("manager")
    first = text(manager.get("/setup/products/?q=bulk"))
    assert "1–25 of 30" in first and "BULK-00" in first and "HT-1" not in first
    second = text(manager.get("/setup/products/?q=bulk&page=2"))
    assert "26–30 of 30" in second and "BULK-29" in second
    assert "Customer A" in text(manager.get("/setup/parties/?q=customer%20a"))
    assert "Supplier S" not in text(manager.get("/setup/parties/?role=customer"))


def test_first_sign_in_to_an_empty_business_opens_the_first_run_page(db: Any) -> None:
    manager = client_as("manager")
    assert manager.get("/")["Location"] == "/setup/"
    steps = text(manager.get("/setup/"))
    assert "Add a product" in steps and "Needs a product and a warehouse first" in steps
    assert manager.get("/").status_code == 200  # seen once: Home is Home
    clerk = client_as("clerk")
    assert clerk.get("/").status_code == 200


# -- the browser: a new business from the first sign-in to a return --------------------------------

@pytest.mark.slow
def test_a_new_business_sets_up_in_the_browser_from_the_first_sign_in(cli: Cli) -> None:
    """The first start's admin signs in to an empty system; the first-run page leads to a
    product (pattern tested live), a warehouse, a supplier and the receive station; a customer
    missing on the ship form is created in place; then a receipt, a shipment and a return."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers.serve import free_port, start
    from tests.helpers.web import scan

    port = free_port()
    proc, info = start(cli, port)
    try:
        admin = info["admin"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            page = browser.new_context(base_url=f"http://127.0.0.1:{port}",
                                       viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto("/")
            page.fill("input[name=username]", admin["username"])
            page.fill("input[name=password]", admin["password"])
            page.keyboard.press("Enter")
            expect(page).to_have_url(re.compile(r"/setup/$"))
            expect(page.get_by_test_id("step-product")).to_contain_text("Add a product")

            # Product, its pattern tried on the way.
            page.get_by_test_id("step-product").get_by_role("link").click()
            page.fill("input[name=sku]", "HT-200")
            page.fill("input[name=name]", "Handheld terminal")
            page.fill("input[name=serial_pattern]", r"device-\d{5}")
            page.get_by_test_id("samples").fill("device-00001\ndevcie-1")
            expect(page.get_by_test_id("pattern-test")).to_contain_text("does not match")
            expect(page.locator("#pattern-test [data-verdict=accepted]")).to_have_count(1)
            page.fill("input[name=warranty_days]", "365")
            page.get_by_role("button", name="Add product").click()
            expect(page).to_have_url(re.compile(r"/setup/$"))
            expect(page.get_by_test_id("step-product")).to_contain_text("✓ HT-200")

            page.get_by_test_id("step-warehouse").get_by_role("link").click()
            page.fill("input[name=code]", "WH1")
            page.fill("input[name=name]", "Main")
            page.get_by_role("button", name="Add warehouse").click()
            page.get_by_test_id("step-supplier").get_by_role("link").click()
            page.fill("input[name=name]", "Scanners Wholesale")
            page.get_by_role("button", name="Add").click()
            expect(page.get_by_test_id("step-supplier")).to_contain_text("✓ Scanners Wholesale")
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "setup-first-run.png"), full_page=True)

            # The first receipt: the station's form comes filled in.
            page.get_by_test_id("step-receipt").get_by_role("link").click()
            expect(page.locator("input[name=supplier]")).to_have_value("Scanners Wholesale")
            expect(page.locator("input[name=product]")).to_have_value("HT-200")
            page.get_by_role("button", name="Start scanning").click()
            for serial in ("device-00001", "device-00002"):
                expect(scan(page, serial)).to_have_attribute("data-verdict", "accepted")
            page.get_by_role("button", name="Post receipt").click()
            expect(page).to_have_url(re.compile(r"/documents/RCV-\d{6}\?posted=1$"))

            # Shipping to a customer nobody has added yet: created in place, back to the form.
            page.goto("/ship/")
            page.fill("input[name=customer]", "Customer A")
            page.fill("input[name=product]", "HT-200")
            page.get_by_role("button", name="Start scanning").click()
            expect(page.locator(".problems")).to_contain_text("unknown customer 'Customer A'")
            page.get_by_test_id("offer").click()
            expect(page.locator("input[name=name]")).to_have_value("Customer A")
            page.fill("input[name=email]", "buyer@example.com")
            page.get_by_role("button", name="Add").click()
            expect(page).to_have_url(re.compile(r"/ship/\?"))
            expect(page.locator("input[name=customer]")).to_have_value("Customer A")
            page.get_by_role("button", name="Start scanning").click()
            expect(scan(page, "device-00001")).to_have_attribute("data-verdict", "accepted")
            page.get_by_role("button", name="Post shipment").click()
            expect(page).to_have_url(re.compile(r"/documents/SHP-\d{6}\?posted=1$"))
            shipment = page.url.rsplit("/", 1)[1].split("?")[0]

            page.goto("/return/")
            page.locator("input[name=find]").fill(shipment)
            page.locator("input[name=find]").press("Enter")
            expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
            expect(scan(page, "device-00001")).to_have_attribute("data-verdict", "accepted")
            page.get_by_role("button", name="Post return").click()
            expect(page).to_have_url(re.compile(r"/documents/RET-\d{6}\?posted=1$"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
