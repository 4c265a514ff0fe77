"""The ledger writer: the only code that inserts movement rows and changes the state of units
and on-hand quantities, so that "the unit row holds the current state, and every change of it has
its movement" holds in one place (DESIGN: history is append-only; reads never replay the
ledger). Set-based statements over the posting's staged units (`st_units`, `st_serials`); the
posting entries decide what moves, this module writes it.

Units: `insert_units` (a receipt's new units), `move_units` (every other move), `reverse_units`
(a reversal), `rename_unit` (a serial correction), and the manufacturer serials a receipt pairs;
`install_units`, `remove_units` and `revalue_unit` (parts into and out of an assembly, whose
cost is its parts' costs). Every change of a unit's (bin, product, status) in storage also
changes the stock report's counts (`UnitCount`): `insert_units`, `move_units` and
`restore_units` hand their changes to `_tally`, applied once per posting before commit.
Quantities of lot and plain products: `add_stock`, `take_stock`, `reverse_quantity`."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import F

from serialtrack.errors import Problem
from serialtrack.inventory.models import (
    CostLayer,
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
    UnitCount,
    ValuationEntry,
    Warehouse,
)
from serialtrack.posting.engine import (
    KEEP,
    MOVEMENT,
    MOVEMENT_COLUMNS,
    UNIT,
    Posting,
    bulk_load,
)

SHIPPING_KINDS = "('shipment', 'repair')"
UNIT_COUNT = UnitCount._meta.db_table


# -- valuation entries: the ledger summed per posting ----------------------------------------------

def _sum_money(p: Posting, expr: str) -> str:
    """Exact sums: numeric on PostgreSQL; whole ten-thousandths on SQLite (floating point)."""
    return f"SUM({expr})" if p.pg else f"SUM(CAST(ROUND(({expr}) * 10000) AS INTEGER))"


def _money_total(p: Posting, total: Any) -> Decimal | None:
    if total is None:
        return None
    return Decimal(total) if p.pg else Decimal(int(total)) / 10000


def _enter_values(p: Posting, since: int) -> None:
    """Sum what this document's movements written after movement `since` changed in each bin
    (quantity and value in, less out; a movement that stays in its bin adds only its value)
    into its valuation entries."""
    assert p.document is not None
    side = (f"FROM {MOVEMENT} m WHERE m.id > %s AND m.document_id = %s AND m.{{}} IS NOT NULL")
    p.cursor.execute(
        f"SELECT x.loc, x.product_id, x.lot_id, SUM(x.q), {_sum_money(p, 'x.v')} FROM ("
        "SELECT m.to_location_id AS loc, m.product_id, m.lot_id, m.quantity AS q, m.value AS v "
        + side.format("to_location_id") + " UNION ALL "
        "SELECT m.from_location_id, m.product_id, m.lot_id, -m.quantity, "
        "CASE WHEN m.to_location_id = m.from_location_id THEN 0 ELSE -m.value END "
        + side.format("from_location_id") + ") x GROUP BY x.loc, x.product_id, x.lot_id",
        [since, p.document.pk, since, p.document.pk])
    entries = [ValuationEntry(document=p.document, created_at=p.now, location_id=loc,
                              product_id=prod, lot_id=lot, quantity=int(q or 0),
                              value=_money_total(p, v))
               for loc, prod, lot, q, v in p.cursor.fetchall()
               if (q or 0) != 0 or (_money_total(p, v) or 0) != 0]
    ValuationEntry.objects.bulk_create(entries)


def _mark(p: Posting) -> int:
    """The last movement id so far (the primary key's end: one seek)."""
    p.cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {MOVEMENT}")
    (since,) = p.cursor.fetchone()
    return int(since)


@contextlib.contextmanager
def _valued(p: Posting) -> Iterator[None]:
    """Write the valuation entries of the movements written inside."""
    since = _mark(p)
    yield
    _enter_values(p, since)


# -- the stock report's counts per (bin, product, status) ---------------------------------------

TALLY_CHUNK = 200  # rows per upsert statement (4 parameters each)


def _tally(p: Posting, deltas: Iterable[Sequence[Any]], sign: int = 1) -> None:
    """Add `(location id, product id, status, n)` rows (times `sign`) to the posting's changes of
    the unit counts; rows out of storage (no location) count for nothing. Applied once, before
    commit (`_apply_tally`)."""
    if not p.tally:
        p.before_commit.append(lambda: _apply_tally(p))
    for location_id, product_id, status, n in deltas:
        if location_id is not None and n:
            key = (location_id, product_id, status)
            p.tally[key] = p.tally.get(key, 0) + sign * n


def _apply_tally(p: Posting) -> None:
    """The posting's count changes as upserts, in key order: concurrent postings take the count
    rows' locks in one order (no deadlock between them on PostgreSQL)."""
    rows = sorted((key, n) for key, n in p.tally.items() if n)
    p.tally.clear()
    for start in range(0, len(rows), TALLY_CHUNK):
        chunk = rows[start:start + TALLY_CHUNK]
        p.cursor.execute(
            f"INSERT INTO {UNIT_COUNT} (location_id, product_id, status, units) VALUES "
            + ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            + " ON CONFLICT (location_id, product_id, status) DO UPDATE "
            f"SET units = {UNIT_COUNT}.units + excluded.units",
            [v for (loc, prod, status), n in chunk for v in (loc, prod, status, n)],
        )


def _unit_groups(p: Posting, where: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """(location id, product id, status, count) of the units in storage matching `where`."""
    p.cursor.execute(
        f"SELECT u.location_id, u.product_id, u.status, COUNT(*) FROM {UNIT} u "
        f"WHERE u.location_id IS NOT NULL AND {where} "
        "GROUP BY u.location_id, u.product_id, u.status", params)
    return p.cursor.fetchall()


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
    note: str = "",
) -> None:
    """New units for the staged serials (`st_serials`), in stock at `location_id`, each with its
    receipt's ledger row (with `note`); `skip_existing`: not the serials the product has (revived
    instead by `move_units`)."""
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
    _tally(p, [(location_id, product.pk, "in_stock", p.cursor.rowcount)])
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        "SELECT %s, %s, u.id, u.product_id, u.lot_id, 1, NULL, u.location_id, NULL, 'in_stock', "
        "%s, NULL, u.cost, %s, %s, %s, u.cost "
        f"FROM st_serials s JOIN {UNIT} u ON u.product_id = %s AND u.serial = s.serial "
        "WHERE u.last_document_id = %s ORDER BY s.pos",
        [p.document.pk, line_id, supplier_id, now, p.user.pk, note, product.pk, p.document.pk],
    )
    received = p.cursor.rowcount
    if received > 0:  # its valuation entry: every new unit at the one cost, into one bin
        ValuationEntry.objects.create(
            document=p.document, created_at=p.now, location_id=location_id, product=product,
            lot_id=lot_id, quantity=received,
            value=cost * received if cost is not None else None)


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
    cost: Any = KEEP,
) -> int:
    """Move every staged unit: one ledger row each (from = the unit's current state), then the
    unit rows themselves, in two set-based statements. `cost`: the units' new cost (a revived
    unit's receipt), recorded on their movements and set on them."""
    assert p.document is not None
    params_sel: list[Any] = []

    def expr(value: Any, column: str, params: list[Any]) -> str:
        if value is KEEP:
            return f"u.{column}"
        if value is None:  # typed: PostgreSQL takes an untyped NULL (parameter) for text
            return "CAST(NULL AS NUMERIC)" if column == "cost" else "NULL"
        params.append(value)
        return "%s"

    loc_e = expr(to_location_id, "location_id", params_sel)  # in the order of the SQL
    status_e = expr(to_status, "status", params_sel)
    party_e = expr(to_party_id, "holder_id", params_sel)
    cost_e = expr(cost, "cost", params_sel)
    # The value moves with the unit unless it stays in its bin (a hold, a release, a repair).
    stays = ("u.location_id IS NOT NULL" if to_location_id is KEEP
             else "u.location_id IS NOT NULL AND u.location_id = %s")
    params_val = [] if to_location_id is KEEP else [to_location_id]
    cost_v = expr(cost, "cost", params_val)
    with _valued(p):
        p.cursor.execute(
            f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
            f"SELECT %s, %s, u.id, u.product_id, u.lot_id, 1, u.location_id, {loc_e}, u.status, "
            f"{status_e}, u.holder_id, {party_e}, {cost_e}, %s, %s, %s, "
            f"CASE WHEN {stays} THEN NULL ELSE {cost_v} END "
            f"FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id ORDER BY s.pos",
            [p.document.pk, line.pk, *params_sel, p.ts(), p.user.pk, note, *params_val],
        )
        moved = p.cursor.rowcount
    if to_status is not KEEP or to_location_id is not KEEP:
        # The counts: the moved units' (bin, product, status) groups, in one pass before the
        # units change, each out of its old group and into its new one.
        p.cursor.execute(
            f"SELECT u.location_id, u.product_id, u.status, COUNT(*) FROM st_units s "
            f"JOIN {UNIT} u ON u.id = s.unit_id GROUP BY u.location_id, u.product_id, u.status")
        groups = p.cursor.fetchall()
        _tally(p, groups, -1)
        _tally(p, [(loc if to_location_id is KEEP else to_location_id, prod,
                    status if to_status is KEEP else to_status, n)
                   for loc, prod, status, n in groups])
    sets: list[str] = []
    params_upd: list[Any] = []
    for column, value in (("status", to_status), ("location_id", to_location_id),
                          ("holder_id", to_party_id)):
        if value is not KEEP:
            sets.append(f"{column} = %s")
            params_upd.append(value)
    if cost is not KEEP:
        sets.append("cost = %s")
        params_upd.append(cost)
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


