"""GS1 scans wherever serials are accepted: the scan resolves GTIN -> product, (21) -> serial,
(10) -> lot, (17) -> expiry, and the receipt records lot and expiry with each unit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import Unit
from tests.conftest import Cli
from tests.helpers.posting import refused
from tests.helpers.scans import GTIN, datamatrix


@pytest.fixture
def udi(shop: dict) -> Any:
    return catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN,
                                  warranty_days=730)


def test_receipt_from_datamatrix_scans_records_serial_lot_and_expiry(udi: Any, user: Any) -> None:
    doc = posting.receive(warehouse="WH1", product="PUMP-1", user=user, serials=[
        datamatrix("SN-1", "LOT-A", "271231"),
        datamatrix("SN-2", "LOT-A", "271231"),
        f"(01){GTIN}(21)SN-3(10)LOT-B(17)280630",
        f"https://id.gs1.org/01/{GTIN}/10/LOT-B/21/SN-4?17=280630",
        "SN-5",  # a plain serial beside the scans
    ])
    units = {u.serial: u for u in Unit.objects.select_related("lot")}
    assert {s: (u.lot.code if u.lot else None, u.lot.expiry if u.lot else None)
            for s, u in units.items()} == {
        "SN-1": ("LOT-A", dt.date(2027, 12, 31)), "SN-2": ("LOT-A", dt.date(2027, 12, 31)),
        "SN-3": ("LOT-B", dt.date(2028, 6, 30)), "SN-4": ("LOT-B", dt.date(2028, 6, 30)),
        "SN-5": (None, None)}
    assert sorted((ln.lot.code if ln.lot else "", ln.quantity) for ln in doc.lines.all()) == [
        ("", 1), ("LOT-A", 2), ("LOT-B", 2)]
    assert queries.unit_history("SN-3", "PUMP-1")["unit"]["expiry"] == "2028-06-30"


def test_scan_of_another_products_gtin_is_refused(udi: Any, user: Any) -> None:
    catalog.create_product("OTHER", "Other device", "serial", gtin="04006381333931")
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="PUMP-1", user=user,
                  serials=[datamatrix("SN-1"), datamatrix("SN-2", gtin="04006381333931")])
    assert len(exc.problems) == 1 and exc.problems[0].code == "wrong_product"
    assert "belongs to OTHER" in exc.problems[0].message


def test_bad_scan_is_refused_naming_the_element(udi: Any, user: Any) -> None:
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="PUMP-1", user=user,
                  serials=[datamatrix("SN-1", "L1", "271340")])
    assert "(17)" in exc.problems[0].message and "month 13" in exc.problems[0].message
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="PUMP-1", user=user,
                  serials=[f"]d201{GTIN}10LOT7"])  # no (21): not a unit's label
    assert "(21)" in exc.problems[0].message


def test_scan_lot_must_agree_with_the_receipts_lot(udi: Any, user: Any) -> None:
    exc = refused(errors.Refused, posting.receive, warehouse="WH1", product="PUMP-1", user=user,
                  lot="LOT-X", serials=[datamatrix("SN-1", "LOT-A")])
    assert exc.problems[0].field == "lot" and "LOT-A" in exc.problems[0].message


def test_ship_and_return_by_scanning(udi: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="PUMP-1", user=user,
                    serials=[datamatrix("SN-1", "L1", "271231"), datamatrix("SN-2", "L1", "271231")])
    shp = posting.ship(warehouse="WH1", customer="Customer A", product="PUMP-1", user=user,
                       serials=[datamatrix("SN-1", "L1", "271231")])
    posting.receive_return(shipment=shp.number, user=user, serials=[datamatrix("SN-1")])
    assert Unit.objects.get(serial="SN-1").status == "in_stock"


def test_draft_keeps_the_scan_and_posts_its_lot(udi: Any, user: Any) -> None:
    from serialtrack.posting import drafts

    draft = drafts.create_draft(kind="receipt", user=user, product="PUMP-1", warehouse="WH1")
    verdicts = drafts.add_scans(draft.pk, [datamatrix("SN-7", "L9", "290101"),
                                           datamatrix("SN-7", "L9", "290101"),
                                           datamatrix("SN-8", gtin="04006381333931")], user)
    assert [(v.serial, v.accepted, v.code) for v in verdicts] == [
        ("SN-7", True, None), ("SN-7", False, "duplicate_serial"),
        ("SN-8", False, "wrong_product")]
    drafts.post_draft(draft.pk, user)
    unit = Unit.objects.select_related("lot").get(serial="SN-7")
    assert (unit.lot.code, unit.lot.expiry) == ("L9", dt.date(2029, 1, 1))


@pytest.mark.slow
def test_receipt_by_scanning_through_the_cli(cli: Cli) -> None:
    cli("product", "add", "PUMP-1", "--tracking", "serial", "--gtin", GTIN)
    cli("warehouse", "add", "WH1")
    cli("receive", "-w", "WH1", "-p", "PUMP-1", datamatrix("SN-1", "LOT-A", "271231"))
    unit = cli.json("history", "SN-1")["unit"]
    assert (unit["serial"], unit["lot"], unit["expiry"]) == ("SN-1", "LOT-A", "2027-12-31")
    wrong = cli.json("receive", "-w", "WH1", "-p", "PUMP-1",
                     datamatrix("SN-2", gtin="04006381333931"), check=3)
    assert wrong["errors"][0]["code"] == "wrong_product"


def test_receipt_by_scanning_through_the_api(udi: Any, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_token, create_user

    create_user("robot", "clerk", "correct horse battery")
    token = create_token("robot")[1]
    body = {"warehouse": "WH1", "product": "PUMP-1",
            "serials": [datamatrix("SN-9", "LOT-Q", "300101")]}
    r = Client().post("/api/receipts", json.dumps(body), content_type="application/json",
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.content
    unit = Unit.objects.select_related("lot").get(serial="SN-9")
    assert (unit.lot.code, unit.lot.expiry) == ("LOT-Q", dt.date(2030, 1, 1))
