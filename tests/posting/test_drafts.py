"""Drafts judge each scan by the rules the posting will apply. A receipt's scans are judged by the
receipt's own per-serial checks without posting anything (so a bench of clerks do not queue on a
write lock): these tests hold the scan verdicts to what posting the same serials says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import DraftLine, DraftSerial, Unit
from serialtrack.posting import drafts
from tests.helpers.scans import GTIN, datamatrix


@pytest.fixture
def bench(shop: dict, user: Any) -> dict[str, Any]:
    """Stock as a receiving bench meets it: a unit in stock, one shipped, one whose receipt was
    reversed (its serial is free again), one carrying a manufacturer serial, a GS1 product, and
    a product with a serial pattern."""
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN)
    catalog.create_product("TAG-1", "Asset tag", "serial", serial_pattern=r"TAG-\d{4}")
    posting.receive(warehouse="WH1", product="HT-1", user=user, serials=["IN-1", "SOLD-1"])
    posting.receive(warehouse="WH1", product="HT-1", user=user, serials=["OWN-1"],
                    manufacturer_serials=["MAKER-1"])
    posting.ship(warehouse="WH1", customer="Customer A", product="HT-1", user=user,
                 serials=["SOLD-1"])
    gone = posting.receive(warehouse="WH1", product="HT-1", user=user, serials=["VOID-1"])
    posting.reverse(number=gone.number, user=user)
    return shop


def _posting_says(user: Any, product: str, scan: str, lot: str | None = None) -> str | None:
    """The code a direct receipt of this one scan is refused with (None: it would post); the
    receipt is rolled back either way."""
    from django.db import transaction

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            posting.receive(warehouse="WH1", product=product, user=user, serials=[scan], lot=lot)
            raise Undo
    except errors.Refused as exc:
        return exc.problems[0].code
    except Undo:
        return None


CASES = [
    ("HT-1", "NEW-1", None),  # new: accepted
    ("HT-1", "IN-1", None),  # in stock already
    ("HT-1", "SOLD-1", None),  # shipped: the serial still belongs to that unit
    ("HT-1", "VOID-1", None),  # receipt reversed: received again, the same unit revived
    ("HT-1", "MAKER-1", None),  # another unit carries it as its manufacturer serial
    ("HT-1", "bad\ttab", None),  # control character
    ("TAG-1", "TAG-12", None),  # fails the product's pattern
    ("TAG-1", "TAG-1234", None),
    ("PUMP-1", datamatrix("P-1", "L1", "291231"), None),
    ("PUMP-1", datamatrix("P-2", "L2", "291231"), "L1"),  # labelled with another lot than the draft's
    ("PUMP-1", datamatrix("P-3", gtin="04006381333931"), None),  # another product's GTIN
    ("PUMP-1", "]d20109506000134352", None),  # no (21): unreadable as a serial
]


@pytest.mark.parametrize(("product", "scan", "lot"), CASES)
def test_a_receipt_scan_verdict_is_what_posting_it_would_say(bench: dict, user: Any, product: str,
                                                               scan: str, lot: str | None) -> None:
    expected = _posting_says(user, product, scan, lot)
    draft = drafts.create_draft(kind="receipt", user=user, product=product, warehouse="WH1",
                                lot=lot)
    verdict = drafts.add_scans(draft.pk, [scan], user)[0]
    assert (verdict.accepted, verdict.code) == (expected is None, expected)
    assert DraftSerial.objects.filter(line__document=draft).count() == (1 if verdict.accepted else 0)
    if verdict.accepted:  # and the draft posts what it accepted
        drafts.post_draft(draft.pk, user)
        assert Unit.objects.get(product__sku=product, serial=verdict.serial).status == "in_stock"


def test_one_scan_at_a_time_a_repeat_is_refused_and_kept_once(bench: dict, user: Any) -> None:
    draft = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1")
    first = drafts.add_scans(draft.pk, ["NEW-7"], user)[0]
    again = drafts.add_scans(draft.pk, [" NEW-7 "], user)[0]
    assert first.accepted and (again.accepted, again.code) == (False, "duplicate_serial")
    assert "already in this draft" in (again.message or "")
    assert list(DraftSerial.objects.filter(line__document=draft).values_list("serial", flat=True)) \
        == ["NEW-7"]


def test_a_bulk_paste_gets_every_verdict_in_order(bench: dict, user: Any) -> None:
    draft = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1")
    drafts.add_scans(draft.pk, ["KEPT-1"], user)
    pasted = ["A-1", "IN-1", "A-2", "A-1", "KEPT-1", "VOID-1", "SOLD-1", *[f"B-{n}" for n in range(600)]]
    verdicts = drafts.add_scans(draft.pk, pasted, user)
    refused = {(v.serial, v.code) for v in verdicts if not v.accepted}
    assert [v.serial for v in verdicts] == [s.strip() for s in pasted]
    assert refused == {("IN-1", "duplicate_serial"), ("A-1", "duplicate_serial"),
                       ("KEPT-1", "duplicate_serial"), ("SOLD-1", "duplicate_serial")}
    assert "already exists (in stock" in next(v.message for v in verdicts if v.serial == "IN-1")
    doc = drafts.post_draft(draft.pk, user)
    assert doc.lines.get().quantity == 1 + 3 + 600  # KEPT-1, A-1, A-2, VOID-1 and the B's


def test_a_scan_accepted_then_received_elsewhere_is_refused_at_posting(bench: dict, user: Any
                                                                        ) -> None:
    """The verdict is a judgement at the time of the scan; the posting checks again."""
    draft = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1")
    assert drafts.add_scans(draft.pk, ["RACE-1", "RACE-2"], user)[1].accepted
    posting.receive(warehouse="WH2", product="HT-1", user=user, serials=["RACE-2"])
    with pytest.raises(errors.Refused) as info:
        drafts.post_draft(draft.pk, user)
    assert [(p.serial, p.code) for p in info.value.problems] == [("RACE-2", "duplicate_serial")]
    assert not Unit.objects.filter(serial="RACE-1").exists()


def test_the_scanned_lot_and_expiry_are_kept_with_the_draft(bench: dict, user: Any) -> None:
    draft = drafts.create_draft(kind="receipt", user=user, product="PUMP-1", warehouse="WH1")
    assert drafts.add_scans(draft.pk, [datamatrix("P-9", "L7", "300630")], user)[0].accepted
    drafts.post_draft(draft.pk, user)
    unit = Unit.objects.select_related("lot").get(serial="P-9")
    assert (unit.lot.code, unit.lot.expiry) == ("L7", dt.date(2030, 6, 30))


def test_a_refusal_naming_no_serial_refuses_the_scan(bench: dict, user: Any) -> None:
    """A unit repaired in-house came from no customer: shipping it back 'to the customer who
    returned it' cannot post, so its scan is refused with the engine's reason, not accepted."""
    posting.start_repair(product="HT-1", serials=["IN-1"], user=user)
    draft = drafts.create_draft(kind="repair", operation="repair_ship_back", product="HT-1",
                                user=user)
    verdict = drafts.add_scans(draft.pk, ["IN-1"], user)[0]
    assert (verdict.accepted, verdict.code) == (False, "invalid")
    assert "name the customer" in (verdict.message or "")
    assert not DraftSerial.objects.filter(line__document=draft).exists()


def test_the_draft_count_follows_every_scan_kept_and_removed(bench: dict, user: Any) -> None:
    """The count a station shows is stored with the scans (a scan never recounts a big draft):
    repeats and refusals do not add to it, removals take from it, a failed removal does not."""
    draft = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1")

    def count() -> int:
        stored = DraftSerial.objects.filter(line__document=draft).count()
        assert drafts.draft_summary(drafts.get_draft(draft.pk))["scanned"] == stored
        return stored

    assert drafts.add_scans(draft.pk, ["NEW-1"], user)[0].accepted and count() == 1
    assert not drafts.add_scans(draft.pk, ["NEW-1"], user)[0].accepted and count() == 1
    drafts.add_scans(draft.pk, ["A-1", "A-2", "A-1", "IN-1", "NEW-1", "A-3"], user)
    assert count() == 4
    drafts.remove_scan(draft.pk, "A-2")
    with pytest.raises(errors.NotFound):
        drafts.remove_scan(draft.pk, "A-2")
    assert count() == 3
    pasted = [f"P-{n}" for n in range(1200)] + ["P-7", "A-1"]  # more than one insert's rows
    assert sum(v.accepted for v in drafts.add_scans(draft.pk, pasted, user)) == 1200
    assert count() == 1203
    other = drafts.create_draft(kind="receipt", user=user, product="HT-1", warehouse="WH1")
    drafts.add_scans(other.pk, ["P-1", "Q-1"], user)
    drafts.discard_draft(other.pk)
    assert count() == 1203
    drafts.post_draft(draft.pk, user)
    assert DraftLine.objects.get(document=draft).scanned == 0


def test_drafts_open_at_an_upgrade_get_their_count(fresh_db_url: str) -> None:
    """A draft left open by a version before the scan count keeps its scans, shows their
    number after the upgrade, and counts on from there."""
    import multiprocessing as mp

    from tests.upgrade_worker import drafts_across_the_scan_count

    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=drafts_across_the_scan_count, args=(fresh_db_url, results))
    proc.start()
    counts, after, after_removal = results.get(timeout=300)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert after == counts and sorted(counts.values()) == [0, 3]
    assert after_removal == 2
