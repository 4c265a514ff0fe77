"""Service cases (RMA claims): opening a case by scanning the unit (plain serial, GS1 element
string, Digital Link) shows its sale, warranty, earlier claims and repairs; a claim for a unit
sold to another customer is flagged; an unknown serial opens a case flagged "not ours"; linked
documents carry the outcome out; every refusal names its field and changes nothing; notes are
append-only; photos are kept in the media folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from serialtrack import catalog, errors, posting, service_cases
from serialtrack.inventory.models import Document, Movement, ServiceCase, ServiceCaseNote, Unit
from serialtrack.posting import drafts, operations
from serialtrack.queries.service_cases import case_summary, get_case, list_cases
from tests.helpers.posting import receive, refused, ship
from tests.helpers.scans import GTIN, datamatrix

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def summary(number: str) -> dict[str, Any]:
    return case_summary(get_case(number))


def sold(user: Any, serial: str = "D1", customer: str = "Customer A") -> str:
    receive(user, [serial])
    return ship(user, [serial], customer=customer).number


def test_opening_by_scan_shows_sale_warranty_and_earlier_repairs(shop: dict, user: Any) -> None:
    shp = sold(user)
    ret = posting.receive_return(shipment=shp, serials=["D1"], disposition="repair", user=user)
    fixed = posting.ship_back(product="HT-1", serials=["D1"], user=user)
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="keeps rebooting",
                                   user=user)
    assert case.number == "RMA-000001"
    d = summary(case.number)
    assert d["flags"] == []
    assert d["unit"]["serial"] == "D1" and d["unit"]["status"] == "shipped"
    # sold: the shipment that last sold it (here the ship-back after repair), to Customer A
    assert (d["sold_on"], d["sold_to"]) == (fixed.number, "Customer A")
    assert d["warranty"]["sold_on"] == shp  # the first sale started the warranty
    assert d["under_warranty"] and d["warranty"]["under_warranty"]
    assert d["warranty_end"] == d["warranty"]["warranty_end"] is not None
    assert d["returned_before"] == [ret.number]
    assert fixed.number in d["repaired_before"]
    assert d["opened_by"] == "clerk" and d["fault"] == "keeps rebooting"

    # a second claim later: the first one is listed as an earlier claim
    service_cases.add_note(case.number, text="swapped the PSU", user=user)
    # (a ship-back names no warehouse: the return names where it comes back to)
    posting.receive_return(shipment=fixed.number, serials=["D1"], disposition="repair",
                           warehouse="WH1", user=user)
    ret2 = summary(case.number)["candidates"][0]["number"]
    service_cases.link_document(case.number, document=ret2, user=user)
    done = posting.repair_done(product="HT-1", serials=["D1"], user=user)
    service_cases.link_document(case.number, document=done.number, user=user)
    service_cases.close_case(case.number, outcome="repair", reason="new PSU", user=user)
    second = service_cases.open_case(scan="D1", claimant="Customer A", fault="again",
                                     user=user)
    earlier = summary(second.number)["earlier_cases"]
    assert [(c["number"], c["outcome"]) for c in earlier] == [(case.number, "repair")]


def test_gs1_and_digital_link_scans_open_a_case(shop: dict, user: Any) -> None:
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN, warranty_days=30)
    posting.receive(warehouse="WH1", product="PUMP-1", supplier="Supplier S",
                    serials=["SN-1", "SN-2"], user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="PUMP-1",
                 serials=["SN-1", "SN-2"], user=user)
    by_matrix = service_cases.open_case(scan=datamatrix("SN-1"), claimant="Customer A",
                                        fault="alarm", user=user)
    by_link = service_cases.open_case(scan=f"https://id.gs1.org/01/{GTIN}/21/SN-2",
                                      claimant="Customer A", fault="alarm", user=user)
    assert by_matrix.unit.serial == "SN-1" and by_link.unit.serial == "SN-2"
    assert summary(by_link.number)["unit"]["product"] == "PUMP-1"


def test_claim_for_a_unit_sold_to_another_customer_is_flagged(shop: dict, user: Any) -> None:
    shp = sold(user, customer="Customer A")
    case = service_cases.open_case(scan="D1", claimant="Customer B", fault="cracked screen",
                                   user=user)
    stored = ServiceCase.objects.get(pk=case.pk)
    assert stored.other_customer and stored.sold_to.name == "Customer A"
    assert stored.sold_on.number == shp
    d = summary(case.number)
    assert [f["code"] for f in d["flags"]] == ["other_customer"]
    assert "sold to Customer A, not to Customer B" in d["flags"][0]["message"]
    assert list_cases(open_only=True)[0]["flags"][0]["code"] == "other_customer"


def test_unknown_serial_opens_a_not_ours_case_that_can_only_be_rejected(
        shop: dict, user: Any) -> None:
    case = service_cases.open_case(scan="NOT-OURS-1", claimant="Customer A",
                                   fault="dead", user=user)
    d = summary(case.number)
    assert d["not_ours"] and d["unit"] is None and d["serial"] == "NOT-OURS-1"
    assert [f["code"] for f in d["flags"]] == ["not_ours"]
    bad = refused(errors.InvalidInput, service_cases.close_case, case.number, outcome="refund",
                  reason="goodwill", refund="CN-1", user=user)
    assert [p.field for p in bad.problems] == ["outcome"]
    service_cases.close_case(case.number, outcome="reject", reason="not sold by us", user=user)
    assert summary(case.number)["status"] == "closed"
    # a GS1 label of a GTIN that is none of ours is not ours either
    other = service_cases.open_case(scan=datamatrix("X-1", gtin="04006381333931"),
                                    claimant="Customer A", fault="dead", user=user)
    assert other.not_ours and other.serial == "X-1"


def test_never_sold_and_out_of_warranty_are_flagged(shop: dict, user: Any) -> None:
    receive(user, ["D1"])
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="?", user=user)
    assert [f["code"] for f in summary(case.number)["flags"]] == ["never_sold",
                                                                   "out_of_warranty"]


def test_outcomes_need_the_documents_that_carried_them_out(shop: dict, user: Any) -> None:
    shp = sold(user)
    receive(user, ["D2"])
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="dead", user=user)
    # a repair needs a linked repair done / ship-back; a refund its credit note
    bad = refused(errors.InvalidInput, service_cases.close_case, case.number, outcome="repair",
                  reason="fixed", user=user)
    assert [p.field for p in bad.problems] == ["documents"]
    bad = refused(errors.InvalidInput, service_cases.close_case, case.number, outcome="refund",
                  reason="goodwill", user=user)
    assert [p.field for p in bad.problems] == ["refund"]
    bad = refused(errors.InvalidInput, service_cases.close_case, case.number, outcome="swap",
                  reason="", user=user)
    assert sorted(p.field for p in bad.problems) == ["outcome", "reason"]
    # the return and the replacement: linked, named by what they did
    ret = posting.receive_return(shipment=shp, serials=["D1"], disposition="repair", user=user)
    service_cases.link_document(case.number, document=ret.number, user=user)
    rep = posting.replace(product="HT-1", old="D1", new="D2", user=user)
    # a document about another unit is refused, naming the field
    receive(user, ["D3"])
    other = ship(user, ["D3"], customer="Customer B")
    bad = refused(errors.InvalidInput, service_cases.link_document, case.number,
                  document=other.number, user=user)
    assert [p.field for p in bad.problems] == ["document"] and "D1" in bad.problems[0].message
    bad = refused(errors.InvalidInput, service_cases.link_document, case.number,
                  document="RCV-000001", user=user)
    assert [p.field for p in bad.problems] == ["document"]
    assert [c["number"] for c in summary(case.number)["candidates"]] == [rep.number]
    service_cases.link_document(case.number, document=rep.number, user=user)
    refused(errors.InvalidInput, service_cases.link_document, case.number,
            document=rep.number, user=user)  # once
    closed = service_cases.close_case(case.number, outcome="replace", reason="beyond repair",
                                      user=user)
    d = summary(closed.number)
    assert d["status"] == "closed" and d["outcome"] == "replace"
    assert [(x["number"], x["role"]) for x in d["documents"]] == [
        (ret.number, "customer return"), (rep.number, "replacement")]
    # closed: nothing more is linked, and it is not closed twice
    bad = refused(errors.InvalidInput, service_cases.close_case, case.number, outcome="reject",
                  reason="x", user=user)
    assert [p.field for p in bad.problems] == ["case"]


def test_refund_keeps_the_credit_note(shop: dict, user: Any) -> None:
    sold(user)
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="dead", user=user)
    service_cases.close_case(case.number, outcome="refund", reason="customer wanted money back",
                             refund="CN-2026-0042 (129.00 EUR)", user=user)
    assert summary(case.number)["refund"] == "CN-2026-0042 (129.00 EUR)"


def test_refusals_name_the_field_and_change_nothing(shop: dict, user: Any) -> None:
    sold(user)
    bad = refused(errors.InvalidInput, service_cases.open_case, scan=" ", claimant="",
                  fault="", user=user)
    assert sorted(p.field for p in bad.problems) == ["claimant", "fault", "scan"]
    bad = refused(errors.InvalidInput, service_cases.open_case, scan="D1",
                  claimant="Supplier S", fault="x", user=user)
    assert [p.field for p in bad.problems] == ["customer"]
    bad = refused(errors.InvalidInput, service_cases.open_case, scan=f"]d201{GTIN}21",
                  claimant="Customer A", fault="x", user=user)
    assert [p.field for p in bad.problems] == ["scan"]
    bad = refused(errors.NotFound, service_cases.add_note, "RMA-999999", text="x", user=user)
    assert [p.field for p in bad.problems] == ["case"]
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="x", user=user)
    bad = refused(errors.Conflict, service_cases.open_case, scan="D1", claimant="Customer A",
                  fault="again", user=user)
    assert [p.field for p in bad.problems] == ["scan"] and case.number in bad.problems[0].message
    bad = refused(errors.InvalidInput, service_cases.add_note, case.number, text=" ", user=user)
    assert [p.field for p in bad.problems] == ["text"]


def test_notes_are_append_only(shop: dict, user: Any) -> None:
    sold(user)
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="x", user=user)
    service_cases.add_note(case.number, text="first", user=user)
    service_cases.add_note(case.number, text="second", user=user)
    assert [n["text"] for n in summary(case.number)["notes"]] == ["first", "second"]
    note = ServiceCaseNote.objects.first()
    assert note is not None
    for change in (lambda: ServiceCaseNote.objects.filter(pk=note.pk).update(text="edited"),
                   lambda: ServiceCaseNote.objects.filter(pk=note.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()


def test_photos_are_kept_in_the_media_folder(shop: dict, user: Any, settings: Any,
                                             tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    sold(user)
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="x", user=user)
    photo = service_cases.add_photo(case.number, name="C:\\phone\\crack.png", chunks=[PNG],
                                    user=user)
    assert photo.name == "crack.png" and photo.content_type == "image/png"
    assert (tmp_path / photo.file.name).read_bytes() == PNG
    bad = refused(errors.InvalidInput, service_cases.add_photo, case.number, name="x.png",
                  chunks=[b"<html>not an image</html>"], user=user)
    assert [p.field for p in bad.problems] == ["photo"]
    assert summary(case.number)["photos"][0]["name"] == "crack.png"


def post(name: str, user: Any, **fields: Any) -> Any:
    """Post through the operation's declaration, as the API, the command line and drafts do."""
    return operations.operation(name).post(user, **fields)


