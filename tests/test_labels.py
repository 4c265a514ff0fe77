"""Label sheets: the round trip. Every PDF made here is rendered back to images with pypdfium2,
every barcode on every page is decoded with zxing-cpp, and each must carry exactly its unit's
data, lie inside its own label, and nothing may be printed outside the labels' printable areas.

Pages are rendered at 600 dpi, the resolution of the office laser printers the sheets are for
(and twice the roll printers' 300 dpi); ordinary serials also read back at 300 dpi."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import biip
import pytest
import zxingcpp
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serialtrack import catalog, posting
from serialtrack.api import labels as api_labels  # noqa: F401 - registers the routes
from serialtrack.api.core import ROLE_ATTR, api
from serialtrack.errors import InvalidInput, NotFound, Refused
from serialtrack.gs1 import parse_scan
from serialtrack.labels import (
    LAYOUTS,
    MIN_PT,
    LabelUnit,
    Layout,
    Text,
    fit_text,
    render_labels,
    render_sheet,
)
from serialtrack.queries.labels import units_for
from tests.helpers.labels import page_count, read_back

GTIN = "04006381333931"
EXPIRY = dt.date(2027, 3, 31)
LONG = "SN-2025-ABCDEFGHIJKLMNOPQRSTUVWXYZ-01234"  # 40 characters
LONG_MED = "LONG-MED-abcdefghijklmnopqrstuvwxyz-0001"
HT_SERIALS = [f"HT-{n:04d}" for n in range(1, 25)]
MED_SERIALS = [f"P-{n:03d}" for n in range(1, 7)]
MED_NO_LOT = ["P-900", "P-901"]


def gs1_elements(unit: LabelUnit) -> list[tuple[str, str]]:
    elements = [("01", GTIN)]
    if unit.expiry:
        elements.append(("17", unit.expiry.strftime("%y%m%d")))
    if unit.lot:
        elements.append(("10", unit.lot))
    return [*elements, ("21", unit.serial)]


def assert_carries(barcode: Any, unit: LabelUnit, kind: str) -> None:
    """`barcode` as a scanner reads it is exactly `unit`'s data in symbology `kind`."""
    if kind == "gs1":
        elements = gs1_elements(unit)
        assert barcode.format == zxingcpp.BarcodeFormat.DataMatrix
        assert barcode.symbology_identifier == "]d2" and barcode.content_type == zxingcpp.ContentType.GS1
        assert barcode.text == "".join(f"({ai}){value}" for ai, value in elements)
        # The raw element string: FNC1 first (the ]d2), a GS after every variable-length
        # element but the last; parsed independently, each value comes back on its own.
        # (10) is variable-length and never last: a GS (U+001D) must end it.
        raw = "".join(f"{ai}{value}" + ("\x1d" if ai == "10" else "") for ai, value in elements)
        assert barcode.bytes.decode() == raw
        parsed = biip.parse("]d2" + barcode.bytes.decode())
        assert parsed.gs1_message is not None, parsed
        assert [(e.ai.ai, e.value) for e in parsed.gs1_message.element_strings] == elements
        # And serialtrack's own scan parser (what a scan at the bench goes through) agrees.
        scan = parse_scan(barcode.symbology_identifier + barcode.bytes.decode())
        assert (scan.gtin, scan.serial, scan.lot, scan.expiry) == (GTIN, unit.serial, unit.lot,
                                                                   unit.expiry)
        return
    expected = {"code128": (zxingcpp.BarcodeFormat.Code128, "]C0"),
                "qr": (zxingcpp.BarcodeFormat.QRCode, "]Q1"),
                "datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, "]d1")}[kind]
    assert (barcode.format, barcode.symbology_identifier) == expected, (unit.serial, barcode)
    assert barcode.text == unit.serial


def assert_round_trip(pdf: bytes, layout: Layout, units: list[LabelUnit], kinds: list[str],
                      dpi: int = 600) -> None:
    pages = read_back(pdf, layout, dpi)
    assert len(pages) == math.ceil(len(units) / layout.per_page)
    for index, (unit, kind) in enumerate(zip(units, kinds, strict=True)):
        page, position = divmod(index, layout.per_page)
        assert position in pages[page], f"{unit.serial!r}: nothing read on page {page + 1}, " \
                                        f"label {position + 1} of {layout.name}"
        assert_carries(pages[page][position], unit, kind)
    assert sum(len(p) for p in pages) == len(units)


