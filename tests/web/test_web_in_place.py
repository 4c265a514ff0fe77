"""Creating what a station form names but does not exist, in place, in a real browser: at the
return station a manager types a returns bin that is not there yet, follows the offer to add it,
comes back to the return form as it was and opens the draft; at the ship station a clerk is told
who can create a missing customer. Every station form's offer, through Django's test client:
tests/web/test_web_setup.py."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.web import SHOTS, Site, post_draft, scan, sign_in


@pytest.mark.slow
def test_a_manager_adds_the_returns_bin_from_the_return_station(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("receive", "--warehouse", "WH1", "--product", "HT-200", "--supplier",
             "Scanners Wholesale", "device-00701", "device-00702")
    site.cli("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product", "HT-200",
             "device-00701", "device-00702")
    site.add_user("mia", "manager")
    page = sign_in(browser, site, "mia", phone=True)
    page.goto("/return/")
    page.locator("input[name=find]").fill("device-00701")
    page.locator("select[name=disposition]").select_option("hold")
    page.locator("input[name=warehouse]").fill("WH1/RETURNS")
    page.get_by_role("button", name="Find the shipment").click()
    expect(page.locator(".problems")).to_contain_text("unknown bin 'WH1/RETURNS'")
    offer = page.get_by_test_id("offer")
    expect(offer).to_have_text("add bin WH1/RETURNS")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "return-offers-a-bin.png"), full_page=True)
    offer.click()

    expect(page).to_have_url(re.compile(r"/setup/warehouses/WH1/\?bin=RETURNS&next="))
    expect(page.locator("input[name=bin]")).to_have_value("RETURNS")
    page.get_by_role("button", name="Add bin").click()

    # Back on the return form, as it was: the serial, the disposition, the new bin.
    expect(page).to_have_url(re.compile(r"/return/\?"))
    expect(page.locator("input[name=find]")).to_have_value("device-00701")
    expect(page.locator("select[name=disposition]")).to_have_value("hold")
    expect(page.locator("input[name=warehouse]")).to_have_value("WH1/RETURNS")
    page.get_by_role("button", name="Find the shipment").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(scan(page, "device-00701")).to_have_attribute("data-verdict", "accepted")
    post_draft(page, "return")
    page.goto("/units/HT-200/device-00701")
    expect(page.get_by_test_id("unit-where")).to_contain_text("RETURNS")
    expect(page.get_by_test_id("unit-status")).to_have_text("on hold")
    page.context.close()


@pytest.mark.slow
def test_a_clerk_is_told_who_can_create_a_missing_customer(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.add_user("cleo", "clerk")
    page = sign_in(browser, site, "cleo")
    page.goto("/ship/")
    page.locator("input[name=customer]").fill("Walk-in Customer")
    page.locator("select[name=warehouse]").select_option("WH1")
    page.locator("input[name=product]").fill("HT-200")
    page.get_by_role("button", name="Start scanning").click()
    offers = page.get_by_test_id("offers")
    expect(offers).to_contain_text("There is no customer Walk-in Customer yet. A manager or an "
                                   "admin can create customer Walk-in Customer (under Set-up)")
    expect(page.get_by_test_id("offer")).to_have_count(0)
    expect(page.locator("input[name=customer]")).to_have_value("Walk-in Customer")
    page.context.close()
