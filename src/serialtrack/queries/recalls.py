"""A recall's report: where every affected unit and lot quantity is now (in stock, on hold, in
repair, inside another unit, shipped: to whom, when, on which document), its progress (found,
held, returned, returned to supplier — from the units' current status and the movements since
the recall), and the customer notification list (one row per customer with their serials and
lot quantities). Set-based reads over the recall's stored selection; the unit list is paged.

Each customer row carries the party's contact details (contact person, e-mail, phone, address)
as set up under customers and suppliers, so the notification list can be mailed from."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from serialtrack.errors import NotFound, Problem
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    Party,
    Recall,
    RecallLot,
    RecallUnit,
    StockQuantity,
)

UNIT_FIELDS = (
    "unit__product__sku", "unit__serial", "unit__lot__code", "unit__status",
    "unit__location__warehouse__code", "unit__location__code", "unit__parent__serial",
    "component__serial", "unit__holder__name", "unit__last_document__number",
    "unit__last_document__posted_at",
)
UNIT_KEYS = ("product", "serial", "lot", "status", "warehouse", "bin", "inside", "contains",
             "customer", "document", "date")  # document: the last that moved it
CONTACT_FIELDS = ("contact", "email", "phone", "address")
EXPORT_COLUMNS = ("customer", *CONTACT_FIELDS, "units", "serials", "lot_quantities")
NO_CONTACT = dict.fromkeys(CONTACT_FIELDS, "")


def _contacts(names: set[str], known: dict[str, dict[str, str]] | None = None
              ) -> dict[str, dict[str, str]]:
    """Customer name -> its contact details (one query for the names not already `known`)."""
    out = dict(known or {})
    wanted = {n for n in names if n and n not in out}
    if wanted:
        for name, *fields in Party.objects.filter(name__in=wanted).values_list(
                "name", *CONTACT_FIELDS):
            out[name] = dict(zip(CONTACT_FIELDS, fields, strict=True))
    return out


def recall_document(number: str) -> Document:
    doc = (Document.objects.filter(number=number.strip(), kind=DocumentKind.RECALL)
           .select_related("recall", "posted_by").first())
    if doc is None:
        raise NotFound([Problem("not_found", f"no recall {number!r}", field="number")])
    return doc


def _lot_ids(doc: Document) -> list[int]:
    return list(RecallLot.objects.filter(recall=doc).values_list("lot_id", flat=True))


def recall_units(doc: Document, limit: int | None = 100, offset: int = 0
                 ) -> list[dict[str, Any]]:
    """The affected units, in the order they were found, `limit` from `offset` (None: all)."""
    rows = (RecallUnit.objects.filter(recall=doc).order_by("unit_id")
            .values_list(*UNIT_FIELDS))
    if limit is not None:
        rows = rows[offset:offset + limit]
    out = []
    for row in rows.iterator(chunk_size=5000):
        item = dict(zip(UNIT_KEYS, row, strict=True))
        if item["status"] != "shipped":
            item["customer"] = None  # a supplier or nobody: not a customer to notify
        item["date"] = item["date"].isoformat() if item["date"] else None
        out.append(item)
    return out


def _lot_quantities(lot_ids: list[int]) -> list[dict[str, Any]]:
    rows = (StockQuantity.objects.filter(lot_id__in=lot_ids, quantity__gt=0)
            .order_by("lot_id", "location_id", "status")
            .values_list("product__sku", "lot__code", "status", "location__warehouse__code",
                         "location__code", "quantity"))
    return [{"product": sku, "lot": lot, "status": status, "warehouse": wh, "bin": bin_code,
             "quantity": n} for sku, lot, status, wh, bin_code, n in rows]


def _lot_shipments(lot_ids: list[int]) -> list[dict[str, Any]]:
    """Every shipment of the lots' quantities (from the ledger), with what came back of it."""
    if not lot_ids:
        return []
    marks = ", ".join(["%s"] * len(lot_ids))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pa.name, d.number, d.posted_at, pr.sku, l.code, SUM(m.quantity), "
            " COALESCE((SELECT SUM(b.quantity) FROM inventory_movement b JOIN "
            "  inventory_document rd ON rd.id = b.document_id AND rd.kind = 'return' "
            "  AND rd.related_id = d.id WHERE b.lot_id = m.lot_id AND b.unit_id IS NULL "
            "  AND NOT EXISTS (SELECT 1 FROM inventory_document rv WHERE rv.related_id = rd.id "
            "  AND rv.kind = 'reversal')), 0) "
            "FROM inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
            "JOIN inventory_lot l ON l.id = m.lot_id JOIN inventory_product pr "
            "ON pr.id = m.product_id LEFT JOIN inventory_party pa ON pa.id = m.to_party_id "
            f"WHERE m.lot_id IN ({marks}) AND m.unit_id IS NULL AND m.to_status = 'shipped' "
            "AND d.kind IN ('shipment', 'repair') AND NOT EXISTS (SELECT 1 FROM "
            "inventory_document rv WHERE rv.related_id = d.id AND rv.kind = 'reversal') "
            "GROUP BY pa.name, d.id, d.number, d.posted_at, pr.sku, l.code, m.lot_id "
            "ORDER BY pa.name, d.id, l.code", lot_ids)
        rows = cur.fetchall()
    return [{"customer": name, "document": number,
             "date": posted.isoformat() if hasattr(posted, "isoformat") else str(posted)[:19],
             "product": sku, "lot": lot, "quantity": int(n), "returned": int(back)}
            for name, number, posted, sku, lot, n, back in rows]