# -- the stock the labels are for ----------------------------------------------------------------

@pytest.fixture
def stock(shop: dict[str, Any], user: Any) -> dict[str, Any]:
    """HT-1 (no GTIN) and MED-1 (GTIN; units with lot and expiry, and without) in stock."""
    catalog.create_product("MED-1", "Infusion pump, volumetric", "serial", gtin=GTIN[1:])
    ht = posting.receive(warehouse="WH1", product="HT-1", serials=[*HT_SERIALS, LONG],
                         supplier="Supplier S", user=user)
    med = posting.receive(warehouse="WH1", product="MED-1", serials=[*MED_SERIALS, LONG_MED],
                          lot="L(2291)/B", expiry=EXPIRY, user=user)
    posting.receive(warehouse="WH1", product="MED-1", serials=MED_NO_LOT, user=user)
    return {"ht": ht.number, "med": med.number}


def mixed_units() -> tuple[list[LabelUnit], list[LabelUnit]]:
    """Units of both products, interleaved, the 40-character serials among the first."""
    ht = units_for(product="HT-1", serials=[LONG, *HT_SERIALS])
    med = units_for(product="MED-1", serials=[MED_NO_LOT[0], LONG_MED, *MED_SERIALS, MED_NO_LOT[1]])
    mixed = []
    for i in range(max(len(ht), len(med))):
        mixed += ht[i:i + 1] + med[i:i + 1]
    return ht, mixed


def default_kind(unit: LabelUnit) -> str:
    return "gs1" if unit.gtin and len(unit.serial) <= 20 else "code128"


# -- the round trip ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_layout_reads_back_in_every_symbology(stock: dict[str, Any], name: str) -> None:
    layout = LAYOUTS[name]
    _ht, mixed = mixed_units()
    # The default symbology, over more units than fit on one page.
    units = mixed[:layout.per_page + 1]
    sheet = render_sheet(units, name)
    assert sheet.pages == page_count(sheet.pdf) == math.ceil(len(units) / layout.per_page) >= 2
    assert sheet.pdf.startswith(b"%PDF-")
    assert_round_trip(sheet.pdf, layout, units, [default_kind(u) for u in units])
    # Each symbology by name: the first labels, 40-character serials included.
    first = mixed[:4]
    assert_round_trip(render_labels(first, name, "code128"), layout, first, ["code128"] * 4)
    assert_round_trip(render_labels(first, name, "qr"), layout, first, ["qr"] * 4)
    fits_gs1 = [u for u in first if not (u.gtin and len(u.serial) > 20)]
    assert_round_trip(render_labels(fits_gs1, name, "datamatrix"), layout, fits_gs1,
                      ["gs1" if u.gtin else "datamatrix" for u in fits_gs1])


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_ordinary_serials_read_back_at_300_dpi(stock: dict[str, Any], name: str) -> None:
    layout = LAYOUTS[name]
    units = [*units_for(product="HT-1", serials=HT_SERIALS[:2]),
             *units_for(product="MED-1", serials=[MED_SERIALS[0], MED_NO_LOT[0]])]
    for symbology, kinds in ((None, ["code128", "code128", "gs1", "gs1"]),
                             ("qr", ["qr"] * 4), ("datamatrix", ["datamatrix"] * 2 + ["gs1"] * 2)):
        assert_round_trip(render_labels(units, name, symbology), layout, units, kinds, dpi=300)


AWKWARD_ASCII = ["A/B 001", 'x "y" \\ z', "%+$#@!'(){}[]<>~^`|_=", "a-001..b", "A(21)B(10)C", "-"]
AWKWARD_LATIN1 = ["Größe-Ä1", "café ñ 5"]
AWKWARD_UNICODE = ["日本-001 ☃", "Ελλάδα-7", "📦-42"]
AWKWARD_GS1 = ["AB(21)%&'*+,-./:;<=?", "X(10)Y(17)270101", '"q"!&?_z', "0"]


