"""The ledger writer: the only code that inserts movement rows and changes the state of units
and on-hand quantities, so that "the unit row holds the current state, and every change of it has
its movement" holds in one place (DESIGN: history is append-only; reads never replay the
ledger). Set-based statements over the posting's staged units (`st_units`, `st_serials`); the
posting entries decide what moves, this module writes it.

Units: `insert_units` (a receipt's new units), `move_units` (every other move), `reverse_units`
(a reversal), `rename_unit` (a serial correction), and the manufacturer serials a receipt pairs.
Quantities of lot and plain products: `add_stock`, `take_stock`, `reverse_quantity`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import F

from serialtrack.errors import Problem
from serialtrack.inventory.models import (
    Document,
    DocumentLine,
    Location,
    Lot,
    Movement,
    Party,
    Product,
    SerialAlias,
    StockQuantity,
    Unit,
    Warehouse,
)
from serialtrack.posting.engine import KEEP, MOVEMENT, MOVEMENT_COLUMNS, UNIT, Posting

SHIPPING_KINDS = "('shipment', 'repair')"


# -- units ----------------------------------------------------------------------------------------

def insert_units(
    p: Posting,
    product: Product,
    line_id: int,
    lot_id: int | None,
    location_id: int,
    supplier_id: int | None,
    cost: Decimal | None,
    *,
    skip_existing: bool,
) -> None:
    """New units for the staged serials (`st_serials`), in stock at `location_id`, each with its
    receipt's ledger row; `skip_existing`: not the serials the product has (revived instead by
    `move_units`)."""
    assert p.document is not None
    order = 's.serial COLLATE "C"' if p.pg else "s.serial"  # one order for all: no deadlocks
    where = (f"WHERE NOT EXISTS (SELECT 1 FROM {UNIT} x WHERE x.product_id = %s "
             "AND x.serial = s.serial) ") if skip_existing else ""
    now, money = p.ts(), p.money(cost)
    p.cursor.execute(
        f"INSERT INTO {UNIT} (product_id, serial, manufacturer_serial, lot_id, status, "
        "location_id, holder_id, cost, received_at, attributes, last_document_id, moved_at) "
        f"SELECT %s, s.serial, s.mfr, %s, 'in_stock', %s, NULL, %s, %s, '{{}}', %s, %s "
        "FROM st_serials s "
        f"{where}ORDER BY {order}",
        [product.pk, lot_id, location_id, money, now, p.document.pk, now]
        + ([product.pk] if skip_existing else []),
    )
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        "SELECT %s, %s, u.id, u.product_id, u.lot_id, 1, NULL, u.location_id, NULL, 'in_stock', "
        "%s, NULL, u.cost, %s, %s, '' "
        f"FROM st_serials s JOIN {UNIT} u ON u.product_id = %s AND u.serial = s.serial "
        "WHERE u.last_document_id = %s ORDER BY s.pos",
        [p.document.pk, line_id, supplier_id, now, p.user.pk, product.pk, p.document.pk],
    )


def move_units(
    p: Posting,
    line: DocumentLine,
    *,
    to_status: Any = KEEP,
    to_location_id: Any = KEEP,
    to_party_id: Any = KEEP,
    note: str = "",
    start_warranty_days: int | None = None,
    extra_set: dict[str, Any] | None = None,
) -> int:
    """Move every staged unit: one ledger row each (from = the unit's current state), then the
    unit rows themselves, in two set-based statements."""
    assert p.document is not None
    params_sel: list[Any] = []

    def expr(value: Any, column: str, params: list[Any]) -> str:
        if value is KEEP:
            return f"u.{column}"
        params.append(value)
        return "%s"

    loc_e = expr(to_location_id, "location_id", params_sel)  # in the order of the SQL
    status_e = expr(to_status, "status", params_sel)
    party_e = expr(to_party_id, "holder_id", params_sel)
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        f"SELECT %s, %s, u.id, u.product_id, u.lot_id, 1, u.location_id, {loc_e}, u.status, "
        f"{status_e}, u.holder_id, {party_e}, u.cost, %s, %s, %s "
        f"FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id ORDER BY s.pos",
        [p.document.pk, line.pk, *params_sel, p.ts(), p.user.pk, note],
    )
    moved = p.cursor.rowcount
    sets: list[str] = []
    params_upd: list[Any] = []
    for column, value in (("status", to_status), ("location_id", to_location_id),
                          ("holder_id", to_party_id)):
        if value is not KEEP:
            sets.append(f"{column} = %s")
            params_upd.append(value)
    for column, value in (extra_set or {}).items():
        sets.append(f"{column} = %s")
        params_upd.append(value)
    if start_warranty_days is not None:
        # Warranty starts the first time a unit ships to a customer and is never restarted
        # by a later shipment of the same unit.
        end = p.today + dt.timedelta(days=start_warranty_days)
        sets.append("warranty_end = CASE WHEN warranty_start IS NULL THEN %s "
                    "ELSE warranty_end END")
        sets.append("warranty_start = COALESCE(warranty_start, %s)")
        params_upd += [p.date(end), p.date(p.today)]
    sets += ["last_document_id = %s", "moved_at = %s"]
    params_upd += [p.document.pk, p.ts()]
    p.cursor.execute(
        f"UPDATE {UNIT} SET {', '.join(sets)} "
        "WHERE id IN (SELECT unit_id FROM st_units)",
        params_upd,
    )
    return moved


def pair_manufacturer_serials(p: Posting, pairs: list[tuple[str, int]]) -> None:
    """Give revived units (`(manufacturer serial, unit id)`) the makers' serials they came
    back with."""
    p.cursor.executemany(f"UPDATE {UNIT} SET manufacturer_serial = %s WHERE id = %s", pairs)


def release_voided_makers(p: Posting, product: Product) -> None:
    """Units whose receipt was reversed give up the staged manufacturer serials."""
    p.cursor.execute(
        f"UPDATE {UNIT} SET manufacturer_serial = NULL WHERE product_id = %s AND status = "
        "'voided' AND manufacturer_serial IN (SELECT mfr FROM st_serials WHERE mfr IS NOT NULL)",
        [product.pk])


def reverse_units(p: Posting, line: DocumentLine, original: Document, old_line: DocumentLine
                  ) -> None:
    """The reversing ledger rows of the units `old_line` of `original` moved (each from where
    it went to where it came from; a unit it brought in goes to `voided`)."""
    assert p.document is not None
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        "SELECT %s, %s, m.unit_id, m.product_id, m.lot_id, m.quantity, m.to_location_id, "
        "m.from_location_id, m.to_status, COALESCE(m.from_status, 'voided'), "
        "m.to_party_id, m.from_party_id, m.cost, %s, %s, %s "
        f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.line_id = %s "
        "AND m.unit_id IS NOT NULL ORDER BY m.id",
        [p.document.pk, line.pk, p.ts(), p.user.pk, f"reverses {original.number}", original.pk,
         old_line.pk],
    )


def restore_units(p: Posting, original: Document) -> None:
    """Put every unit `original` moved back in the state it found it; a warranty that
    `original` started is withdrawn with it, unless another shipment started it too."""
    assert p.document is not None
    p.cursor.execute(
        f"UPDATE {UNIT} SET warranty_start = NULL, warranty_end = NULL "
        f"WHERE id IN (SELECT m.unit_id FROM {MOVEMENT} m WHERE m.document_id = %s "
        "AND m.to_status = 'shipped' AND m.unit_id IS NOT NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM {MOVEMENT} m2 JOIN inventory_document d "
        f"ON d.id = m2.document_id WHERE m2.unit_id = {UNIT}.id AND m2.to_status = 'shipped' "
        f"AND d.kind IN {SHIPPING_KINDS} AND m2.document_id <> %s)",
        [original.pk, original.pk],
    )
    p.cursor.execute(
        f"UPDATE {UNIT} SET status = COALESCE(m.from_status, 'voided'), "
        "location_id = m.from_location_id, holder_id = m.from_party_id, "
        "last_document_id = %s, moved_at = %s "
        f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.unit_id = {UNIT}.id",
        [p.document.pk, p.ts(), original.pk],
    )


def rename_unit(p: Posting, line: DocumentLine, unit: Unit, new_serial: str, note: str) -> None:
    """Rename a (locked) unit: a ledger row that moves it nowhere, the old serial kept as its
    alias (still findable), the new one on the unit."""
    assert p.document is not None
    Movement.objects.create(
        document=p.document, line=line, unit=unit, product=unit.product, lot=unit.lot,
        quantity=1, from_location=unit.location, to_location=unit.location,
        from_status=unit.status, to_status=unit.status, from_party=unit.holder,
        to_party=unit.holder, cost=unit.cost, created_at=p.now, user=p.user, note=note,
    )
    SerialAlias.objects.create(unit=unit, product=unit.product, serial=unit.serial,
                               document=p.document)
    Unit.objects.filter(pk=unit.pk).update(serial=new_serial)


# -- quantities of lot and plain products ----------------------------------------------------------

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
    """Add to on-hand (in stock); `record=False` when the ledger row was already written by
    `take_stock` (a transfer is one movement from bin to bin)."""
    _put(product.pk, lot.pk if lot else None, location.pk, "in_stock", quantity)
    if not record:
        return
    Movement.objects.create(
        document=p.document, line=line, product=product, lot=lot, quantity=quantity,
        from_location=from_location, to_location=location, from_status=from_status,
        to_status="in_stock", from_party=from_party, created_at=p.now, user=p.user, note=note,
    )


def _put(product_id: int, lot_id: int | None, location_id: int, status: str, quantity: int
         ) -> None:
    """Add `quantity` to the on-hand row of product × lot × bin × status."""
    row, _ = StockQuantity.objects.select_for_update().get_or_create(
        product_id=product_id, lot_id=lot_id, location_id=location_id, status=status,
        defaults={"quantity": 0})
    StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") + quantity)


# The line a quantity move is written on: one line, or one per lot taken (`line_for(lot id,
# quantity of that lot)`, called once per lot, so a FEFO pick over two lots names both).
LineFor = Callable[[int | None, int], DocumentLine]


def take_stock(
    p: Posting,
    line: DocumentLine | LineFor,
    product: Product,
    quantity: int | None,
    problems: list[Problem],
    *,
    warehouse: Warehouse | None = None,
    location: Location | None = None,
    lot: Lot | None = None,
    lots: Sequence[int] | None = None,
    to_status: str | None,
    to_location: Location | None = None,
    to_party: Party | None = None,
    from_status: str = "in_stock",
    in_place: bool = False,
    note: str = "",
) -> list[tuple[StockQuantity, int]]:
    """Take `quantity` out of stock of `from_status` (only `in_stock` is ever picked: held
    quantities stay where they are): the named lot, else earliest expiry first, then first in,
    first out. `quantity=None`: every row that matches, whole. `in_place`: the quantity stays in
    its bin (a change of status; the caller puts it back with `put_stock`). Rows are locked in id
    order. Not enough on hand -> a problem, nothing taken."""
    rows = StockQuantity.objects.select_for_update().filter(product=product, quantity__gt=0,
                                                            status=from_status)
    if location is not None:
        rows = rows.filter(location=location)
    elif warehouse is not None:
        rows = rows.filter(location__warehouse=warehouse)
    if lot is not None:
        rows = rows.filter(lot=lot)
    if lots is not None:
        rows = rows.filter(lot_id__in=list(lots))
    if to_location is not None:
        rows = rows.exclude(location=to_location)  # into a bin of the same warehouse
    by_id = {row.pk: row for row in rows.order_by("id")}  # locked in id order: no deadlock
    locked = [by_id[pk] for pk in StockQuantity.objects.filter(pk__in=by_id)
              .first_expiry_first().values_list("pk", flat=True)]
    on_hand = sum(r.quantity for r in locked)
    if quantity is None:
        quantity = on_hand
    if on_hand < quantity:
        what = f"{product.sku} lot {lot.code}" if lot else product.sku
        place = location or warehouse
        held = "" if from_status == "in_stock" else " on hold"
        problems.append(Problem(
            "insufficient_stock",
            f"{what}: {quantity} requested, {on_hand}{held} on hand"
            + (f" in {place}" if place else ""),
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
    lines: dict[int | None, DocumentLine] = {}
    if not isinstance(line, DocumentLine):
        per_lot: dict[int | None, int] = {}
        for row, n in taken:
            per_lot[row.lot_id] = per_lot.get(row.lot_id, 0) + n
        lines = {lot_id: line(lot_id, n) for lot_id, n in per_lot.items()}
    for row, n in taken:
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - n)
        Movement.objects.create(
            document=p.document, line=line if isinstance(line, DocumentLine)
            else lines[row.lot_id], product=product, lot_id=row.lot_id, quantity=n,
            from_location_id=row.location_id,
            to_location_id=row.location_id if in_place else (to_location.pk if to_location
                                                             else None),
            from_status=from_status, to_status=to_status, to_party=to_party, created_at=p.now,
            user=p.user, note=note,
        )
    return taken


def put_stock(taken: list[tuple[StockQuantity, int]], status: str) -> None:
    """Put what `take_stock(in_place=True)` took back in the same bins, now of `status`
    (a hold or a release of quantities: its ledger rows are already written)."""
    for row, n in taken:
        _put(row.product_id, row.lot_id, row.location_id, status, n)


def reverse_quantity(p: Posting, line: DocumentLine, move: Movement, problems: list[Problem]
                     ) -> None:
    """Undo a quantity movement `move` (of the document being reversed): on-hand back where
    it was, and its reversing ledger row; a problem when the quantity has moved on since."""
    stocked = ("in_stock", "on_hold")
    if move.to_location_id:
        row = (StockQuantity.objects.select_for_update()
               .filter(product_id=move.product_id, lot_id=move.lot_id,
                       location_id=move.to_location_id,
                       status=move.to_status if move.to_status in stocked else "in_stock")
               .first())
        if row is None or row.quantity < move.quantity:
            lot = f" lot {move.lot.code}" if move.lot else ""
            problems.append(Problem(
                "not_reversible",
                f"{move.product.sku}{lot}: {move.quantity} needed back but "
                f"{row.quantity if row else 0} on hand: it has moved on since",
                field="quantity"))
            return
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - move.quantity)
    if move.from_location_id:
        _put(move.product_id, move.lot_id, move.from_location_id,
             move.from_status if move.from_status in stocked else "in_stock", move.quantity)
    Movement.objects.create(
        document=p.document, line=line, product_id=move.product_id, lot_id=move.lot_id,
        quantity=move.quantity, from_location_id=move.to_location_id,
        to_location_id=move.from_location_id, from_status=move.to_status,
        to_status=move.from_status or "voided", from_party_id=move.to_party_id,
        to_party_id=move.from_party_id, cost=move.cost, created_at=p.now, user=p.user,
        note=f"reverses {move.document.number}",
    )