def install_units(p: Posting, line: DocumentLine, parent_id: int, note: str) -> int:
    """Put every staged unit inside unit `parent_id` (an assembly being built, a unit in repair
    getting a spare part): out of its bin, status `installed`, `parent` set; its cost leaves the
    bin with it (the parent takes it in, `revalue_unit`)."""
    return move_units(p, line, to_status="installed", to_location_id=None, to_party_id=None,
                      note=note, extra_set={"parent_id": parent_id})


def remove_units(p: Posting, line: DocumentLine, *, to_location_id: int | None, note: str
                 ) -> int:
    """Take every staged (installed) unit out of its parent: back in stock in bin
    `to_location_id` at its own cost, or scrapped (`to_location_id` None); `parent` cleared."""
    return move_units(p, line, to_status="in_stock" if to_location_id else "scrapped",
                      to_location_id=to_location_id, to_party_id=None, note=note,
                      extra_set={"parent_id": None})


def revalue_unit(p: Posting, line: DocumentLine, unit_id: int, amount: Decimal, note: str
                 ) -> Decimal:
    """Add `amount` (negative: take it away) to the cost of a unit in storage: a ledger row
    that stays in its bin carrying `amount` as its value (the cost of the parts built into an
    assembly or a repaired unit, or taken out of it), and the unit's new cost, returned."""
    assert p.document is not None
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    new_cost = exact(unit.cost) + exact(amount)
    since = _mark(p)
    Movement.objects.create(
        document=p.document, line=line, unit=unit, product_id=unit.product_id,
        lot_id=unit.lot_id, quantity=1, from_location_id=unit.location_id,
        to_location_id=unit.location_id, from_status=unit.status, to_status=unit.status,
        from_party_id=unit.holder_id, to_party_id=unit.holder_id, cost=new_cost,
        value=exact(amount), created_at=p.now, user=p.user, note=note)
    _enter_values(p, since)
    Unit.objects.filter(pk=unit.pk).update(cost=new_cost, last_document=p.document,
                                           moved_at=p.now)
    return new_cost


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
    since = _mark(p)
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        "SELECT %s, %s, m.unit_id, m.product_id, m.lot_id, m.quantity, m.to_location_id, "
        "m.from_location_id, m.to_status, COALESCE(m.from_status, 'voided'), "
        "m.to_party_id, m.from_party_id, m.cost, %s, %s, %s, "
        "CASE WHEN m.from_location_id = m.to_location_id THEN -m.value ELSE m.value END "
        f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.line_id = %s "
        "AND m.unit_id IS NOT NULL ORDER BY m.id",
        [p.document.pk, line.pk, p.ts(), p.user.pk, f"reverses {original.number}", original.pk,
         old_line.pk],
    )
    _enter_values(p, since)


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
    moved = f"u.id IN (SELECT m.unit_id FROM {MOVEMENT} m WHERE m.document_id = %s)"
    _tally(p, _unit_groups(p, moved, [original.pk]), -1)
    p.cursor.execute(
        f"UPDATE {UNIT} SET status = COALESCE(m.from_status, 'voided'), "
        "location_id = m.from_location_id, holder_id = m.from_party_id, "
        "last_document_id = %s, moved_at = %s "
        f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.unit_id = {UNIT}.id",
        [p.document.pk, p.ts(), original.pk],
    )
    _tally(p, _unit_groups(p, moved, [original.pk]))


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

