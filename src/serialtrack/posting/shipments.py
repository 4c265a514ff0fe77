"""Shipments to customers: exact serials for serial products; for lots and plain quantities the
named lot, else earliest expiry first, then first in, first out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import refuse
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DraftLine,
    Tracking,
)
from serialtrack.posting.adjustments import move_serials
from serialtrack.posting.engine import LockedUnit, posting, retrying, where
from serialtrack.posting.ledger import take_stock
from serialtrack.posting.lines import existing_lot, quantity_line
from serialtrack.posting.operations import In, Operation, Station, register, serial_list


@retrying
def ship(
    *,
    warehouse: str,
    customer: str,
    product: str,
    user: Any,
    serials: Iterable[str] = (),
    quantity: int | None = None,
    lot: str | None = None,
    reference: str = "",
) -> Document:
    item = catalog.get_product(product)
    location = catalog.get_location(warehouse)
    bin_given = "/" in warehouse
    party = catalog.get_party(customer, "customer")
    if item.tracking != Tracking.SERIAL:
        problems = quantity_line(item, serials, quantity)
        lot_row = existing_lot(item, lot)
        refuse(problems)
        with posting(DocumentKind.SHIPMENT, user) as p:
            p.open_document(party=party, warehouse=location.warehouse, reference=reference)
            from_location = location if bin_given else None

            def line_for(lot_id: int | None, n: int) -> DocumentLine:
                # One line per lot picked, naming it: "which customers got lot X" is answered
                # by the document as well as by its ledger rows.
                return p.add_line(item, n, lot_id=lot_id, from_location=from_location)

            take_stock(p, line_for, item, quantity, problems,
                       warehouse=None if bin_given else location.warehouse,
                       location=location if bin_given else None, lot=lot_row,
                       to_status="shipped", to_party=party)
            refuse(problems)
            return p.finish()

    def allowed(unit: LockedUnit) -> str | None:
        if unit.status != "in_stock":
            return where(unit)
        if bin_given and unit.location_id != location.pk:
            return f"{where(unit)}, not in {warehouse}"
        if unit.warehouse_id != location.warehouse_id:
            return f"{where(unit)}, not in warehouse {location.warehouse.code}"
        return None

    return move_serials(
        kind=DocumentKind.SHIPMENT, item=item, serials=serials, user=user, allowed=allowed,
        to_status="shipped", to_location=None, to_party_id=party.pk, quantity=quantity,
        doc_fields={"party": party, "warehouse": location.warehouse, "reference": reference},
        line_fields={"from_location": location if bin_given else None},
        start_warranty_days=item.warranty_days,
    )


class ShipmentIn(In):
    warehouse: str = Field(description="CODE or CODE/BIN.")
    customer: str
    product: str
    serials: list[str] = serial_list()
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = Field(default=None, description="Lot to ship (default FEFO).")
    reference: str = Field(default="", max_length=100, description="e.g. sales order")


def _from_draft(doc: Document, line: DraftLine, serials: Sequence[str],
                dispositions: dict[str, str] | None) -> dict[str, Any]:
    return {"warehouse": line.location_ref, "customer": doc.party.name if doc.party else "",
            "product": line.product.sku, "serials": serials, "reference": doc.reference}


SHIPMENT = register(Operation(
    name="shipment", kind=DocumentKind.SHIPMENT, entry=ship, role="clerk", title="Ship",
    help="Ship to a customer: exact serials, or a quantity (earliest expiry, then oldest, first).",
    body=ShipmentIn, api_path="/shipments", cli=("ship",),
    station=Station(url="/ship/", post_label="Post shipment", form="start",
                    needs=("product", "warehouse", "customer"), arguments=_from_draft),
))