def test_a_posting_naming_its_case_is_linked_in_the_same_transaction(shop: dict,
                                                                     user: Any) -> None:
    shp = sold(user)
    other = sold(user, "D2", customer="Customer B")
    receive(user, ["D3", "D4"])
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="dead", user=user)
    ret = post("return", user, shipment=shp, serials=["D1"], disposition="repair",
               case=case.number.lower())
    linked = [(d["number"], d["role"]) for d in summary(case.number)["documents"]]
    assert linked == [(ret.number, "customer return")]
    assert summary(case.number)["candidates"] == []
    # the replacement (scrap D1, ship D3) and a shipment from stock to the claimant
    rep = post("replace", user, product="HT-1", old="D1", new="D3", case=case.number)
    extra = post("shipment", user, warehouse="WH1", customer="Customer A", product="HT-1",
                 serials=["D4"], case=case.number)
    assert [(d["number"], d["role"]) for d in summary(case.number)["documents"]] == [
        (ret.number, "customer return"), (rep.number, "replacement"),
        (extra.number, "shipment")]
    # a unit repaired from stock for its case: each repair step names it; a posting naming
    # no case links nothing
    second = service_cases.open_case(scan="D2", claimant="Customer B", fault="slow", user=user)
    back = post("return", user, shipment=other, serials=["D2"], case=None)
    start = post("repair_start", user, product="HT-1", serials=["D2"], case=second.number)
    done = post("repair_done", user, product="HT-1", serials=["D2"], case=second.number)
    assert [(d["number"], d["role"]) for d in summary(second.number)["documents"]] == [
        (start.number, "repair start"), (done.number, "repair done")]
    assert [c["number"] for c in summary(second.number)["candidates"]] == [back.number]


