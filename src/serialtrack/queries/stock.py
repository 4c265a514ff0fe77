"""Stock on hand by warehouse, bin and product (with the serial lists), units out of storage and
where they went, lot and plain quantities on hand."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F
from django.utils import timezone

from serialtrack.inventory.models import StockQuantity
from serialtrack.queries.filters import UnitFilters, units


def stock_on_hand(warehouse: str | None = None, product: str | None = None, *,
                  lot: str | None = None, customer: str | None = None,
                  serials: bool = True) -> list[dict[str, Any]]:
    """Serialized units in storage grouped by warehouse, bin, product and status; each group with
    its count and its serials (in serial order). `lot`: only units of that lot; `customer`: only
    units that were shipped to that customer at some time (and are back). `serials=False`: the
    groups and counts only (counted in the database; no `serials` key)."""
    selected = units(UnitFilters(warehouse=warehouse, product=product, lot=lot,
                                 customer=customer), in_storage=True)
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
