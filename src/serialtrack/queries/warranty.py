"""Warranty lookup: sold when, to whom, warranty end, under warranty today, returns and repairs.

Warranty starts the day a unit first ships to a customer and lasts the product's warranty days.
A reshipment of the same unit (after a return or a repair) does not restart it; a replacement
unit shipped in a repair carries the remaining warranty of the unit it replaces."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from serialtrack.inventory.models import DocumentKind, Movement
from serialtrack.queries.history import unit_summary
from serialtrack.queries.units import find_unit


def warranty(serial: str, product: str | None = None, today: dt.date | None = None
             ) -> dict[str, Any]:
    unit = find_unit(serial, product)
    today = today or timezone.localdate()
    moves = list(Movement.objects.filter(unit=unit).select_related("document", "to_party")
                 .order_by("id"))
    sales = [m for m in moves if m.to_status == "shipped"
             and m.document.kind in (DocumentKind.SHIPMENT, DocumentKind.REPAIR)]
    first = sales[0] if sales else None
    returns = [m.document.number for m in moves if m.document.kind == DocumentKind.RETURN]
    repairs = sorted({m.document.number for m in moves if m.document.kind == DocumentKind.REPAIR
                      or m.to_status == "in_repair"})
    under = bool(unit.warranty_start and unit.warranty_end
                 and unit.warranty_start <= today <= unit.warranty_end)
    return {
        "unit": unit_summary(unit),
        "sold_at": first.created_at.isoformat() if first else None,
        "sold_on": first.document.number if first else None,
        "sold_to": first.to_party.name if first and first.to_party else None,
        "current_holder": unit.holder.name if unit.holder else None,
        "warranty_start": unit.warranty_start.isoformat() if unit.warranty_start else None,
        "warranty_end": unit.warranty_end.isoformat() if unit.warranty_end else None,
        "under_warranty": under,
        "days_left": (unit.warranty_end - today).days if under and unit.warranty_end else 0,
        "returned_before": returns,
        "repaired_before": repairs,
    }
