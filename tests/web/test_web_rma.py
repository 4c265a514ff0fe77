"""The service case (RMA) pages: the list, opening a claim by scanning, the case page with its
facts and flag, the stations it offers filled in, notes, a photo (kept and served to signed-in
users only), linking, closing (managers only) — through Django's test client; and in a real
browser, the desk's flow: scan a serial, see the facts and the flag, add a note, link the
return, close with an outcome."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from serialtrack import posting
from tests.helpers.posting import receive, ship
from tests.helpers.web import PASSWORD, Site, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def client_for(name: str, role: str) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    user, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_case_pages(shop: dict, user: Any, settings: Any, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    clerk, boss, viewer = (client_for("casey", "clerk"), client_for("boss", "manager"),
                           client_for("vic", "viewer"))
    receive(user, ["D1", "D2"])
    shp = ship(user, ["D1"]).number
    assert "Open a claim" in clerk.get("/rma/").content.decode()
    assert viewer.post("/rma/open/", {"scan": "D1"}).status_code == 403
    refused = clerk.post("/rma/open/", {"scan": "D1", "claimant": "", "fault": ""})
    assert refused.status_code == 422 and "the claimant (a customer) is required" in \
        refused.content.decode()
    opened = clerk.post("/rma/open/", {"scan": "D1", "claimant": "Customer B",
                                       "fault": "cracked"})
    assert opened.status_code == 302 and opened["Location"] == "/rma/RMA-000001/"
    page = clerk.get("/rma/RMA-000001/").content.decode()
    assert 'data-flag="other_customer"' in page and shp in page
    assert "under warranty until" in page
    # the station that carries it out next, filled in: the return of the shipment, for repair
    assert f"/return/?find={shp}&amp;disposition=repair" in page
    assert f"/return/?find={shp}&amp;disposition=repair&amp;case=RMA-000001" in page
    station = clerk.get(f"/return/?find={shp}&disposition=repair&case=RMA-000001")
    assert f'value="{shp}"' in station.content.decode()
    assert 'name="case" value="RMA-000001"' in station.content.decode()
    wrong = clerk.post("/return/", {"shipment": shp, "case": "RMA-000404"})
    assert wrong.status_code == 422 and "unknown case" in wrong.content.decode()
    assert "Close the case" not in page  # managers close

    assert clerk.post("/rma/RMA-000001/note", {"text": "called the customer"}).status_code == 302
    upload = SimpleUploadedFile("crack.png", PNG, content_type="image/png")
    assert clerk.post("/rma/RMA-000001/photo", {"photo": upload}).status_code == 302
    bad = clerk.post("/rma/RMA-000001/photo", {
        "photo": SimpleUploadedFile("x.png", b"MZ...", content_type="image/png")})
    assert bad.status_code == 422 and "is not a photo" in bad.content.decode()
    page = clerk.get("/rma/RMA-000001/").content.decode()
    found = re.search(r'src="(/rma/RMA-000001/photos/\d+)"', page)
    assert found and "called the customer" in page
    served = viewer.get(found.group(1))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    from django.test import Client
    assert Client().get(found.group(1)).status_code == 302  # signed out: to the login page

    ret = posting.receive_return(shipment=shp, serials=["D1"], disposition="repair", user=user)
    assert f"Link {ret.number}" in clerk.get("/rma/RMA-000001/").content.decode()
    assert clerk.post("/rma/RMA-000001/link", {"document": ret.number}).status_code == 302
    # in repair now: the repair stations are offered for the case, and what they post links
    page = boss.get("/rma/RMA-000001/").content.decode()
    assert "/repair/done/?product=HT-1&amp;case=RMA-000001" in page
    station = boss.get("/repair/done/?product=HT-1&case=RMA-000001").content.decode()
    assert 'data-testid="draft-case"' in station and 'name="case" value="RMA-000001"' in station
    opened = boss.post("/repair/done/", {"product": "HT-1", "case": "RMA-000001"})
    assert opened.status_code == 302
    boss.post(f"{opened['Location']}scan", {"serial": "D1"})
    done = boss.post(f"{opened['Location']}post")
    assert done.status_code == 302
    number = done["Location"].split("/documents/")[1].split("?")[0]
    from serialtrack.queries.service_cases import case_summary, get_case

    linked = case_summary(get_case("RMA-000001"))["documents"]
    assert [d["number"] for d in linked] == [ret.number, number]
    bad = clerk.post("/rma/RMA-000001/link", {"document": "RCV-000001"})
    assert bad.status_code == 422
    assert clerk.post("/rma/RMA-000001/close", {"outcome": "reject"}).status_code == 403
    bad = boss.post("/rma/RMA-000001/close", {"outcome": "replace", "reason": "dead"})
    assert bad.status_code == 422 and "needs a linked replacement" in bad.content.decode()
    closed = boss.post("/rma/RMA-000001/close", {"outcome": "reject", "reason": "dropped"})
    assert closed.status_code == 302
    page = viewer.get("/rma/RMA-000001/").content.decode()
    assert "reject: dropped" in page and "Close the case" not in page
    assert viewer.get("/rma/RMA-000404/").status_code == 404
    found = viewer.get("/search?q=rma-000001")  # the search box opens a case by its number
    assert found.status_code == 302 and found["Location"] == "/rma/RMA-000001/"
    assert "RMA-000001" in viewer.get("/rma/?open=0").content.decode()
    assert "RMA-000001" not in viewer.get("/rma/?open=1").content.decode()


def test_rma_flow_in_the_browser(browser: Any, site: Site) -> None:
    """The desk: scan a serial sold to Customer A for a claim by Customer B; the case shows the
    sale, the warranty and the flag; a note; the return received from the case page, linked as
    it posts; the manager closes it with an outcome."""
    from playwright.sync_api import expect

    site.cli("receive", "--warehouse", "WH1", "--product", "HT-200", "--supplier",
             "Scanners Wholesale", "device-00501..device-00502")
    site.cli("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product", "HT-200",
             "device-00501")
    site.add_user("desk", "manager")
    page = sign_in(browser, site, "desk")
    page.goto("/rma/")
    page.get_by_test_id("open-case").click()
    page.get_by_test_id("case-scan").fill("device-00501")
    page.get_by_test_id("case-claimant").select_option("Customer B")
    page.get_by_test_id("case-fault").fill("battery drains overnight")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/rma/RMA-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_test_id("case-sale")).to_contain_text("SHP-")
    expect(page.get_by_test_id("case-sale")).to_contain_text("Customer A")
    expect(page.get_by_test_id("case-warranty")).to_contain_text("under warranty until")
    expect(page.locator('[data-flag="other_customer"]')).to_contain_text(
        "sold to Customer A, not to Customer B")
    page.screenshot(path=str(Path("test-artifacts/screenshots") / "rma-case.png"),
                    full_page=True)

    page.get_by_test_id("note-text").fill("Customer B bought it second-hand from A")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("case-notes")).to_contain_text("bought it second-hand")
    expect(page.get_by_test_id("case-notes")).to_contain_text("desk")

    # the case page opens the return station filled in, for the case: the return posted
    # links itself to it
    page.get_by_role("link", name="Receive the return").click()
    expect(page.get_by_test_id("return-case")).to_contain_text(number)
    page.get_by_role("button", name="Find the shipment").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    page.locator("#scan-input").focus()
    page.keyboard.type("device-00501")
    page.keyboard.press("Enter")
    expect(page.locator("#verdict [data-verdict]")).to_contain_text("device-00501")
    page.get_by_role("button", name="Post return").click()
    expect(page).to_have_url(re.compile(r"/documents/RET-\d{6}\?posted=1$"))
    page.goto(f"/rma/{number}/")
    expect(page.get_by_test_id("case-documents")).to_contain_text("customer return")
    expect(page.get_by_role("button", name=re.compile(r"^Link RET-"))).to_have_count(0)

    form = page.get_by_test_id("close-form")
    form.locator("select[name=outcome]").select_option("reject")
    form.locator("input[name=reason]").fill("not the buyer; no warranty claim for Customer B")
    form.get_by_role("button", name="Close the case").click()
    expect(page.get_by_test_id("case-status")).to_have_text("closed: reject")
    expect(page.get_by_test_id("case-outcome")).to_contain_text("not the buyer")