def test_a_case_that_cannot_take_the_document_refuses_the_posting(shop: dict,
                                                                  user: Any) -> None:
    shp = sold(user)
    other = sold(user, "D2")
    receive(user, ["D3"])
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="dead", user=user)
    # a return of another unit: it does not concern the case's unit (nor is it a shipment)
    bad = refused(errors.InvalidInput, post, "return", user, shipment=other, serials=["D2"],
                  case=case.number)
    assert [p.field for p in bad.problems] == ["case"] and "D1" in bad.problems[0].message
    # a shipment to another customer, of another unit
    bad = refused(errors.InvalidInput, post, "shipment", user, warehouse="WH1",
                  customer="Customer B", product="HT-1", serials=["D3"], case=case.number)
    assert [p.field for p in bad.problems] == ["case"]
    # an unknown case
    bad = refused(errors.NotFound, post, "repair_start", user, product="HT-1", serials=["D3"],
                  case="RMA-999999")
    assert [p.field for p in bad.problems] == ["case"]
    # a closed case: the return is refused whole — no document, no movement
    service_cases.close_case(case.number, outcome="reject", reason="misuse", user=user)
    documents, movements = Document.objects.count(), Movement.objects.count()
    bad = refused(errors.InvalidInput, post, "return", user, shipment=shp, serials=["D1"],
                  case=case.number)
    assert [p.field for p in bad.problems] == ["case"]
    assert (Document.objects.count(), Movement.objects.count()) == (documents, movements)
    assert not Document.objects.filter(kind="return").exists()
    assert Unit.objects.get(serial="D1").status == "shipped"


