"""Stock on hand by warehouse, bin and product (with the serial lists), units out of storage and
where they went, lot and plain quantities on hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import F

from serialtrack.inventory.models import IN_STORAGE, OUT_OF_STORAGE, StockQuantity


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v.value if hasattr(v, 'value') else v}'" for v in values) + ")"


# Unit filters beyond the joined columns: its lot's code, and a customer it was ever shipped to
# (a seek on the unit's history per unit; the history's party is the customer it went to).
BY_LOT = "u.lot_id IN (SELECT lt.id FROM inventory_lot lt WHERE lt.code = %s)"
BY_CUSTOMER = (
    "EXISTS (SELECT 1 FROM inventory_movement m WHERE m.unit_id = u.id "
    "AND m.to_status = 'shipped' "
    "AND m.to_party_id IN (SELECT c.id FROM inventory_party c WHERE c.name = %s))"
)


def _where(condition: str, filters: tuple[tuple[str, str | None], ...]) -> tuple[str, list[Any]]:
    """`condition` AND each filter whose value is given: a column (`column = %s`) or a
    condition with one `%s`."""
    given = [(sql if "%s" in sql else f"{sql} = %s", value) for sql, value in filters if value]
    sql = " AND ".join([condition, *(sql for sql, _v in given)])
    return sql, [value for _s, value in given]


def stock_on_hand(warehouse: str | None = None, product: str | None = None, *,
                  lot: str | None = None, customer: str | None = None,
                  serials: bool = True) -> list[dict[str, Any]]:
    """Serialized units in storage grouped by warehouse, bin, product and status; each group with
    its count and its serials (in serial order). `lot`: only units of that lot; `customer`: only
    units that were shipped to that customer at some time (and are back). `serials=False`: the
    groups and counts only (counted in the database; no `serials` key)."""
    where, params = _where(f"u.status IN {_in(IN_STORAGE)}",
                           (("w.code", warehouse), ("p.sku", product), (BY_LOT, lot),
                            (BY_CUSTOMER, customer)))
    if not serials:
        counted = (
            "SELECT w.code, l.code, p.sku, p.name, u.status, COUNT(*) FROM inventory_unit u "
            "JOIN inventory_location l ON l.id = u.location_id "
            "JOIN inventory_warehouse w ON w.id = l.warehouse_id "
            "JOIN inventory_product p ON p.id = u.product_id "
            f"WHERE {where} GROUP BY w.code, l.code, p.sku, p.name, u.status "
            "ORDER BY w.code, l.code, p.sku, u.status"
        )
        return [{"warehouse": wh, "bin": bin_code, "product": sku, "product_name": name,
                 "status": status, "count": count}
                for wh, bin_code, sku, name, status, count in _rows(counted, params)]
    sql = (
        "SELECT w.code, l.code, p.sku, p.name, u.status, u.serial FROM inventory_unit u "
        "JOIN inventory_location l ON l.id = u.location_id "
        "JOIN inventory_warehouse w ON w.id = l.warehouse_id "
        "JOIN inventory_product p ON p.id = u.product_id "
        f"WHERE {where} ORDER BY w.code, l.code, p.sku, u.status, u.serial"
    )
    groups: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for wh, bin_code, sku, name, status, serial in _rows(sql, params):
        key = (wh, bin_code, sku, status)
        if current is None or current["_key"] != key:
            current = {"_key": key, "warehouse": wh, "bin": bin_code, "product": sku,
                       "product_name": name, "status": status, "count": 0, "serials": []}
            groups.append(current)
        current["count"] += 1
        current["serials"].append(serial)
    for g in groups:
        del g["_key"]
    return groups


def out_of_storage(product: str | None = None, holder: str | None = None, *,
                   status: str | None = None, lot: str | None = None,
                   customer: str | None = None) -> list[dict[str, Any]]:
    """Units that have left our storage (shipped, scrapped, returned to supplier, installed),
    with who holds them and the document that took them out. `holder`: held by that party now;
    `customer`: shipped to that customer at some time (wherever they are now)."""
    where, params = _where(f"u.status IN {_in(OUT_OF_STORAGE)}",
                           (("p.sku", product), ("h.name", holder), ("u.status", status),
                            (BY_LOT, lot), (BY_CUSTOMER, customer)))
    sql = (
        "SELECT p.sku, u.serial, u.status, h.name, d.number, d.posted_at, u.warranty_end "
        "FROM inventory_unit u JOIN inventory_product p ON p.id = u.product_id "
        "LEFT JOIN inventory_party h ON h.id = u.holder_id "
        "LEFT JOIN inventory_document d ON d.id = u.last_document_id "
        f"WHERE {where} ORDER BY p.sku, u.serial"
    )
    return [
        {"product": sku, "serial": serial, "status": status, "holder": holder_name,
         "document": number, "date": str(posted)[:10] if posted else None,
         "warranty_end": str(wend) if wend else None}
        for sku, serial, status, holder_name, number, posted, wend in _rows(sql, params)
    ]


def quantities_on_hand(warehouse: str | None = None, product: str | None = None, *,
                       lot: str | None = None) -> list[dict[str, Any]]:
    rows = (StockQuantity.objects.filter(quantity__gt=0)
            .select_related("product", "lot", "location__warehouse")
            .order_by("location__warehouse__code", "location__code", "product__sku",
                      F("lot__expiry").asc(nulls_last=True), "lot__code"))
    if warehouse:
        rows = rows.filter(location__warehouse__code=warehouse)
    if product:
        rows = rows.filter(product__sku=product)
    if lot:
        rows = rows.filter(lot__code=lot)
    return [
        {"warehouse": r.location.warehouse.code, "bin": r.location.code, "product": r.product.sku,
         "product_name": r.product.name, "lot": r.lot.code if r.lot else None,
         "expiry": r.lot.expiry.isoformat() if r.lot and r.lot.expiry else None,
         "quantity": r.quantity}
        for r in rows
    ]


def _rows(sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            yield from batch


def quantity_pick(product: str, warehouse: str, quantity: int | None = None, *,
                  lot: str | None = None) -> list[dict[str, Any]]:
    """What shipping `quantity` of a lot or plain product from `warehouse` (`WH` or `WH/BIN`)
    takes, in the engine's order (`posting.quantities.take_stock`): the named lot, else earliest
    expiry first, then the oldest lot, then the oldest stock row. Each row on hand with `take`,
    the part of `quantity` it gives (0 past the quantity; every row when none is given)."""
    code, _slash, bin_code = warehouse.partition("/")
    rows = (StockQuantity.objects.filter(product__sku=product, quantity__gt=0,
                                         location__warehouse__code=code)
            .select_related("lot", "location").first_expiry_first())
    if bin_code:
        rows = rows.filter(location__code=bin_code)
    if lot:
        rows = rows.filter(lot__code=lot)
    remaining = quantity
    out = []
    for r in rows[:500]:
        take = r.quantity if remaining is None else min(r.quantity, remaining)
        if remaining is not None:
            remaining -= take
        out.append({"bin": r.location.code, "lot": r.lot.code if r.lot else None,
                    "expiry": r.lot.expiry if r.lot else None, "quantity": r.quantity,
                    "take": take})
    return out
