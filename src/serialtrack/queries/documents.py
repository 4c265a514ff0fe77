"""Documents as people read them: header, lines, and the serials each line moved; a document by
its number; the shipments a customer return can go against."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from serialtrack.inventory.models import Document, DocumentStatus, Movement, UnitStatus

SHIPPING_KINDS = ("shipment", "repair")  # documents that send units to a customer


def document_summary(doc: Document, with_serials: bool = False, limit: int = 1000
                     ) -> dict[str, Any]:
    doc = (Document.objects.select_related("party", "warehouse", "related", "posted_by")
           .get(pk=doc.pk))
    lines = []
    for line in doc.lines.select_related("product", "lot", "from_location__warehouse",
                                         "to_location__warehouse").order_by("line_no"):
        item: dict[str, Any] = {
            "line": line.line_no, "product": line.product.sku, "quantity": line.quantity,
            "lot": line.lot.code if line.lot else None,
            "from": str(line.from_location) if line.from_location else None,
            "to": str(line.to_location) if line.to_location else None,
            "note": line.note or None,
        }
        if with_serials:
            item["serials"] = list(
                Movement.objects.filter(line=line, unit__isnull=False).order_by("id")
                .values_list("unit__serial", flat=True)[:limit])
        lines.append(item)
    dependents = list(doc.dependents.exclude(number=None).values_list("number", flat=True))
    return {
        "document": doc.number, "kind": doc.kind, "status": doc.status,
        "party": doc.party.name if doc.party else None,
        "warehouse": doc.warehouse.code if doc.warehouse else None,
        "related": doc.related.number if doc.related else None,
        "related_documents": dependents,
        "reason": doc.reason or None, "reference": doc.reference or None,
        "posted_at": doc.posted_at.isoformat() if doc.posted_at else None,
        "posted_by": doc.posted_by.username if doc.posted_by else None,
        "lines": lines,
    }



def document_named(text: str) -> Document | None:
    """The document numbered `text` (drafts have no number), or None."""
    return Document.objects.filter(~Q(number=None), number=text.strip()).first()


def recent_shipments(customer: str | None = None, limit: int = 20) -> list[Document]:
    """Posted shipments, newest first; only this customer's when named."""
    qs = Document.objects.filter(status=DocumentStatus.POSTED, kind="shipment")
    if customer:
        qs = qs.filter(party__name=customer)
    return list(qs.select_related("party").order_by("-id")[:limit])


def shipments_of_serial(serial: str, limit: int = 20) -> list[dict[str, Any]]:
    """Posted shipping documents that carried a unit with this serial (any product), newest
    first, marking the one each unit is out on now."""
    moves = (Movement.objects.filter(unit__serial=serial.strip(), to_status="shipped",
                                     document__kind__in=SHIPPING_KINDS)
             .select_related("document__party", "product", "unit").order_by("-id")[:limit])
    seen_units: set[int] = set()
    out = []
    for m in moves:
        current = m.unit_id not in seen_units and m.unit.status == UnitStatus.SHIPPED
        seen_units.add(m.unit_id)
        out.append({"number": m.document.number, "kind": m.document.kind, "sku": m.product.sku,
                    "customer": m.document.party.name if m.document.party else "",
                    "posted_at": m.document.posted_at, "out_now": current})
    return out


def shipment_to_return(find: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The shipment a return of `find` goes against: `find` itself when it is a document's
    number, else the one shipment the unit with that serial is out on now. When that is not
    one shipment: None, and the shipments that carried the serial (none: nothing matches)."""
    if document_named(find):
        return find, []
    matches = shipments_of_serial(find)
    out_now = [m for m in matches if m["out_now"]]
    return (out_now[0]["number"], matches) if len(out_now) == 1 else (None, matches)