def _since(doc: Document, lot_ids: list[int]) -> dict[str, dict[str, int]]:
    """Units and lot quantities that came back (customer returns) or went back to the supplier
    since the recall was made."""
    out = {"returned": {"units": 0, "quantity": 0},
           "returned_to_supplier": {"units": 0, "quantity": 0}}
    marks = ", ".join(["%s"] * len(lot_ids)) or "NULL"
    with connection.cursor() as cur:
        for key, condition in (("returned", "d.kind = 'return'"),
                               ("returned_to_supplier", "m.to_status = 'returned_to_supplier'")):
            cur.execute(
                "SELECT COUNT(DISTINCT m.unit_id) FROM inventory_document d "
                "JOIN inventory_movement m ON m.document_id = d.id "
                "JOIN inventory_recallunit r ON r.recall_id = %s AND r.unit_id = m.unit_id "
                f"WHERE d.status = 'posted' AND d.posted_at >= %s AND {condition}",
                [doc.pk, doc.posted_at])
            out[key]["units"] = cur.fetchone()[0]
            cur.execute(
                "SELECT COALESCE(SUM(m.quantity), 0) FROM inventory_document d "
                "JOIN inventory_movement m ON m.document_id = d.id "
                f"WHERE d.status = 'posted' AND d.posted_at >= %s AND {condition} "
                f"AND m.unit_id IS NULL AND m.lot_id IN ({marks})", [doc.posted_at, *lot_ids])
            out[key]["quantity"] = int(cur.fetchone()[0])
    return out


