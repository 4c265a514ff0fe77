"""The stations beyond receive, ship and return — transfer, hold and release, write-off, repair —
in a real browser (typed key by key, Enter to end a scan, as a barcode scanner does), and the
serial report's lot and customer filters with their exports (Django's test client)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from serialtrack import posting
from tests.helpers.posting import receive, ship
from tests.helpers.web import (
    PASSWORD,
    SHOTS,
    Site,
    open_station,
    post_draft,
    scan,
    sign_in,
    spy_on_sounds,
)

# -- the serial report: by lot and by customer (in process) ------------------------------------


@pytest.fixture
def viewer_client(shop: dict, user: Any) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    viewer, _ = create_user("rita", "viewer", PASSWORD)
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def traced(shop: dict, user: Any) -> dict[str, str]:
    """Units of two lots; some shipped to Customer A (one came back), one to Customer B."""
    receive(user, ["L1-1", "L1-2", "L1-3"], lot="LOT-1")
    receive(user, ["L2-1", "L2-2"], lot="LOT-2")
    receive(user, ["N-1"])
    to_a = ship(user, ["L1-1", "L1-2", "L2-1"], customer="Customer A").number
    posting.receive_return(shipment=to_a, serials=["L1-2"], user=user)
    to_b = ship(user, ["L2-2"], customer="Customer B").number
    posting.receive(warehouse="WH1", product="SAL-1", quantity=40, lot="LOT-1", user=user,
                    supplier="Supplier S")
    return {"to_a": to_a, "to_b": to_b}


def _csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_report_in_stock_by_lot_shows_and_exports_that_lot_only(
        viewer_client: Any, traced: dict[str, str]) -> None:
    page = viewer_client.get("/report/", {"view": "in", "lot": "LOT-1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "L1-2" in html and "L1-3" in html
    assert "L2-1" not in html and "N-1" not in html and "L1-1" not in html  # L1-1 is out
    assert 'name="lot" value="LOT-1"' in html
    assert 'data-testid="report-total">2<' in html

    rows = _csv_rows(viewer_client.get("/report/", {"view": "in", "lot": "LOT-1",
                                                    "format": "csv"}))
    assert [(r["product"], r["serial"], r["lot"], r["quantity"]) for r in rows] == [
        ("HT-1", "L1-2", "LOT-1", "1"), ("HT-1", "L1-3", "LOT-1", "1"),
        ("SAL-1", "", "LOT-1", "40")]
    sheet = _xlsx_rows(viewer_client.get("/report/", {"view": "in", "lot": "LOT-1",
                                                      "format": "xlsx"}))
    assert [(r[4], r[5]) for r in sheet[1:]] == [("L1-2", "LOT-1"), ("L1-3", "LOT-1"), (None, "LOT-1")]


def test_report_out_of_storage_by_lot_and_by_customer(
        viewer_client: Any, traced: dict[str, str]) -> None:
    by_lot = _csv_rows(viewer_client.get("/report/", {"view": "out", "lot": "LOT-2",
                                                      "format": "csv"}))
    assert [(r["serial"], r["holder"]) for r in by_lot] == [("L2-1", "Customer A"),
                                                           ("L2-2", "Customer B")]

    page = viewer_client.get("/report/", {"view": "out", "customer": "Customer A"})
    html = page.content.decode()
    assert "L1-1" in html and "L2-1" in html
    assert "L2-2" not in html  # Customer B's
    assert "L1-2" not in html  # came back: in storage, not out
    # The export links carry the filter.
    assert "customer=Customer+A" in html

    both = _csv_rows(viewer_client.get("/report/", {"view": "out", "customer": "Customer A",
                                                    "lot": "LOT-1", "format": "csv"}))
    assert [(r["serial"], r["holder"], r["document"]) for r in both] == [
        ("L1-1", "Customer A", traced["to_a"])]
    sheet = _xlsx_rows(viewer_client.get("/report/", {"view": "out", "customer": "Customer B",
                                                      "format": "xlsx"}))
    assert [r[:5] for r in sheet[1:]] == [["HT-1", "L2-2", "shipped", "Customer B",
                                           traced["to_b"]]]


def test_report_in_stock_by_customer_finds_what_came_back_from_them(
        viewer_client: Any, traced: dict[str, str]) -> None:
    rows = _csv_rows(viewer_client.get("/report/", {"view": "in", "customer": "Customer A",
                                                    "format": "csv"}))
    # Only the unit Customer A had and sent back; no lot quantities (no unit identity).
    assert [(r["serial"], r["status"]) for r in rows] == [("L1-2", "in_stock")]
    none = viewer_client.get("/report/", {"view": "in", "customer": "Customer B"})
    assert "No serialized units in storage for this filter" in none.content.decode()


# -- the stations in the browser ----------------------------------------------------------------

def _stock(site: Site, *serials: str, where: str = "WH1") -> None:
    site.cli("receive", "--warehouse", where, "--product", "HT-200", "--supplier",
             "Scanners Wholesale", *serials)


def _refused(verdict: Any, *texts: str) -> None:
    """A refusal shown as such (red, announced) and saying why."""
    from playwright.sync_api import expect

    expect(verdict).to_have_attribute("data-verdict", "refused")
    expect(verdict).to_have_attribute("role", "alert")
    for text in texts:
        expect(verdict).to_contain_text(text)


def _unit(page: Any, serial: str) -> None:
    """The unit page, from the search box."""
    from playwright.sync_api import expect

    page.locator("#site-search").fill(serial)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/units/HT-200/{serial}$"))


@pytest.mark.slow
def test_transfer_between_bins(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    _stock(site, "device-00601", "device-00602", "device-00603")
    _stock(site, "device-00604", where="WH1/A-01")
    site.add_user("tom", "clerk")
    page = sign_in(browser, site, "tom")
    page.get_by_role("link", name="Transfer", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/transfer/$"))
    open_station(page, "/transfer/", {"product": "HT-200", "source": "WH1",
                                      "destination": "WH1/A-01", "expected_quantity": "2"})
    expect(page.locator(".station-head")).to_contain_text("WH1/A-01")
    spy_on_sounds(page)
    expect(scan(page, "device-00601")).to_have_attribute("data-verdict", "accepted")
    _refused(scan(page, "device-00604"), "device-00604", "already in WH1/A-01")
    _refused(scan(page, "device-00999"), "not a unit of HT-200")
    expect(scan(page, "device-00602")).to_have_attribute("data-verdict", "accepted")
    assert page.evaluate("window.__sounds") == ["accepted", "refused", "refused", "accepted"]
    expect(page.get_by_test_id("scanned-count")).to_have_text("2")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "transfer-station.png"), full_page=True)
    number = post_draft(page, "transfer")
    assert number.startswith("TRF-")
    expect(page.locator("ul.serials li")).to_have_count(2)

    _unit(page, "device-00601")
    expect(page.get_by_test_id("unit-where")).to_contain_text("A-01")
    expect(page.get_by_test_id("timeline")).to_contain_text(number)
    _unit(page, "device-00603")  # not scanned: stays where it was
    expect(page.get_by_test_id("unit-where")).not_to_contain_text("A-01")
    page.context.close()


@pytest.mark.slow
def test_hold_then_release(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    _stock(site, "device-00611", "device-00612")
    site.add_user("hana", "clerk")
    page = sign_in(browser, site, "hana")
    page.get_by_role("link", name="Hold · repair").click()
    expect(page.get_by_test_id("manager-only")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "adjust-stations-clerk.png"), full_page=True)
    page.get_by_role("link", name="Hold", exact=True).click()
    expect(page).to_have_url(re.compile(r"/hold/$"))
    open_station(page, "/hold/", {"product": "HT-200", "reason": "suspected water damage"})
    expect(page.get_by_test_id("reason")).to_have_text("suspected water damage")
    expect(scan(page, "device-00611")).to_have_attribute("data-verdict", "accepted")
    held = post_draft(page, "hold")
    assert held.startswith("ADJ-")

    # Holding it again is refused, saying where it is.
    open_station(page, "/hold/", {"product": "HT-200"})
    _refused(scan(page, "device-00611"), "device-00611", "on hold")
    expect(page.get_by_test_id("scanned-count")).to_have_text("0")

    # Home lists it on hold and leads to the release station, product filled in.
    page.goto("/")
    expect(page.locator("section", has_text="Units on hold")).to_contain_text("device-00611")
    page.get_by_test_id("release-link").click()
    expect(page).to_have_url(re.compile(r"/release/\?product=HT-200$"))
    expect(page.locator("input[name=product]")).to_have_value("HT-200")
    page.get_by_role("button", name="Start scanning").click()
    expect(page.locator("#scan-input")).to_be_focused()
    _refused(scan(page, "device-00612"), "device-00612", "in stock")
    expect(scan(page, "device-00611")).to_have_attribute("data-verdict", "accepted")
    released = post_draft(page, "release")

    _unit(page, "device-00611")
    expect(page.get_by_test_id("unit-status")).to_have_text("in stock")
    rows = page.get_by_test_id("timeline").locator("tbody tr")
    expect(rows.nth(1)).to_contain_text(held)
    expect(rows.nth(2)).to_contain_text(released)
    page.context.close()


@pytest.mark.slow
def test_write_off_refused_for_a_clerk_done_by_a_manager(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    _stock(site, "device-00621", "device-00622")
    site.cli("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product", "HT-200",
             "device-00622")
    site.add_user("cleo", "clerk")
    site.add_user("max", "manager")

    # The clerk is not offered the write-off, and cannot open one by its address.
    clerk = sign_in(browser, site, "cleo")
    clerk.goto("/adjust/")
    expect(clerk.get_by_role("link", name="Write-off")).to_have_count(0)
    expect(clerk.get_by_role("link", name="Start repair")).to_have_count(0)
    clerk.goto("/write-off/")
    expect(clerk.get_by_test_id("read-only")).to_contain_text("manager role")
    expect(clerk.locator("main form")).to_have_count(0)
    token = next(c["value"] for c in clerk.context.cookies() if c["name"] == "csrftoken")
    response = clerk.request.post("/write-off/", form={"product": "HT-200", "reason": "x"},
                                  headers={"X-CSRFToken": token})
    assert response.status == 403
    assert "needs the manager role" in response.text()

    # The manager: a blank reason is refused, then the write-off with its reason.
    boss = sign_in(browser, site, "max")
    boss.goto("/adjust/")
    boss.get_by_role("link", name="Write-off").click()
    boss.locator("input[name=product]").fill("HT-200")
    boss.locator("input[name=reason]").fill("   ")
    boss.get_by_role("button", name="Start scanning").click()
    expect(boss.locator(".problems")).to_contain_text("needs reason")
    open_station(boss, "/write-off/", {"product": "HT-200", "reason": "dropped, screen cracked"})
    draft_path = boss.url.removeprefix(site.url)
    _refused(scan(boss, "device-00622"), "device-00622", "shipped to Customer A")
    expect(scan(boss, "device-00621")).to_have_attribute("data-verdict", "accepted")

    # The clerk sees the manager's draft but cannot scan into it or post it.
    clerk.goto(draft_path)
    expect(clerk.get_by_test_id("read-only")).to_contain_text("manager role")
    expect(clerk.locator("#scan-input")).to_have_count(0)
    expect(clerk.locator("#post-button")).to_have_count(0)
    for path, form in ((f"{draft_path}scan", {"serial": "device-00621"}),
                       (f"{draft_path}post", {})):
        response = clerk.request.post(path, form=form, headers={"X-CSRFToken": token})
        assert response.status == 403, (path, response.status)
    clerk.context.close()

    number = post_draft(boss, "write-off")
    assert number.startswith("ADJ-")
    _unit(boss, "device-00621")
    expect(boss.get_by_test_id("unit-status")).to_have_text("scrapped")
    expect(boss.get_by_test_id("timeline")).to_contain_text("dropped, screen cracked")
    boss.context.close()


@pytest.mark.slow
def test_repair_start_and_done(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    _stock(site, "device-00631", "device-00632")
    site.add_user("rae", "manager")
    page = sign_in(browser, site, "rae", phone=True)
    open_station(page, "/repair/", {"product": "HT-200", "reason": "battery swells"})
    expect(scan(page, "device-00631")).to_have_attribute("data-verdict", "accepted")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the repair station scrolls sideways on a phone ({width}px)"
    started = post_draft(page, "repair start")
    assert started.startswith("RPR-")

    open_station(page, "/repair/", {"product": "HT-200"})
    _refused(scan(page, "device-00631"), "device-00631", "in repair")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "repair-station-phone.png"), full_page=True)

    page.goto("/")
    expect(page.locator("section", has_text="Units in repair")).to_contain_text("device-00631")
    page.get_by_test_id("repair-done-link").click()
    expect(page).to_have_url(re.compile(r"/repair/done/\?product=HT-200$"))
    page.get_by_role("button", name="Start scanning").click()
    _refused(scan(page, "device-00632"), "device-00632", "not in repair")
    expect(scan(page, "device-00631")).to_have_attribute("data-verdict", "accepted")
    done = post_draft(page, "repair done")

    _unit(page, "device-00631")
    expect(page.get_by_test_id("unit-status")).to_have_text("in stock")
    expect(page.get_by_test_id("repairs")).to_contain_text(started)
    expect(page.get_by_test_id("timeline")).to_contain_text(done)
    page.context.close()


# -- adjustment and repair drafts (in process) ---------------------------------------------------

def test_hold_and_repair_drafts_are_judged_by_their_engine_entries(shop: dict, user: Any) -> None:
    from serialtrack.inventory.models import Unit
    from serialtrack.posting import drafts

    receive(user, ["H-1", "H-2", "H-3"])
    posting.hold(product="HT-1", serials=["H-2"], user=user)
    ship(user, ["H-3"])
    hold = drafts.create_draft(kind="adjustment", operation="hold", product="HT-1", user=user,
                               reason="recall check")
    verdicts = drafts.add_scans(hold.pk, ["H-1", "H-2", "H-3", "H-9"], user)
    assert [(v.serial, v.accepted, v.code) for v in verdicts] == [
        ("H-1", True, None), ("H-2", False, "not_in_stock"), ("H-3", False, "not_in_stock"),
        ("H-9", False, "not_found")]
    assert "on hold" in (verdicts[1].message or "")
    assert "shipped to Customer A" in (verdicts[2].message or "")
    posted = drafts.post_draft(hold.pk, user)
    assert (posted.kind, posted.reason, posted.number[:4]) == ("adjustment", "recall check", "ADJ-")
    assert Unit.objects.get(serial="H-1").status == "on_hold"

    start = drafts.create_draft(kind="repair", operation="repair_start", product="HT-1",
                                user=user)
    assert [v.accepted for v in drafts.add_scans(start.pk, ["H-1", "H-3"], user)] == [True, False]
    assert drafts.post_draft(start.pk, user).kind == "repair"
    done = drafts.create_draft(kind="repair", operation="repair_done", product="HT-1", user=user)
    refused, accepted = drafts.add_scans(done.pk, ["H-2", "H-1"], user)
    assert not refused.accepted and "not in repair" in (refused.message or "")
    assert accepted.accepted
    drafts.post_draft(done.pk, user)
    assert Unit.objects.get(serial="H-1").status == "in_stock"


def test_a_draft_names_an_operation_that_fits_its_kind(shop: dict, user: Any) -> None:
    from serialtrack.errors import InvalidInput
    from serialtrack.posting import drafts

    cases = [({"kind": "adjustment"}, "operation"),
             ({"kind": "repair", "operation": "hold"}, "operation"),
             ({"kind": "transfer", "operation": "hold", "source": "WH1",
               "destination": "WH2"}, "operation"),
             ({"kind": "adjustment", "operation": "write_off", "reason": "  "}, "reason")]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as info:
            drafts.create_draft(product="HT-1", user=user, **fields)
        assert [p.field for p in info.value.problems] == [field], fields
    assert drafts.role_needed("adjustment", "write_off") == "manager"
    assert drafts.role_needed("repair", "repair_done") == "manager"
    assert drafts.role_needed("adjustment", "release") == drafts.role_needed("transfer") == "clerk"


def test_api_write_off_drafts_need_the_manager_role(shop: dict, user: Any) -> None:
    import json

    from django.test import Client

    from serialtrack.accounts.services import create_token, create_user

    receive(user, ["W-1", "W-2"])

    def api(name: str, role: str) -> Any:
        create_user(name, role, PASSWORD)
        _token, raw = create_token(name)
        client = Client()

        def call(method: str, path: str, body: Any = None) -> Any:
            return getattr(client, method)(path, data=json.dumps(body or {}),
                                           content_type="application/json",
                                           headers={"Authorization": f"Bearer {raw}"})
        return call

    clerk, manager = api("wanda", "clerk"), api("mona", "manager")
    write_off = {"kind": "adjustment", "operation": "write_off", "product": "HT-1",
                 "reason": "crushed"}
    assert clerk("post", "/api/drafts", write_off).status_code == 403
    created = manager("post", "/api/drafts", write_off)
    assert created.status_code == 201, created.content
    draft_id = created.json()["id"]
    scans = f"/api/drafts/{draft_id}/serials"
    assert clerk("post", scans, {"serials": ["W-1"]}).status_code == 403
    assert manager("post", scans, {"serials": ["W-1"]}).json()["scanned"] == 1
    assert clerk("post", f"/api/drafts/{draft_id}/post").status_code == 403
    assert clerk("delete", f"/api/drafts/{draft_id}").status_code == 403
    posted = manager("post", f"/api/drafts/{draft_id}/post")
    assert posted.status_code == 201 and posted.json()["kind"] == "adjustment"

    hold = clerk("post", "/api/drafts", {"kind": "adjustment", "operation": "hold",
                                         "product": "HT-1"})
    assert hold.status_code == 201  # holds are the clerk's, as POST /api/holds


# -- query counts of the new pages (in process) -------------------------------------------------

# Each includes the session, the user and the user's role (3).
PINNED_QUERIES = {"transfer": 5, "write_off": 4, "adjust": 3, "hold_draft": 7,
                  "report_lot_customer": 7, "report_out_lot_customer": 7}


def _station_queries(client: Any, draft_id: int, serial: str) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    requests = {
        "transfer": ("get", "/transfer/", {}),
        "write_off": ("get", "/write-off/", {}),
        "adjust": ("get", "/adjust/", {}),
        "hold_draft": ("get", f"/drafts/{draft_id}/", {}),
        "scan": ("post", f"/drafts/{draft_id}/scan", {"serial": serial}),
        "report_lot_customer": ("get", "/report/", {"lot": "LOT-1", "customer": "Customer A"}),
        "report_out_lot_customer": ("get", "/report/", {"view": "out", "lot": "LOT-1",
                                                        "customer": "Customer A"}),
    }
    counts = {}
    for name, (method, path, data) in requests.items():
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(path, data, headers={"HX-Request": "true"}
                                               if method == "post" else {})
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def test_station_pages_make_a_constant_number_of_queries(shop: dict, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user
    from serialtrack.posting import drafts

    manager, _ = create_user("counting-manager", "manager", PASSWORD)
    client = Client()
    client.force_login(manager)
    receive(user, ["S-1", "S-2", "S-3"], lot="LOT-1")
    ship(user, ["S-1"])
    draft = drafts.create_draft(kind="adjustment", operation="hold", product="HT-1", user=manager)
    drafts.add_scans(draft.pk, ["S-2"], manager)
    small = _station_queries(client, draft.pk, "S-3")

    receive(user, [f"X-{n}" for n in range(300)], lot="LOT-1")
    ship(user, [f"X-{n}" for n in range(100)])
    ship(user, [f"X-{n}" for n in range(100, 150)], customer="Customer B")
    posting.hold(product="HT-1", serials=[f"X-{n}" for n in range(150, 170)], user=user)
    drafts.add_scans(draft.pk, [f"X-{n}" for n in range(170, 290)], manager)
    large = _station_queries(client, draft.pk, "X-290")
    assert small == large, (small, large)
    assert {k: v for k, v in small.items() if k != "scan"} == PINNED_QUERIES


def test_repaired_units_ship_back_to_the_customer_who_returned_them(shop: dict, user: Any
                                                                    ) -> None:
    """A return booked into repair, then the ship-back station: the unit goes to the customer it
    came from; a unit not in repair is refused at the scan; a clerk is not offered the station."""
    from django.test import Client

    from serialtrack.accounts.services import create_user
    from serialtrack.inventory.models import Document, Unit

    receive(user, ["R-1", "R-2"])
    shipment = ship(user, ["R-1"], customer="Customer B").number
    posting.receive_return(shipment=shipment, serials=["R-1"], user=user, disposition="repair")
    clerk, _ = create_user("carl", "clerk", PASSWORD)
    manager, _ = create_user("mona", "manager", PASSWORD)
    as_clerk, as_manager = Client(), Client()
    as_clerk.force_login(clerk)
    as_manager.force_login(manager)
    assert "/repair/ship-back/" not in as_clerk.get("/adjust/").content.decode()
    assert as_clerk.post("/repair/ship-back/", {"product": "HT-1"}).status_code == 403

    assert "/repair/ship-back/" in as_manager.get("/adjust/").content.decode()
    opened = as_manager.post("/repair/ship-back/", {"product": "HT-1"})
    assert opened.status_code == 302, opened.content.decode()
    draft = opened["Location"]
    verdicts = [as_manager.post(f"{draft}scan", {"serial": s}, headers={"HX-Request": "true"})
                .content.decode() for s in ("R-2", "R-1")]
    assert 'data-verdict="refused"' in verdicts[0] and "in stock" in verdicts[0]
    assert 'data-verdict="accepted"' in verdicts[1]
    posted = as_manager.post(f"{draft}post")
    assert posted.status_code == 302
    doc = Document.objects.get(number=posted["Location"].rsplit("/", 1)[1].removesuffix("?posted=1"))
    assert (doc.kind, doc.party.name) == ("repair", "Customer B")
    unit = Unit.objects.select_related("holder").get(serial="R-1")
    assert (unit.status, unit.holder.name) == ("shipped", "Customer B")
