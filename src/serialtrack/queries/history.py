"""A unit's full history: every movement, oldest first, with its document."""

from __future__ import annotations

from typing import Any

from serialtrack.inventory.models import Movement, Unit
from serialtrack.queries.units import find_unit


def _place(location: Any) -> str:
    return f"{location.warehouse.code}/{location.code}" if location else ""


def unit_summary(unit: Unit) -> dict[str, Any]:
    return {
        "product": unit.product.sku,
        "product_name": unit.product.name,
        "serial": unit.serial,
        "status": unit.status,
        "location": _place(unit.location),
        "holder": unit.holder.name if unit.holder else None,
        "lot": unit.lot.code if unit.lot else None,
        "expiry": unit.lot.expiry.isoformat() if unit.lot and unit.lot.expiry else None,
        "cost": str(unit.cost) if unit.cost is not None else None,
        "received_at": unit.received_at.isoformat(),
        "warranty_start": unit.warranty_start.isoformat() if unit.warranty_start else None,
        "warranty_end": unit.warranty_end.isoformat() if unit.warranty_end else None,
        "former_serials": [a.serial for a in unit.aliases.all()],
    }


def unit_history(serial: str, product: str | None = None) -> dict[str, Any]:
    unit = find_unit(serial, product)
    moves = (
        Movement.objects.filter(unit=unit)
        .select_related("document", "document__related", "from_location__warehouse",
                        "to_location__warehouse", "from_party", "to_party", "user")
        .order_by("id")
    )
    return {
        "unit": unit_summary(unit),
        "movements": [
            {
                "time": m.created_at.isoformat(),
                "document": m.document.number,
                "kind": m.document.kind,
                "related": m.document.related.number if m.document.related else None,
                "from": _place(m.from_location) or (m.from_party.name if m.from_party else ""),
                "to": _place(m.to_location) or (m.to_party.name if m.to_party else ""),
                "from_status": m.from_status,
                "to_status": m.to_status,
                "party": (m.to_party or m.from_party).name if (m.to_party or m.from_party)
                else None,
                "user": m.user.username if m.user else None,
                "note": m.note or m.document.reason,
            }
            for m in moves
        ],
    }
