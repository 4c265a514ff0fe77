"""Returns to supplier: defective or recalled goods go back against the receipt they came on,
and what the supplier sends in their place is received against that return.

- A return to supplier (`RTS-000001`, kind `supplier_return`) names the receipt; its units must
  have come on that receipt (the receipt that last brought each one in) and be in our storage —
  in stock, on hold or in repair. They leave with status `returned_to_supplier`, no location,
  the supplier as holder, the reason on the document. A lot or plain product goes back as a
  quantity: at most what the receipt brought of it, less what already went back against it.
- The credit expected is recorded with it: the returned goods' cost (units' own costs; the
  receipt line's unit cost for quantities), unless stated. Credits received are recorded
  against it (`record_credit`); what is still owed is the expected credit less the credits
  received and less the cost of what the supplier replaced (`queries.supplier_returns`).
- A replacement (`supplier_replacement`) is a receipt whose `related` is the return: the same
  serial coming back (the unit returns to stock, its history continuing) or a new serial that
  replaces a returned one (a new unit; the link is a `SupplierReplacement` row, and both units'
  histories carry a ledger row saying which replaced which). Each returned unit is replaced at
  most once; quantities at most what went back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, NotFromSupplier, Problem, refuse
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Lot,
    Movement,
    Product,
    SupplierCreditReceived,
    SupplierReplacement,
    SupplierReturnCredit,
    Tracking,
    Unit,
)
from serialtrack.posting.engine import (
    MOVEMENT,
    UNIT,
    LockedUnit,
    Posting,
    check_units,
    get_lot,
    posting,
    retrying,
    where,
)
from serialtrack.posting.ledger import add_stock, insert_units, move_units, take_stock
from serialtrack.posting.lines import existing_lot, quantity_line
from serialtrack.posting.operations import In, Operation, register, serial_list
from serialtrack.posting.scans import decode_scans
from serialtrack.serials import check_serials

# Where a unit may be sent back from: our storage (stock, quarantine, the repair bench).
RETURNABLE = ("in_stock", "on_hold", "in_repair")
# The ledger row that brought a unit in: a receipt or found stock, from no location into stock.
_CAME_IN = (
    f"SELECT m.document_id FROM {MOVEMENT} m JOIN inventory_document di ON di.id = m.document_id "
    "WHERE m.unit_id = {unit} AND m.from_location_id IS NULL AND m.to_status = 'in_stock' "
    "AND di.kind IN ('receipt', 'adjustment') ORDER BY m.id DESC LIMIT 1")


def _posted(number: str, kind: str, field: str, what: str) -> Document:
    doc = catalog.get_document(number, field=field)
    if doc.kind != kind or doc.status != DocumentStatus.POSTED:
        raise NotFound([Problem("not_found", f"{number} is not a posted {what}", field=field)])
    reversal = Document.objects.filter(kind=DocumentKind.REVERSAL, related=doc).first()
    if reversal:
        raise InvalidInput([Problem("invalid", f"{number} was reversed by {reversal.number}",
                                    field=field)])
    return doc


def get_receipt(number: str) -> Document:
    receipt = _posted(number, DocumentKind.RECEIPT, "receipt", "receipt")
    if receipt.party is None:
        raise InvalidInput([Problem("invalid", f"{number} names no supplier: nothing to return "
                                    "goods to", field="receipt")])
    return receipt


def get_supplier_return(number: str) -> Document:
    return _posted(number, DocumentKind.SUPPLIER_RETURN, "supplier_return", "return to supplier")


def _clean(serials: Iterable[str], problems: list[Problem]) -> list[str]:
    clean, serial_problems, _given = check_serials(decode_scans(serials, None, problems, {}))
    problems += serial_problems
    return clean


def _amount(value: Decimal | None, field: str, problems: list[Problem]) -> None:
    if value is not None and (not value.is_finite() or value < 0):
        problems.append(Problem("invalid", f"{field} {value} must be zero or more", field=field))


# -- the return ------------------------------------------------------------------------------------

@retrying
def return_to_supplier(
    *,
    receipt: str,
    reason: str,
    user: Any,
    serials: Iterable[str] = (),
    product: str | None = None,
    quantity: int | None = None,
    lot: str | None = None,
    warehouse: str | None = None,
    credit: Decimal | None = None,
    reference: str = "",
) -> Document:
    """Send units (or a quantity of a lot/plain product) back to the supplier of `receipt`."""
    origin = get_receipt(receipt)
    problems: list[Problem] = []
    if not reason or not reason.strip():
        problems.append(Problem("invalid", "a return to supplier needs a reason", field="reason"))
    _amount(credit, "credit", problems)
    serials = list(serials)
    if product and not serials:
        refuse(problems)
        return _return_quantity(origin, product, quantity, lot, warehouse, credit, reason,
                                reference, user)
    clean = _clean(serials, problems)
    if not clean and not problems:
        problems.append(Problem("invalid", "list the serials going back (or --product and --qty "
                                "for a lot or plain product)", field="serials"))
    if quantity is not None and clean and quantity != len(clean):
        problems.append(Problem("count_mismatch", f"quantity {quantity} but {len(clean)} serials "
                                "given", field="quantity"))
    refuse(problems)
    with posting(DocumentKind.SUPPLIER_RETURN, user) as p:
        units = _units_of_receipt(p, origin, clean, problems)
        came_in = _came_in_on(p)

        def allowed(unit: LockedUnit) -> str | None:
            if unit.status == "returned_to_supplier":
                return f"was already returned to the supplier on {unit.last_number}"
            if unit.status not in RETURNABLE:
                return f"{where(unit)}: only units in stock, on hold or in repair go back"
            return None

        check_units(p, units, allowed, problems)
        for unit in units:
            later = came_in.get(unit.id)
            if later and later[0] != origin.pk and unit.status in RETURNABLE:
                problems.append(Problem(
                    "not_from_supplier", f"serial {unit.serial!r} came in again on {later[1]} "
                    f"since {origin.number}: return it against {later[1]}", serial=unit.serial,
                    extra={"receipt": later[1]}))
        refuse(problems)
        if credit is None:  # the units' own costs, summed over the staged units
            p.cursor.execute(f"SELECT SUM(u.cost) FROM st_units s JOIN {UNIT} u "
                             "ON u.id = s.unit_id")
            credit = Decimal(str(p.cursor.fetchone()[0] or 0)).quantize(Decimal("0.0001"))
        p.open_document(party=origin.party, warehouse=origin.warehouse, related=origin,
                        reason=reason.strip(), reference=reference)
        by_product: dict[int, list[LockedUnit]] = defaultdict(list)
        for unit in units:
            by_product[unit.product_id].append(unit)
        for product_id in sorted(by_product):
            group = by_product[product_id]
            line = p.add_line(Product.objects.get(pk=product_id), len(group),
                              note=f"returned to supplier: {reason.strip()}")
            p.stage_units([(u.pos, u.id) for u in group])
            move_units(p, line, to_status="returned_to_supplier", to_location_id=None,
                       to_party_id=origin.party_id, note=f"returned to supplier: {reason.strip()}")
        SupplierReturnCredit.objects.create(document=p.document, expected=credit)
        return p.finish()


def _units_of_receipt(p: Posting, origin: Document, serials: list[str], problems: list[Problem]
                      ) -> list[LockedUnit]:
    """Stage and lock the units `origin` brought in by these serials; every other serial is a
    problem naming where it came from (which receipt, which supplier)."""
    p.stage_serials(serials)
    p.cursor.execute(
        "SELECT s.pos, s.serial, x.unit_id FROM st_serials s LEFT JOIN ("
        f"SELECT m.unit_id, u.serial FROM {MOVEMENT} m JOIN {UNIT} u ON u.id = m.unit_id "
        "WHERE m.document_id = %s AND m.from_location_id IS NULL AND m.to_status = 'in_stock'"
        ") x ON x.serial = s.serial ORDER BY s.pos",
        [origin.pk],
    )
    found: list[tuple[int, int]] = []
    others: list[str] = []
    for pos, serial, unit_id in p.cursor.fetchall():
        if unit_id is None:
            others.append(serial)
        else:
            found.append((pos, unit_id))
    if others:
        problems += _came_from_elsewhere(p, origin, others)
    p.stage_units(found)
    return p.lock_units()


def _came_from_elsewhere(p: Posting, origin: Document, serials: list[str]) -> list[Problem]:
    """Why each serial is not one of `origin`'s units: where it came from instead."""
    listed = ", ".join(["%s"] * len(serials))
    p.cursor.execute(
        "SELECT u.serial, pr.sku, d.number, d.kind, pa.name FROM inventory_unit u "
        "JOIN inventory_product pr ON pr.id = u.product_id "
        f"LEFT JOIN inventory_document d ON d.id = ({_CAME_IN.format(unit='u.id')}) "
        "LEFT JOIN inventory_party pa ON pa.id = d.party_id "
        f"WHERE u.serial IN ({listed}) ORDER BY u.id",
        serials,
    )
    origins: dict[str, list[str]] = defaultdict(list)
    for serial, sku, number, kind, party in p.cursor.fetchall():
        if number is None:
            origins[serial].append(f"{sku} came in on no receipt")
        elif kind == DocumentKind.ADJUSTMENT:
            origins[serial].append(f"{sku} came in as found stock on {number}")
        else:
            origins[serial].append(f"{sku} came from {party or 'no named supplier'} on {number}")
    problems = []
    for serial in serials:
        came = "; ".join(origins[serial]) or "it is not a known serial"
        problems.append(Problem(
            "not_from_supplier",
            f"serial {serial!r} was not received on {origin.number} from "
            f"{origin.party.name if origin.party else '?'}: {came}",
            serial=serial, extra={"receipt": origin.number}))
    return problems


