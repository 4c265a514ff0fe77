"""What needs attention: the drafts not posted yet, the units in a status that waits for someone
(on hold, in repair), the documents posted lately. Each a bounded read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from serialtrack.inventory.models import Document, DocumentStatus, Unit

STALE_AFTER = dt.timedelta(days=1)


def drafts_in_progress(limit: int = 50) -> list[Document]:
    """Drafts not posted yet, newest first, each with its scan count (`scanned`) and, when it
    has been open longer than a day, for how many whole days (`open_days`; else None)."""
    found = list(Document.objects.filter(status=DocumentStatus.DRAFT, draft__isnull=False)
                 .select_related("draft__product", "party", "related", "created_by")
                 .annotate(scanned=F("draft__scanned")).order_by("-id")[:limit])
    now = timezone.now()
    for doc in found:
        age = now - doc.created_at
        doc.open_days = max(1, age.days) if age > STALE_AFTER else None  # type: ignore[attr-defined]
    return found


def units_in(status: str, limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
    """How many units have `status`, and the first `limit` of them (oldest move first)."""
    qs = Unit.objects.filter(status=status)
    rows = list(qs.order_by("moved_at", "id").values(
        "serial", sku=F("product__sku"), warehouse=F("location__warehouse__code"),
        bin=F("location__code"), since=F("moved_at"), document=F("last_document__number"))[:limit])
    count = len(rows) if len(rows) < limit else qs.count()
    return count, rows


def recent_documents(limit: int = 20) -> list[Document]:
    """Posted documents, the latest first."""
    return list(Document.objects.filter(status=DocumentStatus.POSTED)
                .select_related("party", "warehouse", "posted_by").order_by("-posted_at", "-id")
                [:limit])