FOUR_PLACES = Decimal("0.0001")


def value_part(value: Decimal, taken: int, of: int) -> Decimal:
    """The value of `taken` out of `of` that together are worth `value`: all of it for the
    last of them, so what is taken piece by piece always adds up to the whole exactly."""
    if taken == of:
        return value
    return (value * taken / of).quantize(FOUR_PLACES)


def exact(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value).quantize(FOUR_PLACES)


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
    cost: Decimal | None = None,
    value: Decimal | None = None,
    receipt_line: DocumentLine | None = None,
) -> None:
    """Add to on-hand (in stock), with its ledger row and its cost layer (`cost` per unit, or
    the whole `value`: a customer return comes back at what it shipped at). `record=False` when
    the ledger row and the layer were already written by `take_stock` (a transfer is one
    movement from bin to bin)."""
    _put(product.pk, lot.pk if lot else None, location.pk, "in_stock", quantity)
    if not record:
        return
    if value is None and cost is not None:
        value = (cost * quantity).quantize(FOUR_PLACES)
    if cost is None and value is not None:
        cost = (value / quantity).quantize(FOUR_PLACES)
    since = _mark(p)
    move = Movement.objects.create(
        document=p.document, line=line, product=product, lot=lot, quantity=quantity,
        from_location=from_location, to_location=location, from_status=from_status,
        to_status="in_stock", from_party=from_party, cost=cost, value=value, created_at=p.now,
        user=p.user, note=note,
    )
    _enter_values(p, since)
    CostLayer.objects.create(
        product=product, lot=lot, location=location, source=move, receipt_line=receipt_line,
        received_quantity=quantity, remaining_quantity=quantity, unit_cost=cost,
        remaining_value=value or 0, received_at=p.now)


