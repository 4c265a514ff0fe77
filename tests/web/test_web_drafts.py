"""Drafts that can be fixed from the web: the expected quantity changed, a draft discarded after
a confirmation, resumed from Home, marked there when open longer than a day. Through Django's
test client on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from serialtrack.inventory.models import Document, DraftLine, DraftSerial
from serialtrack.posting import drafts
from tests.helpers.web import PASSWORD


def _client(name: str, role: str) -> Client:
    from serialtrack.accounts.services import create_user

    person, _ = create_user(name, role, PASSWORD)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def clerk(shop: dict, user: Any) -> Client:
    return _client("casey", "clerk")


def _draft(user: Any, serials: list[str], expected: int | None = 2) -> int:
    doc = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1",
                              supplier="Supplier S", expected_quantity=expected)
    drafts.add_scans(doc.pk, serials, user)
    return int(doc.pk)


def test_the_expected_quantity_is_changed_and_the_draft_then_posts(clerk: Client,
                                                                   user: Any) -> None:
    draft_id = _draft(user, ["Q-1"], expected=2)
    page = clerk.get(f"/drafts/{draft_id}/")
    assert 'name="expected_quantity"' in page.content.decode()
    answer = clerk.post(f"/drafts/{draft_id}/expected", {"expected_quantity": "1"})
    assert answer.status_code == 302 and answer["Location"] == f"/drafts/{draft_id}/"
    assert DraftLine.objects.get(document_id=draft_id).expected_quantity == 1
    posted = clerk.post(f"/drafts/{draft_id}/post")
    assert posted.status_code == 302 and "/documents/RCV-" in posted["Location"]


def test_an_empty_expected_quantity_means_no_count_and_a_bad_one_is_refused(
        clerk: Client, user: Any) -> None:
    draft_id = _draft(user, ["Q-2"], expected=5)
    bad = clerk.post(f"/drafts/{draft_id}/expected", {"expected_quantity": "0"})
    assert bad.status_code == 422
    assert "expected quantity &#x27;0&#x27; must be a whole number" in bad.content.decode()
    assert DraftLine.objects.get(document_id=draft_id).expected_quantity == 5
    assert clerk.post(f"/drafts/{draft_id}/expected", {"expected_quantity": ""}).status_code == 302
    assert DraftLine.objects.get(document_id=draft_id).expected_quantity is None


def test_discard_asks_first_then_throws_the_draft_away(clerk: Client, user: Any) -> None:
    draft_id = _draft(user, ["D-1", "D-2"])
    ask = clerk.get(f"/drafts/{draft_id}/discard")
    html = ask.content.decode()
    assert ask.status_code == 200
    assert 'data-testid="discard-count">2<' in html and "Discard the draft" in html
    assert Document.objects.filter(pk=draft_id).exists()  # asking changes nothing

    done = clerk.post(f"/drafts/{draft_id}/discard")
    assert done.status_code == 302 and done["Location"] == f"/?discarded={draft_id}"
    assert not Document.objects.filter(pk=draft_id).exists()
    assert not DraftSerial.objects.filter(serial__in=["D-1", "D-2"]).exists()
    home = clerk.get(done["Location"]).content.decode()
    assert f"Draft #{draft_id} discarded." in home
    assert clerk.get(f"/drafts/{draft_id}/").status_code == 404


def test_a_viewer_cannot_discard_nor_change_a_draft(shop: dict, user: Any) -> None:
    viewer = _client("rita", "viewer")
    draft_id = _draft(user, ["V-1"])
    assert viewer.post(f"/drafts/{draft_id}/discard").status_code == 403
    assert viewer.post(f"/drafts/{draft_id}/expected", {"expected_quantity": "1"}).status_code == 403
    assert Document.objects.filter(pk=draft_id).exists()
    assert DraftLine.objects.get(document_id=draft_id).expected_quantity == 2


def test_home_resumes_drafts_and_marks_those_open_longer_than_a_day(clerk: Client,
                                                                    user: Any) -> None:
    fresh = _draft(user, ["H-1"])
    old = _draft(user, ["H-2"])
    Document.objects.filter(pk=old).update(
        created_at=Document.objects.get(pk=old).created_at - dt.timedelta(days=3, hours=2))
    html = clerk.get("/").content.decode()
    assert f'href="/drafts/{fresh}/">Resume draft #{fresh}<' in html
    assert f'href="/drafts/{old}/">Resume draft #{old}<' in html
    assert html.count('data-testid="stale"') == 1
    assert "open 3 days" in html


# -- the scan log: every scan with its verdict, refused ones kept until dismissed ---------------

HTMX = {"HX-Request": "true"}


def test_refused_scans_stay_in_the_log_beside_the_accepted_until_dismissed(
        clerk: Client, user: Any) -> None:
    from serialtrack.inventory.models import DraftRefusal

    draft_id = _draft(user, [], expected=None)
    for serial in ("L-1", "L-1", "L-2", "bad\u200bserial"):
        answer = clerk.post(f"/drafts/{draft_id}/scan", {"serial": serial}, headers=HTMX)
        assert answer.status_code == 200
    last = answer.content.decode()
    assert 'data-testid="refused-count">2<' in last  # the repeat and the invisible character
    assert 'data-testid="scanned-count">2<' in last
    assert 'data-verdict="refused"' in last and "Dismiss refused" in last

    page = clerk.get(f"/drafts/{draft_id}/").content.decode()
    entries = re.findall(r'data-verdict="(\w+)"[^>]*>\s*<time[^>]*>[^<]*</time>\s*<span[^>]*>.</span> '
                         r'<code class="serial">([^<]*)</code>', page)
    assert entries == [("refused", "bad\u200bserial"), ("accepted", "L-2"),
                       ("refused", "L-1"), ("accepted", "L-1")]  # newest first

    first = DraftRefusal.objects.filter(line__document_id=draft_id).order_by("id").first()
    assert first is not None
    dismissed = clerk.post(f"/drafts/{draft_id}/dismiss", {"refusal": str(first.pk)}, headers=HTMX)
    assert 'data-testid="refused-count">1<' in dismissed.content.decode()
    assert clerk.post(f"/drafts/{draft_id}/dismiss", {}, headers=HTMX).status_code == 200
    assert not DraftRefusal.objects.filter(line__document_id=draft_id).exists()
    page = clerk.get(f"/drafts/{draft_id}/").content.decode()
    assert 'data-testid="refused-count">0<' in page and page.count('data-verdict="accepted"') == 2


def test_posting_a_draft_clears_its_refusals(clerk: Client, user: Any) -> None:
    from serialtrack.inventory.models import DraftRefusal

    draft_id = _draft(user, ["P-1", "P-1"], expected=None)
    assert DraftRefusal.objects.filter(line__document_id=draft_id).count() == 1
    assert clerk.post(f"/drafts/{draft_id}/post").status_code == 302
    assert not DraftRefusal.objects.filter(line__document_id=draft_id).exists()


# -- post and continue ----------------------------------------------------------------------------

def test_after_posting_same_again_opens_a_draft_like_it(clerk: Client, user: Any) -> None:
    doc = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1/A-01",
                              supplier="Supplier S", expected_quantity=1, lot="L-9")
    drafts.add_scans(doc.pk, ["AG-1"], user)
    posted = clerk.post(f"/drafts/{doc.pk}/post")
    assert posted.status_code == 302
    number = posted["Location"].split("/documents/")[1].removesuffix("?posted=1")
    assert posted["Location"] == f"/documents/{number}?posted=1"
    page = clerk.get(posted["Location"]).content.decode()
    assert f"Posted <strong>{number}</strong>." in page and "Same again" in page
    assert "Same again" not in clerk.get(f"/documents/{number}").content.decode()

    again = clerk.post(f"/documents/{number}/again")
    assert again.status_code == 302
    new_id = int(again["Location"].split("/")[2])
    new = Document.objects.select_related("party").get(pk=new_id)
    line = DraftLine.objects.select_related("product").get(document=new)
    assert (new.kind, new.status, new.party.name) == ("receipt", "draft", "Supplier S")
    assert (line.product.sku, line.location_ref, line.expected_quantity, line.lot_code,
            line.scanned) == ("HT-1", "WH1/A-01", None, "", 0)


def test_same_again_needs_a_document_posted_from_a_draft(clerk: Client, user: Any) -> None:
    from tests.helpers.posting import receive

    direct = receive(user, ["AG-2"]).number
    answer = clerk.post(f"/documents/{direct}/again")
    assert answer.status_code == 422
    assert "was not posted from a draft" in answer.content.decode()
    assert clerk.post("/documents/RCV-999999/again").status_code == 404


def test_the_receive_form_starts_with_no_warehouse_chosen(clerk: Client) -> None:
    html = clerk.get("/receive/").content.decode()
    select = html[html.index('<select name="warehouse"'):]
    assert select.index('<option value="">') < select.index('<option value="WH1')


# -- small things ------------------------------------------------------------------------------

def test_repair_pages_return_links_and_the_announced_verdict(clerk: Client, user: Any) -> None:
    from serialtrack import posting
    from tests.helpers.posting import receive, ship

    receive(user, ["SM-1", "SM-2"], warehouse="WH2")
    started = posting.start_repair(product="HT-1", serials=["SM-1"], user=user).number
    html = clerk.get(f"/documents/{started}").content.decode()
    assert '<span class="muted">Repair started</span>' in html
    assert "<dt>Warehouse</dt><dd>WH2</dd>" in html
    done = posting.repair_done(product="HT-1", serials=["SM-1"], user=user).number
    assert '<span class="muted">Repair done</span>' in clerk.get(f"/documents/{done}").content.decode()

    shipped = ship(user, ["SM-2"], warehouse="WH2").number
    page = clerk.get("/return/").content.decode()
    assert f'<a href="/documents/{shipped}">{shipped}</a>' in page
    found = clerk.post("/return/", {"find": "SM-2", "disposition": "restock"})
    assert found.status_code in (200, 302)

    draft_id = _draft(user, [])
    assert 'id="verdict" class="verdict-box" aria-live="polite"' in clerk.get(
        f"/drafts/{draft_id}/").content.decode()
