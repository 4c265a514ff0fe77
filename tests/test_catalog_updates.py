"""Editing a product or a party from the command line (`product update`, `party update`) and the
API (PATCH): only the fields given change, the rest are kept, and a refusal says what the set-up
page's edit form says (one service: catalog.change_product / change_party over update_product /
update_party)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from serialtrack import catalog, errors, posting
from tests.conftest import Cli, snapshot
from tests.helpers.api import Api


def _web_refusal(path: str, form: dict[str, str]) -> str:
    """The set-up page's edit form's refusal, as a manager sees it."""
    from django.contrib.auth import get_user_model

    from serialtrack.accounts.services import create_user

    manager = get_user_model().objects.filter(username="edit-manager").first() or create_user(
        "edit-manager", "manager", "correct horse battery")[0]
    client = Client()
    client.force_login(manager)
    page = client.post(path, form)
    assert page.status_code == 422
    return html.unescape(page.content.decode())


def test_change_product_keeps_what_is_not_given(shop: dict) -> None:
    catalog.change_product("HT-1", name="Handheld terminal 2", gtin="4006381333931")
    changed = catalog.change_product("HT-1", serial_pattern=r"HT-\d+", unicode_serials=True)
    assert (changed.name, changed.gtin, changed.serial_pattern, changed.warranty_days,
            changed.unicode_serials, changed.tracking) == (
        "Handheld terminal 2", "04006381333931", r"HT-\d+", 365, True, "serial")
    assert catalog.change_product("HT-1", gtin="").gtin is None  # an empty GTIN clears it
    with pytest.raises(errors.InvalidInput) as refused:
        catalog.change_product("HT-1", colour="red")
    assert refused.value.problems[0].message == "a product has no field 'colour'"


def test_change_product_refuses_as_the_edit_form_does_and_changes_nothing(shop: dict,
                                                                         user: Any) -> None:
    posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot="L1", user=user)
    cases = [
        ({"gtin": "4006381333932"}, "HT-1", {"name": "Handheld terminal", "tracking": "serial",
                                             "warranty_days": "365", "gtin": "4006381333932"}),
        ({"serial_pattern": "dev-(\\d+"}, "HT-1", {"name": "Handheld terminal",
                                                   "tracking": "serial", "warranty_days": "365",
                                                   "serial_pattern": "dev-(\\d+"}),
        ({"tracking": "serial"}, "SAL-1", {"name": "Saline 500 ml", "tracking": "serial"}),
        ({"serial_template": "X-{seq:04}"}, "SAL-1", {"name": "Saline 500 ml", "tracking": "lot",
                                                      "serial_template": "X-{seq:04}"}),
    ]
    for changes, sku, form in cases:
        before = snapshot()
        with pytest.raises(errors.Refused) as refused:
            catalog.change_product(sku, **changes)
        assert snapshot() == before
        product_id = catalog.get_product(sku).pk
        shown = _web_refusal(f"/setup/products/{product_id}/edit/", form)
        for problem in refused.value.problems:
            assert problem.message in shown, (changes, problem.message)


def test_change_party_keeps_what_is_not_given_and_stays_a_customer_or_supplier(
        shop: dict) -> None:
    catalog.change_party("Customer A", email="a@example.com", phone="+1 5")
    changed = catalog.change_party("Customer A", supplier=True, contact="Ann")
    assert (changed.is_customer, changed.is_supplier, changed.email, changed.phone,
            changed.contact) == (True, True, "a@example.com", "+1 5", "Ann")
    assert catalog.change_party("Customer A", phone="").phone == ""  # an empty detail clears it
    before = snapshot()
    with pytest.raises(errors.Refused) as refused:
        catalog.change_party("Customer A", customer=False, supplier=False,
                             email="not-an-address")
    assert snapshot() == before
    messages = [p.message for p in refused.value.problems]
    assert messages == ["e-mail 'not-an-address' is not an e-mail address",
                        "'Customer A' must stay a customer, a supplier or both"]
    shown = _web_refusal(f"/setup/parties/{shop['a'].pk}/edit/", {"email": "not-an-address"})
    for message in messages:
        assert message in shown
    with pytest.raises(errors.NotFound):
        catalog.change_party("Nobody", customer=True)


def test_cli_product_and_party_update(cli: Cli) -> None:
    cli("product", "add", "HT-1", "--name", "Handheld", "--tracking", "serial",
        "--warranty-days", "365", user="boss")
    cli("party", "add", "Customer A", "--customer", user="boss")
    updated = cli.json("product", "update", "HT-1", "--name", "Handheld 2", "--gtin",
                       "4006381333931", "--unicode-serials", user="boss")
    assert (updated["name"], updated["gtin"], updated["warranty_days"],
            updated["unicode_serials"]) == ("Handheld 2", "04006381333931", 365, True)
    cleared = cli.json("product", "update", "HT-1", "--gtin", "", "--ascii-serials",
                       user="boss")
    assert (cleared["gtin"], cleared["unicode_serials"], cleared["name"]) == (
        None, False, "Handheld 2")
    refused = cli.json("product", "update", "HT-1", "--serial-pattern", "dev-(\\d+", check=3,
                       user="boss")
    assert refused["errors"][0]["field"] == "serial_pattern"

    party = cli.json("party", "update", "Customer A", "--supplier", "--email",
                     "a@example.com", user="boss")
    assert (party["roles"], party["email"]) == (["customer", "supplier"], "a@example.com")
    party = cli.json("party", "update", "Customer A", "--no-customer", user="boss")
    assert (party["roles"], party["email"]) == (["supplier"], "a@example.com")
    refused = cli.json("party", "update", "Customer A", "--no-supplier", check=3, user="boss")
    assert refused["errors"][0]["message"] == ("'Customer A' must stay a customer, a supplier "
                                               "or both")


def test_api_patch_product_and_party(shop: dict, users: dict[str, Api]) -> None:
    manager = users["manager"]
    changed = manager("PATCH", "/api/products/HT-1", {"name": "Handheld 3", "warranty_days": 730})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["warranty_days"],
            changed.json()["tracking"]) == ("Handheld 3", 730, "serial")
    tracked = manager("PATCH", "/api/products/CBL-1", {"tracking": "lot"})  # as before
    assert tracked.status_code == 200 and tracked.json()["tracking"] == "lot"
    before = snapshot()
    refused = manager("PATCH", "/api/products/SAL-1", {"serial_template": "X-{seq:04}"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "a serial template needs --tracking serial"
    assert users["clerk"]("PATCH", "/api/products/HT-1", {"name": "x"}).status_code == 403
    assert manager("PATCH", "/api/products/HT-1", {"colour": "red"}).status_code == 422
    assert snapshot() == before

    party = manager("PATCH", "/api/parties/Customer A", {"supplier": True, "phone": "+1 7"})
    assert party.status_code == 200, party.json()
    assert (party.json()["customer"], party.json()["supplier"], party.json()["phone"]) == (
        True, True, "+1 7")
    refused = manager("PATCH", "/api/parties/Customer A", {"email": "nope"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "email"
    assert manager("PATCH", "/api/parties/Nobody", {"customer": True}).status_code == 404
