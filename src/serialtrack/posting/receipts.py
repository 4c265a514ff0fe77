"""Receipts (goods in from a supplier) and found-stock / opening-balance adjustments: the two ways
units come into existence. A 1,000,000-serial receipt is a handful of set-based statements."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, Problem, refuse
from serialtrack.fastpath import fetch
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DraftLine,
    DraftSerial,
    OrderKind,
    Product,
    Tracking,
)
from serialtrack.posting import generated
from serialtrack.posting.engine import (
    UNIT,
    Posting,
    get_lot,
    posting,
    retrying,
)
from serialtrack.posting.ledger import (
    add_stock,
    insert_units,
    move_units,
    pair_manufacturer_serials,
    release_voided_makers,
)
from serialtrack.posting.lines import quantity_line, serial_line
from serialtrack.posting.operations import (
    MANUFACTURER_SERIALS,
    MAX_SERIALS,
    PAIRED_SERIALS,
    In,
    Operation,
    Station,
    register,
    serial_list,
)
from serialtrack.posting.orders import Against, order_for, settle, take_line
from serialtrack.posting.scans import LotInfo
from serialtrack.serials import check_manufacturer_serials, serial_problem

ANALYZE_AFTER = 50_000  # serials in one receipt


@retrying
def receive(
    *,
    warehouse: str,
    product: str,
    user: Any,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    supplier: str | None = None,
    lot: str | None = None,
    expiry: dt.date | None = None,
    cost: Decimal | None = None,
    reference: str = "",
    kind: str = DocumentKind.RECEIPT,
    reason: str = "",
    generate: int | None = None,
    manufacturer_serials: Iterable[str | None] = (),
    order: str | None = None,
    order_line: int | None = None,
) -> Document:
    """Post a receipt: new units in stock (serial products) or added quantity (lot/none).
    Against purchase order `order` (its line of the product, or line `order_line`): the
    supplier defaults to the order's and must be it, the unit cost defaults to the line's unit
    price, and more than the line's open quantity (plus its tolerance) is refused.
    `generate=N` gives N units serials from the product's template instead of listing them.
    `manufacturer_serials` are the makers' serials the units carry as well, one per unit (None:
    that unit has none): beside listed serials, position by position; or alone, and then each
    unit gets a generated serial (one per manufacturer serial listed)."""
    item = catalog.get_product(product)
    location = catalog.get_location(warehouse)
    party = catalog.get_party(supplier, "supplier") if supplier else None
    po = order_for(order, OrderKind.PURCHASE, party, order_line) if kind == DocumentKind.RECEIPT else None
    if po is not None:
        party = party or po.party
        reference = reference or po.number
    problems: list[Problem] = []
    if cost is not None and cost < 0:
        problems.append(Problem("invalid", f"cost {cost} cannot be negative", field="cost"))
    if item.tracking == Tracking.LOT and not lot:
        problems.append(Problem("invalid", f"{item.sku} is lot-tracked: give --lot", field="lot"))
    if item.tracking == Tracking.NONE and lot:
        problems.append(Problem("invalid", f"{item.sku} is not lot-tracked: no --lot", field="lot"))
    makers = list(manufacturer_serials)
    if item.tracking != Tracking.SERIAL:
        if makers:
            problems.append(Problem("invalid", f"{item.sku} is not serial-tracked: no "
                                    "manufacturer serials", field="manufacturer_serials"))
        refuse(problems + quantity_line(item, serials, quantity))
        with posting(kind, user) as p:
            against = take_line(po, item, quantity or 0, order_line, problems) if po else None
            refuse(problems)
            cost = _order_cost(cost, against)
            p.open_document(party=party, warehouse=location.warehouse, reference=reference,
                            reason=reason)
            lot_row = get_lot(item, lot, expiry) if lot else None
            line = p.add_line(item, quantity, lot=lot_row, to_location=location, unit_cost=cost,
                              order_line=against.line if against else None)
            add_stock(p, line, item, lot_row, location, quantity, from_party=party,
                      cost=cost, receipt_line=line)
            doc = p.finish()
            settle(po)
            return doc

    serials, listed = _peek(serials)
    if generate is not None or (makers and not listed):
        return _receive_generated(item, len(makers) if generate is None else generate, serials,
                                  quantity, problems, makers, user=user, warehouse=warehouse,
                                  supplier=supplier, lot=lot, expiry=expiry, cost=cost,
                                  reference=reference, kind=kind, reason=reason, order=order,
                                  order_line=order_line)
    scanned_lots: dict[str, LotInfo] = {}
    clean, serial_problems = serial_line(item, serials, quantity, item.serial_pattern,
                                         scanned_lots, new=True)
    problems += serial_problems
    paired = (_pair_makers(item, clean, makers, not serial_problems, problems) if makers
              else None)
    groups = lot_groups(clean, scanned_lots, lot, expiry, problems)
    with posting(kind, user) as p:
        if makers:
            _check_makers(p, item, makers, paired, problems)
        check_as_makers = bool(makers) or _has_makers(p, item)
        revives = []
        for _code, _expiry, group in groups:
            _stage(p, group, paired)
            revives.append(_existing_serials(p, item, problems))
            if check_as_makers:
                _serials_carried_as_makers(p, item, problems)
        against = take_line(po, item, len(clean), order_line, problems) if po else None
        refuse(problems)
        cost = _order_cost(cost, against)
        p.open_document(party=party, warehouse=location.warehouse, reference=reference,
                        reason=reason)
        for (code, lot_expiry, group), revive in zip(groups, revives, strict=True):
            lot_row = get_lot(item, code, lot_expiry) if code else None
            line = p.add_line(item, len(group), lot=lot_row, to_location=location, unit_cost=cost,
                              order_line=against.line if against else None)
            if len(groups) > 1:
                _stage(p, group, paired)
            if paired:
                release_voided_makers(p, item)
            insert_units(p, item, line.pk, lot_row.pk if lot_row else None, location.pk,
                          party.pk if party else None, cost, skip_existing=bool(revive))
            if revive:
                p.stage_units(revive)
                move_units(p, line, to_status="in_stock", to_location_id=location.pk,
                             to_party_id=None, cost=p.money(cost),
                             extra_set={"lot_id": lot_row.pk if lot_row else None,
                                        "received_at": p.ts()})
                if paired:
                    pair_manufacturer_serials(
                        p, [(maker, unit_id) for pos, unit_id in revive
                            if (maker := paired[group[pos]]) is not None])
        if p.pg and len(clean) >= ANALYZE_AFTER:
            # Fresh planner statistics now, not at autovacuum's leisure: without them the
            # next shipment hashes the whole unit table instead of seeking its serials.
            p.cursor.execute("ANALYZE inventory_unit")
            p.cursor.execute("ANALYZE inventory_movement")
        doc = p.finish()
        settle(po)
        return doc


def _order_cost(cost: Decimal | None, against: Against | None) -> Decimal | None:
    """The unit cost of a receipt: as given, else the purchase order line's unit price."""
    if cost is None and against is not None:
        return against.line.unit_price
    return cost