def recall_report(number: str, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The whole picture of a recall: counts by status, progress, the units (paged), the lot
    quantities on hand and shipped, the customers, and the hold documents under it."""
    doc = recall_document(number)
    lot_ids = _lot_ids(doc)
    # one pass over the affected units: how many by status and, shipped, by customer
    by_status: dict[str, int] = defaultdict(int)
    shipped_to: dict[int, int] = {}
    for status, holder_id, n in (RecallUnit.objects.filter(recall=doc)
                                 .values_list("unit__status", "unit__holder_id")
                                 .annotate(n=Count("id")).order_by()):
        by_status[status] += n
        if status == "shipped" and holder_id is not None:
            shipped_to[holder_id] = n
    units_found = sum(by_status.values())
    lots = list(RecallLot.objects.filter(recall=doc).order_by("lot_id")
                .values_list("lot__product__sku", "lot__code", "found"))
    quantity_found = sum(found for _sku, _code, found in lots)
    quantities = _lot_quantities(lot_ids)
    shipped = _lot_shipments(lot_ids)
    held_quantity = sum(q["quantity"] for q in quantities if q["status"] == "on_hold")
    since = _since(doc, lot_ids)
    customers: dict[str, dict[str, Any]] = {}
    known: dict[str, dict[str, str]] = {}
    for holder_id, name, *fields in (Party.objects.filter(pk__in=shipped_to)
                                     .values_list("id", "name", *CONTACT_FIELDS)):
        known[name] = dict(zip(CONTACT_FIELDS, fields, strict=True))
        customers[name] = {"customer": name, "units": shipped_to[holder_id], "quantity": 0}
    for row in shipped:
        entry = customers.setdefault(row["customer"], {"customer": row["customer"], "units": 0,
                                                       "quantity": 0})
        entry["quantity"] += row["quantity"] - row["returned"]
    contacts = _contacts(set(customers), known)
    for name, entry in customers.items():
        entry.update(contacts.get(name, NO_CONTACT))
    holds = list(Document.objects.filter(related=doc, kind=DocumentKind.ADJUSTMENT)
                 .exclude(number=None).order_by("id").values_list("number", flat=True))
    return {
        "recall": doc.number,
        "reason": doc.reason,
        "posted_at": doc.posted_at.isoformat() if doc.posted_at else None,
        "posted_by": doc.posted_by.username if doc.posted_by else None,
        "criteria": doc.recall.criteria,
        "progress": {
            "found": {"units": units_found, "quantity": quantity_found},
            "held": {"units": by_status.get("on_hold", 0), "quantity": held_quantity},
            **since,
        },
        "by_status": dict(sorted(by_status.items())),
        "lots": [{"product": sku, "lot": code, "found": found} for sku, code, found in lots],
        "units": recall_units(doc, limit, offset),
        "units_total": units_found,
        "quantities": quantities,
        "quantities_shipped": shipped,
        "customers": sorted(customers.values(), key=lambda c: c["customer"] or ""),
        "holds": holds,
    }


def notification_rows(number: str) -> list[dict[str, Any]]:
    """The customer notification list: one row per customer holding affected units or lot
    quantities (still out: shipped less returned), with their serials and lot quantities."""
    doc = recall_document(number)
    serials: dict[str, list[str]] = defaultdict(list)
    for name, sku, serial in (RecallUnit.objects.filter(recall=doc, unit__status="shipped")
                              .order_by("unit__holder__name", "unit_id")
                              .values_list("unit__holder__name", "unit__product__sku",
                                           "unit__serial").iterator(chunk_size=5000)):
        serials[name].append(f"{sku} {serial}")
    lots: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _lot_shipments(_lot_ids(doc)):
        out = row["quantity"] - row["returned"]
        if out > 0:
            lots[row["customer"]][f"{row['product']} lot {row['lot']}"] += out
    rows = []
    contacts = _contacts(set(serials) | set(lots))
    for name in sorted(set(serials) | set(lots), key=lambda n: n or ""):
        rows.append({
            "customer": name, **contacts.get(name, NO_CONTACT),
            "units": len(serials.get(name, ())),
            "serials": "; ".join(serials.get(name, ())),
            "lot_quantities": "; ".join(f"{what}: {n}" for what, n in
                                        sorted(lots.get(name, {}).items())),
        })
    return rows


def notification_csv(number: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(notification_rows(number))
    return buffer.getvalue().encode()


def notification_xlsx(number: str) -> bytes:
    from openpyxl import Workbook

    rows = notification_rows(number)  # an unknown recall is refused before a book is opened
    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in EXPORT_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def recall_summaries(limit: int = 50) -> list[dict[str, Any]]:
    """The latest recalls, newest first, with how many units and lots each found."""
    docs = list(Document.objects.filter(kind=DocumentKind.RECALL).exclude(number=None)
                .order_by("-id")[:limit])
    units = dict(RecallUnit.objects.filter(recall__in=docs).values_list("recall_id")
                 .annotate(n=Count("id")).order_by())
    qty = dict(RecallLot.objects.filter(recall__in=docs).values_list("recall_id")
               .annotate(n=Sum("found")).order_by())
    criteria = dict(Recall.objects.filter(document__in=docs)
                    .values_list("document_id", "criteria"))
    return [{"recall": d.number, "reason": d.reason, "criteria": criteria.get(d.pk, {}),
             "units": units.get(d.pk, 0), "quantity": qty.get(d.pk) or 0,
             "posted_at": d.posted_at.isoformat() if d.posted_at else None} for d in docs]
