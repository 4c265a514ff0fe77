"""Shipments to customers: exact serials for serial products; for lots and plain quantities the
named lot, else earliest expiry first, then first in, first out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import Expired, InvalidInput, Problem, refuse
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DraftLine,
    OrderKind,
    Tracking,
)
from serialtrack.posting.adjustments import move_serials
from serialtrack.posting.engine import LockedUnit, Posting, posting, retrying, where
from serialtrack.posting.expiry import expired_lot, expired_units
from serialtrack.posting.ledger import take_stock
from serialtrack.posting.lines import existing_lot, quantity_line
from serialtrack.posting.operations import (
    In,
    Operation,
    Station,
    case_field,
    register,
    scan_mismatch_override,
    serial_list,
)
from serialtrack.posting.orders import order_for, settle, take_line
from serialtrack.posting.overrides import check_override, override_note


@retrying
def ship(
    *,
    warehouse: str,
    product: str,
    user: Any,
    customer: str | None = None,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    lot: str | None = None,
    reference: str = "",
    order: str | None = None,
    order_line: int | None = None,
    allow_expired: bool = False,
    reason: str = "",
    accept_scan_mismatch: bool = False,
) -> Document:
    """Against sales order `order` (its line of the product, or line `order_line`): the
    customer defaults to the order's and must be it, the product must be on the order, and no
    more than the line's open quantity ships (what stays open is the back-order). Stock past
    its expiry is refused (and never picked by quantity) unless a manager sets `allow_expired`
    with a `reason`, which the history keeps."""
    if allow_expired:
        check_override(user, "allow_expired", reason)
    item = catalog.get_product(product)
    location = catalog.get_location(warehouse)
    bin_given = "/" in warehouse
    if not customer and not order:
        raise InvalidInput([Problem("invalid", "a shipment needs a customer (or a sales order)",
                                    field="customer")])
    party = catalog.get_party(customer, "customer") if customer else None
    so = order_for(order, OrderKind.SALE, party, order_line)
    if so is not None:
        party = party or so.party
        reference = reference or so.number
    assert party is not None
    if item.tracking != Tracking.SERIAL:
        problems = quantity_line(item, serials, quantity)
        lot_row = existing_lot(item, lot)
        refuse(problems)
        today = timezone.localdate()
        expired = expired_lot(item, lot_row, today)
        if expired and not allow_expired:
            raise Expired([expired])
        with posting(DocumentKind.SHIPMENT, user) as p:
            against = take_line(so, item, quantity or 0, order_line, problems) if so else None
            refuse(problems)
            p.open_document(party=party, warehouse=location.warehouse, reference=reference,
                            reason=reason)
            from_location = location if bin_given else None
            order_row = against.line if against else None

            def line_for(lot_id: int | None, n: int) -> DocumentLine:
                # One line per lot picked, naming it: "which customers got lot X" is answered
                # by the document as well as by its ledger rows.
                return p.add_line(item, n, lot_id=lot_id, from_location=from_location,
                                  order_line=order_row)

            take_stock(p, line_for, item, quantity, problems,
                       warehouse=None if bin_given else location.warehouse,
                       location=location if bin_given else None, lot=lot_row,
                       to_status="shipped", to_party=party,
                       note=override_note("expired stock allowed", reason) if allow_expired
                       else "",
                       unexpired_on=None if allow_expired else today)
            refuse(problems)
            doc = p.finish()
            settle(so)
            return doc

    def allowed(unit: LockedUnit) -> str | None:
        if unit.status != "in_stock":
            return where(unit)
        if bin_given and unit.location_id != location.pk:
            return f"{where(unit)}, not in {warehouse}"
        if unit.warehouse_id != location.warehouse_id:
            return f"{where(unit)}, not in warehouse {location.warehouse.code}"
        return None

    def line_for(count: int, problems: list[Problem]) -> dict[str, Any]:
        if so is None:
            return {}
        against = take_line(so, item, count, order_line, problems)
        return {"order_line": against.line if against else None}

    def no_expired(p: Posting) -> tuple[list[Problem], str]:
        expired = expired_units(p)
        if expired and allow_expired:
            return [], override_note(f"expired {', '.join(e.serial or '' for e in expired)} "
                                     "shipped", reason)
        return expired, ""

    return move_serials(
        kind=DocumentKind.SHIPMENT, item=item, serials=serials, user=user, allowed=allowed,
        to_status="shipped", to_location=None, to_party_id=party.pk, quantity=quantity,
        reason=reason,
        doc_fields={"party": party, "warehouse": location.warehouse, "reference": reference},
        line_fields={"from_location": location if bin_given else None},
        start_warranty_days=item.warranty_days, line_for=line_for, after=lambda: settle(so),
        check=no_expired, accept_scan_mismatch=accept_scan_mismatch,
    )


class ShipmentIn(In):
    warehouse: str = Field(description="CODE or CODE/BIN.")
    customer: str | None = Field(default=None, description="Default: the sales order's.")
    product: str
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = Field(default=None, description="Lot to ship (default FEFO).")
    reference: str = Field(default="", max_length=100, description="e.g. sales order")
    order: str | None = Field(default=None, max_length=32,
                              description="Sales order shipped against (SO-000001).")
    order_line: int | None = Field(default=None, ge=1,
                                   description="Its line number (default: the oldest open line "
                                               "of the product).")
    allow_expired: bool = Field(default=False, description="Ship stock past its expiry date "
                                "(manager only, with a reason).")
    reason: str = Field(default="", max_length=500,
                        description="Why (kept on the document; required with an override).")
    accept_scan_mismatch: bool = scan_mismatch_override()
    case: str | None = case_field()


def _from_draft(doc: Document, line: DraftLine, serials: Sequence[str],
                dispositions: dict[str, str] | None) -> dict[str, Any]:
    return {"warehouse": line.location_ref, "customer": doc.party.name if doc.party else "",
            "product": line.product.sku, "serials": serials, "reference": doc.reference,
            "order": line.order_ref or None}


SHIPMENT = register(Operation(
    name="shipment", kind=DocumentKind.SHIPMENT, entry=ship, role="clerk", title="Ship",
    help="Ship to a customer: exact serials, or a quantity (earliest expiry, then oldest, first).",
    body=ShipmentIn, api_path="/shipments", cli=("ship",),
    station=Station(url="/ship/", post_label="Post shipment", form="start",
                    needs=("product", "warehouse", "customer"), arguments=_from_draft,
                    optional=("order",)),
))