def _receive_generated(item: Product, count: int, serials: Iterable[str], quantity: int | None,
                       problems: list[Problem], makers: list[str | None], **receipt: Any
                       ) -> Document:
    """Take `count` serials from the product's sequence and receive them, in one transaction
    (the sequence's counter row is locked until commit, so concurrent receipts queue on it).
    With manufacturer serials, the i-th generated serial goes to the unit carrying the i-th."""
    if any(True for _ in serials):
        problems.append(Problem("invalid", "either list serials or generate them, not both",
                                field="serials"))
    if quantity is not None and quantity != count:
        problems.append(Problem("count_mismatch", f"quantity {quantity} but {count} to generate",
                                field="quantity"))
    if makers and len(makers) != count:
        problems.append(Problem(
            "count_mismatch", f"{len(makers)} manufacturer serials but {count} to generate",
            field="manufacturer_serials"))
    refuse(problems)  # the manufacturer serials themselves are judged with the receipt's own
    with transaction.atomic():
        return receive(product=item.sku, serials=generated.allocate(item, count),
                       manufacturer_serials=makers, **receipt)


def _peek(serials: Iterable[str]) -> tuple[Iterable[str], bool]:
    """`serials` (a stream is not lost) and whether it lists any."""
    if isinstance(serials, (list, tuple)):
        return serials, bool(serials)
    stream: Iterator[str] = iter(serials)
    first = next(stream, None)
    return ([], False) if first is None else (itertools.chain([first], stream), True)


