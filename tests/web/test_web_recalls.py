"""The recall pages: the form that creates a recall (managers: count what a selection finds, a
dry run that keeps nothing, then create; clerks get 403), the report with its progress, "Hold all
in storage" for managers, the notification list's export links (Django's test client on the
suite's database), and two browser runs: a recall made through the engine, its page opened,
hold pressed, progress seen; and the whole flow from the web — create, report, hold, export."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from serialtrack import posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Unit
from tests.conftest import table_counts
from tests.helpers.posting import receive, ship
from tests.helpers.web import PASSWORD, Site, sign_in


def _client(name: str, role: str) -> Client:
    person, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def recalled(shop: dict, user: Any) -> str:
    receive(user, ["R-1", "R-2", "R-3"], lot="L77")
    ship(user, ["R-1"], customer="Customer A")
    return posting.create_recall(lot="L77", reason="capacitor", user=user).number or ""


def test_a_manager_holds_everything_in_storage_from_the_recall_page(recalled: str) -> None:
    manager = _client("mona", "manager")
    page = manager.get(f"/recalls/{recalled}/").content.decode()
    assert 'data-testid="hold-form"' in page and "Customer A" in page
    assert re.search(r'data-testid="found-units">3<', page)
    done = manager.post(f"/recalls/{recalled}/hold")
    assert done.status_code == 302
    page = manager.get(done["Location"]).content.decode()
    assert re.search(r'data-testid="held-units">2<', page) and 'data-testid="held"' in page
    assert set(Unit.objects.filter(status="on_hold").values_list("serial", flat=True)) == {
        "R-2", "R-3"}
    again = manager.post(f"/recalls/{recalled}/hold")
    assert again.status_code == 422 and 'role="alert"' in again.content.decode()
    export = manager.get(f"/recalls/{recalled}/customers.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["customer"], r["serials"]) for r in rows] == [("Customer A", "HT-1 R-1")]
    assert manager.get(f"/recalls/{recalled}/customers.xlsx").content[:2] == b"PK"
    assert recalled in manager.get("/recalls/").content.decode()
    assert manager.get("/recalls/RCL-999999/").status_code == 404


def test_a_clerk_sees_the_report_but_cannot_hold(recalled: str) -> None:
    clerk = _client("carl", "clerk")
    page = clerk.get(f"/recalls/{recalled}/").content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="hold-form"' not in page
    before = table_counts()
    assert clerk.post(f"/recalls/{recalled}/hold").status_code == 403
    assert table_counts() == before


def test_a_manager_counts_then_creates_a_recall_from_the_form(recalled: str) -> None:
    manager = _client("mona", "manager")
    assert 'data-testid="new-recall"' in manager.get("/recalls/").content.decode()
    page = manager.get("/recalls/new/?lot=L77").content.decode()
    assert 'data-testid="recall-form"' in page and 'value="L77"' in page
    before = table_counts()
    counted = manager.post("/recalls/new/", {"by": "lot", "lot": "L77", "reason": "fuse",
                                             "action": "count"})
    text = counted.content.decode()
    assert counted.status_code == 200 and re.search(r'data-testid="preview-units">3<', text)
    assert "Customer A" in text and "Create recall" in text
    assert table_counts() == before  # a count keeps nothing
    made = manager.post("/recalls/new/", {"by": "lot", "lot": "L77", "reason": "fuse",
                                          "action": "create"})
    assert made.status_code == 302 and made["Location"] == "/recalls/RCL-000002/?created=1"
    page = manager.get(made["Location"]).content.decode()
    assert 'data-testid="created"' in page and re.search(r'data-testid="found-units">3<', page)


def test_the_form_sends_only_the_chosen_selection(recalled: str) -> None:
    manager = _client("mona", "manager")
    # a lot left filled in from another choice is not sent: by serials, a range
    counted = manager.post("/recalls/new/", {
        "by": "serials", "serials": "R-1..R-2\n", "lot": "L77", "reason": "r",
        "action": "count"})
    assert re.search(r'data-testid="preview-units">2<', counted.content.decode())
    made = manager.post("/recalls/new/", {"by": "component", "component": "R-3", "reason": "r",
                                          "action": "create"})
    assert made.status_code == 302
    page = manager.get(made["Location"]).content.decode()
    assert "component R-3" in page and re.search(r'data-testid="found-units">1<', page)


@pytest.mark.parametrize(("form", "says"), [
    ({"by": "lot", "lot": "L77"}, "needs a reason"),
    ({"by": "lot", "lot": ""}, "selecting by lot needs a lot code"),
    ({"by": "lot", "lot": "NOPE"}, "no lot &#x27;NOPE&#x27;"),
    ({"by": "serials", "serials": "R-9"}, "serial &#x27;R-9&#x27; is not a unit"),
    ({"by": "serials", "serials": "R-3..R-1"}, "runs backwards"),
    ({"by": "supplier", "received_from": "31/12/2026"}, "received from"),
    ({"by": "receipt", "receipt": "RCV-999999"}, "no receipt"),
])
def test_bad_input_is_refused_naming_it_and_changes_nothing(
        recalled: str, form: dict[str, str], says: str) -> None:
    manager = _client("mona", "manager")
    before = table_counts()
    for action in ("count", "create"):
        answer = manager.post("/recalls/new/", {"reason": "r", **form, "action": action}
                              if "reason" not in form and says != "needs a reason"
                              else {**form, "action": action})
        text = answer.content.decode()
        assert answer.status_code == 422 and 'role="alert"' in text and says in text, text
    assert table_counts() == before


def test_a_clerk_cannot_create_a_recall(recalled: str) -> None:
    clerk = _client("carl", "clerk")
    assert 'data-testid="new-recall"' not in clerk.get("/recalls/").content.decode()
    before = table_counts()
    assert clerk.get("/recalls/new/").status_code == 403
    for action in ("count", "create"):
        assert clerk.post("/recalls/new/", {"by": "lot", "lot": "L77", "reason": "r",
                                            "action": action}).status_code == 403
    assert table_counts() == before


def test_recall_page_in_the_browser(browser: Any, site: Site) -> None:
    from playwright.sync_api import expect

    site.cli("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale",
             "--lot", "L77", "device-00001..device-00004")
    site.cli("ship", "-w", "WH1", "--customer", "Customer B", "-p", "HT-200", "device-00001")
    site.cli("recall", "create", "--lot", "L77", "--reason", "capacitor")
    site.add_user("mona", "manager")
    page = sign_in(browser, site, "mona")
    page.goto("/recalls/RCL-000001/")
    expect(page.get_by_test_id("found-units")).to_have_text("4")
    expect(page.get_by_test_id("held-units")).to_have_text("0")
    expect(page.get_by_test_id("customers")).to_contain_text("Customer B")
    page.get_by_role("button", name="Hold all in storage").click()
    expect(page.get_by_test_id("held")).to_contain_text("ADJ-")
    expect(page.get_by_test_id("held-units")).to_have_text("3")
    expect(page.get_by_test_id("export-csv")).to_have_attribute(
        "href", "/recalls/RCL-000001/customers.csv")


def test_the_whole_recall_flow_from_the_web(browser: Any, site: Site) -> None:
    """Create from the form (count first), see the report, hold, export the customer list."""
    from playwright.sync_api import expect

    site.cli("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale",
             "--lot", "L91", "device-00101..device-00105")
    site.cli("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200", "device-00101")
    site.add_user("rita", "manager")
    page = sign_in(browser, site, "rita")
    page.goto("/recalls/")
    page.get_by_test_id("new-recall").click()
    expect(page).to_have_url(re.compile(r"/recalls/new/$"))
    page.get_by_label("serial list or range").check()
    expect(page.get_by_label("Lot code")).to_be_hidden()  # only the chosen selection's fields
    page.get_by_label("lot", exact=True).check()
    page.get_by_label("Lot code").fill("L91")
    page.get_by_label("Reason").fill("battery swelling")
    page.get_by_role("button", name="Count affected").click()
    expect(page.get_by_test_id("preview-units")).to_have_text("5")
    expect(page.get_by_test_id("preview")).to_contain_text("Customer A")
    page.get_by_role("button", name="Create recall").click()
    expect(page).to_have_url(re.compile(r"/recalls/RCL-\d{6}/\?created=1$"))
    expect(page.get_by_test_id("created")).to_be_visible()
    expect(page.get_by_test_id("found-units")).to_have_text("5")
    expect(page.get_by_test_id("customers")).to_contain_text("Customer A")
    page.get_by_role("button", name="Hold all in storage").click()
    expect(page.get_by_test_id("held")).to_contain_text("ADJ-")
    expect(page.get_by_test_id("held-units")).to_have_text("4")
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [(r["customer"], r["serials"]) for r in rows] == [("Customer A",
                                                              "HT-200 device-00101")]
