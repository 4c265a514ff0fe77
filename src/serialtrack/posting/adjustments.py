"""Moves inside our own storage: transfers between warehouses and bins, and adjustments —
hold (quarantine), release, write-off (scrap). Found stock is in `receipts.add_found`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import (
    InvalidInput,
    Problem,
    refuse,
)
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DraftLine,
    Location,
    Product,
    Tracking,
)
from serialtrack.posting.engine import (
    KEEP,
    LockedUnit,
    check_units,
    posting,
    retrying,
    take_units,
    where,
)
from serialtrack.posting.ledger import add_stock, move_units, take_stock
from serialtrack.posting.lines import existing_lot, quantity_line, serial_line
from serialtrack.posting.operations import (
    In,
    Operation,
    SerialsIn,
    Station,
    register,
    serial_list,
    unit_arguments,
)


def move_serials(
    *,
    kind: str,
    item: Product,
    serials: Iterable[str],
    user: Any,
    allowed: Callable[[LockedUnit], str | None],
    to_status: Any = KEEP,
    to_location: Location | Any | None = KEEP,
    to_party_id: Any = KEEP,
    quantity: int | None = None,
    reason: str = "",
    note: str = "",
    doc_fields: dict[str, Any] | None = None,
    line_fields: dict[str, Any] | None = None,
    start_warranty_days: int | None = None,
    own_warehouse: bool = False,
) -> Document:
    """The shape every serial adjustment shares: validate the list, lock the units, check each
    against `allowed`, refuse with every problem or move them all in one go. `own_warehouse`:
    the document names the warehouse the units are in, when they are all in one."""
    clean, problems = serial_line(item, serials, quantity)
    with posting(kind, user) as p:
        units = take_units(p, item, clean, problems)
        check_units(p, units, allowed, problems)
        refuse(problems)
        fields = dict(doc_fields or {})
        warehouses = {u.warehouse_id for u in units}
        if own_warehouse and len(warehouses) == 1 and None not in warehouses:
            fields["warehouse_id"] = warehouses.pop()
        p.open_document(reason=reason, **fields)
        line = p.add_line(item, len(clean), **(line_fields or {}))
        loc_id = to_location if to_location is KEEP else (to_location.pk if to_location else None)
        move_units(p, line, to_status=to_status, to_location_id=loc_id, to_party_id=to_party_id,
                     note=note or reason, start_warranty_days=start_warranty_days)
        return p.finish()


@retrying
def transfer(
    *,
    source: str,
    destination: str,
    product: str,
    user: Any,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    lot: str | None = None,
    reason: str = "",
) -> Document:
    """Move stock between warehouses or bins. Units keep their status (a held unit stays held)."""
    item = catalog.get_product(product)
    src = catalog.get_location(source, field="from")
    dst = catalog.get_location(destination, field="to")
    src_bin = "/" in source
    if item.tracking != Tracking.SERIAL:
        return _transfer_quantity(item, src, dst, src_bin, quantity, lot, user, reason)

    def allowed(unit: LockedUnit) -> str | None:
        if unit.status not in ("in_stock", "on_hold"):
            return where(unit)
        if (src_bin and unit.location_id != src.pk) or unit.warehouse_id != src.warehouse_id:
            return f"{where(unit)}, not in {source}"
        if unit.location_id == dst.pk:
            return f"is already in {dst.warehouse.code}/{dst.code}"
        return None

    return move_serials(
        kind=DocumentKind.TRANSFER, item=item, serials=serials, user=user, allowed=allowed,
        to_location=dst, quantity=quantity, reason=reason,
        doc_fields={"warehouse": dst.warehouse},
        line_fields={"from_location": src if src_bin else None, "to_location": dst},
    )


def _transfer_quantity(item: Product, src: Location, dst: Location, src_bin: bool,
                       quantity: int | None, lot: str | None, user: Any, reason: str) -> Document:
    problems = quantity_line(item, (), quantity)
    refuse(problems)
    lot_row = existing_lot(item, lot)
    with posting(DocumentKind.TRANSFER, user) as p:
        p.open_document(warehouse=dst.warehouse, reason=reason)
        line = p.add_line(item, quantity, lot=lot_row, from_location=src if src_bin else None,
                          to_location=dst)
        taken = take_stock(p, line, item, quantity, problems, lot=lot_row,
                           location=src if src_bin else None,
                           warehouse=None if src_bin else src.warehouse,
                           to_status="in_stock", to_location=dst, note="transfer")
        refuse(problems)
        for row, n in taken:
            add_stock(p, line, item, row.lot, dst, n, record=False)
        return p.finish()


@retrying
def hold(*, product: str, serials: Iterable[str], user: Any, reason: str = "") -> Document:
    """Quarantine units in stock: they stay where they are but cannot ship."""
    item = catalog.get_product(product)
    return move_serials(
        kind=DocumentKind.ADJUSTMENT, item=item, serials=serials, user=user, reason=reason,
        allowed=lambda u: None if u.status == "in_stock" else where(u),
        to_status="on_hold", note=f"hold: {reason}" if reason else "hold",
    )


@retrying
def release(*, product: str, serials: Iterable[str], user: Any, reason: str = "") -> Document:
    item = catalog.get_product(product)
    return move_serials(
        kind=DocumentKind.ADJUSTMENT, item=item, serials=serials, user=user, reason=reason,
        allowed=lambda u: None if u.status == "on_hold" else where(u),
        to_status="in_stock", note=f"release: {reason}" if reason else "release",
    )


@retrying
def scrap(
    *,
    product: str,
    user: Any,
    reason: str,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    warehouse: str | None = None,
    lot: str | None = None,
) -> Document:
    """Write-off: units (in stock, on hold or in repair) leave our storage for good."""
    if not reason or not reason.strip():
        raise InvalidInput([Problem("invalid", "a write-off needs a reason", field="reason")])
    item = catalog.get_product(product)
    if item.tracking != Tracking.SERIAL:
        if not warehouse:
            raise InvalidInput([Problem("invalid", "give the warehouse to write off from",
                                        field="warehouse")])
        problems = quantity_line(item, serials, quantity)
        refuse(problems)
        location = catalog.get_location(warehouse)
        lot_row = existing_lot(item, lot)
        with posting(DocumentKind.ADJUSTMENT, user) as p:
            p.open_document(warehouse=location.warehouse, reason=reason)
            line = p.add_line(item, quantity, lot=lot_row, note="write-off")
            bin_given = "/" in warehouse
            take_stock(p, line, item, quantity, problems, lot=lot_row,
                       location=location if bin_given else None,
                       warehouse=None if bin_given else location.warehouse,
                       to_status="scrapped", note=f"write-off: {reason}")
            refuse(problems)
            return p.finish()
    return move_serials(
        kind=DocumentKind.ADJUSTMENT, item=item, serials=serials, user=user, reason=reason,
        quantity=quantity,
        allowed=lambda u: None if u.status in ("in_stock", "on_hold", "in_repair") else where(u),
        to_status="scrapped", to_location=None, note=f"write-off: {reason}",
    )


class TransferIn(In):
    source: str = Field(alias="from", description="CODE or CODE/BIN.")
    destination: str = Field(alias="to", description="CODE or CODE/BIN.")
    product: str
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    reason: str = Field(default="", max_length=500)


class ScrapIn(In):
    product: str
    reason: str = Field(min_length=1, max_length=500, description="Why it is written off.")
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    warehouse: str | None = Field(default=None, description="For lot/quantity products.")
    lot: str | None = None


def _transfer_arguments(doc: Document, line: DraftLine, serials: Sequence[str],
                        dispositions: dict[str, str] | None) -> dict[str, Any]:
    return {"source": line.location_ref, "destination": line.destination_ref,
            "product": line.product.sku, "serials": serials, "reason": doc.reason}


TRANSFER = register(Operation(
    name="transfer", kind=DocumentKind.TRANSFER, entry=transfer, role="clerk", title="Transfer",
    help="Move stock between warehouses or bins.", body=TransferIn, api_path="/transfers",
    cli=("transfer",),
    station=Station(url="/transfer/", post_label="Post transfer",
                    needs=("product", "source", "destination"), arguments=_transfer_arguments,
                    lead="What moves, from where, to where — then scan each unit as you move "
                         "it."),
))
HOLD = register(Operation(
    name="hold", kind=DocumentKind.ADJUSTMENT, entry=hold, role="clerk", title="Hold",
    help="Put units on hold (quarantine): they cannot ship.", body=SerialsIn,
    api_path="/holds", cli=("hold",),
    station=Station(url="/hold/", post_label="Post hold", needs=("product",),
                    arguments=unit_arguments,
                    lead="Quarantine units in stock: they stay where they are but cannot ship "
                         "until released."),
))
RELEASE = register(Operation(
    name="release", kind=DocumentKind.ADJUSTMENT, entry=release, role="clerk",
    title="Release from hold", help="Release held units back into stock.", body=SerialsIn,
    api_path="/releases", cli=("release",),
    station=Station(url="/release/", post_label="Post release", needs=("product",),
                    arguments=unit_arguments,
                    lead="Units on hold go back to stock, where they are."),
))
WRITE_OFF = register(Operation(
    name="write_off", kind=DocumentKind.ADJUSTMENT, entry=scrap, role="manager",
    title="Write-off", help="Write off (scrap) units or a quantity, with a reason.",
    body=ScrapIn, api_path="/adjustments/write-off", cli=("scrap",),
    station=Station(url="/write-off/", post_label="Post write-off",
                    needs=("product", "reason"), arguments=unit_arguments,
                    lead="Units leave stock for good (scrapped): say why — then scan them."),
))
