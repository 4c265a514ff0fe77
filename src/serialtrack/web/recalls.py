"""The recall pages: the latest recalls, and one recall's report with its progress, the
"hold all in storage" button (managers: the same engine entry as `serialtrack recall hold` and
POST /api/recalls/{number}/hold) and the customer notification list as CSV or XLSX."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from serialtrack import posting
from serialtrack.accounts.roles import has_role
from serialtrack.errors import NotFound, Refused
from serialtrack.queries.recalls import (
    notification_csv,
    notification_xlsx,
    recall_report,
    recall_summaries,
)
from serialtrack.web.views import forbidden, not_found, show, station

ROLE = "manager"
UNITS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def recall_url(number: str) -> str:
    return f"/recalls/{quote(number, safe='')}/"


@require_GET
@station
def recalls(request: HttpRequest) -> HttpResponse:
    return show(request, "web/recalls.html", {"title": "Recalls", "nav": "recalls",
                                              "recalls": recall_summaries()})


@require_GET
@station
def recall(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, number)


def _page(request: HttpRequest, number: str, problems: list | None = None,
          status: int = 200) -> HttpResponse:
    try:
        report = recall_report(number, limit=UNITS_SHOWN)
    except NotFound as exc:
        return not_found(request, exc)
    return show(request, "web/recall.html", {
        "title": report["recall"], "nav": "recalls", "report": report,
        "may_hold": has_role(request.user, ROLE), "needed": ROLE, "problems": problems or [],
        "posted": request.GET.get("held", ""),
    }, status=status)


@require_POST
@station
def hold(request: HttpRequest, number: str) -> HttpResponse:
    """Hold everything of the recall still in stock, then back to its page (which names the
    hold document); a refusal (nothing left in stock) is shown on the page."""
    if not has_role(request.user, ROLE):
        return forbidden(request, ROLE)
    try:
        doc = posting.hold_recall(number=number, user=request.user)
    except NotFound as exc:
        return not_found(request, exc)
    except Refused as exc:
        return _page(request, number, exc.problems, status=422)
    return HttpResponseRedirect(f"{recall_url(number)}?held={quote(doc.number or '')}")


@require_GET
@station
def export(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return HttpResponse(status=404)
    try:
        if fmt == "xlsx":
            response = HttpResponse(notification_xlsx(number), content_type=XLSX)
        else:
            response = HttpResponse(notification_csv(number), content_type="text/csv")
    except NotFound as exc:
        return not_found(request, exc)
    name = "".join(c for c in number if c.isalnum() or c in "-_") or "recall"
    response["Content-Disposition"] = f'attachment; filename="{name}-customers.{fmt}"'
    return response