# -- manufacturer serials ------------------------------------------------------------------------
# One text names at most one unit of a product: a manufacturer serial is refused when another unit
# of the product carries it (as its manufacturer serial or as its own serial), and so is a new
# serial that another unit carries as its manufacturer serial. Units whose receipt was reversed
# (voided) are not counted: they give their manufacturer serial up to the unit receiving it.

def _pair_makers(item: Product, clean: list[str], makers: list[str | None], serials_ok: bool,
                 problems: list[Problem]) -> dict[str, str | None] | None:
    """Serial -> manufacturer serial, when the lists pair up (else None; the problems say why)."""
    stored, maker_problems = check_manufacturer_serials(makers, product=item)
    problems += maker_problems
    if not serials_ok:
        return None
    if len(stored) != len(clean):
        problems.append(Problem(
            "count_mismatch", (f"{len(stored)} manufacturer serial{'' if len(stored) == 1 else 's'} for "
            f"{len(clean)} serial{'' if len(clean) == 1 else 's'}"),
            field="manufacturer_serials", extra={"serials": len(clean),
                                                 "manufacturer_serials": len(stored)}))
        return None
    if maker_problems:
        return None
    listed = set(clean)
    for serial, maker in zip(clean, stored, strict=True):
        if maker is not None and maker != serial and maker in listed:
            problems.append(Problem(
                "duplicate_serial", f"manufacturer serial {maker!r} of serial {serial!r} is "
                "also listed as a serial in this document", serial=maker,
                field="manufacturer_serial"))
    return dict(zip(clean, stored, strict=True))


def _stage(p: Posting, group: list[str], paired: dict[str, str | None] | None) -> None:
    p.stage_serials(group, [paired[s] for s in group] if paired else None)


def _check_makers(p: Posting, product: Product, makers: list[str | None],
                  paired: dict[str, str | None] | None, problems: list[Problem]) -> None:
    """Manufacturer serials other units of the product carry: every one named, in two indexed
    joins. Checked even when the lists do not pair up, so one refusal names them all."""
    rows = ([(s, m) for s, m in paired.items() if m is not None] if paired is not None else
            [("", stored) for m in makers if m is not None
             for stored, problem in [serial_problem(m, product=product)] if problem is None])
    if not rows:
        return
    p.stage_serials([s for s, _m in rows], [m for _s, m in rows])
    seen: set[str] = set()
    for column in _MAKER_COLUMNS:
        p.cursor.execute(
            f"SELECT s.mfr, u.serial, u.status, d.number, d.posted_at FROM st_serials s "
            f"JOIN {UNIT} u ON u.product_id = %s AND u.{column} = s.mfr "
            "LEFT JOIN inventory_document d ON d.id = u.last_document_id "
            "WHERE u.status <> 'voided' AND u.serial <> s.serial ORDER BY s.pos", [product.pk])
        for maker, serial, status, number, posted_at in p.cursor.fetchall():
            if maker in seen:
                continue
            seen.add(maker)
            if p.is_recent(posted_at):
                problems.append(Problem(
                    "conflict", f"manufacturer serial {maker!r} of {product.sku} was just "
                    f"received by {number} in another posting", serial=maker,
                    field="manufacturer_serial", extra={"document": number}))
                continue
            problems.append(_maker_taken(product, column, maker, serial, status, number))


# Where a manufacturer serial may already be taken, in the order a refusal names the first.
_MAKER_COLUMNS = ("manufacturer_serial", "serial")


def _maker_taken(product: Product, column: str, maker: str, serial: str, status: str,
                 number: str | None) -> Problem:
    """`maker` is already carried by unit `serial` of the product, as `column`."""
    what = ("is already the manufacturer serial of unit" if column == "manufacturer_serial"
            else "is already the serial of unit")
    return Problem(
        "duplicate_serial",
        f"manufacturer serial {maker!r} of {product.sku} {what} {serial!r} "
        f"({status.replace('_', ' ')}" + (f", {number})" if number else ")"),
        serial=maker, field="manufacturer_serial",
        extra={"unit": serial, "status": status, "document": number})