def test_awkward_serials_read_back(shop: dict[str, Any], user: Any) -> None:
    catalog.create_product("MED-1", "Infusion pump", "serial", gtin=GTIN)
    shop["ht"].unicode_serials = True  # serials beyond ASCII (README: serial policy)
    shop["ht"].save(update_fields=["unicode_serials"])
    serials = AWKWARD_ASCII + AWKWARD_LATIN1 + AWKWARD_UNICODE
    posting.receive(warehouse="WH1", product="HT-1", serials=serials, user=user)
    posting.receive(warehouse="WH1", product="MED-1", serials=AWKWARD_GS1, lot="L(1)/2%",
                    expiry=dt.date(2030, 1, 1), user=user)
    layout = LAYOUTS["a4-2x7"]
    ht = units_for(product="HT-1", serials=serials)
    med = units_for(product="MED-1", serials=AWKWARD_GS1)
    assert [u.serial for u in ht] == serials

    latin1 = ht[:len(AWKWARD_ASCII) + len(AWKWARD_LATIN1)]
    assert_round_trip(render_labels(latin1, layout.name, "code128"), layout, latin1,
                      ["code128"] * len(latin1))
    for symbology in ("qr", "datamatrix"):
        assert_round_trip(render_labels(ht, layout.name, symbology), layout, ht,
                          [symbology] * len(ht))
    # GS1: parentheses and the rest of character set 82 inside the serial and the lot stay
    # data; the default for such a product is the GS1 DataMatrix.
    assert_round_trip(render_labels(med, layout.name, None), layout, med, ["gs1"] * len(med))
    # By default, what Code 128 cannot carry (beyond ASCII) goes into a QR code.
    kinds = ["code128"] * len(AWKWARD_ASCII) + ["qr"] * (len(AWKWARD_LATIN1) + len(AWKWARD_UNICODE))
    assert_round_trip(render_labels(ht, layout.name), layout, ht, kinds)


def test_what_a_symbology_cannot_carry_is_refused_naming_every_serial(
        shop: dict[str, Any], user: Any) -> None:
    catalog.create_product("MED-1", "Infusion pump", "serial", gtin=GTIN)
    posting.receive(warehouse="WH1", product="MED-1", serials=["A B", LONG, "OK-1"], user=user)
    shop["ht"].unicode_serials = True  # serials beyond ASCII (README: serial policy)
    shop["ht"].save(update_fields=["unicode_serials"])
    posting.receive(warehouse="WH1", product="HT-1", serials=["日本-1", "ß-2", "x" * 128], user=user)
    med = units_for(product="MED-1", serials=["A B", LONG, "OK-1"])
    with pytest.raises(InvalidInput) as refused:
        render_labels(med, "a4-3x8", "datamatrix")
    assert [(p.serial, p.field) for p in refused.value.problems] == [("A B", "symbology"),
                                                                     (LONG, "symbology")]
    assert "GS1" in refused.value.problems[0].message
    # Not GS1-encodable: by default a Code 128 of the serial instead.
    assert_round_trip(render_labels(med, "a4-3x8"), LAYOUTS["a4-3x8"], med,
                      ["code128", "code128", "gs1"])

    ht = units_for(product="HT-1", serials=["日本-1", "ß-2", "x" * 128])
    with pytest.raises(InvalidInput) as refused:
        render_labels(ht, "roll-57x32", "code128")
    assert [p.serial for p in refused.value.problems] == ["日本-1", "x" * 128]
    assert "ISO 8859-1" in refused.value.problems[0].message
    assert "too long for a Code 128 on roll-57x32" in refused.value.problems[1].message
    # 128 characters do not fit a Code 128 on that label: by default a QR code.
    assert_round_trip(render_labels(ht, "roll-57x32"), LAYOUTS["roll-57x32"], ht,
                      ["qr", "qr", "qr"])


def test_text_shrinks_to_fit_and_never_overflows() -> None:
    from serialtrack.labels import _width, fonts

    name = "Handheld terminal with extended battery, pistol grip and a very long name " * 3
    fitted = fit_text(Text(name, True, 9, max_lines=2), 30.0)
    assert len(fitted.lines) == 2 and fitted.lines[-1].endswith("…")
    assert all(_width(line, fitted.font, fitted.size) <= 30.0 for line in fitted.lines)
    fitted = fit_text(Text(LONG, True, 10, max_lines=3, wrap="chars"), 30.0)
    assert "".join(fitted.lines) == LONG and fitted.size >= MIN_PT
    assert all(_width(line, fitted.font, fitted.size) <= 30.0 for line in fitted.lines)
    short = fit_text(Text("A-001", True, 10), 30.0)
    assert short.lines == ["A-001"] and short.size == 10 and short.font == fonts()[1]


