"""Reads the web pages need that `serialtrack.queries` does not offer (yet): the lists on the
home page, the choices of the station forms, the pick list, the shipments a serial went out on,
the scans of a draft. Read only, each a bounded query; no rule is decided here."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q

from serialtrack.inventory.models import (
    Document,
    DocumentStatus,
    DraftLine,
    DraftSerial,
    Location,
    Movement,
    Party,
    Product,
    Tracking,
    Unit,
    UnitStatus,
)

SHIPPING_KINDS = ("shipment", "repair")


def drafts_in_progress(limit: int = 50) -> list[Document]:
    """Drafts not posted yet, newest first, each with its scan count (`scanned`)."""
    return list(Document.objects.filter(status=DocumentStatus.DRAFT, draft__isnull=False)
                .select_related("draft__product", "party", "related", "created_by")
                .annotate(scanned=Count("draft__serials")).order_by("-id")[:limit])


def units_in(status: str, limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
    """How many units have `status`, and the first `limit` of them (oldest move first)."""
    qs = Unit.objects.filter(status=status)
    rows = list(qs.order_by("moved_at", "id").values(
        "serial", sku=F("product__sku"), warehouse=F("location__warehouse__code"),
        bin=F("location__code"), since=F("moved_at"), document=F("last_document__number"))[:limit])
    count = len(rows) if len(rows) < limit else qs.count()
    return count, rows


def recent_documents(limit: int = 20) -> list[Document]:
    return list(Document.objects.filter(status=DocumentStatus.POSTED)
                .select_related("party", "warehouse", "posted_by").order_by("-posted_at", "-id")
                [:limit])


# -- choices of the station forms -----------------------------------------------------------

def serial_products(limit: int = 2000) -> list[Product]:
    return list(Product.objects.filter(tracking=Tracking.SERIAL).order_by("sku")[:limit])


def parties(role: str, limit: int = 2000) -> list[str]:
    flag = {"supplier": "is_supplier", "customer": "is_customer"}[role]
    return list(Party.objects.filter(**{flag: True}).order_by("name")
                .values_list("name", flat=True)[:limit])


def locations(limit: int = 2000) -> list[dict[str, Any]]:
    """Every bin as `WH/BIN`, and `WH` alone for a warehouse's default bin."""
    rows = (Location.objects.select_related("warehouse")
            .order_by("warehouse__code", "-is_default", "code")[:limit])
    return [{"ref": loc.warehouse.code if loc.is_default else f"{loc.warehouse.code}/{loc.code}",
             "label": f"{loc.warehouse.code} ({loc.warehouse.name}) – default bin {loc.code}"
             if loc.is_default else f"{loc.warehouse.code}/{loc.code}"} for loc in rows]


def warehouses(limit: int = 500) -> list[str]:
    return sorted({loc["ref"].partition("/")[0] for loc in locations(limit * 10)})


# -- drafts -----------------------------------------------------------------------------------

def scan_state(draft_id: int) -> DraftLine | None:
    """A draft's line with its document: what the answer to a scan needs, in one light query
    (the scan itself has just read and judged the draft through the engine)."""
    return DraftLine.objects.select_related("document").filter(document_id=draft_id).first()


def scan_count(line: DraftLine) -> int:
    return DraftSerial.objects.filter(line=line).count()


def draft_scans(line: DraftLine, limit: int = 500) -> list[dict[str, Any]]:
    """The newest `limit` scans of a draft, newest first."""
    return list(DraftSerial.objects.filter(line=line).order_by("-id")
                .values("serial", "disposition")[:limit])


def pick_list(line: DraftLine, limit: int = 10) -> list[dict[str, Any]]:
    """Units a shipment draft could take: in stock where it ships from, not scanned yet;
    earliest lot expiry first, then oldest received first."""
    if line.product is None or line.location is None:
        return []
    qs = Unit.objects.filter(product=line.product, status=UnitStatus.IN_STOCK)
    qs = (qs.filter(location=line.location) if "/" in line.location_ref
          else qs.filter(location__warehouse_id=line.location.warehouse_id))
    qs = qs.exclude(serial__in=DraftSerial.objects.filter(line=line).values("serial"))
    return list(qs.order_by(F("lot__expiry").asc(nulls_last=True), "received_at", "id").values(
        "serial", "received_at", lot_code=F("lot__code"), expiry=F("lot__expiry"),
        bin=F("location__code"))[:limit])


# -- returns ----------------------------------------------------------------------------------

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


def recent_shipments(customer: str | None = None, limit: int = 20) -> list[Document]:
    qs = Document.objects.filter(status=DocumentStatus.POSTED, kind="shipment")
    if customer:
        qs = qs.filter(party__name=customer)
    return list(qs.select_related("party").order_by("-id")[:limit])


def documents_named(text: str) -> Document | None:
    return Document.objects.filter(~Q(number=None), number=text.strip()).first()