def _came_in_on(p: Posting) -> dict[int, tuple[int, str]]:
    """For each staged unit, the document that last brought it in (an index seek each)."""
    p.cursor.execute(
        "SELECT s.unit_id, d.id, d.number FROM st_units s JOIN inventory_document d "
        f"ON d.id = ({_CAME_IN.format(unit='s.unit_id')})")
    return {unit_id: (doc_id, number) for unit_id, doc_id, number in p.cursor.fetchall()}


def _return_quantity(origin: Document, product: str, quantity: int | None, lot: str | None,
                     warehouse: str | None, credit: Decimal | None, reason: str, reference: str,
                     user: Any) -> Document:
    item = catalog.get_product(product)
    if item.tracking == Tracking.SERIAL:
        raise InvalidInput([Problem("invalid", f"{item.sku} is serial-tracked: list the serials",
                                    field="serials")])
    refuse(quantity_line(item, (), quantity))
    assert quantity is not None
    lot_row = existing_lot(item, lot)
    lines = DocumentLine.objects.filter(document=origin, product=item)
    if lot_row is not None:
        lines = lines.filter(lot=lot_row)
    received = list(lines)
    if not received:
        raise NotFromSupplier([Problem(
            "not_from_supplier", f"{origin.number} received no {item.sku}"
            + (f" lot {lot_row.code}" if lot_row else ""), field="product",
            extra={"receipt": origin.number})])
    if lot_row is None and item.tracking == Tracking.LOT:
        lots = {line.lot_id for line in received}
        if len(lots) > 1:
            raise InvalidInput([Problem("invalid", f"{origin.number} received several lots of "
                                        f"{item.sku}: name the lot", field="lot")])
        lot_row = Lot.objects.get(pk=lots.pop())
    location = catalog.get_location(warehouse or origin.warehouse.code)
    bin_given = bool(warehouse and "/" in warehouse)
    problems: list[Problem] = []
    with posting(DocumentKind.SUPPLIER_RETURN, user) as p:
        back = (Movement.objects.filter(document__kind=DocumentKind.SUPPLIER_RETURN,
                                        document__related=origin, product=item, unit=None)
                .exclude(document__dependents__kind=DocumentKind.REVERSAL))
        if lot_row is not None:
            back = back.filter(lot=lot_row)
        came = sum(line.quantity for line in received)
        out = came - (back.aggregate(n=Sum("quantity"))["n"] or 0)
        if quantity > out:
            refuse([Problem("not_from_supplier",
                            f"{item.sku}{' lot ' + lot_row.code if lot_row else ''}: {quantity} "
                            f"to return but {origin.number} received {came}, of which {out} "
                            "has not gone back", field="quantity",
                            extra={"receipt": origin.number, "returnable": out})])
        p.open_document(party=origin.party, warehouse=location.warehouse, related=origin,
                        reason=reason.strip(), reference=reference)
        unit_cost = received[0].unit_cost
        line = p.add_line(item, quantity, lot=lot_row,
                          from_location=location if bin_given else None, unit_cost=unit_cost,
                          note=f"returned to supplier: {reason.strip()}")
        take_stock(p, line, item, quantity, problems, lot=lot_row,
                   location=location if bin_given else None,
                   warehouse=None if bin_given else location.warehouse,
                   to_status="returned_to_supplier", to_party=origin.party,
                   note=f"returned to supplier: {reason.strip()}")
        refuse(problems)
        if credit is None:
            credit = (unit_cost or Decimal(0)) * quantity
        SupplierReturnCredit.objects.create(document=p.document, expected=credit)
        return p.finish()


