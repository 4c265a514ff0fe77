"""A unit may carry the manufacturer's serial beside its own (internal, often generated) serial:
both are searchable everywhere a serial is looked up, both print on its label, and a maker's
serial names one unit of a product — a repeat is refused, naming it, and nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serialtrack import catalog, errors, posting, queries
from serialtrack.imports import import_receipts
from serialtrack.inventory.models import Unit
from serialtrack.labels import LAYOUTS, render_sheet
from serialtrack.posting.generated import preview
from serialtrack.queries.labels import units_for
from tests.conftest import Cli, snapshot
from tests.helpers.api import Api
from tests.helpers.labels import read_back
from tests.helpers.posting import refused

YEAR = timezone.localdate().year
GTIN = "04006381333931"


def internal(n: int) -> str:
    return f"LTP-{YEAR}-{n:04d}"


@pytest.fixture
def laptop(shop: dict) -> Any:
    return catalog.create_product("LTP", "Laptop 14 inch", "serial", warranty_days=365,
                                  serial_template="LTP-{yyyy}-{seq:04}")


def units() -> dict[str, str | None]:
    return dict(Unit.objects.order_by("id").values_list("serial", "manufacturer_serial"))


# -- receiving ------------------------------------------------------------------------------------

def test_each_manufacturer_serial_gets_a_generated_serial_and_both_find_the_unit(
        laptop: Any, user: Any) -> None:
    doc = posting.receive(warehouse="WH1", product="LTP", supplier="Supplier S", user=user,
                          manufacturer_serials=["SN-A1", " SN-A2 ", "SN-A3"])
    assert doc.lines.get().quantity == 3
    assert units() == {internal(1): "SN-A1", internal(2): "SN-A2", internal(3): "SN-A3"}

    by_maker = queries.find_unit("SN-A2")
    assert (by_maker["serial"], by_maker["manufacturer_serial"]) == (internal(2), "SN-A2")
    assert queries.find_unit("SN-A2", "LTP") == by_maker == queries.find_unit(internal(2))
    with pytest.raises(errors.NotFound):
        queries.find_unit("SN-A2", "HT-1")  # another product's units do not carry it

    posting.ship(warehouse="WH1", customer="Customer A", product="LTP", serials=[internal(2)],
                 user=user)
    history = queries.unit_history("SN-A2")
    assert history["unit"]["serial"] == internal(2)
    assert [m["kind"] for m in history["movements"]] == ["receipt", "shipment"]
    sold = queries.warranty("SN-A2", "LTP")
    assert (sold["sold_to"], sold["under_warranty"]) == ("Customer A", True)


def test_listed_serials_pair_with_manufacturer_serials_position_by_position(
        laptop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=["D-1", "D-2", "D-3"],
                    manufacturer_serials=["MK-1", None, "MK-3"], user=user)
    assert units() == {"D-1": "MK-1", "D-2": None, "D-3": "MK-3"}
    assert queries.find_unit("MK-3")["serial"] == "D-3"
    # --generate N with N manufacturer serials is the same receipt as the list alone.
    posting.receive(warehouse="WH1", product="LTP", generate=2, manufacturer_serials=["X", "Y"],
                    user=user)
    assert Unit.objects.get(serial=internal(2)).manufacturer_serial == "Y"


def test_a_unit_s_own_serial_comes_before_another_unit_s_manufacturer_serial(
        laptop: Any, user: Any) -> None:
    catalog.create_product("HT-2", "Other make", "serial")
    posting.receive(warehouse="WH1", product="HT-1", serials=["Q-1"], user=user)
    posting.receive(warehouse="WH1", product="HT-2", serials=["Z-9"], manufacturer_serials=["Q-1"],
                    user=user)
    assert queries.find_unit("Q-1")["product"] == "HT-1"
    assert queries.find_unit("Q-1", "HT-2")["serial"] == "Z-9"


def test_repeated_and_taken_manufacturer_serials_are_refused_naming_exactly_them(
        laptop: Any, user: Any) -> None:
    posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["SN-1", "SN-2"],
                    user=user)
    next_serials = preview(laptop, 3)
    exc = refused(errors.DuplicateSerial, posting.receive, warehouse="WH1", product="LTP",
                  manufacturer_serials=["SN-7", "SN-8", "SN-7", "SN-2", "SN-9"], user=user)
    assert sorted(p.serial for p in exc.problems) == ["SN-2", "SN-7"]
    messages = " | ".join(p.message for p in exc.problems)
    assert "'SN-7' is listed twice" in messages
    assert f"'SN-2' of LTP is already the manufacturer serial of unit '{internal(2)}'" in messages
    assert all(p.field == "manufacturer_serial" for p in exc.problems)
    assert preview(laptop, 3) == next_serials  # no generated serial was used up

    # Listed serials: a maker's serial another unit carries (as its maker's or its own serial),
    # one listed as another unit's serial in this receipt, and a serial that is another unit's
    # maker's serial: every one named, nothing posted.
    exc = refused(errors.DuplicateSerial, posting.receive, warehouse="WH1", product="LTP",
                  serials=["N-1", "N-2", "N-3", "SN-2"], manufacturer_serials=[
                      "SN-1", internal(1), "N-1", None], user=user)
    assert sorted(p.serial for p in exc.problems) == sorted(["SN-1", internal(1), "N-1", "SN-2"])

    # Counts that do not pair up, and a bad text, are refused too.
    refused(errors.CountMismatch, posting.receive, warehouse="WH1", product="LTP",
            serials=["N-1", "N-2"], manufacturer_serials=["M-1"], user=user)
    refused(errors.CountMismatch, posting.receive, warehouse="WH1", product="LTP", generate=3,
            manufacturer_serials=["M-1"], user=user)
    exc = refused(errors.InvalidSerial, posting.receive, warehouse="WH1", product="LTP",
                  manufacturer_serials=["OK-1", "BAD\x07", " "], user=user)
    assert [p.message for p in exc.problems] == [
        "manufacturer serial 'BAD\\x07' contains control character U+0007",
        "empty manufacturer serial"]
    refused(errors.InvalidInput, posting.receive, warehouse="WH1", product="SAL-1", lot="L1",
            quantity=1, manufacturer_serials=["M-1"], user=user)
    # Nor may a serial correction rename a unit to another unit's maker's serial.
    exc = refused(errors.DuplicateSerial, posting.correct_serial, product="LTP", old=internal(1),
                  new="SN-2", reason="typo", user=user)
    assert exc.problems[0].message == (f"serial 'SN-2' of LTP is the manufacturer serial of unit "
                                       f"'{internal(2)}'")


def test_a_reversed_receipt_gives_its_manufacturer_serials_up(laptop: Any, user: Any) -> None:
    doc = posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["R-1", "R-2"],
                          user=user)
    posting.reverse(number=doc.number, user=user)
    posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["R-2", "R-1"],
                    user=user)
    assert units() == {internal(1): None, internal(2): None, internal(3): "R-2",
                       internal(4): "R-1"}
    assert queries.find_unit("R-1")["status"] == "in_stock"
    # Receiving a voided unit's own serial again brings it back with the maker's serial given.
    posting.receive(warehouse="WH1", product="LTP", serials=[internal(1)],
                    manufacturer_serials=["R-9"], user=user)
    assert queries.find_unit("R-9")["serial"] == internal(1)


def test_lookup_by_manufacturer_serial_is_a_constant_number_of_queries(
        laptop: Any, user: Any) -> None:
    def cost(serial: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.find_unit(serial)
        return len(ctx.captured_queries)

    posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["C-0"], user=user)
    small = (cost(internal(1)), cost("C-0"))
    posting.receive(warehouse="WH1", product="LTP",
                    manufacturer_serials=[f"C-{n}" for n in range(1, 400)], user=user)
    assert (cost(internal(1)), cost("C-0")) == small == (1, 2)


# -- command line, API ----------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_receives_manufacturer_serials_and_finds_units_by_either(cli: Cli,
                                                                    tmp_path: Path) -> None:
    cli("product", "add", "LTP", "--tracking", "serial", "--serial-template", "L-{seq:03}",
        "--warranty-days", "30")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Customer A", "--customer")
    doc = cli.json("receive", "-w", "WH1", "-p", "LTP", "--manufacturer-serials", "MF-01..MF-03")
    assert doc["lines"][0]["quantity"] == 3
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("serial,maker\nOWN-1,MF-10\nOWN-2,\n", encoding="utf-8")
    cli.json("receive", "-w", "WH1", "-p", "LTP", "--serials-file", str(pairs),
             "--manufacturer-column", "maker")
    shown = cli.json("show", "MF-02")["unit"]
    assert (shown["serial"], shown["manufacturer_serial"]) == ("L-002", "MF-02")
    assert cli.json("show", "OWN-1")["unit"]["manufacturer_serial"] == "MF-10"
    assert cli.json("show", "OWN-2")["unit"]["manufacturer_serial"] is None
    cli("ship", "-w", "WH1", "--customer", "Customer A", "-p", "LTP", "L-002")
    assert cli.json("history", "MF-02")["unit"]["serial"] == "L-002"
    assert cli.json("warranty", "MF-02")["sold_to"] == "Customer A"
    text = cli("history", "MF-02").stdout
    assert "L-002" in text and "manufacturer serial: MF-02" in text
    # A repeat is refused (exit 3), naming it; nothing is posted.
    bad = cli.json("receive", "-w", "WH1", "-p", "LTP", "--mfr", "MF-03", "MF-04", check=3)
    assert [e["serial"] for e in bad["errors"]] == ["MF-03"]
    assert cli.json("show", "MF-04", check=3)["code"] == "not_found"


def test_api_receipt_and_lookups_show_both_serials(
        laptop: Any, users: dict[str, Api]) -> None:
    clerk, viewer = users["clerk"], users["viewer"]
    made = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "LTP",
                                           "manufacturer_serials": ["API-1", "API-2"]})
    assert made.status_code == 201, made.json()
    found = viewer("GET", "/api/units/by-serial/API-2").json()
    assert [(u["serial"], u["manufacturer_serial"]) for u in found] == [(internal(2), "API-2")]
    unit = viewer("GET", "/api/products/LTP/units/API-1").json()
    assert (unit["serial"], unit["manufacturer_serial"]) == (internal(1), "API-1")
    assert viewer("GET", f"/api/units/by-serial/{internal(1)}").json()[0]["manufacturer_serial"] \
        == "API-1"
    assert viewer("GET", "/api/history/API-1").json()["unit"]["serial"] == internal(1)
    assert viewer("GET", "/api/warranty/API-1").json()["unit"]["serial"] == internal(1)
    listed = viewer("GET", "/api/units?product=LTP").json()["items"]
    assert [u["manufacturer_serial"] for u in listed] == ["API-1", "API-2"]

    paired = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                             "serials": ["H-1", "H-2"],
                                             "manufacturer_serials": ["HM-1", None]})
    assert paired.status_code == 201, paired.json()
    before = snapshot()
    again = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "LTP",
                                            "manufacturer_serials": ["API-3", "API-1"]})
    assert again.status_code == 422
    assert again.headers["Content-Type"].startswith("application/problem+json")
    assert [(e["serial"], e["field"]) for e in again.json()["errors"]] == [
        ("API-1", "manufacturer_serial")]
    assert snapshot() == before


def test_web_search_by_manufacturer_serial_opens_the_unit_page_showing_both(
        laptop: Any, user: Any) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["WEB-1"], user=user)
    viewer, _ = create_user("looker", "viewer", "correct horse battery")
    client = Client()
    client.force_login(viewer)
    found = client.get("/search", {"q": "WEB-1"})
    assert (found.status_code, found["Location"]) == (302, f"/units/LTP/{internal(1)}")
    page = client.get(found["Location"]).content.decode()
    assert internal(1) in page and "Manufacturer serial" in page and "<code>WEB-1</code>" in page


# -- imports --------------------------------------------------------------------------------------

HEADER = "product,serial,manufacturer_serial,warehouse,bin,cost\n"


def test_import_with_manufacturer_serials_pairs_or_generates(laptop: Any, user: Any,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "HT-1,H-1,HM-1,WH1,,\nHT-1,H-2,,WH1,,\n"
                    "LTP,,LM-1,WH1,,10\nLTP,,LM-2,WH1,,10\nLTP,OWN-9,LM-3,WH1,,10\n",
                    encoding="utf-8")
    result = import_receipts(path, user=user, supplier="Supplier S")
    assert result.rows == 5
    assert units() == {"H-1": "HM-1", "H-2": None, internal(1): "LM-1", internal(2): "LM-2",
                       "OWN-9": "LM-3"}
    assert queries.find_unit("LM-2", "LTP")["cost"] == "10.0000"


def test_import_reports_bad_manufacturer_serials_by_row_and_column(laptop: Any, user: Any,
                                                                   tmp_path: Path) -> None:
    posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["TAKEN"], user=user)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "LTP,,OK-1,WH1,,\n"     # row 2: fine
                    "LTP,,BAD\x07,WH1,,\n"            # row 3: control character
                    "LTP,,OK-1,WH1,,\n"               # row 4: repeats row 2
                    "LTP,,TAKEN,WH1,,\n"              # row 5: another unit carries it
                    "HT-1,,HM-5,WH1,,\n"              # row 6: no template to generate a serial
                    "SAL-1,,SM-1,WH1,,\n",            # row 7: not serial-tracked (+ lot, qty)
                    encoding="utf-8")
    before = snapshot()
    with pytest.raises(errors.Refused) as exc:
        import_receipts(path, user=user)
    assert snapshot() == before
    found = sorted((p.line, p.field) for p in exc.value.problems if p.field != "quantity")
    assert found == [(3, "manufacturer_serial"), (4, "manufacturer_serial"),
                     (5, "manufacturer_serial"), (6, "serial"), (7, "lot"),
                     (7, "manufacturer_serial")]
    by_row = {(p.line, p.field): p for p in exc.value.problems}
    assert "control character U+0007" in by_row[(3, "manufacturer_serial")].message
    assert by_row[(5, "manufacturer_serial")].serial == "TAKEN"
    assert by_row[(5, "manufacturer_serial")].message.startswith("row 5, manufacturer_serial:")


# -- labels ---------------------------------------------------------------------------------------

def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.mark.parametrize(("layout", "gtin"), [("a4-3x8", None), ("roll-62x29", GTIN)])
def test_labels_print_both_serials_and_the_barcode_carries_the_internal_one(
        laptop: Any, user: Any, layout: str, gtin: str | None) -> None:
    if gtin:
        laptop.gtin = gtin
        laptop.save(update_fields=["gtin"])
    doc = posting.receive(warehouse="WH1", product="LTP", manufacturer_serials=["MAKER-77", None],
                          user=user)
    by_document = units_for(document=doc.number)
    by_maker = units_for(product="LTP", serials=["MAKER-77", internal(2)])
    assert by_document == by_maker
    assert [(u.serial, u.manufacturer_serial) for u in by_maker] == [
        (internal(1), "MAKER-77"), (internal(2), None)]
    sheet = render_sheet(by_maker, layout)
    text = "".join(pdf_text(sheet.pdf).split())  # wherever a line wrapped
    assert f"S/N{internal(1)}" in text and "MFRMAKER-77" in text
    assert internal(2) in text and f"S/N{internal(2)}" not in text  # no maker's serial: as before
    decoded = [b for page in read_back(sheet.pdf, LAYOUTS[layout]) for b in page.values()]
    assert len(decoded) == 2
    for barcode in decoded:
        if gtin:
            assert barcode.content_type == zxingcpp.ContentType.GS1
            assert barcode.text.endswith(f"(21){internal(1)}") or \
                barcode.text.endswith(f"(21){internal(2)}")
        else:
            assert barcode.text in (internal(1), internal(2))
    assert "MAKER-77" not in " ".join(b.text for b in decoded)
