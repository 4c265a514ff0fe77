"""What a delivery note / packing slip lists: the shipment's header and, per line, every lot
(with expiry and quantity) and every serial it carried — three queries whatever its size.
Drawing it is `serialtrack.packing_slips`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, Problem
from serialtrack.inventory.models import Document, DocumentStatus, Movement

# Documents that send goods out to a party, and what their note calls that party.
SLIP_KINDS = {"shipment": "Customer", "supplier_return": "Supplier"}


@dataclass
class SlipGroup:
    """The part of a line of one lot (or of no lot): its quantity and serials."""

    lot: str | None
    expiry: dt.date | None
    quantity: int = 0
    serials: list[str] = field(default_factory=list)


@dataclass
class SlipLine:
    line: int
    sku: str
    name: str
    quantity: int
    groups: list[SlipGroup] = field(default_factory=list)


@dataclass
class Slip:
    number: str
    kind: str
    party_role: str
    party: str
    posted_at: dt.datetime
    reference: str
    reason: str
    related: str | None
    warehouse: str
    lines: list[SlipLine]

    @property
    def serial_count(self) -> int:
        return sum(len(g.serials) for ln in self.lines for g in ln.groups)


def packing_slip(number: str) -> Slip:
    """The slip of posted shipment (or return to supplier) `number`."""
    doc = catalog.get_document(number)
    if doc.kind not in SLIP_KINDS or doc.status != DocumentStatus.POSTED:
        raise InvalidInput([Problem("invalid", f"{doc.number or number} is a {doc.kind}, not a "
                                    "posted shipment: no packing slip", field="document")])
    doc = Document.objects.select_related("party", "warehouse", "related").get(pk=doc.pk)
    lines = {ln.pk: SlipLine(ln.line_no, ln.product.sku, ln.product.name, ln.quantity)
             for ln in doc.lines.select_related("product").order_by("line_no")}
    groups: dict[tuple[int, int | None], SlipGroup] = {}
    rows = (Movement.objects.filter(document=doc).order_by("line_id", "lot_id", "id")
            .values_list("line_id", "lot_id", "lot__code", "lot__expiry", "quantity",
                         "unit__serial"))
    for line_id, lot_id, code, expiry, quantity, serial in rows.iterator(chunk_size=5000):
        group = groups.get((line_id, lot_id))
        if group is None:
            group = groups[(line_id, lot_id)] = SlipGroup(code, expiry)
            lines[line_id].groups.append(group)
        group.quantity += quantity
        if serial is not None:
            group.serials.append(serial)
    return Slip(
        number=doc.number or "", kind=doc.kind, party_role=SLIP_KINDS[doc.kind],
        party=doc.party.name if doc.party else "", posted_at=doc.posted_at or doc.created_at,
        reference=doc.reference, reason=doc.reason,
        related=doc.related.number if doc.related else None,
        warehouse=doc.warehouse.code if doc.warehouse else "",
        lines=sorted(lines.values(), key=lambda ln: ln.line))