def _take_layers(p: Posting, product_id: int, lot_id: int | None, location_id: int, quantity: int
                 ) -> list[tuple[CostLayer | None, int, Decimal]]:
    """Take `quantity` out of the cost layers of (product, lot, bin), oldest first: each layer
    taken from, how much, and the value that left with it. Stock that has no layer (on hand
    before cost layers were kept) leaves at no value."""
    layers = (CostLayer.objects.select_for_update()
              .filter(product_id=product_id, lot_id=lot_id, location_id=location_id,
                      remaining_quantity__gt=0).order_by("received_at", "id"))
    taken: list[tuple[CostLayer | None, int, Decimal]] = []
    remaining = quantity
    for layer in layers:
        if remaining == 0:
            break
        n = min(layer.remaining_quantity, remaining)
        value = value_part(exact(layer.remaining_value), n, layer.remaining_quantity)
        CostLayer.objects.filter(pk=layer.pk).update(
            remaining_quantity=layer.remaining_quantity - n,
            remaining_value=exact(layer.remaining_value) - value)
        taken.append((layer, n, value))
        remaining -= n
    if remaining:
        taken.append((None, remaining, Decimal(0)))
    return taken


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
    unexpired_on: dt.date | None = None,
) -> list[tuple[StockQuantity, int]]:
    """Take `quantity` out of stock of `from_status` (only `in_stock` is ever picked: held
    quantities stay where they are): the named lot, else earliest expiry first, then first in,
    first out. `quantity=None`: every row that matches, whole. `in_place`: the quantity stays in
    its bin (a change of status, its cost layers untouched; the caller puts it back with
    `put_stock`). `unexpired_on`: stock whose lot expired before that day is never taken (a
    shipment). Rows are locked in id order. Not enough on hand -> a problem, nothing taken.
    Each row's quantity leaves its cost layers oldest first, one movement per layer taken
    (its value the cost that left); into `to_location` (a transfer) each part becomes a layer
    there, keeping its age and cost."""
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
    everything = rows
    if unexpired_on is not None:
        rows = rows.unexpired_on(unexpired_on)
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
        expired = _expired_quantity(everything, unexpired_on) if unexpired_on else 0
        problems.append(Problem(
            "expired" if expired and not on_hand else "insufficient_stock",
            f"{what}: {quantity} requested, "
            + (f"only expired stock is left ({expired} expired)" if expired and not on_hand
               else f"{on_hand}{held} on hand" + (f" and {expired} expired" if expired else ""))
            + (f" in {place}" if place else ""),
            field="quantity", extra={"product": product.sku, "requested": quantity,
                                     "on_hand": on_hand, "expired": expired},
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
    since = _mark(p)
    for row, n in taken:
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - n)
        row_line = line if isinstance(line, DocumentLine) else lines[row.lot_id]
        if in_place:  # a change of status in its bin: no value moves, no layer is touched
            Movement.objects.create(
                document=p.document, line=row_line, product=product, lot_id=row.lot_id,
                quantity=n, from_location_id=row.location_id, to_location_id=row.location_id,
                from_status=from_status, to_status=to_status, to_party=to_party,
                created_at=p.now, user=p.user, note=note)
            continue
        for layer, k, value in _take_layers(p, product.pk, row.lot_id, row.location_id, n):
            move = Movement.objects.create(
                document=p.document, line=row_line, product=product, lot_id=row.lot_id,
                quantity=k, from_location_id=row.location_id, to_location=to_location,
                from_status=from_status, to_status=to_status, to_party=to_party,
                cost=(value / k).quantize(FOUR_PLACES), value=value, layer=layer,
                created_at=p.now, user=p.user, note=note,
            )
            if to_location is not None:
                CostLayer.objects.create(
                    product=product, lot_id=row.lot_id, location=to_location, source=move,
                    receipt_line_id=layer.receipt_line_id if layer else None,
                    received_quantity=k, remaining_quantity=k,
                    unit_cost=layer.unit_cost if layer else None, remaining_value=value,
                    received_at=layer.received_at if layer else p.now)
    _enter_values(p, since)
    return taken


def put_stock(taken: list[tuple[StockQuantity, int]], status: str) -> None:
    """Put what `take_stock(in_place=True)` took back in the same bins, now of `status`
    (a hold or a release of quantities: its ledger rows are already written)."""
    for row, n in taken:
        _put(row.product_id, row.lot_id, row.location_id, status, n)


def _expired_quantity(rows: Any, day: dt.date) -> int:
    """How much of `rows` expired before `day` (read on a refusal only)."""
    expired = Lot.objects.filter(expiry__lt=day).values("id")
    return sum(rows.filter(lot_id__in=expired).order_by().values_list("quantity", flat=True))


def reverse_quantity(p: Posting, line: DocumentLine, move: Movement, problems: list[Problem]
                     ) -> None:
    """Undo a quantity movement `move` (of the document being reversed): on-hand back where
    it was (of the status it left), its cost layers as they were (the layer it brought in
    taken back whole, the layer it took from given back what it gave), and its reversing ledger
    row; a problem when the quantity has moved on since."""
    stocked = ("in_stock", "on_hold")
    lot = f" lot {move.lot.code}" if move.lot else ""
    brought = list(CostLayer.objects.select_for_update().filter(source=move))
    if move.to_location_id:
        row = (StockQuantity.objects.select_for_update()
               .filter(product_id=move.product_id, lot_id=move.lot_id,
                       location_id=move.to_location_id,
                       status=move.to_status if move.to_status in stocked else "in_stock")
               .first())
        if row is None or row.quantity < move.quantity:
            problems.append(Problem(
                "not_reversible",
                f"{move.product.sku}{lot}: {move.quantity} needed back but "
                f"{row.quantity if row else 0} on hand: it has moved on since",
                field="quantity"))
            return
    left = sum(layer.remaining_quantity for layer in brought)
    if any(layer.remaining_quantity != layer.received_quantity for layer in brought):
        problems.append(Problem(
            "not_reversible",
            f"{move.product.sku}{lot}: {move.quantity} needed back but only {left} of what "
            f"{move.document.number} brought in is left (first in, first out: it has moved on "
            "since)", field="quantity"))
        return
    value = sum((exact(layer.remaining_value) for layer in brought), Decimal(0)) if brought \
        else move.value
    if move.to_location_id:
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - move.quantity)
        CostLayer.objects.filter(pk__in=[layer.pk for layer in brought]).update(
            remaining_quantity=0, remaining_value=0)
    back_to: CostLayer | None = None
    if move.from_location_id:
        _put(move.product_id, move.lot_id, move.from_location_id,
             move.from_status if move.from_status in stocked else "in_stock", move.quantity)
        back_to = (CostLayer.objects.select_for_update().filter(pk=move.layer_id).first()
                   if move.layer_id else None)
        if back_to is not None:
            CostLayer.objects.filter(pk=back_to.pk).update(
                remaining_quantity=F("remaining_quantity") + move.quantity,
                remaining_value=exact(back_to.remaining_value) + exact(value))
    since = _mark(p)
    reversing = Movement.objects.create(
        document=p.document, line=line, product_id=move.product_id, lot_id=move.lot_id,
        quantity=move.quantity, from_location_id=move.to_location_id,
        to_location_id=move.from_location_id, from_status=move.to_status,
        to_status=move.from_status or "voided", from_party_id=move.to_party_id,
        to_party_id=move.from_party_id, cost=move.cost, value=value, layer=back_to,
        created_at=p.now, user=p.user, note=f"reverses {move.document.number}",
    )
    _enter_values(p, since)
    if move.from_location_id and back_to is None and move.from_location_id != move.to_location_id:
        # stock taken before cost layers were kept comes back as a layer of its own (a change
        # of status in its bin — a hold, a release — took no layer: none comes back)
        CostLayer.objects.create(
            product_id=move.product_id, lot_id=move.lot_id, location_id=move.from_location_id,
            source=reversing, received_quantity=move.quantity,
            remaining_quantity=move.quantity, unit_cost=move.cost,
            remaining_value=exact(value), received_at=p.now)


