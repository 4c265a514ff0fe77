"""Receiving goods that carry our label and the maker's (issue 18), in a real browser on a phone:
the clerk opens the receive station for pairs, scans our serial (Enter moves to the maker's
field), then the maker's serial (Enter sends the pair), sees each pair in the scan log, has a
maker's serial scanned twice refused, posts, and finds the unit by its maker's serial."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.web import SHOTS, Site, post_draft, sign_in


def _scan_pair(page: Any, serial: str, maker: str) -> Any:
    """Type our serial and Enter, then the maker's serial and Enter, as a scanner does."""
    from playwright.sync_api import expect

    page.locator("#scan-input").focus()
    page.keyboard.type(serial)
    page.keyboard.press("Enter")
    expect(page.locator("#maker-input")).to_be_focused()
    page.keyboard.type(maker)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-input")).to_be_focused()
    verdict = page.locator("#verdict [data-verdict]")
    expect(verdict).to_contain_text(serial)
    return verdict


@pytest.mark.slow
def test_a_clerk_scans_our_serial_and_the_maker_s_per_unit(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.add_user("rob", "clerk")
    page = sign_in(browser, site, "rob", phone=True)
    page.goto("/receive/")
    page.locator("input[name=supplier]").fill("Scanners Wholesale")
    page.locator("select[name=warehouse]").select_option("WH1")
    page.locator("input[name=product]").fill("HT-200")
    page.locator("input[name=scans][value=paired_serials]").check()
    page.get_by_role("button", name="Start scanning").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(page.get_by_test_id("scans")).to_contain_text("our serial, then the manufacturer's")

    expect(_scan_pair(page, "device-00801", "SN-A-801")).to_have_attribute("data-verdict",
                                                                           "accepted")
    expect(_scan_pair(page, "device-00802", "SN-A-802")).to_have_attribute("data-verdict",
                                                                           "accepted")
    again = _scan_pair(page, "device-00803", "SN-A-801")
    expect(again).to_have_attribute("data-verdict", "refused")
    expect(again).to_contain_text("manufacturer serial 'SN-A-801' is already in this draft")
    expect(page.get_by_test_id("scanned-count")).to_have_text("2")
    expect(page.get_by_test_id("maker-serial")).to_have_count(2)
    expect(page.get_by_test_id("maker-serial").first).to_contain_text("SN-A-802")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "receive-paired-serials-phone.png"), full_page=True)
    number = post_draft(page, "receipt")
    assert number.startswith("RCV-")

    page.locator("#site-search").fill("SN-A-802")
    page.locator("#site-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/units/HT-200/device-00802$"))
    expect(page.locator("main")).to_contain_text("SN-A-802")
    page.context.close()
