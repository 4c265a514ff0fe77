"""Stock of lot- and quantity-tracked products: on-hand rows per product × lot × bin."""

from __future__ import annotations

from django.db.models import F

from serialtrack.errors import Problem
from serialtrack.inventory.models import (
    DocumentLine,
    Location,
    Lot,
    Movement,
    Party,
    Product,
    StockQuantity,
    Warehouse,
)
from serialtrack.posting.engine import Posting


def add_stock(
    p: Posting,
    line: DocumentLine,
    product: Product,
    lot: Lot | None,
    location: Location,
    quantity: int,
    *,
    from_location: Location | None = None,
    from_status: str | None = None,
    from_party: Party | None = None,
    note: str = "",
    record: bool = True,
) -> None:
    """Add to on-hand; `record=False` when the ledger row was already written by `take_stock`
    (a transfer is one movement from bin to bin)."""
    row, _ = StockQuantity.objects.select_for_update().get_or_create(
        product=product, lot=lot, location=location, defaults={"quantity": 0}
    )
    StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") + quantity)
    if not record:
        return
    Movement.objects.create(
        document=p.document, line=line, product=product, lot=lot, quantity=quantity,
        from_location=from_location, to_location=location, from_status=from_status,
        to_status="in_stock", from_party=from_party, created_at=p.now, user=p.user, note=note,
    )


def take_stock(
    p: Posting,
    line: DocumentLine,
    product: Product,
    quantity: int,
    problems: list[Problem],
    *,
    warehouse: Warehouse | None = None,
    location: Location | None = None,
    lot: Lot | None = None,
    to_status: str | None,
    to_location: Location | None = None,
    to_party: Party | None = None,
    note: str = "",
) -> list[tuple[StockQuantity, int]]:
    """Take `quantity` out of stock: the named lot, else earliest expiry first, then first in,
    first out. Rows are locked in id order. Not enough on hand -> a problem, nothing taken."""
    rows = StockQuantity.objects.select_for_update().filter(product=product, quantity__gt=0)
    if location is not None:
        rows = rows.filter(location=location)
    elif warehouse is not None:
        rows = rows.filter(location__warehouse=warehouse)
    if lot is not None:
        rows = rows.filter(lot=lot)
    if to_location is not None:
        rows = rows.exclude(location=to_location)  # into a bin of the same warehouse
    by_id = {row.pk: row for row in rows.order_by("id")}  # locked in id order: no deadlock
    locked = [by_id[pk] for pk in StockQuantity.objects.filter(pk__in=by_id)
              .first_expiry_first().values_list("pk", flat=True)]
    on_hand = sum(r.quantity for r in locked)
    if on_hand < quantity:
        what = f"{product.sku} lot {lot.code}" if lot else product.sku
        place = location or warehouse
        problems.append(Problem(
            "insufficient_stock",
            f"{what}: {quantity} requested, {on_hand} on hand" + (f" in {place}" if place else ""),
            field="quantity", extra={"product": product.sku, "requested": quantity,
                                     "on_hand": on_hand},
        ))
        return []
    taken: list[tuple[StockQuantity, int]] = []
    remaining = quantity
    for row in locked:
        if remaining == 0:
            break
        n = min(row.quantity, remaining)
        remaining -= n
        taken.append((row, n))
    for row, n in taken:
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - n)
        Movement.objects.create(
            document=p.document, line=line, product=product, lot_id=row.lot_id, quantity=n,
            from_location_id=row.location_id, to_location=to_location, from_status="in_stock",
            to_status=to_status, to_party=to_party, created_at=p.now, user=p.user, note=note,
        )
    return taken