def test_a_return_draft_for_a_case_links_its_return_as_it_posts(shop: dict,
                                                                user: Any) -> None:
    receive(user, ["D1", "D2", "D3", "D4"])
    shp = ship(user, ["D1", "D2", "D3"]).number
    case = service_cases.open_case(scan="D1", claimant="Customer A", fault="dead", user=user)
    # only a draft whose posting takes a case names one (not a receipt), and only an open one
    bad = refused(errors.InvalidInput, drafts.create_draft, kind="receipt", user=user,
                  product="HT-1", warehouse="WH1", supplier="Supplier S", case=case.number)
    assert [p.field for p in bad.problems] == ["case"]
    assert "a receipt draft does not carry out a service case" in bad.problems[0].message
    bad = refused(errors.NotFound, drafts.create_draft, kind="return", user=user,
                  shipment=shp, case="RMA-999999")
    assert [p.field for p in bad.problems] == ["case"]
    draft = drafts.create_draft(kind="return", user=user, shipment=shp, disposition="repair",
                                case=case.number.lower())
    assert draft.reference == case.number
    # each scan is judged alone, without the case: D2 (not the case's unit) is accepted too
    verdicts = drafts.add_scans(draft.pk, ["D1", "D2"], user)
    assert [v.accepted for v in verdicts] == [True, True]
    ret = drafts.post_draft(draft.pk, user)
    assert [(d["number"], d["role"]) for d in summary(case.number)["documents"]] == [
        (ret.number, "customer return")]

    # a draft for a case whose unit it does not carry: refused naming `case`, still a draft
    ship(user, ["D4"])
    second = service_cases.open_case(scan="D4", claimant="Customer A", fault="x", user=user)
    other = drafts.create_draft(kind="return", user=user, shipment=shp, case=second.number)
    assert drafts.add_scans(other.pk, ["D3"], user)[0].accepted
    bad = refused(errors.InvalidInput, drafts.post_draft, other.pk, user)
    assert [p.field for p in bad.problems] == ["case"]
    assert Document.objects.get(pk=other.pk).status == "draft"
    # a case closed meanwhile: the draft posts nothing
    service_cases.close_case(second.number, outcome="reject", reason="x", user=user)
    bad = refused(errors.InvalidInput, drafts.post_draft, other.pk, user)
    assert [p.field for p in bad.problems] == ["case"]


def test_repair_and_replacement_drafts_for_a_case_link_what_they_post(shop: dict,
                                                                     user: Any) -> None:
    from serialtrack.posting import system_user

    manager = system_user("admin")
    receive(user, ["R1", "R2"])
    shp = ship(user, ["R1"]).number
    case = service_cases.open_case(scan="R1", claimant="Customer A", fault="dead", user=user)
    back = drafts.create_draft(kind="return", user=user, shipment=shp, disposition="restock",
                               case=case.number)
    drafts.add_scans(back.pk, ["R1"], user)
    ret = drafts.post_draft(back.pk, user)
    start = drafts.create_draft(kind="repair", operation="repair_start", user=manager,
                                product="HT-1", case=case.number)
    assert drafts.add_scans(start.pk, ["R1"], manager)[0].accepted
    repair = drafts.post_draft(start.pk, manager)
    swap = drafts.create_draft(kind="shipment", user=user, product="HT-1", warehouse="WH1",
                               customer="Customer A", case=case.number)
    drafts.add_scans(swap.pk, ["R2"], user)
    replacement = drafts.post_draft(swap.pk, user)
    assert [d["number"] for d in summary(case.number)["documents"]] == [
        ret.number, repair.number, replacement.number]
    assert Document.objects.get(pk=repair.pk).reference == case.number