# -- which units ---------------------------------------------------------------------------------

def test_units_for_a_document_a_serial_list_and_a_range(stock: dict[str, Any]) -> None:
    med = units_for(document=stock["med"])
    assert [u.serial for u in med] == [*MED_SERIALS, LONG_MED]
    assert {(u.sku, u.name, u.gtin, u.lot, u.expiry) for u in med} == {
        ("MED-1", "Infusion pump, volumetric", GTIN, "L(2291)/B", EXPIRY)}
    ht = units_for(document=stock["ht"])
    assert [u.serial for u in ht] == [*HT_SERIALS, LONG]
    assert {(u.gtin, u.lot, u.expiry) for u in ht} == {(None, None, None)}
    # The order given, each serial once; a range expands like everywhere else.
    picked = units_for(product="HT-1", serials=["HT-0003", " HT-0001 ", "HT-0003"])
    assert [u.serial for u in picked] == ["HT-0003", "HT-0001"]
    ranged = units_for(product="HT-1", range="HT-0005..HT-0009")
    assert [u.serial for u in ranged] == HT_SERIALS[4:9]
    assert [u.serial for u in units_for(product="MED-1", serials=MED_NO_LOT)] == MED_NO_LOT


def test_units_for_refuses_naming_what_is_unknown(stock: dict[str, Any]) -> None:
    with pytest.raises(NotFound) as refused:
        units_for(document="RCV-999999")
    assert refused.value.problems[0].field == "document" and "RCV-999999" in str(refused.value)
    with pytest.raises(NotFound) as refused:
        units_for(product="NOPE", serials=["HT-0001"])
    assert refused.value.problems[0].field == "product" and "NOPE" in str(refused.value)
    with pytest.raises(NotFound) as refused:
        units_for(product="HT-1", serials=["HT-0001", "GONE-1", "GONE-2"])
    assert [(p.serial, p.field) for p in refused.value.problems] == [("GONE-1", "serials"),
                                                                     ("GONE-2", "serials")]
    with pytest.raises(NotFound) as refused:
        units_for(product="HT-1", range="HT-0023..HT-0026")
    assert [p.serial for p in refused.value.problems] == ["HT-0025", "HT-0026"]
    for bad in ({}, {"serials": ["HT-0001"]}, {"document": stock["ht"], "product": "HT-1"},
                {"product": "HT-1"}, {"product": "HT-1", "range": "HT-0001"}):
        with pytest.raises(InvalidInput):
            units_for(**bad)
    with pytest.raises(Refused):
        units_for(product="HT-1", range="HT-0009..HT-0001")


def test_unknown_layout_and_symbology_are_refused_by_name(stock: dict[str, Any]) -> None:
    units = units_for(product="HT-1", serials=["HT-0001"])
    with pytest.raises(InvalidInput) as refused:
        render_labels(units, "a4-9x99", None)
    assert refused.value.problems[0].field == "layout" and "a4-9x99" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        render_labels(units, "a4-3x8", "pdf417")
    assert refused.value.problems[0].field == "symbology" and "pdf417" in str(refused.value)
    with pytest.raises(InvalidInput):
        render_labels([], "a4-3x8", None)


def test_loading_a_document_is_a_constant_number_of_queries(shop: dict[str, Any],
                                                              user: Any) -> None:
    small = posting.receive(warehouse="WH1", product="HT-1", serials=["S-1", "S-2"], user=user)
    large = posting.receive(warehouse="WH1", product="HT-1",
                            serials=[f"L-{n:03d}" for n in range(300)], user=user)
    counts = []
    for number in (small.number, large.number):
        with CaptureQueriesContext(connection) as ctx:
            units_for(document=number)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 2


# -- the command line and the API ----------------------------------------------------------------