# -- the supplier's replacement ------------------------------------------------------------------

@retrying
def supplier_replacement(
    *,
    supplier_return: str,
    warehouse: str,
    user: Any,
    serials: Iterable[str] = (),
    replaces: Sequence[str] | None = None,
    product: str | None = None,
    quantity: int | None = None,
    lot: str | None = None,
    expiry: dt.date | None = None,
    reference: str = "",
) -> Document:
    """Receive what the supplier sent for `supplier_return`: the serials listed, each either a
    returned unit coming back or (with `replaces`, position by position) a new serial replacing
    a returned one; or a quantity of a lot/plain product."""
    rts = get_supplier_return(supplier_return)
    location = catalog.get_location(warehouse)
    serials = list(serials)
    if product and not serials:
        return _replace_quantity(rts, location, product, quantity, lot, expiry, reference, user)
    problems: list[Problem] = []
    clean = _clean(serials, problems)
    old_list = list(replaces or [])
    if old_list:
        if len(old_list) != len(serials):
            problems.append(Problem("count_mismatch", f"{len(old_list)} serials replaced for "
                                    f"{len(serials)} serials received: name one per serial, in "
                                    "order", field="replaces"))
            refuse(problems)
        olds = _clean(old_list, problems)
        if len(olds) != len(clean) and not problems:
            problems.append(Problem("invalid", "a returned serial is named twice in --replaces",
                                    field="replaces"))
    else:
        olds = clean
    if not clean and not problems:
        problems.append(Problem("invalid", "list the serials received", field="serials"))
    refuse(problems)
    pairs = dict(zip(olds, clean, strict=True))  # returned serial -> serial received
    with posting(DocumentKind.RECEIPT, user) as p:
        returned = _units_returned_on(p, rts, olds, problems)
        replaced = set(_replacements(rts).filter(
            returned_unit_id__in=[u.id for u in returned])
            .values_list("returned_unit_id", flat=True))

        def allowed(unit: LockedUnit) -> str | None:
            if unit.id in replaced:
                return f"was already replaced against {rts.number}"
            if unit.status != "returned_to_supplier":
                return f"{where(unit)}; it is not out with the supplier on {rts.number}"
            return None

        check_units(p, returned, allowed, problems)
        info = {row[0]: row[1:] for row in Unit.objects.filter(
            pk__in=[u.id for u in returned]).values_list("id", "product_id", "cost", "lot_id")}
        products = {pk: Product.objects.get(pk=pk) for pk in {v[0] for v in info.values()}}
        new_ones = [u for u in returned if pairs[u.serial] != u.serial]
        _check_new_serials(p, new_ones, pairs, info, products, problems)
        refuse(problems)
        p.open_document(party=rts.party, warehouse=location.warehouse, related=rts,
                        reference=reference, reason=f"replacement for {rts.number}")
        links: list[SupplierReplacement] = []
        same = [u for u in returned if pairs[u.serial] == u.serial]
        for product_id in sorted({info[u.id][0] for u in same}):
            group = [u for u in same if info[u.id][0] == product_id]
            line = p.add_line(products[product_id], len(group), to_location=location,
                              note=f"returned by the supplier from {rts.number}")
            p.stage_units([(u.pos, u.id) for u in group])
            move_units(p, line, to_status="in_stock", to_location_id=location.pk,
                       to_party_id=None, note=f"back from the supplier ({rts.number})")
            links += [SupplierReplacement(
                supplier_return=rts, document=p.document, returned_unit_id=u.id, unit_id=u.id,
                product_id=product_id, quantity=1, value=info[u.id][1]) for u in group]
        links += _receive_new(p, rts, location, new_ones, pairs, info, products)
        SupplierReplacement.objects.bulk_create(links)
        return p.finish()


