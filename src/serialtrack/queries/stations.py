"""What a scan station shows beside the verdicts: the draft's scans and counter, and the pick
list of a shipment. The verdicts themselves come from the posting engine (posting.drafts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, OuterRef, Subquery

from serialtrack.inventory.models import DraftLine, DraftRefusal, DraftSerial, Unit, UnitStatus


def draft_scans(line: DraftLine, limit: int = 500) -> list[dict[str, Any]]:
    """The newest `limit` scans of a draft, newest first."""
    return list(DraftSerial.objects.filter(line=line).order_by("-id")
                .values("serial", "disposition", "scanned_at", "manufacturer_serial")[:limit])


def draft_counts(line: DraftLine) -> tuple[int, int]:
    """(scans kept, refused scans not dismissed) as stored now, in one statement."""
    refused = (DraftRefusal.objects.filter(line=OuterRef("pk")).order_by()
               .values("line").annotate(n=Count("id")).values("n"))
    row = (DraftLine.objects.filter(pk=line.pk)
           .values_list("scanned", Subquery(refused)).first())
    return (row[0] or 0, row[1] or 0) if row else (0, 0)


def newest_refusal(line: DraftLine, serial: str) -> int | None:
    """The id of the latest refusal of `serial` in the draft's scan log."""
    return (DraftRefusal.objects.filter(line=line, serial=serial).order_by("-id")
            .values_list("id", flat=True).first())


def scan_log(line: DraftLine, limit: int = 500) -> list[dict[str, Any]]:
    """The draft's scan log, newest first: its kept scans (`verdict` "accepted") and the
    refused scans not dismissed yet (`verdict` "refused", with `id`, `code` and `message`), the
    newest `limit` of each, two index reads."""
    accepted = [{**s, "verdict": "accepted"} for s in draft_scans(line, limit)]
    refused = [{**r, "verdict": "refused"} for r in DraftRefusal.objects.filter(line=line)
               .order_by("-id").values("id", "serial", "code", "message", "scanned_at")[:limit]]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)  # scans kept before the log had times
    # both lists are newest first; a stable sort keeps that order within each
    return sorted([*refused, *accepted], key=lambda e: e["scanned_at"] or oldest, reverse=True)


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