def known_manufacturer_serials(product: Product, makers: Sequence[str], chunk: int = 500
                               ) -> list[Problem]:
    """What a receipt of `makers` as manufacturer serials (stored forms, each listed once) would
    say about those another unit of the product already carries, as its manufacturer serial or
    its own serial (units whose receipt was reversed excepted): read without posting, index
    seeks and no write lock, as `known_serials`. One problem per taken manufacturer serial."""
    found: dict[str, Problem] = {}
    for start in range(0, len(makers), chunk):
        part = makers[start:start + chunk]
        listed = ", ".join(["%s"] * len(part))
        selects = [
            f"SELECT {rank}, u.{column}, u.serial, u.status, d.number "
            f"FROM {UNIT} u LEFT JOIN inventory_document d ON d.id = u.last_document_id "
            f"WHERE u.product_id = %s AND u.{column} IN ({listed}) AND u.status <> 'voided'"
            for rank, column in enumerate(_MAKER_COLUMNS)]
        rows = fetch(" UNION ALL ".join(selects) + " ORDER BY 1",
                     [v for _c in _MAKER_COLUMNS for v in (product.pk, *part)])
        for rank, maker, serial, status, number in rows:
            if maker not in found:
                found[maker] = _maker_taken(product, _MAKER_COLUMNS[rank], maker, serial,
                                            status, number)
    return [found[m] for m in makers if m in found]


def _has_makers(p: Posting, product: Product) -> bool:
    """Does any unit of the product carry a manufacturer serial? (One seek of the partial index:
    a product without any pays nothing more for its receipts.)"""
    p.cursor.execute(f"SELECT 1 FROM {UNIT} WHERE product_id = %s AND manufacturer_serial IS NOT "
                     "NULL LIMIT 1", [product.pk])
    return p.cursor.fetchone() is not None


def _serials_carried_as_makers(p: Posting, product: Product, problems: list[Problem]) -> None:
    """Staged serials that another unit of the product carries as its manufacturer serial."""
    p.cursor.execute(
        "SELECT s.serial, u.serial, u.status, d.number FROM st_serials s "
        f"JOIN {UNIT} u ON u.product_id = %s AND u.manufacturer_serial = s.serial "
        "LEFT JOIN inventory_document d ON d.id = u.last_document_id "
        "WHERE u.status <> 'voided' AND u.serial <> s.serial ORDER BY s.pos", [product.pk])
    problems += [_carried_as_maker(product, *row) for row in p.cursor.fetchall()]


def _carried_as_maker(product: Product, serial: str, other: str, status: str,
                      number: str | None) -> Problem:
    return Problem(
        "duplicate_serial",
        f"serial {serial!r} of {product.sku} is the manufacturer serial of unit {other!r} "
        f"({status.replace('_', ' ')}" + (f", {number})" if number else ")"),
        serial=serial, extra={"unit": other, "status": status, "document": number})


def lot_groups(serials: list[str], scanned: dict[str, LotInfo], lot: str | None,
                expiry: dt.date | None, problems: list[Problem]
                ) -> list[tuple[str | None, dt.date | None, list[str]]]:
    """One line per lot: the lot named for the receipt, or the (10)/(17) of each GS1 scan. A
    scan whose lot or expiry contradicts the one named for the receipt is a problem."""
    if not scanned:
        return [(lot, expiry, serials)]
    groups: dict[tuple[str | None, dt.date | None], list[str]] = {}
    for serial in serials:
        code, scan_expiry = scanned.get(serial, (None, None))
        if lot and code and code != lot:
            problems.append(Problem("invalid_scan", f"serial {serial!r} is labelled lot {code}, "
                                    f"but this receipt is for lot {lot}", serial=serial, field="lot"))
        if expiry and scan_expiry and scan_expiry != expiry:
            problems.append(Problem("invalid_scan", f"serial {serial!r} is labelled to expire "
                                    f"{scan_expiry.isoformat()}, not {expiry.isoformat()}",
                                    serial=serial, field="expiry"))
        groups.setdefault((code or lot, scan_expiry or expiry), []).append(serial)
    return [(code, exp, group) for (code, exp), group in groups.items()]


