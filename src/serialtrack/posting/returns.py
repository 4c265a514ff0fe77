"""Customer returns: a return names the shipment the goods went out on, and may carry only units
that shipment carried and that have not come back since (DESIGN invariant 4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, NotOnShipment, Problem, refuse
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    DraftLine,
    Location,
    Lot,
    Movement,
    Product,
    Tracking,
)
from serialtrack.posting.engine import (
    MOVEMENT,
    LockedUnit,
    Posting,
    check_units,
    posting,
    retrying,
    where,
)
from serialtrack.posting.ledger import add_stock, exact, move_units, value_part
from serialtrack.posting.lines import existing_lot, quantity_line
from serialtrack.posting.operations import (
    Disposition,
    In,
    Operation,
    Station,
    case_field,
    register,
    scan_mismatch_override,
    serial_list,
)
from serialtrack.posting.overrides import check_override
from serialtrack.posting.scans import LotInfo, decode_scans, label_contradictions
from serialtrack.serials import check_serials

DISPOSITIONS = {
    "restock": "in_stock",
    "hold": "on_hold",
    "repair": "in_repair",
    "scrap": "scrapped",
}
SHIPPING_KINDS = (DocumentKind.SHIPMENT, DocumentKind.REPAIR)


def get_shipment(number: str) -> Document:
    doc = catalog.get_document(number, field="shipment")
    if doc.kind not in SHIPPING_KINDS or doc.status != DocumentStatus.POSTED or not (
        Movement.objects.filter(document=doc, to_status="shipped").exists()
    ):
        raise NotFound([Problem("not_found", f"{number} is not a posted shipment",
                                field="shipment")])
    reversal = Document.objects.filter(kind=DocumentKind.REVERSAL, related=doc).first()
    if reversal:
        raise NotOnShipment([Problem("not_on_shipment", f"{number} was reversed by "
                                     f"{reversal.number}: nothing of it is out", field="shipment")])
    return doc


def _shipped_from_warehouse(origin: Document) -> str:
    """The warehouse a shipment left from: its own, or for a document that names none (a
    repair shipped back) the warehouse of the bin its units left."""
    if origin.warehouse is not None:
        return origin.warehouse.code
    code = (Movement.objects.filter(document=origin, to_status="shipped",
                                    from_location__isnull=False)
            .values_list("from_location__warehouse__code", flat=True).first())
    if code is None:
        raise InvalidInput([Problem("invalid", f"{origin.number} names no warehouse the units "
                                "left from: say which warehouse they come back to",
                                field="warehouse")])
    return code


@retrying
def receive_return(
    *,
    shipment: str,
    user: Any,
    serials: Iterable[str] = (),
    disposition: str = "restock",
    dispositions: Mapping[str, str] | None = None,
    warehouse: str | None = None,
    reason: str = "",
    accept_scan_mismatch: bool = False,
) -> Document:
    """Post a return of serials from `shipment`. `dispositions` may set one per serial
    (restock / hold / repair / scrap); the others get `disposition`. A GS1 label scanned whose
    lot, expiry or GTIN contradicts the unit's record is refused naming each field, unless a
    manager accepts it (`accept_scan_mismatch`, with a reason kept in the history).

    Where each unit lands: `warehouse` as `CODE/BIN` puts every unit into that bin; otherwise
    each unit goes back into the bin it shipped from when that bin is in the warehouse it comes
    back to (`CODE`, or by default the shipment's), else into that warehouse's default bin."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    origin = get_shipment(shipment)
    given = (warehouse or "").strip()
    location = catalog.get_location(given or _shipped_from_warehouse(origin))
    chosen_bin = "/" in given
    problems: list[Problem] = []
    labels: dict[str, LotInfo] = {}
    gtins: dict[str, str] = {}
    clean, serial_problems, _given = check_serials(decode_scans(serials, None, problems, labels,
                                                                gtins))
    problems += serial_problems
    if not clean and not problems:
        problems.append(Problem("invalid", "list the serials that came back", field="serials"))
    chosen = {s: (dispositions or {}).get(s, disposition) for s in clean}
    for serial, disp in chosen.items():
        if disp not in DISPOSITIONS:
            problems.append(Problem("invalid", f"disposition {disp!r} for {serial!r} is not one of "
                                    f"{', '.join(DISPOSITIONS)}", serial=serial,
                                    field="disposition"))
    refuse(problems)
    with posting(DocumentKind.RETURN, user) as p:
        units, shipped_from = _units_on_shipment(p, origin, clean, problems)
        returned = _returned_from(p, origin)
        last_shipping = _last_shipping_document(p)

        def allowed(unit: LockedUnit) -> str | None:
            if unit.id in returned:
                return f"already came back from {origin.number} on {returned[unit.id]}"
            if unit.status != "shipped" or last_shipping.get(unit.id) != origin.pk:
                return f"{where(unit)}; it is not out with the customer on {origin.number}"
            return None

        check_units(p, units, allowed, problems, code="not_on_shipment")
        mismatches, accepted = label_contradictions(p, labels, gtins, accept_scan_mismatch,
                                                    reason)
        problems += mismatches
        refuse(problems)
        p.open_document(party=origin.party, warehouse=location.warehouse, related=origin,
                        reason=reason)
        by_unit = {u.id: u for u in units}

        def bin_of(unit_id: int) -> int:
            source = shipped_from.get(unit_id)
            if chosen_bin or source is None or source[1] != location.warehouse_id:
                return location.pk
            return source[0]

        bins = {location.pk: location}
        wanted = {bin_of(uid) for uid in by_unit} - set(bins)
        if wanted:
            bins.update(Location.objects.select_related("warehouse").in_bulk(wanted))
        for disp in DISPOSITIONS:
            group = [(u.pos, u.id) for u in by_unit.values() if chosen[u.serial] == disp]
            if not group:
                continue
            to_status = DISPOSITIONS[disp]
            stored = to_status != "scrapped"
            places = sorted({(by_unit[uid].product_id, bin_of(uid) if stored else 0)
                             for _pos, uid in group})
            for product_id, bin_id in places:
                subset = [(pos, uid) for pos, uid in group
                          if by_unit[uid].product_id == product_id
                          and (not stored or bin_of(uid) == bin_id)]
                line = p.add_line(Product.objects.get(pk=product_id), len(subset),
                                  to_location=bins[bin_id] if stored else None,
                                  note=f"disposition: {disp}")
                p.stage_units(subset)
                move_units(p, line, to_status=to_status,
                           to_location_id=bin_id if stored else None, to_party_id=None,
                           note="; ".join(n for n in (f"returned: {disp}", accepted) if n))
        return p.finish()


def _units_on_shipment(
    p: Posting, origin: Document, serials: list[str], problems: list[Problem]
) -> tuple[list[LockedUnit], dict[int, tuple[int, int]]]:
    """The units of `serials` that `origin` shipped, locked; and for each, the bin it shipped
    from with that bin's warehouse."""
    p.stage_serials(serials)
    p.cursor.execute(
        "SELECT s.pos, s.serial, x.unit_id, x.from_location_id, x.warehouse_id "
        "FROM st_serials s LEFT JOIN ("
        f"SELECT m.unit_id, u.serial, m.from_location_id, l.warehouse_id FROM {MOVEMENT} m "
        "JOIN inventory_unit u ON u.id = m.unit_id "
        "LEFT JOIN inventory_location l ON l.id = m.from_location_id "
        "WHERE m.document_id = %s AND m.to_status = 'shipped') x ON x.serial = s.serial "
        "ORDER BY s.pos",
        [origin.pk],
    )
    found: list[tuple[int, int]] = []
    shipped_from: dict[int, tuple[int, int]] = {}
    for pos, serial, unit_id, from_location, from_warehouse in p.cursor.fetchall():
        if unit_id is not None and from_location is not None:
            shipped_from[unit_id] = (from_location, from_warehouse)
        if unit_id is None:
            problems.append(Problem("not_on_shipment",
                                    f"serial {serial!r} was not shipped on {origin.number}",
                                    serial=serial, extra={"shipment": origin.number}))
        else:
            found.append((pos, unit_id))
    p.stage_units(found)
    return p.lock_units(), shipped_from


def _returned_from(p: Posting, origin: Document) -> dict[int, str]:
    """Staged units that already came back on a return against `origin`."""
    p.cursor.execute(
        f"SELECT m.unit_id, d.number FROM st_units s JOIN {MOVEMENT} m ON m.unit_id = s.unit_id "
        "JOIN inventory_document d ON d.id = m.document_id "
        "WHERE d.kind = 'return' AND d.related_id = %s "
        "AND NOT EXISTS (SELECT 1 FROM inventory_document r WHERE r.kind = 'reversal' "
        "AND r.related_id = d.id)",
        [origin.pk],
    )
    return dict(p.cursor.fetchall())


def _last_shipping_document(p: Posting) -> dict[int, int]:
    """For each staged unit, the document that last shipped it (an index seek per unit)."""
    p.cursor.execute(
        "SELECT s.unit_id, (SELECT m.document_id FROM inventory_movement m "
        "JOIN inventory_document d ON d.id = m.document_id "
        "WHERE m.unit_id = s.unit_id AND m.to_status = 'shipped' "
        "AND d.kind IN ('shipment', 'repair') ORDER BY m.id DESC LIMIT 1) "
        "FROM st_units s"
    )
    return dict(p.cursor.fetchall())


@retrying
def receive_quantity_return(
    *,
    shipment: str,
    product: str,
    quantity: int,
    user: Any,
    lot: str | None = None,
    warehouse: str | None = None,
    reason: str = "",
) -> Document:
    """Return of a lot- or quantity-tracked product: at most what the shipment carried of it,
    less what already came back against it."""
    origin = get_shipment(shipment)
    item = catalog.get_product(product)
    location = catalog.get_location(warehouse or origin.warehouse.code)
    if item.tracking == Tracking.SERIAL:
        raise InvalidInput([Problem("invalid", f"{item.sku} is serial-tracked: list the serials",
                                    field="serials")])
    refuse(quantity_line(item, (), quantity))
    lot_row = existing_lot(item, lot)
    with posting(DocumentKind.RETURN, user) as p:
        shipped = Movement.objects.filter(document=origin, product=item, to_status="shipped")
        back = Movement.objects.filter(document__kind=DocumentKind.RETURN,
                                       document__related=origin, product=item).exclude(
            document__dependents__kind=DocumentKind.REVERSAL)
        if lot_row:
            shipped, back = shipped.filter(lot=lot_row), back.filter(lot=lot_row)
        went = list(shipped.values_list("quantity", "value"))
        came = list(back.values_list("quantity", "value"))
        out = sum(q for q, _v in went) - sum(q for q, _v in came)
        # it comes back at the cost it shipped at (what is still out of it, pro rata)
        out_value = (sum((exact(v) for _q, v in went), Decimal(0))
                     - sum((exact(v) for _q, v in came), Decimal(0)))
        if quantity > out:
            refuse([Problem("not_on_shipment",
                            f"{item.sku}{' lot ' + lot if lot else ''}: {quantity} returned but "
                            f"only {out} of {origin.number} is still out",
                            field="quantity", extra={"shipment": origin.number})])
        p.open_document(party=origin.party, warehouse=location.warehouse, related=origin,
                        reason=reason)
        if lot_row is None and item.tracking == Tracking.LOT:
            lots = shipped.values_list("lot_id", flat=True).distinct()
            if len(lots) > 1:
                refuse([Problem("invalid", f"{origin.number} carried several lots of {item.sku}: "
                                "name the lot", field="lot")])
            lot_row = Lot.objects.get(pk=lots[0])
        line = p.add_line(item, quantity, lot=lot_row, to_location=location)
        add_stock(p, line, item, lot_row, location, quantity, from_status="shipped",
                  from_party=origin.party, value=value_part(out_value, quantity, out))
        return p.finish()


@retrying
def customer_return(
    *,
    shipment: str,
    user: Any,
    serials: Iterable[str] = (),
    disposition: str = "restock",
    dispositions: Mapping[str, str] | None = None,
    warehouse: str | None = None,
    product: str | None = None,
    quantity: int | None = None,
    lot: str | None = None,
    reason: str = "",
    accept_scan_mismatch: bool = False,
) -> Document:
    """A customer return from `shipment`: the serials that came back, or (no serials listed) a
    quantity of a lot- or quantity-tracked `product`."""
    serials = list(serials)
    if product and quantity and not serials:
        return receive_quantity_return(shipment=shipment, product=product, quantity=quantity,
                                       lot=lot, warehouse=warehouse, user=user, reason=reason)
    return receive_return(shipment=shipment, serials=serials, disposition=disposition,
                          dispositions=dispositions, warehouse=warehouse, user=user,
                          reason=reason, accept_scan_mismatch=accept_scan_mismatch)


class ReturnIn(In):
    shipment: str = Field(description="The shipment's number.")
    serials: list[str] = serial_list()
    disposition: Disposition = Field(default="restock", description="restock | hold | repair | scrap")
    dispositions: dict[str, Disposition] = Field(default_factory=dict,
                                                 description="per-serial dispositions")
    warehouse: str | None = Field(
        default=None, description="Where it comes back to: CODE/BIN puts every unit into that bin; "
        "CODE (default: the shipment's warehouse) puts each unit back into the bin it shipped "
        "from, or the warehouse's default bin.")
    product: str | None = Field(default=None, description="For lot/quantity products, with the quantity.")
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    reason: str = Field(default="", max_length=500)
    accept_scan_mismatch: bool = scan_mismatch_override()
    case: str | None = case_field()


def _from_draft(doc: Document, line: DraftLine, serials: Sequence[str],
                dispositions: dict[str, str] | None) -> dict[str, Any]:
    return {"shipment": doc.related.number, "serials": serials, "disposition": line.disposition,
            "dispositions": dispositions, "warehouse": line.location_ref or None,
            "reason": doc.reason}


RETURN = register(Operation(
    name="return", kind=DocumentKind.RETURN, entry=customer_return, role="clerk",
    title="Customer return", help="Customer return from a named shipment.",
    body=ReturnIn, api_path="/returns", cli=("return",),
    station=Station(url="/return/", post_label="Post return", form="return",
                    needs=("shipment",), arguments=_from_draft),
))