# -- landed costs: the cost of goods received, raised after the fact ------------------------------

def revalue_units(p: Posting, line: DocumentLine, shares: list[tuple[int, Decimal]]) -> None:
    """Add each `(unit id, share)` to the unit's cost. A unit in storage: a ledger row that
    stays in its bin and carries the share as value, and the unit's new cost. A unit already
    gone (shipped, scrapped…): its cost stays what it left at, and its share is expensed — a
    ledger row from nowhere to nowhere carrying the share (a COGS adjustment of today)."""
    assert p.document is not None
    if not shares:
        return
    p.cursor.execute("CREATE TEMP TABLE IF NOT EXISTS st_shares (unit_id bigint NOT NULL, "
                     "share numeric NOT NULL)")
    p.cursor.execute("TRUNCATE st_shares" if p.pg else "DELETE FROM st_shares")
    bulk_load(p.cursor, "st_shares", ("unit_id", "share"),
              ((unit_id, str(share)) for unit_id, share in shares))
    since = _mark(p)
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        "SELECT %s, %s, u.id, u.product_id, u.lot_id, 1, u.location_id, u.location_id, "
        "u.status, u.status, u.holder_id, u.holder_id, "
        "CASE WHEN u.location_id IS NULL THEN u.cost ELSE COALESCE(u.cost, 0) + s.share END, "
        "%s, %s, CASE WHEN u.location_id IS NULL THEN %s ELSE %s END, s.share "
        f"FROM st_shares s JOIN {UNIT} u ON u.id = s.unit_id ORDER BY u.id",
        [p.document.pk, line.pk, p.ts(), p.user.pk, "landed cost expensed: already gone",
         "landed cost"])
    _enter_values(p, since)
    p.cursor.execute(
        f"UPDATE {UNIT} SET cost = COALESCE(cost, 0) + (SELECT s.share FROM st_shares s "
        f"WHERE s.unit_id = {UNIT}.id), last_document_id = %s, moved_at = %s "
        "WHERE location_id IS NOT NULL AND id IN (SELECT unit_id FROM st_shares)",
        [p.document.pk, p.ts()])


