"""Serial -> unit. A serial is unique per product; without a product it may be ambiguous.

This is the scanner's hot path: a few hand-written statements that are index seeks (unit by
(product, serial) or by serial; movements by unit), not ORM queries that Django rebuilds — and
PostgreSQL re-plans — on every call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from serialtrack.posting.errors import AmbiguousSerial, NotFound, Problem

UNIT_SELECT = (
    "SELECT u.id, p.sku, p.name, u.serial, u.status, w.code, l.code, h.name, t.code, t.expiry, "
    "u.cost, u.received_at, u.warranty_start, u.warranty_end "
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
     w_start, w_end) = row
    return {
        "id": uid,
        "product": sku,
        "product_name": name,
        "serial": serial,
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
    with connection.cursor() as cursor:
        cursor.execute(f"{UNIT_SELECT}WHERE {where} ORDER BY p.sku LIMIT 20", list(params))
        return [unit_row(r) for r in cursor.fetchall()]


def find_unit(serial: str, product: str | None = None) -> dict[str, Any]:
    """The unit carrying `serial` (or carrying it before a correction), as a plain dict. Given
    without a product, a serial that two products share is refused, listing both."""
    serial = serial.strip()
    if product:
        by_product = "(SELECT id FROM inventory_product WHERE sku = %s)"
        found = fetch_units(f"u.product_id = {by_product} AND u.serial = %s", [product, serial])
        if not found:
            found = fetch_units("u.id IN (SELECT a.unit_id FROM inventory_serialalias a WHERE "
                           f"a.product_id = {by_product} AND a.serial = %s)", [product, serial])
    else:
        found = fetch_units("u.serial = %s", [serial])
        if not found:
            found = fetch_units("u.id IN (SELECT a.unit_id FROM inventory_serialalias a "
                           "WHERE a.serial = %s)", [serial])
    if not found:
        what = f"serial {serial!r}" + (f" of {product}" if product else "")
        raise NotFound([Problem("not_found", f"unknown {what}", serial=serial)])
    if len(found) > 1:
        skus = sorted(u["product"] for u in found)
        raise AmbiguousSerial([Problem(
            "ambiguous_serial",
            f"serial {serial!r} exists on {len(skus)} products: {', '.join(skus)}; "
            "name the product (--product)",
            serial=serial, extra={"products": skus})])
    return found[0]
