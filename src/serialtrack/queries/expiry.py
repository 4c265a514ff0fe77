"""What expires soon: serial units in our storage and lot quantities on hand whose lot expires
within N days (or has expired already), with where they are, soonest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from serialtrack.inventory.models import IN_STORAGE, StockQuantity, Unit

MAX_DAYS = 36_500
MAX_UNITS = 10_000  # a report row per unit: the first this many, soonest first


def expiring(days: int, warehouse: str | None = None, product: str | None = None,
             today: dt.date | None = None) -> dict[str, Any]:
    """Units (in storage: in stock, on hold, in repair) and lot quantities whose lot expires on
    or before today + `days`; `expired` marks those past their date already. Two statements."""
    today = today or timezone.localdate()
    days = max(0, min(days, MAX_DAYS))
    until = today + dt.timedelta(days=days)
    units = Unit.objects.filter(status__in=IN_STORAGE, lot__expiry__lte=until)
    quantities = StockQuantity.objects.filter(quantity__gt=0, lot__expiry__lte=until)
    if warehouse:
        units = units.filter(location__warehouse__code=warehouse)
        quantities = quantities.filter(location__warehouse__code=warehouse)
    if product:
        units = units.filter(product__sku=product)
        quantities = quantities.filter(product__sku=product)
    unit_rows = units.order_by("lot__expiry", "product__sku", "serial").values_list(
        "product__sku", "serial", "lot__code", "lot__expiry", "status",
        "location__warehouse__code", "location__code")[:MAX_UNITS]
    quantity_rows = quantities.order_by(F("lot__expiry"), "product__sku", "lot__code").values_list(
        "product__sku", "lot__code", "lot__expiry", "quantity", "location__warehouse__code",
        "location__code")
    return {
        "today": today.isoformat(),
        "until": until.isoformat(),
        "units": [{"product": sku, "serial": serial, "lot": lot, "expiry": expiry.isoformat(),
                   "days_left": (expiry - today).days, "expired": expiry < today,
                   "status": status, "location": f"{wh}/{bin_code}"}
                  for sku, serial, lot, expiry, status, wh, bin_code in unit_rows],
        "quantities": [{"product": sku, "lot": lot, "expiry": expiry.isoformat(),
                        "days_left": (expiry - today).days, "expired": expiry < today,
                        "quantity": quantity, "location": f"{wh}/{bin_code}"}
                       for sku, lot, expiry, quantity, wh, bin_code in quantity_rows],
    }
