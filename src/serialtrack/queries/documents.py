"""Documents as people read them: header, lines, and the serials each line moved."""

from __future__ import annotations

from typing import Any

from serialtrack.inventory.models import Document, Movement


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

