"""Imports: receipts and opening stock from CSV or XLSX files with the columns product, serial,
lot, expiry, cost, warehouse, bin (and quantity, for lot and plain products), and optionally
manufacturer_serial: the maker's serial a unit carries beside its own. A row with a manufacturer
serial and an empty serial gets a serial generated from the product's template.

A validation pass reads the whole file first — streamed, a chunk at a time, into a temporary
table — and checks every row: text rules per row in Python, everything that needs the database
(unknown product, warehouse or bin, serial repeated in the file or already received) in a few
set-based statements. Any bad row: every one is reported (row number, column, reason) and
nothing is posted. Otherwise one receipt per product × place × lot × cost is posted, all in one
transaction."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from serialtrack.errors import InvalidInput, Problem, refuse
from serialtrack.inventory.models import Document, Product, Tracking
from serialtrack.posting import receipts
from serialtrack.posting.engine import bulk_load, retrying
from serialtrack.serials import serial_problem, text_problem

COLUMNS = ("product", "serial", "lot", "expiry", "cost", "warehouse", "bin", "quantity",
           "manufacturer_serial")
REQUIRED = ("product", "warehouse")
CHUNK = 10_000
MAX_LISTED = 10_000  # problems listed in full; beyond that, counted
Progress = Callable[[int], None]

STAGE_COLUMNS = ("row_no", "product", "serial", "lot", "expiry", "cost", "warehouse", "bin",
                 "quantity", "manufacturer_serial")
STAGE = (
    "row_no bigint NOT NULL, product varchar(64) NOT NULL, serial varchar(128), "
    "lot varchar(128), expiry date, cost numeric(14, 4), warehouse varchar(32) NOT NULL, "
    "bin varchar(32), quantity bigint, manufacturer_serial varchar(128)"
)


class _Capped(list[Problem]):
    """Problems kept up to MAX_LISTED; beyond that only counted (memory stays bounded even
    when every row of a million is bad)."""

    def __init__(self) -> None:
        super().__init__()
        self.more = 0

    def append(self, problem: Problem) -> None:
        if len(self) < MAX_LISTED:
            super().append(problem)
        else:
            self.more += 1


@dataclass
class ImportResult:
    rows: int
    documents: list[Document]


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: text}) for every non-blank row."""
    if path.suffix.lower() == ".xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _header(path: Path, header: list[str]) -> list[str | None]:
    names = [h.strip().lower() if h else "" for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InvalidInput([Problem("invalid", f"{path.name}: no column {missing[0]!r} (the "
                                    f"columns are {', '.join(COLUMNS)})", line=1, field=missing[0])])
    return [n if n in COLUMNS else None for n in names]


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    # undecodable bytes become U+DC80-U+DCFF (surrogateescape): the row check names each one
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        names = _header(path, next(reader, []))
        for row_no, row in enumerate(reader, start=2):
            if any(cell.strip() for cell in row):
                yield row_no, {n: v for n, v in zip(names, row, strict=False) if n}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.active.iter_rows(values_only=True)
        names = _header(path, [str(c or "") for c in next(rows, ())])
        for row_no, row in enumerate(rows, start=2):
            if row and any(c not in (None, "") for c in row):
                yield row_no, {n: _cell(v) for n, v in zip(names, row, strict=False) if n}
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _RowChecker:
    """Per-row rules that need no database round trip (product facts are cached per SKU)."""

    def __init__(self) -> None:
        self.products: dict[str, Product | None] = {}
        self.patterns: dict[str, re.Pattern[str] | None] = {}

    def product(self, sku: str) -> Product | None:
        if sku not in self.products:
            item = Product.objects.filter(sku=sku).first()
            self.products[sku] = item
            self.patterns[sku] = re.compile(item.serial_pattern) if item and item.serial_pattern \
                else None
        return self.products[sku]

    def check(self, row_no: int, cells: dict[str, str], problems: list[Problem]
              ) -> tuple[Any, ...] | None:
        def bad(field: str, message: str, serial: str | None = None) -> None:
            problems.append(Problem("invalid_row", f"row {row_no}, {field}: {message}",
                                    line=row_no, field=field,
                                    serial=serial or cells.get("serial") or None))

        before = len(problems)
        for field, text in cells.items():  # the door: text no database can store
            unstorable = text_problem(text, field, from_bytes=True,
                                      serial=field in ("serial", "manufacturer_serial"))
            if unstorable:
                problems.append(Problem(unstorable.code, f"row {row_no}, {unstorable.message}",
                                        line=row_no, field=field, serial=unstorable.serial))
        if len(problems) > before:
            return None
        sku = cells.get("product", "").strip()
        warehouse = cells.get("warehouse", "").strip()
        for name, value in (("product", sku), ("warehouse", warehouse)):
            if not value:
                bad(name, "empty")
        item = self.product(sku) if sku else None
        if sku and item is None:
            bad("product", f"unknown product {sku!r}")
        serial = None
        quantity = None
        raw_serial = cells.get("serial", "")
        raw_maker = cells.get("manufacturer_serial", "")
        maker = None
        if item is not None and item.tracking == Tracking.SERIAL:
            if raw_maker.strip():
                maker, problem = serial_problem(raw_maker, product=item)
                if problem:
                    bad("manufacturer_serial", f"manufacturer {problem.message}", raw_maker)
            if raw_serial.strip() or not raw_maker.strip():
                serial, problem = serial_problem(raw_serial, self.patterns[sku], product=item)
                if problem:
                    bad("serial", problem.message)
            elif not item.serial_template:
                bad("serial", f"empty serial ({sku} has no serial template to generate one "
                    "beside the manufacturer serial)")
            if cells.get("quantity", "").strip() not in ("", "1"):
                bad("quantity", "a serial-tracked row is one unit")
        elif item is not None:
            if raw_serial.strip():
                bad("serial", f"{sku} is not serial-tracked")
            if raw_maker.strip():
                bad("manufacturer_serial", f"{sku} is not serial-tracked", raw_maker)
            quantity = _int(cells.get("quantity", ""))
            if quantity is None or quantity <= 0:
                bad("quantity", f"{sku} needs a positive quantity")
        lot = cells.get("lot", "").strip() or None
        if item is not None and item.tracking == Tracking.LOT and not lot:
            bad("lot", f"{sku} is lot-tracked: the lot is required")
        if item is not None and item.tracking == Tracking.NONE and lot:
            bad("lot", f"{sku} is not lot-tracked")
        expiry = None
        if cells.get("expiry", "").strip():
            try:
                expiry = dt.date.fromisoformat(cells["expiry"].strip())
            except ValueError:
                bad("expiry", f"{cells['expiry']!r} is not a date YYYY-MM-DD")
        cost = None
        if cells.get("cost", "").strip():
            try:
                cost = Decimal(cells["cost"].strip())
                if not cost.is_finite() or cost < 0 or cost >= Decimal("1e10"):
                    raise InvalidOperation
            except InvalidOperation:
                bad("cost", f"{cells['cost']!r} is not an amount")
                cost = None
        if len(problems) > before:
            return None
        bin_code = cells.get("bin", "").strip() or None
        return (row_no, sku, serial, lot, expiry, cost, warehouse, bin_code, quantity, maker)


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _stage(rows: Iterator[tuple[int, dict[str, str]]], checker: _RowChecker,
           problems: list[Problem], progress: Progress | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS st_import ({STAGE})")
        cursor.execute("DELETE FROM st_import")
        ops = connection.ops
        count = 0
        chunk: list[tuple[Any, ...]] = []

        def flush() -> None:
            bulk_load(cursor, "st_import", STAGE_COLUMNS,
                      [(r[0], r[1], r[2], r[3], ops.adapt_datefield_value(r[4]),
                        ops.adapt_decimalfield_value(r[5], 14, 4) if r[5] is not None else None,
                        r[6], r[7], r[8], r[9]) for r in chunk])
            chunk.clear()

        for row_no, cells in rows:
            count += 1
            checked = checker.check(row_no, cells, problems)
            if checked is not None:
                chunk.append(checked)
            if len(chunk) >= CHUNK:
                flush()
            if progress and count % CHUNK == 0:
                progress(count)
        if chunk:
            flush()
        cursor.execute("CREATE INDEX IF NOT EXISTS st_import_group ON st_import "
                       "(product, warehouse, lot)")
        if progress:
            progress(count)
    return count


def _database_checks(problems: list[Problem]) -> None:
    """Unknown places, serials repeated in the file, serials already received: set-based. A
    serial (or manufacturer serial) taken is refused as the receipt refuses it
    (`duplicate_serial`)."""
    checks = [
        ("warehouse", "SELECT i.row_no, i.warehouse, i.serial FROM st_import i WHERE NOT EXISTS "
         "(SELECT 1 FROM inventory_warehouse w WHERE w.code = i.warehouse) ORDER BY i.row_no",
         "unknown warehouse {!r}", "invalid_row"),
        ("bin", "SELECT i.row_no, i.bin, i.serial FROM st_import i JOIN inventory_warehouse w "
         "ON w.code = i.warehouse WHERE i.bin IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
         "inventory_location l WHERE l.warehouse_id = w.id AND l.code = i.bin) ORDER BY i.row_no",
         "unknown bin {!r}", "invalid_row"),
        ("serial", "SELECT i.row_no, i.serial, i.serial FROM st_import i JOIN (SELECT product, "
         "serial, MIN(row_no) AS first_row FROM st_import WHERE serial IS NOT NULL "
         "GROUP BY product, serial HAVING COUNT(*) > 1) d ON d.product = i.product AND "
         "d.serial = i.serial AND i.row_no > d.first_row ORDER BY i.row_no",
         "serial {!r} is already on an earlier row of this file", "duplicate_serial"),
        ("serial", "SELECT i.row_no, i.serial, i.serial FROM st_import i JOIN inventory_product p "
         "ON p.sku = i.product JOIN inventory_unit u ON u.product_id = p.id AND u.serial = "
         "i.serial WHERE u.status <> 'voided' ORDER BY i.row_no",
         "serial {!r} already exists", "duplicate_serial"),
        ("manufacturer_serial", "SELECT i.row_no, i.manufacturer_serial, i.manufacturer_serial "
         "FROM st_import i JOIN (SELECT product, manufacturer_serial, MIN(row_no) AS first_row "
         "FROM st_import WHERE manufacturer_serial IS NOT NULL GROUP BY product, "
         "manufacturer_serial HAVING COUNT(*) > 1) d ON d.product = i.product AND "
         "d.manufacturer_serial = i.manufacturer_serial AND i.row_no > d.first_row "
         "ORDER BY i.row_no",
         "manufacturer serial {!r} is already on an earlier row of this file",
         "duplicate_serial"),
        ("manufacturer_serial", "SELECT i.row_no, i.manufacturer_serial, i.manufacturer_serial "
         "FROM st_import i JOIN inventory_product p ON p.sku = i.product JOIN inventory_unit u "
         "ON u.product_id = p.id AND u.manufacturer_serial = i.manufacturer_serial "
         "WHERE u.status <> 'voided' AND (i.serial IS NULL OR u.serial <> i.serial) "
         "ORDER BY i.row_no",
         "manufacturer serial {!r} is already carried by another unit", "duplicate_serial"),
    ]
    with connection.cursor() as cursor:
        for field, sql, message, code in checks:
            cursor.execute(sql)
            while batch := cursor.fetchmany(5000):
                for row_no, value, serial in batch:
                    problems.append(Problem(code, f"row {row_no}, {field}: "
                                            + message.format(value), line=row_no, field=field,
                                            serial=serial))


GENERATED = "CASE WHEN serial IS NULL THEN 1 ELSE 0 END"


def _groups() -> list[tuple[Any, ...]]:
    """(product, warehouse, bin, lot, expiry, cost, generated, rows, manufacturer serials): one
    document each; `generated` rows (serial products) have no serial and get one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT product, warehouse, bin, lot, expiry, cost, "
                       f"{GENERATED}, COUNT(*), COUNT(manufacturer_serial) FROM st_import "
                       f"GROUP BY product, warehouse, bin, lot, expiry, cost, {GENERATED} "
                       "ORDER BY MIN(row_no)")
        return cursor.fetchall()


def _group_where(group: tuple[Any, ...]) -> tuple[str, list[Any]]:
    sku, warehouse, bin_code, lot, expiry, cost, generate, _n, _makers = group
    where = [f"{GENERATED} = %s"]
    params: list[Any] = [generate]
    for column, value in (("product", sku), ("warehouse", warehouse), ("bin", bin_code),
                          ("lot", lot), ("expiry", expiry), ("cost", cost)):
        if value is None:
            where.append(f"{column} IS NULL")
        else:
            where.append(f"{column} = %s")
            params.append(value)
    return " AND ".join(where), params


def _group_quantity(group: tuple[Any, ...]) -> int:
    where, params = _group_where(group)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(quantity), 0) FROM st_import WHERE {where}", params)
        return int(cursor.fetchone()[0])


def _group_serials(group: tuple[Any, ...], column: str = "serial") -> Iterator[Any]:
    """The group's serials (or manufacturer serials, None where a row has none), streamed (a
    server-side cursor on PostgreSQL): the file is never held in memory whole."""
    where, params = _group_where(group)
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM st_import WHERE {where} ORDER BY row_no", params)
        while batch := cursor.fetchmany(CHUNK):
            for (serial,) in batch:
                yield serial


@retrying
def import_receipts(path: Path, *, user: Any, supplier: str | None = None,
                    opening_balance: bool = False, progress: Progress | None = None
                    ) -> ImportResult:
    """Validate the whole file, then post it all or nothing (see the module docstring)."""
    problems = _Capped()
    with transaction.atomic():
        rows = _stage(read_rows(path), _RowChecker(), problems, progress)
        if rows == 0:
            problems.append(Problem("invalid", f"{path.name} has no rows", field="file"))
        _database_checks(problems)
        if problems:
            listed = sorted(problems, key=lambda p: (p.line or 0, p.field or ""))
            if problems.more:
                listed.append(Problem("invalid_row", f"… and {problems.more:,} more problems",
                                      field="file"))
            refuse(listed)
        documents = []
        for group in _groups():
            sku, warehouse, bin_code, lot, expiry, cost, generate, _n, makers = group
            is_serial = Product.objects.filter(sku=sku, tracking=Tracking.SERIAL).exists()
            serials = _group_serials(group) if is_serial and not generate else iter(())
            quantity = 0 if is_serial else _group_quantity(group)
            place = f"{warehouse}/{bin_code}" if bin_code else warehouse
            common = {"warehouse": place, "product": sku, "user": user, "lot": lot,
                      "expiry": _date(expiry), "cost": _money(cost)}
            if is_serial and makers:
                common["manufacturer_serials"] = _group_serials(group, "manufacturer_serial")
            if opening_balance:
                documents.append(receipts.add_found(reason="opening balance", serials=serials,
                                                    quantity=quantity or None, **common))
            else:
                documents.append(receipts.receive(supplier=supplier, serials=serials,
                                                  quantity=quantity or None,
                                                  reference=path.name[:100], **common))
        return ImportResult(rows, documents)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