def _replacements(rts: Document) -> Any:
    """What the supplier replaced against `rts` so far (a reversed replacement receipt
    replaced nothing)."""
    return SupplierReplacement.objects.filter(supplier_return=rts).exclude(
        document__dependents__kind=DocumentKind.REVERSAL)


def _units_returned_on(p: Posting, rts: Document, serials: list[str], problems: list[Problem]
                       ) -> list[LockedUnit]:
    p.stage_serials(serials)
    p.cursor.execute(
        "SELECT s.pos, s.serial, x.unit_id FROM st_serials s LEFT JOIN ("
        f"SELECT m.unit_id, u.serial FROM {MOVEMENT} m JOIN {UNIT} u ON u.id = m.unit_id "
        "WHERE m.document_id = %s AND m.to_status = 'returned_to_supplier'"
        ") x ON x.serial = s.serial ORDER BY s.pos",
        [rts.pk],
    )
    found: list[tuple[int, int]] = []
    for pos, serial, unit_id in p.cursor.fetchall():
        if unit_id is None:
            problems.append(Problem("not_from_supplier",
                                    f"serial {serial!r} was not returned on {rts.number}",
                                    serial=serial, extra={"supplier_return": rts.number}))
        else:
            found.append((pos, unit_id))
    p.stage_units(found)
    return p.lock_units()


