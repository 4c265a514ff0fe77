"""Moves inside our own storage: transfers between warehouses and bins, and adjustments —
hold (quarantine), release, write-off (scrap). Found stock is in `receipts.add_found`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import (
    InsufficientStock,
    InvalidInput,
    NotFound,
    Problem,
    refuse,
)
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DraftLine,
    Location,
    Lot,
    Product,
    Tracking,
)
from serialtrack.posting.engine import (
    KEEP,
    LockedUnit,
    Posting,
    RaceLost,
    check_units,
    posting,
    retrying,
    take_units,
    where,
)
from serialtrack.posting.ledger import add_stock, move_units, put_stock, take_stock
from serialtrack.posting.lines import existing_lot, quantity_line, serial_line
from serialtrack.posting.operations import (
    In,
    Operation,
    Station,
    register,
    scan_mismatch_override,
    serial_list,
    unit_arguments,
)
from serialtrack.posting.overrides import check_override
from serialtrack.posting.scans import LotInfo, label_contradictions


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
    line_for: Callable[[int, list[Problem]], dict[str, Any]] | None = None,
    after: Callable[[], None] | None = None,
    check: Callable[[Posting], tuple[list[Problem], str]] | None = None,
    accept_scan_mismatch: bool = False,
    own_warehouse: bool = False,
) -> Document:
    """The shape every serial adjustment shares: validate the list, lock the units, check each
    against `allowed` (and the locked set against `check`: its problems, and a note for the
    movements when it let something through), refuse with every problem or move them all in
    one go. A GS1 label scanned whose lot or expiry contradicts the unit's record is refused
    naming each field, unless a manager `accept_scan_mismatch`es it (the note says so).
    `line_for(count, problems)`, inside the transaction, gives more fields of the line (a
    shipment's order line) or adds problems; `after()` runs once the document is posted, before
    commit. `own_warehouse`: the document names the warehouse the units are in, when they are
    all in one."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    labels: dict[str, LotInfo] = {}
    clean, problems = serial_line(item, serials, quantity, lots=labels)
    with posting(kind, user) as p:
        units = take_units(p, item, clean, problems)
        check_units(p, units, allowed, problems)
        notes = []
        for found, let_through in (
                label_contradictions(p, labels, None, accept_scan_mismatch, reason),
                check(p) if check is not None else ([], "")):
            problems += found
            notes.append(let_through)
        note = "; ".join(n for n in notes if n) or note
        more = line_for(len(clean), problems) if line_for is not None else {}
        refuse(problems)
        fields = dict(doc_fields or {})
        warehouses = {u.warehouse_id for u in units}
        if own_warehouse and len(warehouses) == 1 and None not in warehouses:
            fields["warehouse_id"] = warehouses.pop()
        p.open_document(reason=reason, **fields)
        line = p.add_line(item, len(clean), **(line_fields or {}), **more)
        loc_id = to_location if to_location is KEEP else (to_location.pk if to_location else None)
        move_units(p, line, to_status=to_status, to_location_id=loc_id, to_party_id=to_party_id,
                     note=note or reason, start_warranty_days=start_warranty_days)
        doc = p.finish()
        if after is not None:
            after()
        return doc


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
    accept_scan_mismatch: bool = False,
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
        accept_scan_mismatch=accept_scan_mismatch, doc_fields={"warehouse": dst.warehouse},
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
def hold(*, user: Any, product: str | None = None, serials: Iterable[str] = (),
         lot: str | None = None, quantity: int | None = None, warehouse: str | None = None,
         reason: str = "") -> Document:
    """Quarantine what is in stock: listed units, a whole lot (every unit of it in stock and
    every on-hand quantity of it), or N of a product (optionally of a lot) in a warehouse or
    bin. It stays where it is but cannot ship or move out until released."""
    return _change_hold(user=user, product=product, serials=serials, lot=lot, quantity=quantity,
                        warehouse=warehouse, reason=reason, word="hold",
                        from_status="in_stock", to_status="on_hold")


@retrying
def release(*, user: Any, product: str | None = None, serials: Iterable[str] = (),
            lot: str | None = None, quantity: int | None = None, warehouse: str | None = None,
            reason: str = "") -> Document:
    """Release held units, a held lot or a held quantity back into stock, where it is."""
    return _change_hold(user=user, product=product, serials=serials, lot=lot, quantity=quantity,
                        warehouse=warehouse, reason=reason, word="release",
                        from_status="on_hold", to_status="in_stock")


def _change_hold(*, user: Any, product: str | None, serials: Iterable[str], lot: str | None,
                 quantity: int | None, warehouse: str | None, reason: str, word: str,
                 from_status: str, to_status: str) -> Document:
    serials = list(serials)
    note = f"{word}: {reason}" if reason else word
    if serials:
        if not product:
            raise InvalidInput([Problem("invalid", f"name the product of the units to {word}",
                                        field="product")])
        item = catalog.get_product(product)
        if item.tracking != Tracking.SERIAL:
            raise InvalidInput([Problem(
                "invalid", f"{item.sku} is not serial-tracked: {word} a lot (--lot "
                f"{serials[0]}) or a quantity (--qty N --warehouse CODE[/BIN])",
                field="serials")])
        return move_serials(
            kind=DocumentKind.ADJUSTMENT, item=item, serials=serials, user=user, reason=reason,
            quantity=quantity,
            allowed=lambda u: None if u.status == from_status else where(u),
            to_status=to_status, note=note,
        )
    if quantity is not None:
        return _change_quantity(user=user, product=product, lot=lot, quantity=quantity,
                                warehouse=warehouse, reason=reason, word=word, note=note,
                                from_status=from_status, to_status=to_status)
    if lot:
        return _change_lot(user=user, product=product, lot=lot, warehouse=warehouse,
                           reason=reason, word=word, note=note, from_status=from_status,
                           to_status=to_status)
    raise InvalidInput([Problem("invalid", f"give the serials, a lot, or a quantity to {word}",
                                field="serials")])


def _change_quantity(*, user: Any, product: str | None, lot: str | None, quantity: int,
                     warehouse: str | None, reason: str, word: str, note: str,
                     from_status: str, to_status: str) -> Document:
    if not product:
        raise InvalidInput([Problem("invalid", f"name the product of the quantity to {word}",
                                    field="product")])
    if not warehouse:
        raise InvalidInput([Problem("invalid", f"give the warehouse or bin to {word} in",
                                    field="warehouse")])
    item = catalog.get_product(product)
    if item.tracking == Tracking.SERIAL:
        raise InvalidInput([Problem("invalid", f"{item.sku} is serial-tracked: name the serials "
                                    f"to {word}", field="quantity")])
    location = catalog.get_location(warehouse)
    bin_given = "/" in warehouse
    lot_row = existing_lot(item, lot)
    problems: list[Problem] = []
    with posting(DocumentKind.ADJUSTMENT, user) as p:
        p.open_document(warehouse=location.warehouse, reason=reason)
        line = p.add_line(item, quantity, lot=lot_row, note=word)
        taken = take_stock(p, line, item, quantity, problems, lot=lot_row,
                           location=location if bin_given else None,
                           warehouse=None if bin_given else location.warehouse,
                           from_status=from_status, to_status=to_status, in_place=True,
                           note=note)
        refuse(problems)
        put_stock(taken, to_status)
        return p.finish()


def _change_lot(*, user: Any, product: str | None, lot: str, warehouse: str | None,
                reason: str, word: str, note: str, from_status: str, to_status: str
                ) -> Document:
    lots = Lot.objects.filter(code=lot.strip()).select_related("product").order_by("id")
    if product:
        lots = lots.filter(product=catalog.get_product(product))
    lot_rows = list(lots)
    if not lot_rows:
        of = f" of {product}" if product else ""
        raise NotFound([Problem("not_found", f"no lot {lot!r}{of}", field="lot")])
    location = catalog.get_location(warehouse) if warehouse else None
    with posting(DocumentKind.ADJUSTMENT, user) as p:
        p.open_document(warehouse=location.warehouse if location else None, reason=reason)
        moved = change_lots_in_place(p, lot_rows, from_status=from_status, to_status=to_status,
                                     note=note, location=location,
                                     bin_given=bool(warehouse and "/" in warehouse))
        if not moved:
            where_text = f" in {warehouse}" if warehouse else ""
            state = "in stock" if from_status == "in_stock" else "on hold"
            raise InsufficientStock([Problem(
                "insufficient_stock", f"nothing of lot {lot}{where_text} is {state} to {word}",
                field="lot")])
        return p.finish()


def change_lots_in_place(p: Posting, lots: Sequence[Lot], *, from_status: str, to_status: str,
                         note: str, location: Location | None = None, bin_given: bool = False
                         ) -> int:
    """Hold or release (`from_status` -> `to_status`) every unit and every on-hand quantity of
    `lots` where it is, set-based, one line per lot; returns how many units and quantities
    moved."""
    moved = 0
    for lot_row in lots:
        item = lot_row.product
        if item.tracking == Tracking.SERIAL:
            where_sql = "u.lot_id = %s AND u.status = %s"
            params: list[Any] = [lot_row.pk, from_status]
            if location is not None:
                if bin_given:
                    where_sql += " AND u.location_id = %s"
                    params.append(location.pk)
                else:
                    where_sql += (" AND u.location_id IN (SELECT id FROM inventory_location "
                                  "WHERE warehouse_id = %s)")
                    params.append(location.warehouse_id)
            count = p.stage_units_where(where_sql, params)
            if not count:
                continue
            if p.lock_staged(from_status):
                raise RaceLost(f"lot {lot_row.code}: a unit moved meanwhile")
            line = p.add_line(item, count, lot=lot_row, note=note.split(":")[0])
            moved += move_units(p, line, to_status=to_status, note=note)
            continue
        problems: list[Problem] = []

        def line_for(lot_id: int | None, n: int, item: Product = item, lot_row: Lot = lot_row
                     ) -> DocumentLine:
            return p.add_line(item, n, lot=lot_row, note=note.split(":")[0])

        taken = take_stock(p, line_for, item, None, problems, lot=lot_row,
                           location=location if bin_given else None,
                           warehouse=location.warehouse if location and not bin_given
                           else None, from_status=from_status, to_status=to_status,
                           in_place=True, note=note)
        put_stock(taken, to_status)
        moved += sum(n for _row, n in taken)
    return moved


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
    accept_scan_mismatch: bool = scan_mismatch_override()


class HoldIn(In):
    product: str | None = Field(default=None, description="Product SKU (the lot's, when a lot "
                                "code is on several products: all of them when not named).")
    serials: list[str] = serial_list()
    lot: str | None = Field(default=None, description="A whole lot (without --qty), or the "
                            "lot of the quantity.")
    quantity: int | None = Field(default=None, ge=1, le=10**15, description="How many of a "
                                 "lot or plain product (with --warehouse).")
    warehouse: str | None = Field(default=None, description="CODE or CODE/BIN: where the "
                                  "quantity (or the part of the lot) is.")
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
    help="Put units, a lot or a quantity on hold (quarantine): they cannot ship.", body=HoldIn,
    api_path="/holds", cli=("hold",),
    station=Station(url="/hold/", post_label="Post hold", needs=("product",),
                    arguments=unit_arguments,
                    lead="Quarantine units in stock: they stay where they are but cannot ship "
                         "until released."),
))
RELEASE = register(Operation(
    name="release", kind=DocumentKind.ADJUSTMENT, entry=release, role="clerk",
    title="Release from hold", help="Release held units, a lot or a quantity back into stock.",
    body=HoldIn,
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
