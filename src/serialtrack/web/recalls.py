"""The recall pages: the latest recalls; the form that creates one (managers: pick the
selection and a reason, count what it finds — a dry run of the engine's own entry — then post:
the same `posting.create_recall` as `serialtrack recall create` and POST /api/recalls); one
recall's report with its progress, the "hold all in storage" button (managers: the same engine
entry as `serialtrack recall hold` and POST /api/recalls/{number}/hold) and the customer
notification list as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serialtrack import posting
from serialtrack.accounts.roles import has_role
from serialtrack.errors import NotFound, Problem, Refused
from serialtrack.posting.recalls import RECALL
from serialtrack.queries import choices
from serialtrack.queries.recalls import (
    notification_csv,
    notification_xlsx,
    recall_report,
    recall_summaries,
)
from serialtrack.serials import expand_tokens
from serialtrack.web.views import forbidden, not_found, show, station

ROLE = "manager"
CREATE_ROLE = RECALL.role
# How the affected units are selected: the form's choice -> the fields it reads (a product
# narrows any of them).
SELECTIONS = {
    "lot": ("lot",),
    "serials": ("serials",),
    "receipt": ("receipt",),
    "supplier": ("supplier", "received_from", "received_to"),
    "component": ("component",),
}
FORM_FIELDS = ("by", "reason", "product", "lot", "serials", "receipt", "supplier",
               "received_from", "received_to", "component")
UNITS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def recall_url(number: str) -> str:
    return f"/recalls/{quote(number, safe='')}/"


@require_GET
@station
def recalls(request: HttpRequest) -> HttpResponse:
    return show(request, "web/recalls.html", {"title": "Recalls", "nav": "recalls",
                                              "recalls": recall_summaries(),
                                              "may_create": has_role(request.user, CREATE_ROLE)})


@require_http_methods(["GET", "POST"])
@station
def new_recall(request: HttpRequest) -> HttpResponse:
    """GET: the form (`?lot=…`, `?component=…`… fill it). POST `action=count`: what the
    selection finds (a dry run: nothing is kept); `action=create`: the recall, then its page.
    Managers only (the role `posting.recalls.RECALL` declares): anyone else gets 403."""
    if not has_role(request.user, CREATE_ROLE):
        return forbidden(request, CREATE_ROLE)
    source = request.POST if request.method == "POST" else request.GET
    form = {name: source.get(name, "").strip() for name in FORM_FIELDS}
    form["by"] = form["by"] if form["by"] in SELECTIONS else _by_of(form)
    problems: list[Problem] = []
    preview: dict[str, Any] | None = None
    if request.method == "POST":
        criteria = _criteria(form, problems)
        if not form["reason"]:
            problems.append(Problem("required", "a recall needs a reason (the maker's notice)",
                                    field="reason"))
        if not problems:
            try:
                if request.POST.get("action") == "create":
                    doc = posting.create_recall(user=request.user, reason=form["reason"],
                                                **criteria)
                    return HttpResponseRedirect(f"{recall_url(doc.number or '')}?created=1")
                preview = posting.preview_recall(user=request.user, reason=form["reason"],
                                                 **criteria)
            except Refused as exc:
                problems = exc.problems
    return show(request, "web/recall_new.html", {
        "title": "New recall", "nav": "recalls", "form": form, "problems": problems,
        "preview": preview, "selections": list(SELECTIONS),
        "products": [*choices.serial_products(), *choices.quantity_products()],
        "suppliers": choices.parties("supplier"),
    }, status=422 if problems else 200)


def _by_of(form: dict[str, str]) -> str:
    """The selection a pre-filled form names (the first of them with a value), else by lot."""
    return next((by for by, fields in SELECTIONS.items() if any(form[f] for f in fields)),
                "lot")


def _criteria(form: dict[str, str], problems: list[Problem]) -> dict[str, Any]:
    """The engine's keyword arguments of the chosen selection (only its fields: what another
    choice left filled in is not sent), each bad value a problem naming its field."""
    criteria: dict[str, Any] = {"product": form["product"] or None}
    for name in SELECTIONS[form["by"]]:
        raw = form[name]
        if name == "serials":
            try:
                criteria[name] = list(expand_tokens(
                    line.strip() for line in raw.splitlines() if line.strip()))
            except Refused as exc:  # a range that is not one
                problems += exc.problems
        elif name in ("received_from", "received_to"):
            try:
                criteria[name] = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                problems.append(Problem("invalid", f"{name.replace('_', ' ')} {raw!r} is not a "
                                        "date (YYYY-MM-DD)", field=name))
        else:
            criteria[name] = raw or None
    named = [name for name in SELECTIONS[form["by"]] if form[name]]
    if not named and not problems:
        what = {"lot": "a lot code", "serials": "the serials (one per line, ranges allowed)",
                "receipt": "a receipt number (RCV-…)",
                "supplier": "a supplier and/or a received date range",
                "component": "the component's serial"}[form["by"]]
        problems.append(Problem("required", f"selecting by {form['by']} needs {what}",
                                field=SELECTIONS[form["by"]][0]))
    return criteria


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
        "posted": request.GET.get("held", ""), "created": request.GET.get("created") == "1",
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