def _check_new_serials(p: Posting, new_ones: list[LockedUnit], pairs: dict[str, str],
                       info: dict[int, tuple[Any, ...]], products: dict[int, Product],
                       problems: list[Problem]) -> None:
    """New serials follow the product's serial policy and must not be units already."""
    for unit in new_ones:
        item = products[info[unit.id][0]]
        _clean_new, found, _given = check_serials([pairs[unit.serial]], item.serial_pattern,
                                                  product=item)
        problems += found
        taken = (Unit.objects.filter(product=item, serial=pairs[unit.serial])
                 .values_list("status", flat=True).first())
        if taken is not None:
            problems.append(Problem(
                "duplicate_serial", f"serial {pairs[unit.serial]!r} of {item.sku} already exists "
                f"({taken.replace('_', ' ')}): list it as itself if it is the one that went back",
                serial=pairs[unit.serial], extra={"status": taken}))


def _receive_new(p: Posting, rts: Document, location: Any, new_ones: list[LockedUnit],
                 pairs: dict[str, str], info: dict[int, tuple[Any, ...]],
                 products: dict[int, Product]) -> list[SupplierReplacement]:
    """New units for new serials (each at the cost of the unit it replaces), and a ledger row
    on each replaced unit naming its replacement."""
    links: list[SupplierReplacement] = []
    for unit in new_ones:  # one each: the note names its pair (a replacement is a few units)
        product_id, cost, lot_id = info[unit.id]
        new = pairs[unit.serial]
        line = p.add_line(products[product_id], 1, to_location=location, unit_cost=cost,
                          note=f"replaces {unit.serial} ({rts.number})")
        p.stage_serials([new])
        insert_units(p, products[product_id], line.pk, lot_id, location.pk, rts.party_id, cost,
                     skip_existing=False,
                     note=f"supplier replacement for {unit.serial} ({rts.number})")
        p.stage_units([(0, unit.id)])
        move_units(p, line, note=f"replaced by {new} from the supplier ({rts.number})")
        new_id = Unit.objects.get(product_id=product_id, serial=new).pk
        links.append(SupplierReplacement(
            supplier_return=rts, document=p.document, returned_unit_id=unit.id, unit_id=new_id,
            product_id=product_id, quantity=1, value=cost))
    return links


