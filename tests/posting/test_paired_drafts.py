"""A receipt draft of paired serials (issue 18): goods that carry our label and the maker's, so a
clerk scans each unit's own serial and then its maker's serial. Each pair is judged as the
receipt judges a serial and a manufacturer serial (read only), kept or refused whole, and the draft
posts one receipt in which each unit carries both — as `serialtrack receive SERIALS
--manufacturer-serials ...` and the API's receipt do."""

from __future__ import annotations

from typing import Any

import pytest

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import DraftSerial, Unit
from serialtrack.posting import drafts
from tests.conftest import snapshot
from tests.helpers.api import Api


@pytest.fixture
def bench(shop: dict, user: Any) -> dict[str, Any]:
    """Units of HT-1 already in: one with a maker's serial, one without; a draft of pairs."""
    posting.receive(warehouse="WH1", product="HT-1", user=user, serials=["HT-OLD-1", "HT-OLD-2"],
                    manufacturer_serials=["MK-OLD-1", None])
    draft = drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1", user=user,
                                supplier="Supplier S", scans="paired_serials")
    return {**shop, "draft": draft}


def _scan(draft: Any, user: Any, serial: str, maker: str) -> drafts.Verdict:
    return drafts.add_scans(draft.pk, [serial], user, manufacturer_serials=[maker])[0]


def test_pairs_post_as_one_receipt_each_unit_carrying_both(bench: dict, user: Any) -> None:
    draft = bench["draft"]
    assert drafts.draft_summary(drafts.get_draft(draft.pk))["scans"] == "paired_serials"
    verdicts = drafts.add_scans(draft.pk, ["HT-100", " HT-101 "], user,
                                manufacturer_serials=["MK-100", " MK-101 "])
    assert [(v.serial, v.accepted) for v in verdicts] == [("HT-100", True), ("HT-101", True)]
    assert dict(DraftSerial.objects.filter(line=draft.draft).values_list(
        "serial", "manufacturer_serial")) == {"HT-100": "MK-100", "HT-101": "MK-101"}
    posted = drafts.post_draft(draft.pk, user)
    assert posted.number.startswith("RCV-")
    assert {(u.serial, u.manufacturer_serial) for u in Unit.objects.filter(
        serial__in=["HT-100", "HT-101"])} == {("HT-100", "MK-100"), ("HT-101", "MK-101")}
    assert posted.party.name == "Supplier S"


@pytest.mark.parametrize("serial, maker, code, says", [
    ("HT-200", "", "invalid", "serial 'HT-200': scan its manufacturer's serial too"),
    ("HT-200", "MK-OLD-1", "duplicate_serial", "serial 'HT-200': manufacturer serial 'MK-OLD-1' "
     "of HT-1 is already the manufacturer serial of unit 'HT-OLD-1'"),
    ("HT-200", "HT-OLD-2", "duplicate_serial", "serial 'HT-200': manufacturer serial 'HT-OLD-2' "
     "of HT-1 is already"),
    ("HT-200", "MK-IN-DRAFT", "duplicate_serial", "serial 'HT-200': manufacturer serial "
     "'MK-IN-DRAFT' is already in this draft"),
    ("HT-200", "bad\ttab", "invalid_serial", "control character"),
    ("HT-OLD-2", "MK-200", "duplicate_serial", "HT-OLD-2"),
    ("HT-IN-DRAFT", "MK-200", "duplicate_serial", "serial 'HT-IN-DRAFT' is already in this draft"),
])
def test_a_pair_is_refused_whole_naming_why(bench: dict, user: Any, serial: str, maker: str,
                                            code: str, says: str) -> None:
    draft = bench["draft"]
    assert _scan(draft, user, "HT-IN-DRAFT", "MK-IN-DRAFT").accepted
    before = snapshot()
    kept = set(DraftSerial.objects.values_list("serial", "manufacturer_serial"))
    verdict = _scan(draft, user, serial, maker)
    assert (verdict.accepted, verdict.code) == (False, code), verdict
    assert says in (verdict.message or ""), verdict.message
    assert set(DraftSerial.objects.values_list("serial", "manufacturer_serial")) == kept
    after = snapshot()
    after["counts"].pop("inventory_draftrefusal")  # the refused scan joins the scan log
    before["counts"].pop("inventory_draftrefusal")
    assert after == before


def test_one_maker_serial_for_two_units_in_one_call_refuses_the_second(bench: dict,
                                                                       user: Any) -> None:
    verdicts = drafts.add_scans(bench["draft"].pk, ["HT-300", "HT-301"], user,
                                manufacturer_serials=["MK-300", "MK-300"])
    assert [(v.serial, v.accepted) for v in verdicts] == [("HT-300", True), ("HT-301", False)]
    assert "also scanned with serial 'HT-300'" in (verdicts[1].message or "")