def _existing_serials(p: Posting, product: Product, problems: list[Problem]) -> list[tuple[int, int]]:
    """Staged serials the product already has: refused, except units whose receipt was reversed
    (voided), which this receipt brings back. One indexed join for the whole batch."""
    p.cursor.execute(
        "SELECT s.pos, s.serial, u.id, u.status, d.number, d.posted_at FROM st_serials s "
        f"JOIN {UNIT} u ON u.product_id = %s AND u.serial = s.serial "
        "LEFT JOIN inventory_document d ON d.id = u.last_document_id ORDER BY s.pos",
        [product.pk],
    )
    revive: list[tuple[int, int]] = []
    for pos, serial, unit_id, status, number, posted_at in p.cursor.fetchall():
        if status == "voided":
            revive.append((pos, unit_id))
        elif p.is_recent(posted_at):
            problems.append(Problem(
                "conflict", f"serial {serial!r} of {product.sku} was just received by {number} "
                "in another posting", serial=serial, extra={"document": number}))
        else:
            problems.append(_already_exists(product, serial, status, number))
    return revive


def _already_exists(product: Product, serial: str, status: str, number: str | None) -> Problem:
    return Problem(
        "duplicate_serial",
        f"serial {serial!r} of {product.sku} already exists ({status.replace('_', ' ')}"
        + (f", {number})" if number else ")"),
        serial=serial, extra={"status": status, "document": number},
    )


def known_serials(product: Product, serials: Sequence[str], chunk: int = 500) -> list[Problem]:
    """What a receipt of `serials` would say about those the product already has, as its serial
    or another unit's manufacturer serial (units whose receipt was reversed excepted), read
    without posting: index seeks and no write lock, so a receiving bench can judge each scan as
    it comes."""
    known: list[Problem] = []
    as_maker: list[Problem] = []
    for start in range(0, len(serials), chunk):
        part = serials[start:start + chunk]
        listed = ", ".join(["%s"] * len(part))
        # one statement, two index seeks per serial: as a serial, as a manufacturer serial
        rows = fetch(
            "SELECT 0, u.serial, u.serial, u.status, d.number "
            f"FROM {UNIT} u LEFT JOIN inventory_document d ON d.id = u.last_document_id "
            f"WHERE u.product_id = %s AND u.serial IN ({listed}) AND u.status <> 'voided' "
            "UNION ALL "
            "SELECT 1, u.manufacturer_serial, u.serial, u.status, d.number "
            f"FROM {UNIT} u LEFT JOIN inventory_document d ON d.id = u.last_document_id "
            f"WHERE u.product_id = %s AND u.manufacturer_serial IN ({listed}) "
            "AND u.status <> 'voided' AND u.serial <> u.manufacturer_serial",
            [product.pk, *part, product.pk, *part])
        for maker, scanned, serial, status, number in rows:
            if maker:
                as_maker.append(_carried_as_maker(product, scanned, serial, status, number))
            else:
                known.append(_already_exists(product, serial, status, number))
    return known + as_maker


@retrying
def add_found(
    *,
    warehouse: str,
    product: str,
    user: Any,
    reason: str,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    lot: str | None = None,
    expiry: dt.date | None = None,
    cost: Decimal | None = None,
    manufacturer_serials: Iterable[str | None] = (),
) -> Document:
    """Found stock or an opening balance: an adjustment that brings units in without a supplier
    (manufacturer serials as for `receive`)."""
    if not reason.strip():
        raise InvalidInput([Problem("invalid", "an adjustment needs a reason "
                                    "(e.g. 'opening balance', 'found in stock count')",
                                    field="reason")])
    return receive(warehouse=warehouse, product=product, user=user, serials=serials,
                   quantity=quantity, lot=lot, expiry=expiry, cost=cost,
                   kind=DocumentKind.ADJUSTMENT, reason=reason,
                   manufacturer_serials=manufacturer_serials)


# -- drafts of receipts: scans judged by the receipt's own checks ---------------------------------

def judge_scans(line: DraftLine, serials: list[str], lots: dict[str, LotInfo]
                ) -> dict[str, Problem]:
    """What the receipt would refuse among a draft's `serials` (already read and pattern-checked),
    read only (index seeks, no write lock): a GS1 lot or expiry that contradicts the draft's,
    and serials the product already has (for a draft of manufacturer serials: those another unit
    carries as either serial)."""
    found: list[Problem] = []
    lot_groups(serials, lots, line.lot_code or None, line.expiry, found)
    if line.scans == MANUFACTURER_SERIALS:
        found += _unnamed_lots(line, serials, lots)
        found += known_manufacturer_serials(line.product, serials)
    else:
        if line.scans == PAIRED_SERIALS:  # posted as read: of the draft's lot and expiry
            found += _unnamed_lots(line, serials, lots)
        found += known_serials(line.product, serials)
    first: dict[str, Problem] = {}
    for problem in found:
        if problem.serial is not None:
            first.setdefault(problem.serial, problem)
    return first