def test_cli_writes_a_pdf_and_refuses_an_unknown_layout(cli: Any, tmp_path: Path) -> None:
    cli("product", "add", "HT-200", "--name", "Handheld terminal")
    cli("warehouse", "add", "WH1")
    serials = [f"device-{n:05d}" for n in range(1, 27)]
    cli("receive", "--warehouse", "WH1", "--product", "HT-200", "device-00001..device-00026")
    out = tmp_path / "labels.pdf"
    result = cli.json("labels", "--layout", "a4-3x8", "--document", "RCV-000001",
                      "--output", str(out))
    assert result == {"output": str(out), "layout": "a4-3x8", "labels": 26, "pages": 2,
                      "symbologies": {"code128": 26}}
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-") and page_count(pdf) == 2
    units = [LabelUnit(s, "HT-200", "Handheld terminal") for s in serials]
    assert_round_trip(pdf, LAYOUTS["a4-3x8"], units, ["code128"] * 26)

    roll = tmp_path / "roll.pdf"
    cli("labels", "--layout", "roll-62x29", "--symbology", "qr", "--product", "HT-200",
        "--range", "device-00001..device-00003", "--output", str(roll))
    assert_round_trip(roll.read_bytes(), LAYOUTS["roll-62x29"], units[:3], ["qr"] * 3)
    picked = tmp_path / "picked.pdf"
    cli("labels", "--product", "HT-200", "device-00007", "device-00002..device-00003",
        "--output", str(picked))
    assert page_count(picked.read_bytes()) == 1

    refused = cli("labels", "--layout", "a4-9x99", "--document", "RCV-000001",
                  "--output", str(tmp_path / "x.pdf"), check=3)
    assert "a4-9x99" in refused.stderr and not (tmp_path / "x.pdf").exists()
    refused = cli("labels", "--document", "RCV-000042", "--output", str(tmp_path / "x.pdf"),
                  check=3)
    assert "RCV-000042" in refused.stderr
    layouts = cli.json("labels", "layouts")
    assert [row["name"] for row in layouts] == list(LAYOUTS)
    assert {"a4-3x8", "a4-2x7", "letter-3x10", "roll-62x29", "roll-57x32"} <= set(LAYOUTS)


def viewer_client(db: Any) -> Client:
    from serialtrack.accounts.services import create_token, create_user

    create_user("viewer-1", "viewer", "correct horse battery")
    return Client(headers={"Authorization": f"Bearer {create_token('viewer-1')[1]}"})


def test_api_returns_a_pdf_to_a_viewer(stock: dict[str, Any], db: Any) -> None:
    viewer = viewer_client(db)
    response = viewer.get(f"/api/labels?document={stock['med']}&layout=roll-62x29")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert_round_trip(response.content, LAYOUTS["roll-62x29"], units_for(document=stock["med"]),
                      ["gs1"] * len(MED_SERIALS) + ["code128"])

    body = {"product": "HT-1", "serials": ["HT-0002"], "range": "HT-0010..HT-0012",
            "layout": "letter-3x10", "symbology": "datamatrix"}
    response = viewer.post("/api/labels", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    units = units_for(product="HT-1", serials=["HT-0002", "HT-0010", "HT-0011", "HT-0012"])
    assert_round_trip(response.content, LAYOUTS["letter-3x10"], units, ["datamatrix"] * 4)

    bad = viewer.get(f"/api/labels?document={stock['med']}&layout=a4-9x99")
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "layout" and "a4-9x99" in bad.json()["detail"]
    missing = viewer.get("/api/labels?document=RCV-999999")
    assert missing.status_code == 404 and "RCV-999999" in missing.json()["detail"]
    unknown = viewer.post("/api/labels", json.dumps({"product": "HT-1", "serials": ["NOPE-1"]}),
                          content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["serial"] == "NOPE-1"


def test_api_labels_need_a_login(stock: dict[str, Any]) -> None:
    anonymous = Client()
    assert anonymous.get(f"/api/labels?document={stock['ht']}").status_code == 401
    response = anonymous.post("/api/labels", json.dumps({"product": "HT-1", "serials": ["HT-0001"]}),
                              content_type="application/json")
    assert response.status_code == 401
    needed = {(method, path): {getattr(cb, ROLE_ATTR, None) for cb in op.auth_callbacks or []}
              for _prefix, router in api._routers for path, view in router.path_operations.items()
              for op in view.operations for method in op.methods if path == "/labels"}
    assert needed == {("GET", "/labels"): {"viewer"}, ("POST", "/labels"): {"viewer"}}
