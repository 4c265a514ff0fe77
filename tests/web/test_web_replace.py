"""Replacing a unit in repair from the web (the CLI's `repair replace`): a manager opens it
from the unit page, scans the replacement, and the customer's unit is swapped; refusals name
the serial or the field and change nothing; a clerk may look but not post (Django's test
client, on the suite's database)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from serialtrack import posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Unit
from tests.conftest import table_counts
from tests.helpers.posting import receive, ship
from tests.helpers.web import PASSWORD


def _client(name: str, role: str) -> Client:
    person, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def in_repair(shop: dict, user: Any) -> dict[str, Any]:
    """R-1 sold to Customer A, returned for repair; R-2 and R-3 in stock."""
    receive(user, ["R-1", "R-2", "R-3"])
    sold = ship(user, ["R-1"], customer="Customer A")
    posting.receive_return(shipment=sold.number, serials=["R-1"], user=user,
                           disposition="repair")
    return {"sold": sold.number, "warranty_end": Unit.objects.get(serial="R-1").warranty_end}


def test_a_manager_replaces_a_unit_in_repair_from_its_page(in_repair: dict) -> None:
    manager = _client("mona", "manager")
    page = manager.get("/units/HT-1/R-1").content.decode()
    assert 'data-testid="replace-link"' in page and "old=R-1" in page
    form = manager.get("/repair/replace/", {"product": "HT-1", "old": "R-1"})
    assert form.status_code == 200 and 'value="R-1"' in form.content.decode()

    done = manager.post("/repair/replace/", {"product": "HT-1", "old": "R-1", "new": "R-2",
                                             "reason": "keeps rebooting"})
    assert done.status_code == 302 and done["Location"].startswith("/documents/")
    old, new = Unit.objects.get(serial="R-1"), Unit.objects.get(serial="R-2")
    assert old.status == "scrapped"
    assert (new.status, new.holder.name) == ("shipped", "Customer A")
    assert new.warranty_end == in_repair["warranty_end"]  # the replacement carries what was left
    document = manager.get(done["Location"]).content.decode()
    assert "R-1" in document and "R-2" in document


def test_a_refused_replacement_names_the_serial_and_changes_nothing(in_repair: dict) -> None:
    manager = _client("mona", "manager")
    ship(posting.system_user("lead"), ["R-3"], customer="Customer B")
    before = table_counts()
    refused = manager.post("/repair/replace/", {"product": "HT-1", "old": "R-1", "new": "R-3"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'role="alert"' in page and "<code>R-3</code>" in page and "shipped" in page
    assert 'value="R-3"' in page  # the form keeps what was typed
    missing = manager.post("/repair/replace/", {"product": "HT-1", "old": "R-1", "new": ""})
    assert missing.status_code == 422
    assert "the serial of the replacement from stock is required" in missing.content.decode()
    assert table_counts() == before
    assert Unit.objects.get(serial="R-1").status == "in_repair"


def test_a_clerk_may_look_but_not_replace(in_repair: dict) -> None:
    clerk = _client("carl", "clerk")
    assert 'data-testid="replace-link"' not in clerk.get("/units/HT-1/R-1").content.decode()
    form = clerk.get("/repair/replace/")
    assert form.status_code == 200 and 'data-testid="read-only"' in form.content.decode()
    before = table_counts()
    assert clerk.post("/repair/replace/", {"product": "HT-1", "old": "R-1",
                                           "new": "R-2"}).status_code == 403
    assert table_counts() == before


def test_a_replacement_from_a_case_page_links_itself_to_the_case(in_repair: dict,
                                                                 user: Any) -> None:
    from serialtrack import service_cases
    from serialtrack.queries.service_cases import case_summary, get_case

    manager = _client("mona", "manager")
    case = service_cases.open_case(scan="R-1", claimant="Customer A", fault="dead", user=user)
    page = manager.get(f"/rma/{case.number}/").content.decode()
    assert ("/repair/replace/?product=HT-1&amp;old=R-1&amp;customer=Customer+A"
            f"&amp;case={case.number}") in page
    form = manager.get("/repair/replace/", {"product": "HT-1", "old": "R-1",
                                            "case": case.number}).content.decode()
    assert 'data-testid="replace-case"' in form and f'value="{case.number}"' in form
    # the case closed meanwhile: refused naming the case, nothing posted
    service_cases.close_case(case.number, outcome="reject", reason="x", user=user)
    before = table_counts()
    refused = manager.post("/repair/replace/", {"product": "HT-1", "old": "R-1", "new": "R-2",
                                                "case": case.number})
    assert refused.status_code == 422 and "is closed" in refused.content.decode()
    assert table_counts() == before
    reopened = service_cases.open_case(scan="R-1", claimant="Customer A", fault="again",
                                       user=user)
    done = manager.post("/repair/replace/", {"product": "HT-1", "old": "R-1", "new": "R-2",
                                             "case": reopened.number})
    assert done.status_code == 302
    linked = case_summary(get_case(reopened.number))["documents"]
    assert [d["role"] for d in linked] == ["replacement"]