def _replace_quantity(rts: Document, location: Any, product: str, quantity: int | None,
                      lot: str | None, expiry: Any, reference: str, user: Any) -> Document:
    item = catalog.get_product(product)
    if item.tracking == Tracking.SERIAL:
        raise InvalidInput([Problem("invalid", f"{item.sku} is serial-tracked: list the serials",
                                    field="serials")])
    refuse(quantity_line(item, (), quantity))
    assert quantity is not None
    went = list(DocumentLine.objects.filter(document=rts, product=item))
    if not went:
        raise NotFromSupplier([Problem("not_from_supplier", f"{rts.number} returned no {item.sku}",
                                    field="product", extra={"supplier_return": rts.number})])
    with posting(DocumentKind.RECEIPT, user) as p:
        sent = sum(line.quantity for line in went)
        done = (_replacements(rts).filter(product=item)
                .aggregate(n=Sum("quantity"))["n"] or 0)
        if quantity > sent - done:
            refuse([Problem("not_from_supplier", f"{item.sku}: {quantity} received against "
                            f"{rts.number}, which returned {sent}, {sent - done} of it not "
                            "yet replaced", field="quantity",
                            extra={"supplier_return": rts.number, "open": sent - done})])
        code = lot or (went[0].lot.code if went[0].lot else None)
        lot_row = get_lot(item, code, expiry) if code else None
        unit_cost = went[0].unit_cost
        p.open_document(party=rts.party, warehouse=location.warehouse, related=rts,
                        reference=reference, reason=f"replacement for {rts.number}")
        line = p.add_line(item, quantity, lot=lot_row, to_location=location, unit_cost=unit_cost,
                          note=f"replacement for {rts.number}")
        add_stock(p, line, item, lot_row, location, quantity, from_party=rts.party,
                  note=f"supplier replacement ({rts.number})")
        SupplierReplacement.objects.create(
            supplier_return=rts, document=p.document, product=item, lot=lot_row,
            quantity=quantity, value=(unit_cost or Decimal(0)) * quantity)
        return p.finish()


# -- credits ---------------------------------------------------------------------------------------

def record_credit(*, supplier_return: str, amount: Decimal, user: Any, reference: str = ""
                  ) -> SupplierCreditReceived:
    """Record a credit the supplier gave against a return (a credit note): appended, never
    changed. More than is still owed is refused, naming what is owed."""
    from django.db import transaction

    from serialtrack.queries.supplier_returns import outstanding

    rts = get_supplier_return(supplier_return)
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput([Problem("invalid", f"amount {amount} must be more than zero",
                                    field="amount")])
    with transaction.atomic():
        SupplierReturnCredit.objects.select_for_update().filter(document=rts).first()
        owed = outstanding(rts)
        if amount > owed:
            raise InvalidInput([Problem(
                "invalid", f"{rts.number}: a credit of {amount} is more than the {owed} still "
                "awaited", field="amount", extra={"awaiting": str(owed)})])
        return SupplierCreditReceived.objects.create(
            supplier_return=rts, amount=amount, reference=reference,
            recorded_at=timezone.now(), user=user)


# -- declarations ----------------------------------------------------------------------------------

class SupplierReturnIn(In):
    receipt: str = Field(description="The receipt the goods came on, e.g. RCV-000001.")
    reason: str = Field(min_length=1, max_length=500, description="Why they go back.")
    serials: list[str] = serial_list()
    product: str | None = Field(default=None, description="For lot/plain products, with --qty.")
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    warehouse: str | None = Field(default=None, description="Lot/plain products: taken from "
                                  "CODE or CODE/BIN (default: the receipt's warehouse).")
    credit: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4,
                                   description="Credit expected (default: the goods' cost).")
    reference: str = Field(default="", max_length=100, description="e.g. the supplier's RMA")


class SupplierReplacementIn(In):
    warehouse: str = Field(description="Where it is received: CODE or CODE/BIN.")
    serials: list[str] = serial_list()
    replaces: list[str] = Field(
        default_factory=list, max_length=100_000,
        description="The returned serials the new serials replace, one per serial received, in "
                    "order (omit when the same serials came back).")
    product: str | None = Field(default=None, description="For lot/plain products, with --qty.")
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = Field(default=None, max_length=128)
    expiry: dt.date | None = Field(default=None, description="YYYY-MM-DD (a new lot's expiry).")
    reference: str = Field(default="", max_length=100)


SUPPLIER_RETURN = register(Operation(
    name="supplier_return", kind=DocumentKind.SUPPLIER_RETURN, entry=return_to_supplier,
    role="clerk", title="Return to supplier",
    help="Return to supplier: defective or recalled units (in stock, on hold or in repair) go "
         "back against the receipt they came on, with a reason and the credit expected.",
    body=SupplierReturnIn, api_path="/supplier-returns", cli=("return-to-supplier",),
))
SUPPLIER_REPLACEMENT = register(Operation(
    name="supplier_replacement", kind=DocumentKind.RECEIPT, entry=supplier_replacement,
    role="clerk", title="Supplier replacement",
    help="Supplier replacement: receive what the supplier sent for a return to supplier — the "
         "same serials back, or new serials replacing returned ones (--replaces).",
    body=SupplierReplacementIn, api_path="/supplier-returns/{supplier_return}/replacements",
    cli=("supplier-replacement",),
))