def revalue_layer(p: Posting, line: DocumentLine, layer: CostLayer, share: Decimal) -> None:
    """Add `share` to what is left of a cost layer, with the ledger row that carries it."""
    since = _mark(p)
    Movement.objects.create(
        document=p.document, line=line, product_id=layer.product_id, lot_id=layer.lot_id,
        quantity=layer.remaining_quantity, from_location_id=layer.location_id,
        to_location_id=layer.location_id, from_status="in_stock", to_status="in_stock",
        cost=((exact(layer.remaining_value) + share) / layer.remaining_quantity
              ).quantize(FOUR_PLACES),
        value=share, layer=layer, created_at=p.now, user=p.user, note="landed cost")
    _enter_values(p, since)
    CostLayer.objects.filter(pk=layer.pk).update(
        remaining_value=exact(layer.remaining_value) + share)


def expense_quantity(p: Posting, line: DocumentLine, quantity: int, share: Decimal) -> None:
    """The landed cost of a quantity already gone (its layers taken): expensed, a ledger row
    from nowhere to nowhere carrying the share."""
    Movement.objects.create(
        document=p.document, line=line, product_id=line.product_id, lot_id=line.lot_id,
        quantity=quantity, value=share, created_at=p.now, user=p.user,
        note="landed cost expensed: already gone")


