"""Warranty lookup: sold when, to whom, warranty end, under warranty today, returns and repairs.

Warranty starts the day a unit first ships to a customer and lasts the product's warranty days.
A reshipment of the same unit (after a return or a repair) does not restart it; a replacement
unit shipped in a repair carries the remaining warranty of the unit it replaces."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from serialtrack.queries.history import unit_history


def warranty(serial: str, product: str | None = None, today: dt.date | None = None
             ) -> dict[str, Any]:
    return warranty_of(unit_history(serial, product, tree=False), today)


def warranty_of(history: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The warranty answer from a unit's history (for pages that show both: no second read)."""
    unit, moves = history["unit"], history["movements"]
    today = today or timezone.localdate()
    sales = [m for m in moves if m["to_status"] == "shipped" and m["kind"] in ("shipment", "repair")]
    first = sales[0] if sales else None
    start = dt.date.fromisoformat(unit["warranty_start"]) if unit["warranty_start"] else None
    end = dt.date.fromisoformat(unit["warranty_end"]) if unit["warranty_end"] else None
    under = bool(start and end and start <= today <= end)
    return {
        "unit": unit,
        "sold_at": first["time"] if first else None,
        "sold_on": first["document"] if first else None,
        "sold_to": first["party"] if first else None,
        "current_holder": unit["holder"],
        "warranty_start": unit["warranty_start"],
        "warranty_end": unit["warranty_end"],
        "under_warranty": under,
        "days_left": (end - today).days if under and end else 0,
        "returned_before": [m["document"] for m in moves if m["kind"] == "return"],
        "repaired_before": sorted({m["document"] for m in moves
                                   if m["kind"] == "repair" or m["to_status"] == "in_repair"}),
    }
