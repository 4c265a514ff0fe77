"""An assembly filled in scan by scan (issue 18: "assembly build by scanning the parent then its
components"): the draft names the product built, where, and the assembly's serial, judged when
it opens; each component scan is judged at once by the assembly's own rules (any product, GS1
labels read); posting builds it as `assemble` would. Through the draft API of the engine and
Django's test client, on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from serialtrack import catalog, errors, posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Document, Unit
from serialtrack.posting import drafts
from tests.helpers.posting import refused
from tests.helpers.scans import datamatrix
from tests.helpers.web import PASSWORD

WHEEL_GTIN = "09521234543213"


@pytest.fixture
def parts(shop: dict, user: Any) -> None:
    catalog.create_product("BIKE", "Bicycle", "serial")
    catalog.create_product("FRAME", "Frame", "serial")
    catalog.create_product("WHEEL", "Wheel", "serial", gtin=WHEEL_GTIN)
    posting.receive(warehouse="WH1", product="FRAME", supplier="Supplier S", user=user,
                    serials=["FR-1", "FR-2"], cost=Decimal("100"))
    posting.receive(warehouse="WH1", product="WHEEL", supplier="Supplier S", user=user,
                    serials=["WH-1", "WH-2"], cost=Decimal("30"))
    posting.receive(warehouse="WH2", product="WHEEL", supplier="Supplier S", user=user,
                    serials=["WH-9"], cost=Decimal("30"))
    posting.receive(warehouse="WH1", product="BIKE", supplier="Supplier S", user=user,
                    serials=["BK-OLD"])
    posting.ship(warehouse="WH1", customer="Customer A", product="BIKE", user=user,
                 serials=["BK-OLD"])


def test_scan_the_assembly_then_its_components_then_build(parts: None, user: Any) -> None:
    doc = drafts.create_draft(kind="assembly", operation="assemble", user=user, product="BIKE",
                              warehouse="WH1", assembly="BK-1")
    assert drafts.draft_summary(doc)["assembly"] == "BK-1"
    verdicts = drafts.add_scans(doc.pk, ["FR-1", datamatrix("WH-1", gtin=WHEEL_GTIN), "WH-9",
                                         "NOPE", "FR-1", "BK-OLD"], user)
    assert [(v.serial, v.accepted) for v in verdicts] == [
        ("FR-1", True), ("WH-1", True), ("WH-9", False), ("NOPE", False), ("FR-1", False),
        ("BK-OLD", False)]
    assert "not in the warehouse of BK-1" in (verdicts[2].message or "")
    assert "'NOPE'" in (verdicts[3].message or "")
    assert verdicts[4].code == "duplicate_serial"
    assert "shipped to Customer A" in (verdicts[5].message or "")
    assert not Unit.objects.filter(serial="BK-1").exists()  # the judging posted nothing
    built = drafts.post_draft(doc.pk, user)
    assert built.kind == "assembly" and built.pk == doc.pk
    bike = Unit.objects.get(serial="BK-1")
    assert sorted(Unit.objects.filter(parent=bike).values_list("serial", flat=True)) == [
        "FR-1", "WH-1"]
    assert bike.cost == Decimal("130") and bike.location.warehouse.code == "WH1"


def test_the_assemblys_serial_is_judged_when_the_draft_opens(parts: None, user: Any) -> None:
    before = Document.objects.count()
    sold = refused(errors.Refused, drafts.create_draft, kind="assembly", operation="assemble",
                   user=user, product="BIKE", warehouse="WH1", assembly="BK-OLD").problems
    assert [p.serial for p in sold] == ["BK-OLD"] and "Customer A" in sold[0].message
    missing = refused(errors.Refused, drafts.create_draft, kind="assembly",
                      operation="assemble", user=user, product="BIKE", warehouse="WH1").problems
    assert [(p.field, p.message) for p in missing] == [
        ("assembly", "an assemble draft needs the serial of the assembly")]
    assert Document.objects.count() == before


def test_a_component_taken_meanwhile_refuses_the_post_naming_it(parts: None, user: Any) -> None:
    doc = drafts.create_draft(kind="assembly", operation="assemble", user=user, product="BIKE",
                              warehouse="WH1", assembly="BK-1")
    drafts.add_scans(doc.pk, ["FR-1", "WH-2"], user)
    posting.ship(warehouse="WH1", customer="Customer A", product="WHEEL", user=user,
                 serials=["WH-2"])
    problems = refused(errors.Refused, drafts.post_draft, doc.pk, user).problems
    assert [p.serial for p in problems] == ["WH-2"]
    assert Unit.objects.get(serial="FR-1").status == "in_stock"


def test_the_web_station_builds_from_scans_and_same_again_asks_the_next_serial(
        parts: None, user: Any) -> None:
    clerk = Client()
    clerk.force_login(create_user("casey", "clerk", PASSWORD)[0])
    assert "/assemble/" in clerk.get("/adjust/").content.decode()
    form = clerk.get("/assemble/").content.decode()
    assert 'name="assembly"' in form and 'name="warehouse"' in form
    refused_page = clerk.post("/assemble/", {"product": "BIKE", "warehouse": "WH1",
                                             "assembly": "BK-OLD"})
    assert refused_page.status_code == 422 and "BK-OLD" in refused_page.content.decode()
    opened = clerk.post("/assemble/", {"product": "BIKE", "warehouse": "WH1",
                                       "assembly": "BK-1"})
    assert opened.status_code == 302
    draft = opened["Location"]
    page = clerk.get(draft).content.decode()
    assert 'data-testid="draft-assembly"' in page and "BK-1" in page
    for serial in ("FR-1", datamatrix("WH-1", gtin=WHEEL_GTIN)):
        clerk.post(f"{draft}scan", {"serial": serial})
    posted = clerk.post(f"{draft}post")
    assert posted.status_code == 302 and "/documents/ASM-" in posted["Location"]
    assert Unit.objects.get(serial="WH-1").parent.serial == "BK-1"
    number = posted["Location"].split("/documents/")[1].split("?")[0]
    again = clerk.post(f"/documents/{number}/again")
    assert again.status_code == 302
    assert again["Location"].startswith("/assemble/?product=BIKE&warehouse=WH1")
    assert 'value="BIKE"' in clerk.get(again["Location"]).content.decode()


def test_the_assembly_is_named_by_a_scan_of_its_label(parts: None, user: Any) -> None:
    catalog.create_product("EBIKE", "E-bike", "serial", gtin="09506000134352")
    wrong = refused(errors.Refused, drafts.create_draft, kind="assembly", operation="assemble",
                    user=user, product="EBIKE", warehouse="WH1",
                    assembly=datamatrix("EB-1", gtin=WHEEL_GTIN)).problems
    assert [p.code for p in wrong] == ["wrong_product"] and "WHEEL" in wrong[0].message
    doc = drafts.create_draft(kind="assembly", operation="assemble", user=user, product="EBIKE",
                              warehouse="WH1", assembly=datamatrix("EB-1", gtin="09506000134352"))
    assert drafts.draft_summary(doc)["assembly"] == "EB-1"
    drafts.add_scans(doc.pk, ["FR-2"], user)
    drafts.post_draft(doc.pk, user)
    assert Unit.objects.get(serial="FR-2").parent.serial == "EB-1"