def test_pairs_only_on_a_paired_draft_and_one_maker_serial_per_scan(bench: dict,
                                                                     user: Any) -> None:
    plain = drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1", user=user)
    with pytest.raises(errors.InvalidInput) as refused:
        drafts.add_scans(plain.pk, ["HT-400"], user, manufacturer_serials=["MK-400"])
    assert refused.value.problems[0].field == "manufacturer_serials"
    with pytest.raises(errors.InvalidInput) as refused:
        drafts.add_scans(bench["draft"].pk, ["HT-400", "HT-401"], user,
                         manufacturer_serials=["MK-400"])
    assert refused.value.problems[0].code == "count_mismatch"
    with pytest.raises(errors.InvalidInput) as refused:
        drafts.create_draft(kind="shipment", product="HT-1", warehouse="WH1", user=user,
                            customer="Customer A", scans="paired_serials")
    assert refused.value.problems[0].field == "scans"


def test_posting_is_all_or_nothing_naming_a_maker_serial_taken_since_its_scan(
        bench: dict, user: Any) -> None:
    draft = bench["draft"]
    assert _scan(draft, user, "HT-500", "MK-500").accepted
    assert _scan(draft, user, "HT-501", "MK-501").accepted
    posting.receive(warehouse="WH2", product="HT-1", user=user, serials=["HT-OTHER"],
                    manufacturer_serials=["MK-501"])
    before = snapshot()
    with pytest.raises(errors.Refused) as refused:
        drafts.post_draft(draft.pk, user)
    assert any("MK-501" in p.message for p in refused.value.problems), refused.value.problems
    assert snapshot() == before


def test_api_round_trip(bench: dict, users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    opened = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-1",
                                           "warehouse": "WH1", "scans": "paired_serials"})
    assert opened.status_code == 201, opened.json()
    draft = opened.json()
    assert draft["scans"] == "paired_serials"
    added = clerk("POST", f"/api/drafts/{draft['id']}/serials",
                  {"serials": ["API-1", "API-2"], "manufacturer_serials": ["MK-A1", "MK-OLD-1"]})
    assert added.status_code == 200, added.json()
    assert [(v["serial"], v["accepted"]) for v in added.json()["verdicts"]] == [
        ("API-1", True), ("API-2", False)]
    unpaired = clerk("POST", f"/api/drafts/{draft['id']}/serials", {"serials": ["API-3"]})
    assert unpaired.status_code == 422
    assert unpaired.json()["errors"][0]["field"] == "manufacturer_serials"
    posted = clerk("POST", f"/api/drafts/{draft['id']}/post")
    assert posted.status_code == 201, posted.json()
    found = clerk("GET", "/api/units/by-serial/MK-A1").json()
    assert [(u["serial"], u["manufacturer_serial"]) for u in found] == [("API-1", "MK-A1")]


def test_web_station_opens_a_draft_of_pairs_and_scans_both(bench: dict, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    clerk, _ = create_user("pair-clerk", "clerk", "correct horse battery")
    client = Client()
    client.force_login(clerk)
    assert 'name="scans" value="paired_serials"' in client.get("/receive/").content.decode()
    opened = client.post("/receive/", {"warehouse": "WH1", "product": "HT-1",
                                       "supplier": "Supplier S", "scans": "paired_serials"})
    assert opened.status_code == 302, opened.content.decode()
    page = client.get(opened["Location"]).content.decode()
    assert 'name="manufacturer_serial"' in page and 'data-testid="scans"' in page
    draft_id = int(opened["Location"].rstrip("/").rsplit("/", 1)[1])
    accepted = client.post(f"/drafts/{draft_id}/scan",
                           {"serial": "WEB-1", "manufacturer_serial": "MK-WEB-1"}).content.decode()
    assert 'data-verdict="accepted"' in accepted
    assert "MK-WEB-1" in client.get(opened["Location"]).content.decode()  # the scan log
    refused = client.post(f"/drafts/{draft_id}/scan",
                          {"serial": "WEB-2", "manufacturer_serial": ""}).content.decode()
    assert "scan its manufacturer&#x27;s serial too" in refused
    assert client.post(f"/drafts/{draft_id}/post").status_code == 302
    assert Unit.objects.get(product=catalog.get_product("HT-1"), serial="WEB-1"
                            ).manufacturer_serial == "MK-WEB-1"
