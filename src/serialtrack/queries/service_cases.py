"""Service cases (RMA claims), read: a case with the facts the service desk acts on — is the unit
ours, when and to whom it was sold (the shipment), whether the claimant is that customer (else
the case is flagged), whether it is under warranty, its earlier claims, returns and repairs —,
its notes, photos and the documents that carried it out; the case list.

The facts found when the case was opened are kept on the case (`serialtrack.service_cases`);
the unit's history and warranty are read now (`queries.history`, `queries.warranty`). A constant
number of statements per case at any size: the case, the unit's history (three), notes, photos,
linked documents, the unit's other cases and the documents that could still be linked."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, Subquery

from serialtrack.errors import NotFound, Problem
from serialtrack.inventory.models import (
    CaseStatus,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    ServiceCase,
    ServiceCaseDocument,
)
from serialtrack.queries.history import unit_history
from serialtrack.queries.warranty import warranty_of

# what a linked document did for the case, by its kind and (repairs) its first line's note
# (posting/repairs.py writes those notes)
REPAIR_STARTED, REPAIR_DONE, REPLACED = "repair started", "repair done", "replaced: scrapped"
ROLE_RETURN, ROLE_REPAIR_START, ROLE_REPAIR_DONE = "customer return", "repair start", "repair done"
ROLE_SHIP_BACK, ROLE_REPLACEMENT = "shipped back after repair", "replacement"
ROLE_SHIPMENT = "shipment"
# the documents that carry out each outcome (close_case checks one is linked)
CARRIED_OUT_BY = {"repair": (ROLE_REPAIR_DONE, ROLE_SHIP_BACK),
                  "replace": (ROLE_REPLACEMENT, ROLE_SHIPMENT)}
LINKABLE_KINDS = (DocumentKind.RETURN, DocumentKind.REPAIR, DocumentKind.SHIPMENT,
                  DocumentKind.ADJUSTMENT, DocumentKind.SUPPLIER_RETURN)


def last_sale(history: dict[str, Any]) -> dict[str, Any] | None:
    """The movement of a unit's history that last sold it to a customer (a shipment, or a
    repair's ship-back or replacement), or None."""
    sales = [m for m in history["movements"]
             if m["to_status"] == "shipped" and m["kind"] in ("shipment", "repair")]
    return sales[-1] if sales else None


def get_case(number: str) -> ServiceCase:
    case = (ServiceCase.objects
            .select_related("unit__product", "claimant", "sold_on", "sold_to", "opened_by",
                            "closed_by")
            .filter(number=number.strip().upper()).first())
    if case is None:
        raise NotFound([Problem("not_found", f"unknown case {number.strip()!r}", field="case")])
    return case


def role_of(kind: str, note: str | None) -> str:
    """What a document did for a case, in the trade's words."""
    if kind == DocumentKind.RETURN:
        return ROLE_RETURN
    if kind == DocumentKind.SHIPMENT:
        return ROLE_SHIPMENT
    if kind == DocumentKind.REPAIR:
        return {REPAIR_STARTED: ROLE_REPAIR_START, REPAIR_DONE: ROLE_REPAIR_DONE,
                REPLACED: ROLE_REPLACEMENT}.get(note or "", ROLE_SHIP_BACK)
    return str(DocumentKind(kind).label)


def _first_note() -> Subquery:
    return Subquery(DocumentLine.objects.filter(document=OuterRef("pk")).order_by("line_no")
                    .values("note")[:1])


def _doc_row(number: str, kind: str, note: str | None, posted_at: Any, party: str | None
             ) -> dict[str, Any]:
    return {"number": number, "kind": kind, "role": role_of(kind, note),
            "posted_at": posted_at.isoformat() if posted_at else None, "party": party}


def linked_documents(case: ServiceCase) -> list[dict[str, Any]]:
    rows = (Document.objects
            .filter(pk__in=ServiceCaseDocument.objects.filter(case=case).values("document_id"))
            .annotate(first_note=_first_note())
            .values_list("number", "kind", "first_note", "posted_at", "party__name")
            .order_by("posted_at", "id"))
    return [_doc_row(*row) for row in rows]


def candidates(case: ServiceCase) -> list[dict[str, Any]]:
    """Posted documents that could carry the case out and are not linked yet: those that moved
    its unit since the case was opened, and shipments to the claimant since then (a
    replacement from stock)."""
    about = Q(kind=DocumentKind.SHIPMENT, party_id=case.claimant_id)
    if case.unit_id is not None:
        about |= Q(pk__in=Document.objects.filter(movements__unit_id=case.unit_id)
                   .values("pk"))
    rows = (Document.objects
            .filter(about, status=DocumentStatus.POSTED, kind__in=LINKABLE_KINDS,
                    posted_at__gte=case.opened_at)
            .exclude(pk__in=ServiceCaseDocument.objects.filter(case=case).values("document_id"))
            .annotate(first_note=_first_note())
            .values_list("number", "kind", "first_note", "posted_at", "party__name")
            .order_by("posted_at", "id")[:20])
    return [_doc_row(*row) for row in rows]


