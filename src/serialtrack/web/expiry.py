"""The page of what expires within N days (`queries.expiring`): units in storage and lot
quantities on hand, with where they are, soonest first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from serialtrack import queries
from serialtrack.web.views import show, station


@require_GET
@station
def expiring(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days") or 30)
    except ValueError:
        days = 30
    warehouse = (request.GET.get("warehouse") or "").strip() or None
    product = (request.GET.get("product") or "").strip() or None
    report = queries.expiring(days, warehouse, product)
    return show(request, "web/expiring.html", {
        "nav": "report", "report": report, "days": days, "warehouse": warehouse or "",
        "product": product or ""})