# -- a landed cost reversed: every share taken back, or its expense given back -------------------

def unrevalue_units(p: Posting, line: DocumentLine, original: Document,
                    old_line: DocumentLine) -> None:
    """Take back the shares `old_line` of the landed cost `original` gave the (staged, locked)
    units. A unit whose cost took its share and that is still in storage: a ledger row in its
    bin carrying minus the share, and its cost lowered by it (back to what it was, plus any
    later landed cost). A share that is an expense by now — expensed when the landed cost was
    posted, or in the cost of a unit that has left storage since —: its expense given back, a
    ledger row from nowhere to nowhere carrying minus the share (a COGS adjustment of today);
    it names the unit unless the unit is back in storage (a unit's last row says where it is)."""
    assert p.document is not None
    kept_here = "m.to_location_id IS NOT NULL AND u.location_id IS NOT NULL"
    back_in = "m.to_location_id IS NULL AND u.location_id IS NOT NULL"
    since = _mark(p)
    p.cursor.execute(
        f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
        f"SELECT %s, %s, CASE WHEN {back_in} THEN NULL ELSE u.id END, u.product_id, u.lot_id, "
        f"1, CASE WHEN {kept_here} THEN u.location_id END, "
        f"CASE WHEN {kept_here} THEN u.location_id END, u.status, u.status, u.holder_id, "
        f"u.holder_id, CASE WHEN {kept_here} THEN u.cost - m.value ELSE u.cost END, %s, %s, "
        f"CASE WHEN {kept_here} THEN %s WHEN {back_in} THEN %s || u.serial ELSE %s END, "
        "-m.value "
        f"FROM {MOVEMENT} m JOIN {UNIT} u ON u.id = m.unit_id "
        "WHERE m.document_id = %s AND m.line_id = %s AND m.unit_id IS NOT NULL ORDER BY m.id",
        [p.document.pk, line.pk, p.ts(), p.user.pk, f"reverses {original.number}: landed cost "
         "taken back", f"reverses {original.number}: landed cost expense given back, serial ",
         f"reverses {original.number}: landed cost expense given back", original.pk,
         old_line.pk])
    _enter_values(p, since)
    p.cursor.execute(
        f"UPDATE {UNIT} SET cost = cost - (SELECT m.value FROM {MOVEMENT} m "
        f"WHERE m.document_id = %s AND m.line_id = %s AND m.unit_id = {UNIT}.id), "
        "last_document_id = %s, moved_at = %s "
        f"WHERE location_id IS NOT NULL AND id IN (SELECT m.unit_id FROM {MOVEMENT} m "
        "WHERE m.document_id = %s AND m.line_id = %s AND m.unit_id IS NOT NULL "
        "AND m.to_location_id IS NOT NULL)",
        [original.pk, old_line.pk, p.document.pk, p.ts(), original.pk, old_line.pk])


