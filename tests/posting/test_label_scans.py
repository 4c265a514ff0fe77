"""A scanned GS1 label wherever an existing unit is named: lookups find the unit by any scan form
(its GTIN picks the product) and show where the label contradicts the record; transfers,
shipments and returns refuse a label whose lot, expiry or GTIN contradicts it, naming each field,
unless a manager accepts it with a reason kept in the history."""

from __future__ import annotations

from typing import Any

import pytest

from serialtrack import catalog, errors, posting, queries
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Unit
from tests.helpers.posting import refused
from tests.helpers.scans import GS, GTIN, datamatrix

OTHER_GTIN = "04006381333931"
FAKE = f"(01){GTIN}(21)SN-1(10)FAKE(17)290101"


@pytest.fixture
def udi(shop: dict, user: Any) -> Any:
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN, warranty_days=730)
    catalog.create_product("OTHER", "Other device", "serial", gtin=OTHER_GTIN)
    posting.receive(warehouse="WH1", product="PUMP-1", user=user, supplier="Supplier S",
                    serials=[datamatrix("SN-1", "L77", "280131"),
                             datamatrix("SN-2", "L77", "280131")])
    posting.receive(warehouse="WH1", product="OTHER", user=user, serials=["SN-1"])
    return None


@pytest.fixture
def manager(db: Any) -> Any:
    return create_user("mgr", "manager", "correct horse battery")[0]


@pytest.mark.parametrize("scan", [
    f"]d201{GTIN}21SN-1{GS}10L77{GS}17280131",
    f"(01){GTIN}(21)SN-1(10)L77(17)280131",
    f"https://id.gs1.org/01/{GTIN}/10/L77/21/SN-1?17=280131",
])
def test_lookups_take_every_scan_form_and_the_gtin_picks_the_product(udi: None, scan: str
                                                                     ) -> None:
    unit = queries.find_unit(scan)  # SN-1 alone is on two products: the GTIN decides
    assert (unit["product"], unit["serial"], unit["lot"]) == ("PUMP-1", "SN-1", "L77")
    assert unit["scan"] == {"gtin": GTIN, "serial": "SN-1", "lot": "L77",
                            "expiry": "2028-01-31", "disagreements": []}
    history = queries.unit_history(scan)
    assert history["unit"]["product"] == "PUMP-1" and history["movements"][0]["kind"] == "receipt"
    assert queries.warranty(scan)["unit"]["serial"] == "SN-1"


def test_a_lookup_shows_where_the_label_contradicts_the_record(udi: None) -> None:
    unit = queries.find_unit(FAKE)
    assert unit["scan"]["disagreements"] == [
        {"field": "lot", "recorded": "L77", "scanned": "FAKE"},
        {"field": "expiry", "recorded": "2028-01-31", "scanned": "2029-01-01"}]
    with pytest.raises(errors.NotFound) as info:
        queries.find_unit(f"(01){GTIN}(21)SN-1", "OTHER")
    assert "PUMP-1's, not OTHER's" in str(info.value)
    with pytest.raises(errors.NotFound) as info:
        queries.find_unit("(01)09506000134369(21)SN-1")
    assert info.value.problems[0].field == "gtin"


def test_a_transfer_with_a_contradicting_label_is_refused_naming_each_field(udi: None,
                                                                            user: Any) -> None:
    exc = refused(errors.ScanMismatch, posting.transfer, source="WH1", destination="WH2",
                  product="PUMP-1", serials=[FAKE, datamatrix("SN-2", "L77", "280131")],
                  user=user)
    assert [(p.serial, p.field, p.extra) for p in exc.problems] == [
        ("SN-1", "lot", {"recorded": "L77", "scanned": "FAKE"}),
        ("SN-1", "expiry", {"recorded": "2028-01-31", "scanned": "2029-01-01"})]
    assert exc.problems[0].message == "serial 'SN-1' (PUMP-1): recorded lot L77 vs scanned FAKE"
    posting.transfer(source="WH1", destination="WH2", product="PUMP-1", user=user,
                     serials=[datamatrix("SN-1", "L77", "280131"), "SN-2"])
    assert set(Unit.objects.filter(product__sku="PUMP-1").values_list(
        "location__warehouse__code", flat=True)) == {"WH2"}


def test_a_manager_accepts_a_contradicting_label_with_a_reason_in_the_history(
        udi: None, user: Any, manager: Any) -> None:
    exc = refused(errors.NotPermitted, posting.ship, warehouse="WH1", customer="Customer A",
                  product="PUMP-1", serials=[FAKE], user=user, accept_scan_mismatch=True,
                  reason="relabelled by maker")
    assert exc.problems[0].extra == {"role_needed": "manager"}
    refused(errors.ScanMismatch, posting.ship, warehouse="WH1", customer="Customer A",
            product="PUMP-1", serials=[FAKE], user=user)
    doc = posting.ship(warehouse="WH1", customer="Customer A", product="PUMP-1", serials=[FAKE],
                       user=manager, accept_scan_mismatch=True, reason="relabelled by maker")
    last = queries.unit_history("SN-1", "PUMP-1")["movements"][-1]
    assert (last["document"], last["user"]) == (doc.number, "mgr")
    assert last["note"] == ("override: label accepted against the record (SN-1 lot L77 vs FAKE; "
                            "SN-1 expiry 2028-01-31 vs 2029-01-01) — relabelled by maker")


def test_a_return_with_another_products_gtin_or_lot_is_refused(udi: None, user: Any) -> None:
    shp = posting.ship(warehouse="WH1", customer="Customer A", product="PUMP-1",
                       serials=["SN-1", "SN-2"], user=user)
    exc = refused(errors.ScanMismatch, posting.receive_return, shipment=shp.number, user=user,
                  serials=[datamatrix("SN-1", gtin=OTHER_GTIN), datamatrix("SN-2", "L78")])
    assert [(p.serial, p.field, p.extra) for p in exc.problems] == [
        ("SN-1", "gtin", {"recorded": GTIN, "scanned": OTHER_GTIN}),
        ("SN-2", "lot", {"recorded": "L77", "scanned": "L78"})]
    posting.receive_return(shipment=shp.number, user=user,
                           serials=[datamatrix("SN-1"), datamatrix("SN-2", "L77", "280131")])
    assert Unit.objects.get(product__sku="PUMP-1", serial="SN-1").status == "in_stock"


def test_a_label_without_a_lot_on_record_contradicts_nothing(udi: None, user: Any) -> None:
    posting.receive(warehouse="WH1", product="PUMP-1", user=user, serials=["SN-9"])
    doc = posting.transfer(source="WH1", destination="WH2", product="PUMP-1", user=user,
                           serials=[datamatrix("SN-9", "L1", "300101")])
    assert doc.number.startswith("TRF-")