def _unnamed_lots(line: DraftLine, serials: list[str], lots: dict[str, LotInfo]
                  ) -> list[Problem]:
    """A draft of manufacturer serials posts as one receipt line, of the draft's lot and expiry:
    a GS1 scan labelled with a lot or expiry the draft does not name would lose it."""
    found: list[Problem] = []
    for serial in serials:
        code, expiry = lots.get(serial, (None, None))
        if code and not line.lot_code:
            found.append(Problem("invalid_scan", f"manufacturer serial {serial!r} is labelled lot "
                                 f"{code}: open the draft for lot {code}", serial=serial,
                                 field="lot"))
        elif expiry and not line.expiry:
            found.append(Problem("invalid_scan", f"manufacturer serial {serial!r} is labelled to "
                                 f"expire {expiry.isoformat()}: open the draft with that expiry",
                                 serial=serial, field="expiry"))
    return found


def _from_draft(doc: Document, line: DraftLine, serials: Sequence[str],
                dispositions: dict[str, str] | None) -> dict[str, Any]:
    makers = line.scans == MANUFACTURER_SERIALS
    paired: Sequence[str | None] = ()
    if line.scans == PAIRED_SERIALS:  # each serial with the maker's serial scanned beside it
        pairs = dict(DraftSerial.objects.filter(line=line)
                     .values_list("serial", "manufacturer_serial"))
        paired = [pairs.get(s) for s in serials]
    return {"warehouse": line.location_ref, "product": line.product.sku,
            "serials": () if makers else serials,
            "manufacturer_serials": serials if makers else paired,
            "supplier": doc.party.name if doc.party else None, "lot": line.lot_code or None,
            "expiry": line.expiry, "cost": line.cost, "reference": doc.reference,
            "order": line.order_ref or None}


class ReceiptIn(In):
    warehouse: str = Field(description="CODE or CODE/BIN.")
    product: str
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    supplier: str | None = None
    lot: str | None = Field(default=None, max_length=128)
    expiry: dt.date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4,
                                 description="Unit cost.")
    reference: str = Field(default="", max_length=100, description="e.g. purchase order")
    generate: int | None = Field(default=None, ge=1, le=1_000_000,
                                 description="Give N units serials from the product's template.")
    manufacturer_serials: list[str | None] = Field(
        default_factory=list, max_length=MAX_SERIALS,
        description="the makers' serials, one per unit (null: none): beside `serials`, position "
                    "by position, or alone — each unit then gets a generated serial")
    order: str | None = Field(default=None, max_length=32,
                              description="Purchase order received against (PO-000001).")
    order_line: int | None = Field(default=None, ge=1,
                                   description="Its line number (default: the oldest open line "
                                               "of the product).")


class FoundIn(In):
    warehouse: str = Field(description="CODE or CODE/BIN.")
    product: str
    reason: str = Field(min_length=1, max_length=500, description="e.g. 'opening balance'.")
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = Field(default=None, max_length=128)
    expiry: dt.date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)


RECEIPT = register(Operation(
    name="receipt", kind=DocumentKind.RECEIPT, entry=receive, role="clerk", title="Receive",
    help="Receive goods: serials (or GS1 scans) into stock, generated serials (optionally one "
         "per manufacturer serial), or a lot / plain quantity.",
    body=ReceiptIn, api_path="/receipts", cli=("receive",),
    station=Station(url="/receive/", post_label="Post receipt", form="start",
                    needs=("product", "warehouse"), arguments=_from_draft, judge=judge_scans,
                    optional=("order",)),
))
FOUND = register(Operation(
    name="found", kind=DocumentKind.ADJUSTMENT, entry=add_found, role="manager",
    title="Found stock", help="Adjustment: found stock or an opening balance.", body=FoundIn,
    api_path="/adjustments/found", cli=("found",),
))
