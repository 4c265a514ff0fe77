"""Stock on hand by warehouse, bin and product (with the serial lists), units out of storage and
where they went, lot and plain quantities on hand."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from serialtrack.inventory.models import (
    Location,
    Product,
    StockQuantity,
    Unit,
    UnitCount,
    Warehouse,
)
from serialtrack.queries.filters import UnitFilters, units


def stock_on_hand(warehouse: str | None = None, product: str | None = None, *,
                  lot: str | None = None, customer: str | None = None,
                  serials: bool = True, first: int | None = None) -> list[dict[str, Any]]:
    """Serialized units in storage grouped by warehouse, bin, product and status; each group with
    its count and its serials (in serial order). `lot`: only units of that lot; `customer`: only
    units that were shipped to that customer at some time (and are back). `serials=False`: the
    groups and counts only (counted in the database; no `serials` key). `first=N`: each group's
    first N serials only, the counts still whole: the ledger's counts and each group's
    serials read from the index (`unit_stock_group`), so the cost follows the groups and N,
    not the units (the report page); the same groups, counts and first serials as the full
    list (tests/queries/test_stock_first.py)."""
    selected = units(UnitFilters(warehouse=warehouse, product=product, lot=lot,
                                 customer=customer), in_storage=True)
    if first is not None:
        return _first_serials(selected, first, serials, fast=lot is None and customer is None,
                              warehouse=warehouse, product=product)
    group = ("location__warehouse__code", "location__code", "product__sku", "product__name",
             "status")
    order = ("location__warehouse__code", "location__code", "product__sku", "status")
    if not serials:
        counted = selected.values_list(*group).annotate(n=Count("id")).order_by(*order)
        return [{"warehouse": wh, "bin": bin_code, "product": sku, "product_name": name,
                 "status": status, "count": count}
                for wh, bin_code, sku, name, status, count in counted]
    rows = selected.order_by(*order, "serial").values_list(*group, "serial")
    groups: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for wh, bin_code, sku, name, status, serial in rows.iterator(chunk_size=5000):
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


SERIAL_CHUNK = 100  # groups whose first serials one statement reads (SQLite: ≤ 500 SELECTs)


# The groups of units in storage and their counts, kept by the ledger as units move
# (`UnitCount`): no unit is read or counted (docs/benchmarks.md, "Stock report counts").
UNIT_COUNTS = (f"SELECT location_id, product_id, status, units "
               f"FROM {UnitCount._meta.db_table} WHERE units > 0")


def _first_serials(selected: QuerySet[Unit], first: int, serials: bool, *, fast: bool,
                   warehouse: str | None, product: str | None) -> list[dict[str, Any]]:
    """`stock_on_hand(first=…)`. The groups: without a lot or customer filter, the ledger's
    counts (`UnitCount`, no unit read); else counted by a GROUP BY of the filtered units.
    Named and ordered by a join of those few rows. Then each group's first serials,
    `SERIAL_CHUNK` groups a statement (a UNION ALL of one index seek with LIMIT per group)."""
    location_t, warehouse_t, product_t = (m._meta.db_table
                                          for m in (Location, Warehouse, Product))
    params: list[Any] = []
    where = []
    if fast:
        inner = UNIT_COUNTS
        count = "g.units"
        if warehouse:
            where.append("w.code = %s")
            params.append(warehouse)
        if product:
            where.append("p.sku = %s")
            params.append(product)
    else:
        counted = selected.order_by().values("location_id", "product_id", "status").annotate(
            n=Count("id"))
        inner, inner_params = counted.query.sql_with_params()
        params = list(inner_params)
        count = "g.n"
    sql = (f"SELECT w.code, l.code, p.sku, p.name, g.status, {count}, g.location_id, "
           f"g.product_id FROM ({inner}) g JOIN {location_t} l ON l.id = g.location_id "
           f"JOIN {warehouse_t} w ON w.id = l.warehouse_id "
           f"JOIN {product_t} p ON p.id = g.product_id "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY w.code, l.code, p.sku, g.status")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups = [{"warehouse": wh, "bin": bin_code, "product": sku, "product_name": name,
               "status": status, "count": n, "_key": (loc, prod, status)}
              for wh, bin_code, sku, name, status, n, loc, prod in rows]
    if serials:
        for g in groups:
            g["serials"] = []
        by_key = {g["_key"]: g for g in groups}
        for start in range(0, len(groups) if first > 0 else 0, SERIAL_CHUNK):
            parts, part_params = [], []
            for k, g in enumerate(groups[start:start + SERIAL_CHUNK]):
                loc, prod, status = g["_key"]
                one = (selected.filter(location_id=loc, product_id=prod, status=status)
                       .order_by("serial").values_list("location_id", "product_id", "status",
                                                       "serial")[:first])
                part_sql, one_params = one.query.sql_with_params()
                parts.append(f"SELECT * FROM ({part_sql}) s{k}")
                part_params.extend(one_params)
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), part_params)
                for loc, prod, status, serial in cursor.fetchall():
                    by_key[(loc, prod, status)]["serials"].append(serial)
    for g in groups:
        del g["_key"]
    return groups


def out_of_storage(product: str | None = None, holder: str | None = None, *,
                   status: str | None = None, lot: str | None = None,
                   customer: str | None = None) -> list[dict[str, Any]]:
    """Units that have left our storage (shipped, scrapped, returned to supplier, installed),
    with who holds them and the document that took them out. `holder`: held by that party now;
    `customer`: shipped to that customer at some time (wherever they are now)."""
    selected = units(UnitFilters(product=product, holder=holder, status=status, lot=lot,
                                 customer=customer), in_storage=False)
    rows = selected.order_by("product__sku", "serial").values_list(
        "product__sku", "serial", "status", "holder__name", "last_document__number",
        "last_document__posted_at", "warranty_end")
    return [
        {"product": sku, "serial": serial, "status": status, "holder": holder_name,
         "document": number, "date": str(posted)[:10] if posted else None,
         "warranty_end": str(wend) if wend else None}
        for sku, serial, status, holder_name, number, posted, wend in rows.iterator(chunk_size=5000)
    ]


def quantities_on_hand(warehouse: str | None = None, product: str | None = None, *,
                       lot: str | None = None) -> list[dict[str, Any]]:
    rows = (StockQuantity.objects.filter(quantity__gt=0)
            .select_related("product", "lot", "location__warehouse")
            .order_by("location__warehouse__code", "location__code", "product__sku",
                      F("lot__expiry").asc(nulls_last=True), "lot__code", "status"))
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
         "status": r.status, "quantity": r.quantity}
        for r in rows
    ]


def quantity_pick(product: str, warehouse: str, quantity: int | None = None, *,
                  lot: str | None = None) -> list[dict[str, Any]]:
    """What shipping `quantity` of a lot or plain product from `warehouse` (`WH` or `WH/BIN`)
    takes, in the engine's order (`posting.ledger.take_stock`; held quantities are never picked,
    expired stock is left out): the named lot, else earliest expiry first, then the oldest lot,
    then the oldest stock row. Each row on hand with `take`, the part of `quantity` it gives (0
    past the quantity; every row when none is given)."""
    code, _slash, bin_code = warehouse.partition("/")
    rows = (StockQuantity.objects.filter(product__sku=product, quantity__gt=0, status="in_stock",
                                         location__warehouse__code=code)
            .select_related("lot", "location").first_expiry_first()
            .unexpired_on(timezone.localdate()))  # expired stock is never picked
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
