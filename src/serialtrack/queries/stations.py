"""What a scan station shows beside the verdicts: the draft's scans and counter, and the pick
list of a shipment. The verdicts themselves come from the posting engine (posting.drafts)."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from serialtrack.inventory.models import DraftLine, DraftSerial, Unit, UnitStatus


def scan_count(line: DraftLine) -> int:
    """The draft's scan count as stored now (another clerk may be scanning into it too)."""
    return DraftLine.objects.filter(pk=line.pk).values_list("scanned", flat=True).first() or 0


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
