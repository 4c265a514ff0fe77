"""Recalls over HTTP, beside the generated postings (`POST /api/recalls` creates one, `POST
/api/recalls/{number}/hold` holds everything of it still in stock): the report and the customer
notification list (CSV or XLSX). Same queries as `serialtrack recall show|export`."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router

from serialtrack.api.core import api, role
from serialtrack.queries.recalls import (
    notification_csv,
    notification_xlsx,
    recall_report,
)

router = Router(tags=["recalls"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_RESPONSE: dict[str, Any] = {"responses": {200: {
    "description": "The customer notification list: one row per customer",
    "content": {"text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}}},
}}}


@router.get("/recalls/{number}", auth=role("viewer"), response=dict[str, Any])
def get_recall(request: HttpRequest, number: str, limit: int = 100, offset: int = 0
               ) -> dict[str, Any]:
    """The report: progress, every affected unit (paged by `limit`/`offset`) and lot quantity,
    where it is now, the customers, the hold documents under it."""
    return recall_report(number, limit=max(1, min(limit, 10_000)),
                         offset=max(0, min(offset, 10**12)))


@router.get("/recalls/{number}/export", auth=role("viewer"), openapi_extra=EXPORT_RESPONSE)
def export_recall(request: HttpRequest, number: str, format: Literal["csv", "xlsx"] = "csv"
                  ) -> HttpResponse:
    """The customer notification list of a recall, as CSV or XLSX."""
    if format == "xlsx":
        response = HttpResponse(notification_xlsx(number), content_type=XLSX)
    else:
        response = HttpResponse(notification_csv(number), content_type="text/csv")
    name = "".join(c for c in number if c.isalnum() or c in "-_") or "recall"
    response["Content-Disposition"] = f'attachment; filename="{name}-customers.{format}"'
    return response


api.add_router("", router)
