"""Is this one of ours? The answer the public genuineness check gives for a product + serial, or
a scanned GS1 label / Digital Link: only "genuine, sold <month year>, under warranty until
<date>", "genuine, not yet sold" or "not one of ours" — never a customer, a price or a place.

A label whose lot or expiry contradicts the record of the unit it names is not one of ours (a
copied serial on a forged label). Index seeks only: the product by SKU or GTIN, the unit by
(product, serial)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.utils import timezone

from serialtrack.errors import InvalidInput, Problem
from serialtrack.fastpath import fetch
from serialtrack.queries.scans import disagreements, read_scan
from serialtrack.queries.units import as_date

NOT_OURS = "not one of ours"
UNIT = ("SELECT u.status, u.warranty_start, u.warranty_end, t.code, t.expiry "
        "FROM inventory_unit u LEFT JOIN inventory_lot t ON t.id = u.lot_id "
        "WHERE u.product_id = %s AND u.serial = %s")
PRODUCT = "SELECT id, sku FROM inventory_product WHERE sku = %s OR gtin = %s"


def asked(code: str, product: str | None) -> tuple[str, str, Any]:
    """(product as asked: SKU or GTIN, serial, the scan or None) from what the client gave."""
    code = (code or "").strip()
    scan = read_scan(code, field="code") if code else None
    serial = scan.serial if scan is not None else code
    ref = (product or "").strip() or (scan.gtin if scan is not None and scan.gtin else "")
    if not serial or not ref:
        raise InvalidInput([Problem("invalid", "give the product (SKU or GTIN) and the serial, "
                                    "or scan the whole label", field="code")])
    return ref[:128], (serial or "")[:128], scan


def genuineness(code: str, product: str | None = None, today: dt.date | None = None
                ) -> dict[str, Any]:
    """The public answer for a serial (or a scanned label) of `product` (SKU or GTIN)."""
    ref, serial, scan = asked(code, product)
    today = today or timezone.localdate()
    found = fetch(PRODUCT, [ref, ref])
    if scan is not None and scan.gtin and product and found and scan.gtin != ref:
        found = [r for r in fetch(PRODUCT, [scan.gtin, scan.gtin]) if r[0] == found[0][0]]
    rows = fetch(UNIT, [found[0][0], serial]) if found else []
    if not rows:
        return answer(False)
    status, w_start, w_end, lot, expiry = rows[0]
    if status == "voided" or (scan is not None and disagreements(
            lot, expiry, scan.lot, scan.expiry)):
        return answer(False)
    start, end = as_date(w_start), as_date(w_end)
    if start is None:
        return answer(True)
    return answer(True, start, end, today)


def answer(genuine: bool, sold: dt.date | None = None, until: dt.date | None = None,
           today: dt.date | None = None) -> dict[str, Any]:
    if not genuine:
        return {"genuine": False, "answer": NOT_OURS, "sold": None, "warranty_until": None}
    if sold is None:
        return {"genuine": True, "answer": "genuine, not yet sold", "sold": None,
                "warranty_until": None}
    month = f"{calendar.month_name[sold.month]} {sold.year}"
    if until is not None and today is not None and today <= until:
        text = f"genuine, sold {month}, under warranty until {until.isoformat()}"
    else:
        text = f"genuine, sold {month}, " + (f"warranty ended {until.isoformat()}" if until
                                             else "no warranty")
    return {"genuine": True, "answer": text, "sold": month,
            "warranty_until": until.isoformat() if until else None}


def probes(limit: int = 100) -> list[dict[str, Any]]:
    """Serials asked about and not ours, most failures first: serials being probed."""
    from serialtrack.inventory.models import GenuineProbe

    rows = GenuineProbe.objects.order_by("-failures", "-last_at")[:limit]
    return [{"product": r.product_ref, "serial": r.serial, "failures": r.failures,
             "first_at": r.first_at.isoformat(), "last_at": r.last_at.isoformat()}
            for r in rows]
