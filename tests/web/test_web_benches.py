"""The scan stations as a clerk works them, in a real browser (Playwright, Debian's Chromium,
`serialtrack serve`): a burst of scans faster than the answers with refusals among them, a draft
fixed (expected quantity changed, discarded after the confirmation)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.helpers.web import SHOTS, Site, open_station, sign_in

pytestmark = pytest.mark.slow


def test_a_burst_of_scans_keeps_every_refusal_in_the_log(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("receive", "--warehouse", "WH1", "--product", "HT-200", "--supplier",
             "Scanners Wholesale", "device-00700")
    site.add_user("burst", "clerk")
    page = sign_in(browser, site, "burst")
    open_station(page, "/receive/", {"supplier": "Scanners Wholesale", "warehouse": "WH1",
                                     "product": "HT-200"})
    burst = ["device-00701", "device-00700", "device-00702", "devcie-00703", "device-00704",
             "device-00705"]
    page.locator("#scan-input").focus()
    for serial in burst:  # a scanner: the keys, Enter, 60 ms, the next label
        page.keyboard.type(serial + "\n")
        page.wait_for_timeout(60)
    expect(page.get_by_test_id("scanned-count")).to_have_text("4")
    expect(page.get_by_test_id("refused-count")).to_have_text("2")
    expect(page.locator("body")).to_have_attribute("data-scans-pending", "0")
    refused = page.locator("#scanned li[data-verdict=refused]")
    expect(refused).to_have_count(2)
    expect(refused.nth(0)).to_contain_text("devcie-00703")
    expect(refused.nth(0)).to_contain_text("pattern")
    expect(refused.nth(1)).to_contain_text("device-00700")
    expect(refused.nth(1)).to_contain_text("already")
    expect(page.locator("#scanned li code")).to_have_text(list(reversed(burst)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "scan-log-after-burst.png"), full_page=True)

    # a reload keeps them; one dismissed, then the rest
    page.reload()
    expect(refused).to_have_count(2)
    page.get_by_role("button", name="Dismiss refused device-00700").click()
    expect(refused).to_have_count(1)
    expect(page.get_by_test_id("refused-count")).to_have_text("1")
    page.get_by_role("button", name="Dismiss all refused").click()
    expect(refused).to_have_count(0)
    expect(page.get_by_test_id("refused-count")).to_have_text("0")
    expect(page.locator("#scanned li[data-verdict=accepted]")).to_have_count(4)


def test_a_draft_is_fixed_then_discarded(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.add_user("fixer", "clerk")
    page = sign_in(browser, site, "fixer")
    open_station(page, "/receive/", {"supplier": "Scanners Wholesale", "warehouse": "WH1",
                                     "product": "HT-200", "expected_quantity": "2"})
    draft_path = page.url.removeprefix(site.url)
    page.locator("#scan-input").focus()
    page.keyboard.type("device-00801\n")
    expect(page.get_by_test_id("scanned-count")).to_have_text("1")
    expect(page.locator("#post-button")).to_be_disabled()

    page.locator("#expected-input").fill("1")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_test_id("expected-count")).to_have_text("1")
    expect(page.locator("#post-button")).to_be_enabled()

    page.goto("/")
    page.get_by_role("link", name=re.compile(rf"Resume draft #{draft_path.split('/')[2]}")).click()
    expect(page).to_have_url(re.compile(re.escape(draft_path) + "$"))
    page.get_by_role("link", name="Discard draft…").click()
    expect(page.get_by_test_id("discard-count")).to_have_text("1")
    page.get_by_role("link", name="Keep it").click()
    expect(page).to_have_url(re.compile(re.escape(draft_path) + "$"))
    page.get_by_role("link", name="Discard draft…").click()
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_test_id("discarded")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"draft #{draft_path.split('/')[2]}$"))
           ).to_have_count(0)


def test_the_header_search_finds_each_kind_of_key(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("receive", "--warehouse", "WH1/A-01", "--product", "HT-200", "--supplier",
             "Scanners Wholesale", "--lot", "LOT-77Q", "device-00907", "device-00908")
    shipment = json.loads(site.cli("ship", "--warehouse", "WH1", "--customer", "Customer B",
                                   "--product", "HT-200", "--json", "device-00908"))["document"]
    site.add_user("seeker", "viewer")
    page = sign_in(browser, site, "seeker")

    def find(text: str) -> None:
        box = page.locator("#site-search")
        box.fill(text)
        box.press("Enter")

    for text, lands in ((shipment.lower(), f"/documents/{shipment}"),
                        ("DEVICE-00907", "/units/HT-200/device-00907"),
                        ("0090", None),  # two units: a list
                        ("lot-77", "/report/?lot=LOT-77Q&product=HT-200"),
                        ("handheld", "/report/?product=HT-200"),
                        ("customer b", "/report/?view=out&customer=Customer+B")):
        find(text)
        if lands:
            expect(page).to_have_url(re.compile(re.escape(lands) + "$"))
        else:
            expect(page.get_by_test_id("hit-count")).to_have_text("2")
    find("no-such-thing")
    expect(page.get_by_test_id("nothing-found")).to_contain_text("Nothing found for no-such-thing")
    expect(page.locator("main")).not_to_contain_text("Refused")


def test_the_scan_pages_fit_a_phone(browser: Any, site: Site) -> None:
    """At 390 px: no page wider than the screen; on the scan station the header is one line, so
    the scan field and its verdict sit high on the screen, above the on-screen keyboard."""
    from playwright.sync_api import expect

    site.add_user("phoebe", "clerk")
    page = sign_in(browser, site, "phoebe", phone=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in ("/receive/", "/return/", "/ship/", "/", "/report/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    open_station(page, "/receive/", {"supplier": "Scanners Wholesale", "warehouse": "WH1",
                                     "product": "HT-200"})
    page.keyboard.type("device-00990\n")
    verdict = page.locator("#verdict [data-verdict]")
    expect(verdict).to_contain_text("device-00990")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    header = page.locator("header.top").bounding_box()
    box = verdict.bounding_box()
    assert header is not None and box is not None
    assert header["height"] <= 100, header  # 192 px before the compact header
    page.screenshot(path=str(SHOTS / "receive-station-phone-compact.png"), full_page=True)
    assert box["y"] + box["height"] <= 844 - 300, box  # above a 300 px keyboard
    add = page.get_by_role("button", name="Add", exact=True).bounding_box()
    assert add is not None and add["height"] >= 44 and add["width"] >= 44
    page.screenshot(path=str(SHOTS / "receive-station-phone-compact.png"), full_page=True)