def _user(user: Any) -> str | None:
    return user.username if user is not None else None


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def case_row(case: ServiceCase) -> dict[str, Any]:
    """A case as the list shows it (what the case row itself holds)."""
    unit = case.unit
    return {
        "number": case.number, "status": case.status, "opened_at": _when(case.opened_at),
        "claimant": case.claimant.name,
        "product": unit.product.sku if unit is not None else None,
        "serial": unit.serial if unit is not None else case.serial,
        "fault": case.fault,
        "flags": flags(case),
        "outcome": case.outcome or None, "closed_at": _when(case.closed_at),
    }


def flags(case: ServiceCase) -> list[dict[str, str]]:
    """What the desk must look at: not ours, never sold, sold to another customer, out of
    warranty — each a code and a sentence."""
    found = []
    if case.not_ours:
        found.append({"code": "not_ours", "message": f"serial {case.serial!r} is not one of "
                      "ours: no unit of ours carries it"})
    elif case.sold_on_id is None:
        found.append({"code": "never_sold", "message": "we never sold this unit to a customer"})
    elif case.other_customer:
        sold_to = case.sold_to.name if case.sold_to else "?"
        found.append({"code": "other_customer", "message": f"sold to {sold_to}, not to "
                      f"{case.claimant.name} (the claimant)"})
    if not case.not_ours and not case.under_warranty:
        found.append({"code": "out_of_warranty", "message": "not under warranty when the claim "
                      "was made" + (f" (ended {case.warranty_end.isoformat()})"
                                    if case.warranty_end else "")})
    return found


def case_summary(case: ServiceCase) -> dict[str, Any]:
    """The case page's facts: the case, the unit now, its sale and warranty, earlier claims,
    returns and repairs, notes, photos, linked documents (and, while open, the candidates)."""
    data = case_row(case)
    data.update({
        "scan": case.scan, "opened_by": _user(case.opened_by), "not_ours": case.not_ours,
        "sold_on": case.sold_on.number if case.sold_on else None,
        "sold_at": _when(case.sold_on.posted_at) if case.sold_on else None,
        "sold_to": case.sold_to.name if case.sold_to else None,
        "other_customer": case.other_customer, "under_warranty": case.under_warranty,
        "warranty_end": case.warranty_end.isoformat() if case.warranty_end else None,
        "reason": case.reason, "refund": case.refund, "closed_by": _user(case.closed_by),
        "unit": None, "warranty": None, "earlier_cases": [], "returned_before": [],
        "repaired_before": [],
    })
    if case.unit is not None:
        history = unit_history(case.unit.serial, case.unit.product.sku)
        warranty = warranty_of(history)
        unit = history["unit"]
        data["unit"] = {"product": unit["product"], "product_name": unit["product_name"],
                        "serial": unit["serial"], "status": unit["status"],
                        "location": unit["location"], "holder": unit["holder"]}
        sale = last_sale(history)  # now (the case keeps the one found when it was opened)
        data["unit"]["last_sale"] = ({"document": sale["document"], "time": sale["time"],
                                      "customer": sale["party"]} if sale else None)
        data["warranty"] = {k: warranty[k] for k in ("sold_at", "sold_on", "sold_to",
                                                      "warranty_start", "warranty_end",
                                                      "under_warranty", "days_left")}
        data["returned_before"] = warranty["returned_before"]
        data["repaired_before"] = warranty["repaired_before"]
        data["earlier_cases"] = [
            {"number": c.number, "status": c.status, "opened_at": _when(c.opened_at),
             "claimant": c.claimant.name, "fault": c.fault, "outcome": c.outcome or None}
            for c in (ServiceCase.objects.filter(unit_id=case.unit_id).exclude(pk=case.pk)
                      .select_related("claimant").order_by("id"))]
    data["notes"] = [{"time": _when(n.created_at), "user": _user(n.user), "text": n.text}
                     for n in case.notes.select_related("user").order_by("id")]
    data["photos"] = [{"id": p.pk, "name": p.name, "content_type": p.content_type,
                       "size": p.size, "time": _when(p.uploaded_at), "user": _user(p.user)}
                      for p in case.photos.select_related("user").order_by("id")]
    data["documents"] = linked_documents(case)
    data["candidates"] = candidates(case) if case.status == CaseStatus.OPEN else []
    return data


def list_cases(open_only: bool = False, claimant: str | None = None, limit: int = 500
               ) -> list[dict[str, Any]]:
    """Cases, newest first (one statement)."""
    qs = ServiceCase.objects.select_related("unit__product", "claimant", "sold_to")
    if open_only:
        qs = qs.filter(status=CaseStatus.OPEN)
    if claimant:
        qs = qs.filter(claimant__name=claimant.strip())
    return [case_row(c) for c in qs.order_by("-id")[: max(1, min(limit, 5000))]]
