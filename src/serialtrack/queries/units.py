"""Serial -> unit. A serial is unique per product; without a product it may be ambiguous.

A unit is found by its serial, by its manufacturer serial (the maker's, when it carries an
internal one too), or by a serial it carried before a correction — in that order: a text that is
one unit's serial finds that unit, even if another carries it as a manufacturer serial.

This is the scanner's hot path: a few hand-written statements that are index seeks (unit by
(product, serial) or by serial, or by manufacturer serial likewise; movements by unit), not ORM
queries that Django rebuilds — and PostgreSQL re-plans — on every call."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from serialtrack.errors import AmbiguousSerial, NotFound, Problem
from serialtrack.fastpath import fetch
from serialtrack.queries.scans import disagreements, product_of_gtin, read_scan

UNIT_SELECT = (
    "SELECT u.id, p.sku, p.name, u.serial, u.status, w.code, l.code, h.name, t.code, t.expiry, "
    "u.cost, u.received_at, u.warranty_start, u.warranty_end, u.manufacturer_serial "
    "FROM inventory_unit u JOIN inventory_product p ON p.id = u.product_id "
    "LEFT JOIN inventory_location l ON l.id = u.location_id "
    "LEFT JOIN inventory_warehouse w ON w.id = l.warehouse_id "
    "LEFT JOIN inventory_party h ON h.id = u.holder_id "
    "LEFT JOIN inventory_lot t ON t.id = u.lot_id "
)


def as_datetime(value: Any) -> dt.datetime | None:
    """A timestamp read by raw SQL: aware datetime on PostgreSQL, text or naive UTC on SQLite."""
    if value is None or (isinstance(value, dt.datetime) and timezone.is_aware(value)):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(parsed, dt.UTC) if timezone.is_naive(parsed) else parsed


def as_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def unit_row(row: tuple[Any, ...]) -> dict[str, Any]:
    (uid, sku, name, serial, status, wh, bin_code, holder, lot, expiry, cost, received,
     w_start, w_end, maker) = row
    return {
        "id": uid,
        "product": sku,
        "product_name": name,
        "serial": serial,
        "manufacturer_serial": maker,
        "status": status,
        "location": f"{wh}/{bin_code}" if wh else "",
        "holder": holder,
        "lot": lot,
        "expiry": _iso(as_date(expiry)),
        "cost": str(Decimal(str(cost)).quantize(Decimal("0.0001"))) if cost is not None else None,
        "received_at": _iso(as_datetime(received)),
        "warranty_start": _iso(as_date(w_start)),
        "warranty_end": _iso(as_date(w_end)),
    }


def fetch_units(where: str, params: Iterable[Any]) -> list[dict[str, Any]]:
    """Up to 20 units matching `where` (a condition on `u`, the unit), as plain dicts."""
    return [unit_row(r) for r in fetch(f"{UNIT_SELECT}WHERE {where} ORDER BY p.sku LIMIT 20",
                                       list(params))]


BY_PRODUCT = "(SELECT id FROM inventory_product WHERE sku = %s)"


def units_by_serial(serial: str, product: str | None = None) -> list[dict[str, Any]]:
    """The units `serial` names, in the order of the module docstring: one statement (an index
    seek) when it is a unit's serial — the scanner's case —, one more (another index seek) for
    each next kind of serial tried. Compared in NFC, the form serials are stored in."""
    if not serial.isascii():
        serial = unicodedata.normalize("NFC", serial)
    by_product = f"u.product_id = {BY_PRODUCT} AND " if product else ""
    first = [product] if product else []
    found = fetch_units(f"{by_product}u.serial = %s", [*first, serial])
    if not found:
        found = fetch_units(f"{by_product}u.manufacturer_serial = %s", [*first, serial])
    if not found:
        alias = f"a.product_id = {BY_PRODUCT} AND " if product else ""
        found = fetch_units("u.id IN (SELECT a.unit_id FROM inventory_serialalias a WHERE "
                            f"{alias}a.serial = %s)", [*first, serial])
    return found


def find_unit(serial: str, product: str | None = None) -> dict[str, Any]:
    """The unit carrying `serial` (as its serial or manufacturer serial, or before a correction),
    as a plain dict. Given without a product, a serial that two products share is refused,
    listing both. `serial` may be a GS1 scan of the unit's label (`queries.scans`): its GTIN
    picks the product, and the answer's `scan` says what the label claims and where it
    contradicts the record (`disagreements`: lot, expiry)."""
    serial = serial.strip()
    scan = read_scan(serial)
    if scan is not None:
        token, serial = serial, scan.serial or ""
        if scan.gtin:
            sku = product_of_gtin(scan.gtin, token)
            if product and product != sku:
                raise NotFound([Problem("not_found", f"scan {token!r}: GTIN {scan.gtin} is "
                                        f"{sku}'s, not {product}'s", serial=serial,
                                        field="product", extra={"gtin": scan.gtin})])
            product = sku
    found = units_by_serial(serial, product)
    if scan is not None and len(found) == 1:
        unit = found[0]
        unit["scan"] = {"gtin": scan.gtin, "serial": scan.serial, "lot": scan.lot,
                        "expiry": _iso(scan.expiry),
                        "disagreements": disagreements(unit["lot"], unit["expiry"], scan.lot,
                                                       scan.expiry)}
    if not found:
        what = f"serial {serial!r}" + (f" of {product}" if product else "")
        raise NotFound([Problem("not_found", f"unknown {what}", serial=serial)])
    if len(found) > 1:
        skus = sorted(u["product"] for u in found)
        names = sorted({*skus})
        if len(names) == 1:  # units of one product that carried it before corrections
            message = (f"serial {serial!r} names {len(found)} units of {names[0]}: "
                       f"{', '.join(sorted(u['serial'] for u in found))}; give the unit's serial")
        else:
            message = (f"serial {serial!r} exists on {len(skus)} products: {', '.join(skus)}; "
                       "name the product (--product)")
        raise AmbiguousSerial([Problem("ambiguous_serial", message, serial=serial,
                                       extra={"products": skus})])
    return found[0]
