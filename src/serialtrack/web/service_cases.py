"""The service case (RMA) pages: the list, opening a claim by scanning the unit, and the case
page — the facts (ours or not, sold when and to whom, the claimant flag, warranty, earlier
claims and repairs), notes, photos, the documents that carried it out (with the stations that
post them, opened filled in, and the posted documents still to link) and closing with an
outcome.

Thin: the writes are `serialtrack.service_cases`, the reads `serialtrack.queries.service_cases`.
Roles as the API has them: any role reads, clerks open cases, add notes and photos and link
documents, managers close cases."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serialtrack import service_cases
from serialtrack.accounts.roles import has_role
from serialtrack.errors import InvalidInput, NotFound, Problem, Refused
from serialtrack.inventory.models import CaseOutcome
from serialtrack.queries import choices
from serialtrack.queries import service_cases as read
from serialtrack.web.views import forbidden, not_found, offered, show, station, station_url

CLOSER = "manager"


def case_url(number: str) -> str:
    return reverse("web:rma_case", args=[number])


@require_GET
@station
def case_list(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("open") == "1"
    return show(request, "web/rma_cases.html", {
        "nav": "rma", "cases": read.list_cases(open_only=open_only), "open_only": open_only})


def _open_context(form: dict[str, str]) -> dict[str, Any]:
    return {"nav": "rma", "form": form, "customers": choices.parties("customer")}


@require_http_methods(["GET", "POST"])
@station
def open_case(request: HttpRequest) -> HttpResponse:
    """The claim form: scan the unit, choose the claimant, describe the fault; opened, the case
    page shows what was found."""
    source = request.POST if request.method == "POST" else request.GET
    form = {k: source.get(k, "").strip() for k in ("scan", "claimant", "fault", "product")}
    if request.method == "GET":
        return show(request, "web/rma_open.html", _open_context(form))
    try:
        case = service_cases.open_case(scan=form["scan"], claimant=form["claimant"],
                                       fault=form["fault"], product=form["product"] or None,
                                       user=request.user)
    except Refused as exc:
        return show(request, "web/rma_open.html", {**_open_context(form),
                                                   "problems": exc.problems},
                    status=exc.http_status if exc.http_status in (404, 409) else 422)
    return HttpResponseRedirect(case_url(case.number))


def _actions(user: Any, case: dict[str, Any]) -> list[dict[str, str]]:
    """The stations that carry the case out from where its unit is now, filled in; only those
    the user may post. Each names the case, so what it posts links itself to the case."""
    unit = case["unit"]
    if case["status"] != "open" or unit is None:
        return []
    may = offered(user) | ({"replace"} if has_role(user, "manager") else set())
    sku, serial, status = unit["product"], unit["serial"], unit["status"]
    found: list[tuple[str, str, str, dict[str, str]]] = []
    if status == "shipped" and unit["last_sale"]:
        found.append(("return", "Receive the return", station_url("return"),
                      {"find": unit["last_sale"]["document"], "disposition": "repair"}))
    if status in ("in_stock", "on_hold"):
        found.append(("repair_start", "Start repair", station_url("repair_start"),
                      {"product": sku}))
    if status == "in_repair":
        found += [("repair_done", "Repair done", station_url("repair_done"), {"product": sku}),
                  ("repair_ship_back", "Ship back after repair",
                   station_url("repair_ship_back"), {"product": sku}),
                  ("replace", "Ship a replacement", reverse("web:repair_replace"),
                   {"product": sku, "old": serial, "customer": case["claimant"]})]
    else:
        found.append(("shipment", "Ship a replacement from stock", station_url("shipment"),
                      {"customer": case["claimant"], "product": sku}))
    return [{"name": name, "label": label,
             "url": f"{url}?{urlencode({**params, 'case': case['number']})}"}
            for name, label, url, params in found if name in may]


def _case_page(request: HttpRequest, number: str, problems: list[Problem] | None = None,
               form: dict[str, str] | None = None) -> HttpResponse:
    try:
        case = read.case_summary(read.get_case(number))
    except NotFound as exc:
        return not_found(request, exc)
    return show(request, "web/rma_case.html", {
        "nav": "rma", "case": case, "actions": _actions(request.user, case),
        "may_close": has_role(request.user, CLOSER), "outcomes": CaseOutcome.choices,
        "problems": problems or [], "form": form or {},
    }, status=422 if problems else 200)


@require_GET
@station
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    return _case_page(request, number)


def _after(request: HttpRequest, number: str, work: Any, form: dict[str, str]) -> HttpResponse:
    """Do `work` (a service call); back to the case page, or the page with the refusal."""
    try:
        work()
    except NotFound as exc:
        if any(p.field == "case" for p in exc.problems):
            return not_found(request, exc)
        return _case_page(request, number, exc.problems, form)
    except Refused as exc:
        return _case_page(request, number, exc.problems, form)
    return HttpResponseRedirect(case_url(number))


@require_POST
@station
def add_note(request: HttpRequest, number: str) -> HttpResponse:
    text = request.POST.get("text", "")
    return _after(request, number, lambda: service_cases.add_note(
        number, text=text, user=request.user), {"note": text})


@require_POST
@station
def add_photo(request: HttpRequest, number: str) -> HttpResponse:
    upload = request.FILES.get("photo")

    def work() -> None:
        if upload is None:
            raise InvalidInput([Problem("required", "choose a photo to upload",
                                        field="photo")])
        service_cases.add_photo(number, name=upload.name or "", chunks=upload.chunks(),
                                user=request.user)

    return _after(request, number, work, {})


@require_GET
@station
def photo(request: HttpRequest, number: str, photo_id: int) -> HttpResponse:
    """A case's photo, to signed-in users only (the media folder is never served as is)."""
    try:
        found = service_cases.get_photo(number, photo_id)
    except NotFound as exc:
        return not_found(request, exc)
    response = FileResponse(default_storage.open(found.file.name, "rb"),
                            content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@station
def link(request: HttpRequest, number: str) -> HttpResponse:
    document = request.POST.get("document", "")
    return _after(request, number, lambda: service_cases.link_document(
        number, document=document, user=request.user), {"document": document})


@require_POST
@station
def close(request: HttpRequest, number: str) -> HttpResponse:
    if not has_role(request.user, CLOSER):
        return forbidden(request, CLOSER)
    form = {k: request.POST.get(k, "").strip() for k in ("outcome", "reason", "refund")}
    return _after(request, number, lambda: service_cases.close_case(
        number, outcome=form["outcome"], reason=form["reason"], refund=form["refund"],
        user=request.user), form)
