"""Assemblies and spare parts take scans (issue 18: every serial argument takes a scan): the
assembly's own label and each component's GS1 label are read, a component's GTIN picks its
product, and a label whose lot, expiry or GTIN contradicts the unit's record is refused naming
each field, unless a manager accepts it with a reason kept in the history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from serialtrack import catalog, errors, posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Document, Movement, Unit
from serialtrack.queries import unit_history
from tests.helpers.posting import refused
from tests.helpers.scans import datamatrix

BIKE_GTIN = "09506000134352"
FRAME_GTIN = "04006381333931"
WHEEL_GTIN = "09521234543213"


@pytest.fixture
def labelled(shop: dict, user: Any) -> None:
    """A frame (lot F7) and wheels with GS1 labels, in stock in WH1; a bell without a GTIN; a
    unit of another product that shares a wheel's serial."""
    catalog.create_product("BIKE", "Bicycle", "serial", gtin=BIKE_GTIN)
    catalog.create_product("FRAME", "Frame", "serial", gtin=FRAME_GTIN)
    catalog.create_product("WHEEL", "Wheel", "serial", gtin=WHEEL_GTIN)
    catalog.create_product("BELL", "Bell", "serial")
    posting.receive(warehouse="WH1", product="FRAME", supplier="Supplier S", user=user,
                    serials=[datamatrix("FR-1", "F7", "300101", gtin=FRAME_GTIN)],
                    cost=Decimal("100"))
    posting.receive(warehouse="WH1", product="WHEEL", supplier="Supplier S", user=user,
                    serials=["WH-1", "WH-2", "WH-3"], cost=Decimal("30"))
    posting.receive(warehouse="WH1", product="BELL", supplier="Supplier S", user=user,
                    serials=["BL-1", "WH-1"])


def _manager() -> Any:
    return create_user("mgr", "manager", "correct horse battery")[0]


def test_an_assembly_is_built_from_scanned_labels(labelled: None, user: Any) -> None:
    doc = posting.assemble(
        product="BIKE", serial=f"(01){BIKE_GTIN}(21)BK-1", warehouse="WH1", user=user,
        serials=[datamatrix("FR-1", "F7", "300101", gtin=FRAME_GTIN),
                 f"https://id.gs1.org/01/{WHEEL_GTIN}/21/WH-1",  # WH-1 is a bell's serial too
                 datamatrix("WH-2", gtin=WHEEL_GTIN)])
    bike = Unit.objects.get(serial="BK-1")
    parts = Unit.objects.filter(parent=bike).order_by("serial")
    assert [(u.product.sku, u.serial) for u in parts] == [
        ("FRAME", "FR-1"), ("WHEEL", "WH-1"), ("WHEEL", "WH-2")]
    assert Unit.objects.get(product__sku="BELL", serial="WH-1").status == "in_stock"
    assert bike.cost == Decimal("160") and doc.kind == "assembly"

    apart = posting.disassemble(serial=datamatrix("BK-1", gtin=BIKE_GTIN), user=user)
    assert Unit.objects.get(serial="BK-1").status == "scrapped"
    assert Movement.objects.filter(document=apart, unit__serial="FR-1",
                                   to_status="in_stock").exists()


def test_a_component_label_contradicting_the_record_is_refused_naming_each_field(
        labelled: None, user: Any) -> None:
    before = Document.objects.count()
    problems = refused(errors.Refused, posting.assemble, product="BIKE", serial="BK-1",
                       warehouse="WH1", user=user,
                       serials=[datamatrix("FR-1", "FAKE", "290101", gtin=FRAME_GTIN),
                                datamatrix("WH-2", gtin=FRAME_GTIN)]).problems
    found = {(p.serial, p.field): p.message for p in problems}
    assert "recorded lot F7 vs scanned FAKE" in found[("FR-1", "lot")]
    assert "recorded expiry 2030-01-01 vs scanned 2029-01-01" in found[("FR-1", "expiry")]
    assert f"recorded gtin {WHEEL_GTIN} vs scanned {FRAME_GTIN}" in found[("WH-2", "gtin")]
    assert Document.objects.count() == before
    assert not Unit.objects.filter(serial="BK-1").exists()
    assert Unit.objects.get(serial="FR-1").status == "in_stock"


def test_the_assemblys_own_label_must_be_its_product(labelled: None, user: Any) -> None:
    problems = refused(errors.Refused, posting.assemble, product="BIKE",
                       serial=datamatrix("BK-1", gtin=FRAME_GTIN), warehouse="WH1",
                       serials=["WH-2"], user=user).problems
    assert [(p.code, p.field) for p in problems] == [("wrong_product", "serial")]
    assert f"GTIN {FRAME_GTIN} belongs to FRAME, not BIKE" in problems[0].message


def test_a_manager_accepts_a_contradicting_label_with_a_reason_in_the_history(
        labelled: None, user: Any) -> None:
    fake = datamatrix("FR-1", "FAKE", gtin=FRAME_GTIN)
    problems = refused(errors.NotPermitted, posting.assemble, product="BIKE", serial="BK-1",
                       warehouse="WH1", serials=[fake], user=user,
                       accept_scan_mismatch=True, reason="relabelled by the supplier").problems
    assert problems[0].field == "accept_scan_mismatch"
    posting.assemble(product="BIKE", serial="BK-1", warehouse="WH1", serials=[fake],
                     user=_manager(), accept_scan_mismatch=True,
                     reason="relabelled by the supplier")
    note = unit_history("FR-1")["movements"][-1]["note"]
    assert note.startswith("installed in BK-1; override: label accepted against the record")
    assert "FR-1 lot F7 vs FAKE" in note and note.endswith("relabelled by the supplier")


def test_spare_parts_are_installed_and_removed_by_scan(labelled: None, user: Any) -> None:
    posting.assemble(product="BIKE", serial="BK-1", warehouse="WH1", serials=["WH-2"],
                     user=user)
    manager = _manager()
    start = posting.start_repair(product="BIKE", serials=["BK-1"], reason="squeaks",
                                 user=manager)
    assert start.kind == "repair"
    posting.install_parts(repair=datamatrix("BK-1", gtin=BIKE_GTIN), user=manager,
                          serials=[datamatrix("WH-3", gtin=WHEEL_GTIN)])
    assert Unit.objects.get(serial="WH-3").parent.serial == "BK-1"
    wrong = refused(errors.Refused, posting.install_parts, repair=start.number, user=manager,
                    product="WHEEL", serials=[datamatrix("FR-1", gtin=FRAME_GTIN)]).problems
    assert [(p.code, p.serial) for p in wrong] == [("wrong_product", "FR-1")]
    posting.remove_parts(repair=start.number, user=manager, scrap=True,
                         serials=[f"(01){WHEEL_GTIN}(21)WH-2"])
    assert Unit.objects.get(serial="WH-2").status == "scrapped"
