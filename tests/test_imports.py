"""Imports from CSV and XLSX: every bad row reported (row, column, reason) before anything is
posted; a good file posts one receipt per product, place, lot and cost, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from serialtrack import errors
from serialtrack.imports import import_receipts
from serialtrack.inventory.models import StockQuantity, Unit
from tests.conftest import Cli, snapshot

HEADER = "product,serial,lot,expiry,cost,warehouse,bin,quantity\n"


def write(tmp_path: Path, body: str, name: str = "import.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_good_file_posts_one_receipt_per_group(shop: dict, user: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "HT-1,S1,,,100.50,WH1,,\nHT-1,S2,,,100.50,WH1,,\n"
                           "HT-1,S3,,,99,WH1,A-01,\n"
                           "SAL-1,,L-7,2027-05-31,,WH2,,12\nCBL-1,,,,,WH1,,5\n")
    result = import_receipts(path, user=user, supplier="Supplier S")
    assert result.rows == 5 and len(result.documents) == 4
    assert {d.number[:3] for d in result.documents} == {"RCV"}
    units = {u.serial: (str(u.location), u.cost) for u in Unit.objects.select_related(
        "location__warehouse")}
    assert units["S3"][0] == "WH1/A-01" and float(units["S1"][1]) == 100.5
    lot_row = StockQuantity.objects.select_related("lot").get(product__sku="SAL-1")
    assert (lot_row.quantity, lot_row.lot.code, lot_row.lot.expiry) == (12, "L-7", dt.date(2027, 5, 31))


def test_a_bad_row_in_the_middle_posts_nothing_and_names_it(shop: dict, user: Any,
                                                           tmp_path: Path) -> None:
    from serialtrack import posting

    posting.receive(warehouse="WH1", product="HT-1", serials=["OLD-1"], user=user)
    good = "".join(f"HT-1,G{n},,,,WH1,,\n" for n in range(500))
    bad = ("HT-1,G7,,,,WH1,,\n"            # row 502: repeats row 9
           "NOPE,X1,,,,WH1,,\n"             # row 503: unknown product
           "HT-1,OLD-1,,,,WH1,,\n"          # row 504: already received
           "HT-1,B\tX,,,,WH9,,\n"           # row 505: control character (and unknown warehouse)
           "HT-1,B2,,31/12/2027,abc,WH1,Z,\n"  # row 506: date, cost
           "SAL-1,,,,,WH1,,\n")             # row 507: lot and quantity missing
    path = write(tmp_path, good + bad + good.replace("G", "H"))
    before = snapshot()
    with pytest.raises(errors.Refused) as exc:
        import_receipts(path, user=user)
    assert snapshot() == before
    found = sorted((p.line, p.field) for p in exc.value.problems)
    assert found == [(502, "serial"), (503, "product"), (504, "serial"), (505, "serial"),
                     (506, "cost"), (506, "expiry"), (507, "lot"), (507, "quantity")]
    by_row = {p.line: p.message for p in exc.value.problems}
    assert "row 502" in by_row[502] and "earlier row" in by_row[502]
    assert "unknown product 'NOPE'" in by_row[503]


def test_a_serial_taken_is_refused_as_the_receipt_refuses_it(shop: dict, user: Any,
                                                              tmp_path: Path) -> None:
    """The same rule answers the same at every door: an import of a serial already received,
    or twice in the file, is a duplicate serial, as a receipt of it is."""
    from serialtrack import posting

    posting.receive(warehouse="WH1", product="HT-1", serials=["OLD-1"], user=user)
    path = write(tmp_path, "HT-1,OLD-1,,,,WH1,,\nHT-1,N-1,,,,WH1,,\nHT-1,N-1,,,,WH1,,\n")
    with pytest.raises(errors.DuplicateSerial) as exc:
        import_receipts(path, user=user)
    assert [(p.code, p.serial, p.line) for p in exc.value.problems] == [
        ("duplicate_serial", "OLD-1", 2), ("duplicate_serial", "N-1", 4)]
    with pytest.raises(errors.DuplicateSerial) as direct:
        posting.receive(warehouse="WH1", product="HT-1", serials=["OLD-1"], user=user)
    assert direct.value.problems[0].code == exc.value.problems[0].code


def test_unknown_bin_and_warehouse(shop: dict, user: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "HT-1,S1,,,,WH1,Z-9,\nHT-1,S2,,,,WH7,,\n")
    with pytest.raises(errors.Refused) as exc:
        import_receipts(path, user=user)
    assert sorted((p.line, p.field, p.message.split(": ", 1)[1]) for p in exc.value.problems) == [
        (2, "bin", "unknown bin 'Z-9'"), (3, "warehouse", "unknown warehouse 'WH7'")]


def test_missing_column_is_refused(shop: dict, user: Any, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sku,serial\nHT-1,S1\n")
    with pytest.raises(errors.InvalidInput) as exc:
        import_receipts(path, user=user)
    assert "'product'" in exc.value.problems[0].message


def test_xlsx_opening_balance(shop: dict, user: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "opening.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Product", "Serial", "Lot", "Expiry", "Cost", "Warehouse", "Bin"])
    sheet.append(["HT-1", "X-1", None, None, 12.5, "WH1", None])
    sheet.append(["HT-1", 4711, None, None, None, "WH1", "A-01"])
    sheet.append(["SAL-1", None, "L1", dt.datetime(2027, 1, 31), None, "WH1", None])
    sheet.cell(row=4, column=8, value=3)
    sheet.cell(row=1, column=8, value="quantity")
    book.save(path)
    result = import_receipts(path, user=user, opening_balance=True)
    assert [d.kind for d in result.documents] == ["adjustment"] * 3
    assert all(d.reason == "opening balance" for d in result.documents)
    assert set(Unit.objects.values_list("serial", flat=True)) == {"X-1", "4711"}


@pytest.mark.slow
def test_cli_import_reports_rows_and_exit_code(cli: Cli, tmp_path: Path) -> None:
    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    good = write(tmp_path, "".join(f"HT-1,S{n},,,,WH1,,\n" for n in range(2000)), "good.csv")
    assert cli.json("import", str(good))["rows"] == 2000
    bad = write(tmp_path, "HT-1,S1,,,,WH1,,\nHT-1,N1,,,,WH1,,\n", "bad.csv")
    body = cli.json("import", str(bad), check=3)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(2, "serial")]
    assert cli.json("stock")["units"][0]["count"] == 2000