def unrevalue_layer(p: Posting, line: DocumentLine, move: Movement, layer: CostLayer) -> None:
    """Take back the share `move` (a landed cost's row) added to the (locked) cost layer
    `layer`: the part of it still in the layer — in proportion to what is left of the quantity
    the share was spread over, all of it when none has left — out of the layer's value, with the
    ledger row that carries it; the part that left with the goods taken since (shipped, written
    off) is an expense given back, a ledger row from nowhere to nowhere."""
    assert p.document is not None
    share = exact(move.value)
    spread_over = int(move.quantity)
    left = min(int(layer.remaining_quantity), spread_over)
    remaining = exact(layer.remaining_value)
    kept = min(value_part(share, left, spread_over), remaining) if left else Decimal(0)
    note = f"reverses {move.document.number}"
    since = _mark(p)
    if kept:
        Movement.objects.create(
            document=p.document, line=line, product_id=layer.product_id, lot_id=layer.lot_id,
            quantity=layer.remaining_quantity, from_location_id=layer.location_id,
            to_location_id=layer.location_id, from_status="in_stock", to_status="in_stock",
            cost=((remaining - kept) / layer.remaining_quantity).quantize(FOUR_PLACES),
            value=-kept, layer=layer, created_at=p.now, user=p.user,
            note=f"{note}: landed cost taken back")
        _enter_values(p, since)
        CostLayer.objects.filter(pk=layer.pk).update(remaining_value=remaining - kept)
    if share - kept:
        Movement.objects.create(
            document=p.document, line=line, product_id=layer.product_id, lot_id=layer.lot_id,
            quantity=spread_over - left, value=-(share - kept), created_at=p.now, user=p.user,
            note=f"{note}: landed cost expense given back")


def unexpense_quantity(p: Posting, line: DocumentLine, move: Movement) -> None:
    """Give back the expense a landed cost's row `move` booked for a quantity already gone."""
    Movement.objects.create(
        document=p.document, line=line, product_id=move.product_id, lot_id=move.lot_id,
        quantity=move.quantity, value=-exact(move.value), created_at=p.now, user=p.user,
        note=f"reverses {move.document.number}: landed cost expense given back")
