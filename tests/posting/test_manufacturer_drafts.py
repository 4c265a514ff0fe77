"""A receipt draft whose scans are the makers' serials, for goods that carry only those: each scan
is judged as a receipt judges a manufacturer serial, and the draft posts one receipt in which
every unit gets a serial from the product's template, paired with the manufacturer serial it was
scanned by."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import DraftSerial, Unit
from serialtrack.posting import drafts
from serialtrack.posting.generated import preview
from tests.conftest import snapshot
from tests.helpers.api import Api
from tests.helpers.scans import GTIN, datamatrix

YEAR = timezone.localdate().year


def internal(n: int) -> str:
    return f"LTP-{YEAR}-{n:04d}"


@pytest.fixture
def bench(shop: dict, user: Any) -> dict[str, Any]:
    """A laptop with a serial template and a pattern for its own serials, carrying units: one
    received by its maker's serial, one whose own serial is a plain text, one whose receipt was
    reversed (its maker's serial is free again)."""
    catalog.create_product("LTP", "Laptop 14 inch", "serial", gtin=GTIN,
                           serial_template="LTP-{yyyy}-{seq:04}", serial_pattern=r"LTP-\d{4}-\d{4}")
    posting.receive(warehouse="WH1", product="LTP", user=user, manufacturer_serials=["MK-1"])
    posting.receive(warehouse="WH1", product="LTP", user=user, serials=["LTP-2000-0001"])
    gone = posting.receive(warehouse="WH1", product="LTP", user=user,
                           manufacturer_serials=["MK-VOID"])
    posting.reverse(number=gone.number, user=user)
    return shop


def _open(**extra: Any) -> Any:
    from serialtrack.posting import system_user

    return drafts.create_draft(kind="receipt", product="LTP", warehouse="WH1",
                               user=system_user("clerk"), scans="manufacturer_serials", **extra)


def _posting_says(user: Any, scan: str) -> tuple[str | None, str | None]:
    """The code and message a direct receipt of this one manufacturer serial is refused with
    ((None, None): it would post); rolled back either way."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            posting.receive(warehouse="WH1", product="LTP", user=user, manufacturer_serials=[scan])
            raise Undo
    except errors.Refused as exc:
        return exc.problems[0].code, exc.problems[0].message
    except Undo:
        return None, None


CASES = [
    "MK-NEW",  # new: accepted (the pattern is for the laptop's own serials, not the maker's)
    " MK-NEW ",  # trimmed, as the receipt stores it
    "MK-1",  # another unit carries it as its manufacturer serial
    internal(1),  # another unit's own (generated) serial
    "LTP-2000-0001",  # another unit's own serial
    "MK-VOID",  # its unit's receipt was reversed: free again
    "bad\ttab",  # control character
    "x" * 129,  # too long
]


@pytest.mark.parametrize("scan", CASES)
def test_a_manufacturer_serial_scan_verdict_is_what_receiving_it_would_say(
        bench: dict, user: Any, scan: str) -> None:
    code, message = _posting_says(user, scan)
    draft = _open()
    verdict = drafts.add_scans(draft.pk, [scan], user)[0]
    assert (verdict.accepted, verdict.code, verdict.message) == (code is None, code, message)
    assert DraftSerial.objects.filter(line__document=draft).count() == (1 if verdict.accepted
                                                                        else 0)


def test_verdicts_name_why_and_only_accepted_scans_are_kept(bench: dict, user: Any) -> None:
    draft = _open()
    assert drafts.add_scans(draft.pk, ["MK-2"], user)[0].accepted
    verdicts = drafts.add_scans(draft.pk, ["MK-3", "MK-2", "MK-1", internal(1), "BAD\x07",
                                           "MK-3", "LTP-2000-0001"], user)
    said = [(v.serial, v.accepted, v.message) for v in verdicts]
    assert said == [
        ("MK-3", True, None),
        ("MK-2", False, "serial 'MK-2' is already in this draft"),
        ("MK-1", False, f"manufacturer serial 'MK-1' of LTP is already the manufacturer serial "
                        f"of unit '{internal(1)}' (in stock, RCV-000001)"),
        (internal(1), False, f"manufacturer serial '{internal(1)}' of LTP is already the serial "
                             f"of unit '{internal(1)}' (in stock, RCV-000001)"),
        ("BAD\x07", False, "manufacturer serial 'BAD\\x07' contains control character U+0007"),
        ("MK-3", False, "serial 'MK-3' is already in this draft"),
        ("LTP-2000-0001", False, "manufacturer serial 'LTP-2000-0001' of LTP is already the "
                                 "serial of unit 'LTP-2000-0001' (in stock, RCV-000002)"),
    ]
    assert drafts.scanned(drafts.get_draft(draft.pk)) == ["MK-2", "MK-3"]


def test_posting_gives_each_scan_a_generated_serial_and_both_find_the_unit(
        bench: dict, user: Any) -> None:
    draft = _open(expected_quantity=3, supplier="Supplier S")
    next_serials = preview(catalog.get_product("LTP"), 3)
    for scan in ["MK-A", "MK-B", "MK-VOID"]:
        assert drafts.add_scans(draft.pk, [scan], user)[0].accepted
    doc = drafts.post_draft(draft.pk, user)
    assert (doc.pk, doc.kind, doc.lines.get().quantity) == (draft.pk, "receipt", 3)
    received = dict(Unit.objects.filter(last_document=doc).values_list("manufacturer_serial",
                                                                          "serial"))
    assert received == dict(zip(["MK-A", "MK-B", "MK-VOID"], next_serials, strict=True))
    unit = queries.find_unit("MK-B")
    assert (unit["serial"], unit["manufacturer_serial"], unit["status"]) == (
        next_serials[1], "MK-B", "in_stock")
    assert queries.find_unit(next_serials[1], "LTP") == unit
    assert not DraftSerial.objects.filter(line__document=draft).exists()


def test_posting_is_all_or_nothing_naming_a_serial_taken_since_its_scan(
        bench: dict, user: Any) -> None:
    draft = _open()
    assert all(v.accepted for v in drafts.add_scans(draft.pk, ["RACE-1", "RACE-2"], user))
    posting.receive(warehouse="WH2", product="LTP", user=user, manufacturer_serials=["RACE-2"])
    before = snapshot()
    with pytest.raises(errors.DuplicateSerial) as info:
        drafts.post_draft(draft.pk, user)
    assert [(p.serial, p.field) for p in info.value.problems] == [("RACE-2", "manufacturer_serial")]
    assert snapshot() == before
    assert drafts.scanned(drafts.get_draft(draft.pk)) == ["RACE-1", "RACE-2"]


def test_a_gs1_scan_s_serial_is_the_maker_s_and_its_gtin_and_lot_are_checked(
        bench: dict, user: Any) -> None:
    draft = _open(lot="L1")
    verdicts = drafts.add_scans(draft.pk, [
        datamatrix("GS-1", "L1"), datamatrix("GS-2", "L2"),
        datamatrix("GS-3", gtin="04006381333931")], user)
    assert [(v.serial, v.accepted, v.code) for v in verdicts] == [
        ("GS-1", True, None), ("GS-2", False, "invalid_scan"), ("GS-3", False, "wrong_product")]
    drafts.post_draft(draft.pk, user)
    unit = Unit.objects.select_related("lot").get(manufacturer_serial="GS-1")
    assert (unit.serial, unit.lot.code) == (internal(3), "L1")
    # A draft naming no lot posts none: a scan labelled with a lot is refused, not stripped of it.
    bare = _open()
    verdict = drafts.add_scans(bare.pk, [datamatrix("GS-4", "L4")], user)[0]
    assert (verdict.accepted, verdict.code) == (False, "invalid_scan")
    assert verdict.message == "manufacturer serial 'GS-4' is labelled lot L4: open the draft for lot L4"


def test_only_receipt_drafts_of_a_templated_product_scan_manufacturer_serials(
        bench: dict, user: Any) -> None:
    before = snapshot()
    with pytest.raises(errors.InvalidInput) as info:
        drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1", user=user,
                            scans="manufacturer_serials")
    assert info.value.problems[0].field == "scans"
    assert "HT-1 has no serial template" in info.value.problems[0].message
    with pytest.raises(errors.InvalidInput) as info:
        drafts.create_draft(kind="shipment", product="LTP", warehouse="WH1",
                            customer="Customer A", user=user, scans="manufacturer_serials")
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("scans", "only a receipt draft can scan manufacturer serials, not a shipment draft")]
    with pytest.raises(errors.InvalidInput) as info:
        drafts.create_draft(kind="adjustment", operation="hold", product="LTP", user=user,
                            scans="manufacturer_serials")
    assert info.value.problems[0].field == "scans"
    with pytest.raises(errors.InvalidInput) as info:
        drafts.create_draft(kind="receipt", product="LTP", warehouse="WH1", user=user,
                            scans="maker")
    assert info.value.problems[0].field == "scans"
    assert snapshot() == before
    # An ordinary receipt draft of the same product still scans its own serials, pattern and all.
    plain = drafts.create_draft(kind="receipt", product="LTP", warehouse="WH1", user=user)
    assert drafts.draft_summary(plain)["scans"] == "serials"
    assert [v.code for v in drafts.add_scans(plain.pk, ["MK-NEW", "LTP-2001-0001"], user)] == [
        "invalid_serial", None]


def test_api_round_trip(bench: dict, users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    opened = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "LTP", "warehouse": "WH1",
                                           "scans": "manufacturer_serials"})
    assert opened.status_code == 201, opened.json()
    draft = opened.json()
    assert (draft["scans"], draft["scanned"]) == ("manufacturer_serials", 0)
    added = clerk("POST", f"/api/drafts/{draft['id']}/serials",
                  {"serials": ["API-1", "API-2", "MK-1"]}).json()
    assert [(v["serial"], v["accepted"]) for v in added["verdicts"]] == [
        ("API-1", True), ("API-2", True), ("MK-1", False)]
    assert (added["scans"], added["scanned"]) == ("manufacturer_serials", 2)
    assert clerk("GET", f"/api/drafts/{draft['id']}").json()["scans"] == "manufacturer_serials"
    posted = clerk("POST", f"/api/drafts/{draft['id']}/post")
    assert posted.status_code == 201, posted.json()
    found = clerk("GET", "/api/units/by-serial/API-2").json()
    assert [(u["serial"], u["manufacturer_serial"]) for u in found] == [(internal(4), "API-2")]

    refused = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-1",
                                            "warehouse": "WH1", "scans": "manufacturer_serials"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["scans"]
    plain = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-1",
                                          "warehouse": "WH1"})
    assert plain.json()["scans"] == "serials"


def test_web_station_opens_a_draft_of_manufacturer_serials(bench: dict, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    clerk, _ = create_user("bench-clerk", "clerk", "correct horse battery")
    client = Client()
    client.force_login(clerk)
    form = client.get("/receive/").content.decode()
    assert 'name="scans" value="manufacturer_serials"' in form
    opened = client.post("/receive/", {"warehouse": "WH1", "product": "LTP",
                                       "scans": "manufacturer_serials"})
    assert opened.status_code == 302, opened.content.decode()
    page = client.get(opened["Location"]).content.decode()
    assert "Scan manufacturer serial" in page and 'data-testid="scans"' in page
    draft_id = int(opened["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post(f"/drafts/{draft_id}/scan", {"serial": "WEB-1"})
    refused = client.post(f"/drafts/{draft_id}/scan", {"serial": "MK-1"}).content.decode()
    assert "already the manufacturer serial of unit" in refused
    posted = client.post(f"/drafts/{draft_id}/post")
    assert posted.status_code == 302
    assert Unit.objects.get(manufacturer_serial="WEB-1").serial == internal(3)

    refused = client.post("/receive/", {"warehouse": "WH1", "product": "HT-1",
                                        "scans": "manufacturer_serials"})
    assert refused.status_code == 422
    assert "HT-1 has no serial template" in refused.content.decode()


def _scan_queries(clerk: Api, draft_id: int, scan: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = clerk("POST", f"/api/drafts/{draft_id}/serials", {"serials": [scan]})
    assert response.json()["verdicts"][0]["accepted"], response.json()
    return len(ctx.captured_queries)


def test_a_manufacturer_serial_scan_costs_what_a_serial_scan_does_at_any_size(
        bench: dict, user: Any, users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    makers = _open().pk
    serials = drafts.create_draft(kind="receipt", product="LTP", warehouse="WH1", user=user).pk
    clerk("GET", f"/api/drafts/{makers}")  # the token's first use is recorded once
    small = (_scan_queries(clerk, makers, "Q-1"), _scan_queries(clerk, serials, "LTP-2001-0001"))
    posting.receive(warehouse="WH1", product="LTP", user=user,
                    manufacturer_serials=[f"BULK-{n}" for n in range(300)])
    large = (_scan_queries(clerk, makers, "Q-2"), _scan_queries(clerk, serials, "LTP-2001-0002"))
    assert small == large and small[0] == small[1], (small, large)
