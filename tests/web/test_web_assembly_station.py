"""Building an assembly at the web station, in a real browser (typed key by key, Enter to end a
scan, as a barcode scanner does): name the product and the place, scan the assembly's serial,
then each component — a GS1 label among them, one refused at once — then Build; the unit page
shows the tree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.web import SHOTS, Site, scan, sign_in

WHEEL_GTIN = "09521234543213"


@pytest.mark.slow
def test_build_a_bicycle_by_scanning_it_then_its_parts(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("product", "add", "BIKE", "--name", "Bicycle", "--tracking", "serial")
    site.cli("product", "add", "FRAME", "--name", "Frame", "--tracking", "serial")
    site.cli("product", "add", "WHEEL", "--name", "Wheel", "--tracking", "serial",
             "--gtin", WHEEL_GTIN)
    site.cli("warehouse", "add", "WH2", "--name", "Second")
    site.cli("receive", "-w", "WH1", "-p", "FRAME", "--supplier", "Scanners Wholesale", "FR-1")
    site.cli("receive", "-w", "WH1", "-p", "WHEEL", "--supplier", "Scanners Wholesale",
             "WH-1", "WH-2")
    site.cli("receive", "-w", "WH2", "-p", "WHEEL", "--supplier", "Scanners Wholesale", "WH-9")
    site.add_user("bea", "clerk")
    page = sign_in(browser, site, "bea")
    page.goto("/adjust/")
    page.get_by_role("link", name="Build an assembly").click()
    expect(page).to_have_url(re.compile(r"/assemble/$"))
    page.fill("[name=product]", "BIKE")
    page.locator("[name=warehouse]").select_option("WH1")
    page.get_by_test_id("assembly-serial").focus()
    page.keyboard.type("BK-1")
    page.keyboard.press("Enter")  # the scanner's Enter opens the draft
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(page.get_by_test_id("draft-assembly")).to_contain_text("BK-1")
    expect(page.locator("#scan-input")).to_be_focused()

    expect(scan(page, "FR-1")).to_have_attribute("data-verdict", "accepted")
    refused = scan(page, "WH-9")
    expect(refused).to_have_attribute("data-verdict", "refused")
    expect(refused).to_contain_text("not in the warehouse of BK-1")
    page.locator("#scan-input").focus()
    page.keyboard.type(f"]d201{WHEEL_GTIN}21WH-1")  # a wheel's GS1 DataMatrix label
    page.keyboard.press("Enter")
    expect(page.locator("#verdict [data-verdict=accepted]")).to_contain_text("WH-1")
    expect(page.get_by_test_id("scanned-count")).to_have_text("2")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "assembly-station.png"), full_page=True)
    page.get_by_role("button", name="Build").click()
    expect(page).to_have_url(re.compile(r"/documents/ASM-\d{6}\?posted=1$"))

    page.goto("/units/BIKE/BK-1")
    tree = page.get_by_test_id("unit-components")
    expect(tree).to_contain_text("FR-1")
    expect(tree).to_contain_text("WH-1")
    expect(tree).not_to_contain_text("WH-2")
    page.context.close()
