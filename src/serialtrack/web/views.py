"""The web pages. Thin: parse the form, call one engine entry or query, render. Every rule (what
a scan may be, what may post) is decided by `serialtrack.posting` and `serialtrack.queries`;
a refusal is shown where it happened (next to the scan, above the form).

Roles: every page needs a signed-in user with a role (viewer and up); every POST needs the
clerk role, and a station's POSTs the role its posting needs (`drafts.role_needed`: the manager
role for write-offs and repairs) — a user without it sees the same pages without the posting
forms, is not offered the station, and a POST is 403."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from serialtrack import catalog, queries
from serialtrack.accounts.roles import has_role, role_of
from serialtrack.errors import InvalidInput, NotFound, Problem, Refused
from serialtrack.inventory.models import Document, DocumentStatus, DraftLine
from serialtrack.posting import drafts, operations
from serialtrack.posting.operations import Operation
from serialtrack.posting.repairs import NOTE_REPAIR_DONE, NOTE_REPAIR_STARTED
from serialtrack.posting.returns import DISPOSITIONS
from serialtrack.queries import choices, stations, worklists
from serialtrack.queries import search as site_search
from serialtrack.queries.documents import recent_shipments, shipment_to_return
from serialtrack.queries.packing_slips import SLIP_KINDS
from serialtrack.serials import expand_tokens, read_serials_file

View = Callable[..., HttpResponse]
BULK_REFUSALS_SHOWN = 200
REPORT_SERIALS_SHOWN = 200


# -- roles and rendering -----------------------------------------------------------------------

def station(view: View) -> View:
    """Signed in with a role to read; the clerk role to POST (else 403)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(f"/login/?{urlencode({'next': request.path})}")
            return redirect_to_login(request.get_full_path(), "/login/")
        needed = "viewer" if request.method in ("GET", "HEAD") else "clerk"
        if not has_role(user, needed):
            return forbidden(request, needed)
        return view(request, *args, **kwargs)

    return wrapper


def show(request: HttpRequest, template: str, context: dict[str, Any] | None = None,
         status: int = 200) -> HttpResponse:
    """Render with the user's role; `can_post` (the page's posting forms) and `stations` (the
    stations offered in the navigation) follow it."""
    base = {"role": role_of(request.user), "can_post": has_role(request.user, "clerk"),
            "stations": offered(request.user)}
    return render(request, template, {**base, **(context or {})}, status=status)


def offered(user: Any) -> set[str]:
    """The stations this user may post (and is offered)."""
    return {op.name for op in operations.stations() if has_role(user, op.role)}


def station_url(name: str) -> str:
    station = operations.operation(name).station
    assert station is not None
    return station.url


def nav_of(op: Operation) -> str:
    """The navigation entry a station sits under: its own when its kind has one station
    (receive, ship, return, transfer), else the page of stations for units we hold."""
    return "adjust" if operations.draft_operations(op.kind) else op.name


def forbidden(request: HttpRequest, needed: str) -> HttpResponse:
    return show(request, "web/forbidden.html", {"needed": needed}, status=403)


def not_found(request: HttpRequest, exc: Refused) -> HttpResponse:
    return show(request, "web/not_found.html", {"problems": exc.problems}, status=404)


def unit_url(sku: str, serial: str) -> str:
    return f"/units/{quote(sku, safe='')}/{quote(serial, safe='')}"


def document_url(number: str) -> str:
    return f"/documents/{quote(number, safe='')}"


def draft_url(draft_id: int) -> str:
    return reverse("web:draft", args=[draft_id])


# -- home ----------------------------------------------------------------------------------------

FIRST_RUN_SEEN = "serialtrack_first_run_seen"  # in the session, once the first-run page was shown


def first_run_due(request: HttpRequest) -> bool:
    """A manager signed in to a business with no product or no warehouse yet, who has not seen
    the first-run page (web/setup.py) in this session."""
    from serialtrack.queries.catalog import set_up_enough

    return (has_role(request.user, "manager") and not request.session.get(FIRST_RUN_SEEN)
            and not set_up_enough())


@require_GET
@station
def home(request: HttpRequest) -> HttpResponse:
    if first_run_due(request):  # a manager's first look at a business with nothing set up
        return HttpResponseRedirect("/setup/")
    hold_count, on_hold = worklists.units_in("on_hold")
    repair_count, in_repair = worklists.units_in("in_repair")
    discarded = whole_number(request.GET.get("discarded") or "")
    return show(request, "web/home.html", {
        "nav": "home", "drafts": worklists.drafts_in_progress(), "on_hold": on_hold,
        "discarded": discarded,
        "hold_count": hold_count, "in_repair": in_repair, "repair_count": repair_count,
        "documents": worklists.recent_documents(),
        "release_url": _station_url(station_url("release"), on_hold),
        "repair_done_url": _station_url(station_url("repair_done"), in_repair),
    })


def _station_url(path: str, units: list[dict[str, Any]]) -> str:
    """A station's page, its product filled in when the units listed are all of one."""
    skus = {u["sku"] for u in units}
    return f"{path}?{urlencode({'product': skus.pop()})}" if len(skus) == 1 else path


# -- opening a draft: receive, ship, return ----------------------------------------------------

def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "").strip()


def station_form(request: HttpRequest, fields: Iterable[str]) -> dict[str, str]:
    """A station form's fields as posted — or, on a GET, as the link that led here gives them
    (an order's "receive against it", set-up's offer to create what a refusal found missing,
    which comes back with the form as it was). Every station form reads its fields here."""
    source = request.POST if request.method == "POST" else request.GET
    return {name: source.get(name, "").strip() for name in fields}


def whole_number(raw: str) -> int | None:
    """A form field's whole number: ASCII digits only ('²6' is a digit string to Python, and
    int() refuses it), else None."""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def typed_fields(request: HttpRequest, problems: list[Problem]) -> dict[str, Any]:
    """The optional typed fields of a station form (expected quantity, cost, expiry), those
    given; each bad one a problem naming it."""
    values: dict[str, Any] = {}
    raw = _text(request, "expected_quantity")
    if raw:
        expected = whole_number(raw)
        if expected is not None and expected >= 1:
            values["expected_quantity"] = expected
        else:
            problems.append(Problem("invalid", f"expected quantity {raw!r} must be a whole number "
                                    "of 1 or more", field="expected_quantity"))
    raw = _text(request, "cost")
    if raw:
        try:
            values["cost"] = Decimal(raw)
            if values["cost"] < 0 or not values["cost"].is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(Problem("invalid", f"cost {raw!r} is not an amount", field="cost"))
    raw = _text(request, "expiry")
    if raw:
        try:
            values["expiry"] = dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(Problem("invalid", f"expiry {raw!r} is not a date (YYYY-MM-DD)",
                                    field="expiry"))
    return values


START_FIELDS = ("supplier", "customer", "warehouse", "product", "lot", "reference",
                "expected_quantity", "cost", "expiry", "scans", "order", "case")


def _start_context(kind: str) -> dict[str, Any]:
    station = operations.operation(kind).station
    context: dict[str, Any] = {"kind": kind, "nav": kind,
                               "title": operations.operation(kind).title,
                               "products": choices.serial_products(),
                               "locations": choices.locations(),
                               "optional": station.optional if station else ()}
    if kind == "receipt":
        context["suppliers"] = choices.parties("supplier")
    if kind == "shipment":
        context["customers"] = choices.parties("customer")
    return context


def _open_draft(request: HttpRequest, kind: str) -> HttpResponse:
    if request.method == "GET":
        form = {k: v for k, v in station_form(request, START_FIELDS).items() if v}
        return show(request, "web/start.html", {**_start_context(kind), "form": form})
    problems: list[Problem] = []
    fields = typed_fields(request, problems)
    form = station_form(request, START_FIELDS)
    if not problems:
        try:
            doc = drafts.create_draft(
                kind=kind, user=request.user, product=form["product"] or None,
                warehouse=form["warehouse"] or None,
                supplier=(form["supplier"] or None) if kind == "receipt" else None,
                customer=(form["customer"] or None) if kind == "shipment" else None,
                lot=form["lot"] or None, reference=form["reference"],
                scans=(form["scans"] or drafts.SERIALS) if kind == "receipt" else drafts.SERIALS,
                order=form["order"] or None, case=form["case"] or None, **fields)
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(draft_url(doc.pk))
    return show(request, "web/start.html", {**_start_context(kind), "problems": problems,
                                            "form": form}, status=422)


RETURN_FIELDS = ("find", "disposition", "warehouse", "case")


def _open_return(request: HttpRequest) -> HttpResponse:
    """Find the shipment (by number, by a serial it carried, or from a customer's recent
    shipments), then open a return draft against it — for a service case when the case page
    led here (`case`: the posted return links itself to it)."""
    customer = (request.GET.get("customer") or "").strip()
    context: dict[str, Any] = {
        "kind": "return", "nav": "return", "title": operations.operation("return").title,
        "dispositions": list(DISPOSITIONS),
        "locations": choices.locations(), "customers": choices.parties("customer"),
        "customer": customer, "shipments": recent_shipments(customer or None),
    }
    form = station_form(request, RETURN_FIELDS)
    form["disposition"] = form["disposition"] or "restock"
    context["form"] = form
    if request.method == "GET":  # a link may fill the form in (station_form reads it)
        return show(request, "web/return_start.html", context)
    shipment = _text(request, "shipment")
    find = form["find"]
    if not shipment and find:
        found, matches = shipment_to_return(find)
        if found:
            shipment = found
        elif matches:
            return show(request, "web/return_start.html", {**context, "matches": matches})
        else:
            context["problems"] = [Problem("not_found", f"no document {find!r}, and no "
                                           f"shipment carried a serial {find!r}", field="find")]
            return show(request, "web/return_start.html", context, status=422)
    if not shipment:
        context["problems"] = [Problem("invalid", "give the shipment number or scan a serial "
                                       "from it", field="find")]
        return show(request, "web/return_start.html", context, status=422)
    try:
        doc = drafts.create_draft(kind="return", user=request.user, shipment=shipment,
                                  warehouse=form["warehouse"] or None,
                                  disposition=form["disposition"], case=form["case"] or None)
    except Refused as exc:
        context["problems"] = exc.problems
        return show(request, "web/return_start.html", context, status=422)
    return HttpResponseRedirect(draft_url(doc.pk))


# -- opening a draft: transfer, hold and release, write-off, repair ----------------------------

def _move_context(request: HttpRequest, op: Operation) -> dict[str, Any]:
    assert op.station is not None
    needs = op.station.needs
    context: dict[str, Any] = {
        "station": op.name, "kind": op.kind.value,
        "operation": op.name if operations.draft_operations(op.kind) else "",
        "title": op.title, "lead": op.station.lead, "needed": op.role, "nav": nav_of(op),
        "reason_required": "reason" in needs, "products": choices.serial_products(),
        "needs": needs,
    }
    context["can_post"] = has_role(request.user, context["needed"])
    if {"source", "destination", "warehouse"} & set(needs):
        context["locations"] = choices.locations()
    return context


MOVE_FIELDS = ("product", "source", "destination", "warehouse", "assembly", "reason",
               "expected_quantity", "case")


def _open_move(request: HttpRequest, op: Operation) -> HttpResponse:
    """The opening form of a station that moves units we hold; posted, it opens the draft."""
    context = _move_context(request, op)
    form = station_form(request, MOVE_FIELDS)
    if request.method == "GET":
        return show(request, "web/move_start.html", {**context, "form": form})
    if not context["can_post"]:
        return forbidden(request, context["needed"])
    problems: list[Problem] = []
    fields = typed_fields(request, problems)
    if not problems:
        try:
            doc = drafts.create_draft(
                kind=context["kind"], operation=context["operation"], user=request.user,
                product=form["product"] or None, source=form["source"] or None,
                destination=form["destination"] or None, reason=form["reason"],
                warehouse=form["warehouse"] or None, assembly=form["assembly"] or None,
                expected_quantity=fields.get("expected_quantity"), case=form["case"] or None)
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(draft_url(doc.pk))
    return show(request, "web/move_start.html", {**context, "problems": problems, "form": form},
                status=422)


@require_http_methods(["GET", "POST"])
@station
def open_station(request: HttpRequest, name: str) -> HttpResponse:
    """A station's opening page (`Station.form`); posted, it opens the draft and goes to it."""
    op = operations.operation(name)
    assert op.station is not None
    if op.station.form == "start":
        return _open_draft(request, op.kind.value)
    if op.station.form == "return":
        return _open_return(request)
    return _open_move(request, op)


@require_GET
@station
def adjust(request: HttpRequest) -> HttpResponse:
    """The stations for units we hold that need something done: hold, release, write-off,
    repair — those this user may post."""
    return show(request, "web/adjust.html", {
        "nav": "adjust",
        "choices": [{"station": op.name, "title": op.title, "lead": op.station.lead,
                     "url": op.station.url}
                    for op in operations.stations() if nav_of(op) == "adjust" and op.station],
    })


# -- the scan station ----------------------------------------------------------------------------

def _get_draft(draft_id: int) -> Document:
    return drafts.get_draft(draft_id)


def _posted(draft_id: int) -> str | None:
    """The number of a draft that has been posted meanwhile."""
    return (Document.objects.filter(pk=draft_id, status=DocumentStatus.POSTED)
            .values_list("number", flat=True).first())


def _operation_of(doc: Document) -> Operation:
    return operations.drafted(doc.kind, doc.draft.operation)


def _may_post(user: Any, doc: Document) -> bool:
    return has_role(user, drafts.role_needed(doc.kind, doc.draft.operation))


def _state(request: HttpRequest, doc: Document) -> dict[str, Any]:
    """The draft's header, counter and whether Post is enabled (the engine still checks the
    count on posting); the scan and post forms only for a user whose role may post it."""
    line = doc.draft
    op = _operation_of(doc)
    assert op.station is not None
    scanned, refused = stations.draft_counts(line)
    summary = {"scanned": scanned, "refused": refused, "expected_quantity": line.expected_quantity}
    expected = summary["expected_quantity"]
    ready = summary["scanned"] > 0 and (expected is None or expected == summary["scanned"])
    return {"doc": doc, "line": line, "summary": summary, "ready": ready,
            "nav": nav_of(op), "station": op.name, "kind_title": op.title,
            "post_label": op.station.post_label,
            "can_post": _may_post(request.user, doc),
            "needed": drafts.role_needed(doc.kind, line.operation)}


def _station_context(request: HttpRequest, doc: Document, **extra: Any) -> dict[str, Any]:
    context = _state(request, doc)
    context["scans"] = stations.scan_log(doc.draft)
    kept = sum(1 for s in context["scans"] if s["verdict"] == "accepted")
    context["more_scans"] = max(0, context["summary"]["scanned"] - kept)
    if doc.kind == "shipment":
        context["picks"] = stations.pick_list(doc.draft)
    if doc.kind == "return":
        context["dispositions"] = list(DISPOSITIONS)
    context.update(extra)
    return context


def _draft_or_redirect(request: HttpRequest, draft_id: int) -> Document | HttpResponse:
    try:
        return _get_draft(draft_id)
    except NotFound as exc:
        return not_found(request, exc)
    except InvalidInput:
        number = _posted(draft_id)
        target = document_url(number) if number else "/"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)


def with_draft(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Hand the view its open draft; a draft that is unknown or already posted answers with
    the not-found page or a redirect to the posted document; a POST by a user whose role may
    not post this draft is 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, draft_id: int) -> HttpResponse:
        doc = _draft_or_redirect(request, draft_id)
        if isinstance(doc, HttpResponse):
            return doc
        if request.method == "POST" and not _may_post(request.user, doc):
            return forbidden(request, drafts.role_needed(doc.kind, doc.draft.operation))
        return view(request, draft_id, doc)

    return wrapper


@require_GET
@station
@with_draft
def draft_page(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    return show(request, "web/draft.html", _station_context(request, doc))


@require_POST
@station
@with_draft
def scan(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    """One scan: its verdict at once; accepted ones join the draft."""
    raw = request.POST.get("serial", "")
    if not raw.strip():
        return HttpResponse(status=204)
    disposition = _text(request, "disposition") or None
    maker = request.POST.get("manufacturer_serial")  # a draft of paired serials: the maker's
    try:
        verdict = drafts.add_scans(draft_id, [raw], request.user, disposition, doc=doc,
                                   manufacturer_serials=None if maker is None else [maker])[0]
    except Refused as exc:
        gone = _draft_or_redirect(request, draft_id)  # posted meanwhile
        if isinstance(gone, HttpResponse):
            return gone
        verdict = drafts.Verdict(raw.strip(), False, exc.code, exc.summary())
    if not request.htmx:
        return show(request, "web/draft.html", _station_context(request, doc, verdict=verdict))
    context = _state(request, doc)
    context.update(verdict=verdict, oob=True)
    entry = {"verdict": "accepted" if verdict.accepted else "refused", "serial": verdict.serial,
             "disposition": disposition or "", "scanned_at": timezone.now(),
             "message": verdict.message,
             "manufacturer_serial": (maker or "").strip() if verdict.accepted else ""}
    if verdict.accepted:
        if doc.kind == "shipment":
            context["picks"] = stations.pick_list(doc.draft)
    else:
        entry["id"] = stations.newest_refusal(doc.draft, verdict.serial)
    context["new_scan"] = entry
    return show(request, "web/_scan_result.html", context)


@require_POST
@station
@with_draft
def dismiss(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    """Take a refused scan off the scan log (`refusal`: its id), or every one (no id)."""
    refusal = whole_number(_text(request, "refusal"))
    drafts.dismiss_refusals(draft_id, refusal)
    if not request.htmx:
        return HttpResponseRedirect(draft_url(draft_id))
    context = _state(request, doc)
    context["oob"] = True
    if refusal is None:
        context["scans"] = stations.scan_log(doc.draft)
        kept = sum(1 for s in context["scans"] if s["verdict"] == "accepted")
        context["more_scans"] = max(0, context["summary"]["scanned"] - kept)
    return show(request, "web/_dismissed.html", {**context, "all": refusal is None})


@require_POST
@station
@with_draft
def remove(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    serial = request.POST.get("serial", "")
    error = None
    try:
        drafts.remove_scan(draft_id, serial)
    except Refused as exc:
        error = exc.summary()
    if not request.htmx:
        return HttpResponseRedirect(draft_url(draft_id))
    context = _state(request, doc)
    context.update(oob=True, removed=serial.strip(), error=error)
    if doc.kind == "shipment":
        context["picks"] = stations.pick_list(doc.draft)
    return show(request, "web/_removed.html", context)


def _bulk_serials(request: HttpRequest) -> list[str]:
    """The serials of a pasted list (one per line, ranges allowed) or an uploaded file (one per
    line, or the `serial` column — or the one named — of a CSV or XLSX)."""
    upload = request.FILES.get("file")
    if upload is not None:
        suffix = Path(upload.name or "").suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{suffix if suffix in ('.csv', '.xlsx') else '.txt'}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            return list(read_serials_file(path, _text(request, "column") or None))
    lines = [line for line in request.POST.get("serials", "").splitlines() if line.strip()]
    return list(expand_tokens(lines))


@require_POST
@station
@with_draft
def bulk(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    result: dict[str, Any] = {"given": 0, "accepted": 0, "refused": [], "problems": []}
    try:
        serials = _bulk_serials(request)
        result["given"] = len(serials)
        if serials:
            verdicts = drafts.add_scans(draft_id, serials, request.user,
                                        _text(request, "disposition") or None, doc=doc)
            refused = [v for v in verdicts if not v.accepted]
            result.update(accepted=len(verdicts) - len(refused), refused_count=len(refused),
                          refused=refused[:BULK_REFUSALS_SHOWN])
    except Refused as exc:
        result["problems"] = exc.problems
    except (UnicodeDecodeError, ValueError, OSError) as exc:  # unreadable upload
        result["problems"] = [Problem("invalid", f"cannot read the file: {exc}", field="file")]
    context = _station_context(request, doc, bulk=result, oob=True)
    template = "web/_bulk_result.html" if request.htmx else "web/draft.html"
    return show(request, template, context)


@require_POST
@station
@with_draft
def expected(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    """Change the draft's expected quantity (empty: no count)."""
    raw = _text(request, "expected_quantity")
    value = whole_number(raw) if raw else None
    problems: list[Problem] = []
    if raw and (value is None or value < 1):
        problems.append(Problem("invalid", f"expected quantity {raw!r} must be a whole number "
                                "of 1 or more", field="expected_quantity"))
    else:
        try:
            doc = drafts.set_expected_quantity(draft_id, value)
        except Refused as exc:
            problems = exc.problems
    if problems:
        return show(request, "web/draft.html",
                    _station_context(request, doc, post_problems=problems), status=422)
    return HttpResponseRedirect(draft_url(draft_id))


@require_http_methods(["GET", "POST"])
@station
@with_draft
def discard(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    """Asked first (GET: what would be thrown away), then done (POST): the draft and its scans
    are gone, as `DELETE /api/drafts/{id}` does."""
    if request.method == "GET":
        return show(request, "web/discard.html", _state(request, doc))
    drafts.discard_draft(draft_id)
    return HttpResponseRedirect(f"/?{urlencode({'discarded': draft_id})}")


@require_POST
@station
@with_draft
def post(request: HttpRequest, draft_id: int, doc: Document) -> HttpResponse:
    try:
        posted = drafts.post_draft(draft_id, request.user)
    except Refused as exc:
        return show(request, "web/draft.html",
                    _station_context(request, doc, post_problems=exc.problems),
                    status=409 if exc.http_status == 409 else 422)
    return HttpResponseRedirect(f"{document_url(posted.number)}?posted=1")


def _kind_title(doc: Document, summary: dict[str, Any]) -> str:
    """What a document is: its kind, or for a repair document what it did (its lines say:
    "repair started", "repair done")."""
    notes = {line["note"] for line in summary["lines"]}
    if doc.kind == "repair" and len(notes) == 1 and notes <= {NOTE_REPAIR_STARTED,
                                                              NOTE_REPAIR_DONE}:
        return str(notes.pop()).capitalize()
    return doc.get_kind_display()


@require_POST
@station
def again(request: HttpRequest, number: str) -> HttpResponse:
    """"Same again": a new draft like the one that posted `number`, and its scan station."""
    try:
        doc = catalog.get_document(number)
    except NotFound as exc:
        return not_found(request, exc)
    line = DraftLine.objects.filter(document=doc).select_related("product").first()
    operation = line.operation if line is not None else None
    if operation is not None and not has_role(request.user, drafts.role_needed(doc.kind,
                                                                               operation)):
        return forbidden(request, drafts.role_needed(doc.kind, operation))
    op = operations.drafted(doc.kind, operation) if line is not None else None
    if op is not None and op.station is not None and "assembly" in op.station.needs:
        # the next assembly has a serial of its own: its opening form, the rest filled in
        return HttpResponseRedirect(f"{op.station.url}?" + urlencode(
            {"product": line.product.sku if line.product else "",
             "warehouse": line.location_ref, "reason": doc.reason}))
    try:
        repeated = drafts.repeat_draft(number, request.user)
    except Refused as exc:
        return show(request, "web/not_found.html", {"problems": exc.problems}, status=422)
    return HttpResponseRedirect(draft_url(repeated.pk))


# -- units, documents, search ------------------------------------------------------------------

def _when(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value else None


@require_GET
@station
def unit(request: HttpRequest, sku: str, serial: str) -> HttpResponse:
    return unit_page(request, sku, serial)


def unit_page(request: HttpRequest, sku: str, serial: str,
              problems: list[Problem] | None = None) -> HttpResponse:
    """A unit's page; `problems`: why an action posted from it was refused (shown above it)."""
    try:
        history = queries.unit_history(serial, sku)
        warranty = queries.warranty_of(history)
    except NotFound as exc:
        return not_found(request, exc)
    movements = [{**m, "time": _when(m["time"])} for m in history["movements"]]
    here = history["unit"]["location"] or ""
    return show(request, "web/unit.html", {
        "unit": history["unit"], "movements": movements, "warranty": warranty,
        "sale": history.get("sale"),
        "received_at": _when(history["unit"]["received_at"]),
        "may_replace": has_role(request.user, "manager"),
        "build_url": f"{station_url('assemble')}?" + urlencode(
            {"product": sku, "warehouse": here.partition("/")[0], "assembly": serial}),
        "problems": problems or [],
    }, status=422 if problems else 200)


@require_GET
@station
def document(request: HttpRequest, number: str) -> HttpResponse:
    try:
        doc = catalog.get_document(number)
    except NotFound as exc:
        return not_found(request, exc)
    summary = queries.document_summary(doc, with_serials=True)
    slip = (f"/api/documents/{quote(doc.number, safe='')}/packing-slip.pdf"
            if doc.number and doc.kind in SLIP_KINDS else None)
    line = (DraftLine.objects.filter(document=doc).values_list("operation", flat=True).first()
            if request.GET.get("posted") else None)
    return show(request, "web/document.html", {
        "doc": doc, "summary": summary, "posted_at": _when(summary["posted_at"]),
        "kind_title": _kind_title(doc, summary), "packing_slip_url": slip,
        "just_posted": line is not None,
        "may_repeat": line is not None and has_role(request.user,
                                                    drafts.role_needed(doc.kind, line)),
    })


@require_GET
@station
def search(request: HttpRequest) -> HttpResponse:
    """The search box (queries/search.py): one thing found opens its page; several are listed;
    none is said plainly. `product` picks the unit of a serial that several products carry;
    `contains` asks for a contains-search of serials where it reads every unit."""
    q = (request.GET.get("q") or "").strip()
    sku = (request.GET.get("product") or "").strip() or None
    context: dict[str, Any] = {"q": q}
    if q and sku:
        try:
            found_unit = queries.find_unit(q, sku)
        except NotFound:
            pass
        else:
            return HttpResponseRedirect(unit_url(found_unit["product"], found_unit["serial"]))
    if q:
        found = site_search.search(q, contains=request.GET.get("contains") == "1")
        hits = [{**hit, "url": _hit_url(hit)} for hit in found.hits]
        if len(hits) == 1 and not found.problem:
            return HttpResponseRedirect(hits[0]["url"])
        context.update(hits=hits, found=found,
                       contains_url=f"/search?{urlencode({'q': q, 'contains': '1'})}")
    missed = bool(q) and not context.get("hits")
    return show(request, "web/search.html", context, status=404 if missed else 200)


def _hit_url(hit: dict[str, Any]) -> str:
    kind = hit["kind"]
    if kind == "unit":
        return unit_url(hit["sku"], hit["serial"])
    if kind == "document":
        return document_url(hit["number"])
    if kind == "case":
        return reverse("web:rma_case", args=[hit["number"]])
    if kind == "lot":
        return f"/report/?{urlencode({'lot': hit['code'], 'product': hit['sku']})}"
    if kind == "product":
        return f"/report/?{urlencode({'product': hit['sku']})}"
    if hit["is_customer"]:
        return f"/report/?{urlencode({'view': 'out', 'customer': hit['name']})}"
    return f"/report/?{urlencode({'view': 'out', 'holder': hit['name']})}"


# -- the serial report -------------------------------------------------------------------------

IN_COLUMNS = ("warehouse", "bin", "product", "status", "serial", "lot", "quantity")
OUT_COLUMNS = ("product", "serial", "status", "holder", "document", "date", "warranty_end")
OUT_STATUSES = ("shipped", "scrapped", "returned_to_supplier", "installed")


REPORT_FILTERS = ("warehouse", "product", "holder", "status", "lot", "customer")


def _report_rows(view: str, filters: dict[str, str], first: int | None = None
                 ) -> tuple[list[dict[str, Any]], list[Any]]:
    """(groups or rows shown, quantities) for the report's view and filters; `first`: each
    in-stock group's first serials only (the page; the exports take them all)."""
    given = {k: v or None for k, v in filters.items()}
    if view == "out":
        rows = queries.out_of_storage(product=given["product"], holder=given["holder"],
                                      status=given["status"], lot=given["lot"],
                                      customer=given["customer"])
        return rows, []
    groups = queries.stock_on_hand(given["warehouse"], given["product"], lot=given["lot"],
                                   customer=given["customer"], first=first)
    # Lot and plain quantities carry no unit identity: no customer can be told apart in them.
    quantities = [] if given["customer"] else queries.quantities_on_hand(
        given["warehouse"], given["product"], lot=given["lot"])
    return groups, quantities


def _flat(view: str, rows: list[dict[str, Any]], quantities: list[Any],
          lot: str = "") -> Iterator[list[Any]]:
    """The export's lines: a header, then one line per serial (and per lot quantity); `lot`,
    when the report is filtered by lot, is every serial's lot."""
    if view == "out":
        yield list(OUT_COLUMNS)
        for r in rows:
            yield [r[c] or "" for c in OUT_COLUMNS]
        return
    yield list(IN_COLUMNS)
    for g in rows:
        for serial in g["serials"]:
            yield [g["warehouse"], g["bin"], g["product"], g["status"], serial, lot, 1]
    for q in quantities:
        yield [q["warehouse"], q["bin"], q["product"], q["status"], "", q["lot"] or "", q["quantity"]]


def _csv(lines: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow(line)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _xlsx(lines: Iterable[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@require_GET
@station
def valuation(request: HttpRequest) -> HttpResponse:
    """Stock value by warehouse, product and lot, now or at a past moment (queries/money.py)."""
    from serialtrack.queries import money

    filters = {k: (request.GET.get(k) or "").strip() for k in ("at", "warehouse", "product")}
    problems: list[Problem] = []
    data: dict[str, Any] | None = None
    try:
        data = money.valuation(filters["at"] or None, filters["warehouse"] or None,
                               filters["product"] or None)
    except Refused as exc:
        problems = exc.problems
    return show(request, "web/valuation.html", {
        "nav": "valuation", "filters": filters, "data": data, "problems": problems,
        "warehouses": choices.warehouses()}, status=422 if problems else 200)


@require_GET
@station
def report(request: HttpRequest) -> HttpResponse:
    view = "out" if request.GET.get("view") == "out" else "in"
    filters = {k: (request.GET.get(k) or "").strip() for k in REPORT_FILTERS}
    fmt = request.GET.get("format")
    # The page counts each group in the database and reads only the serials it shows.
    rows, quantities = _report_rows(view, filters,
                                    None if fmt in ("csv", "xlsx") else REPORT_SERIALS_SHOWN)
    stamp = dt.date.today().isoformat()
    name = f"serialtrack-{'out-of-storage' if view == 'out' else 'in-stock'}-{stamp}"
    lines = _flat(view, rows, quantities, filters["lot"])
    if fmt == "csv":
        response = StreamingHttpResponse(_csv(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        body = _xlsx(lines, "out of storage" if view == "out" else "in stock")
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    query = {k: v for k, v in filters.items() if v}
    query["view"] = view
    return show(request, "web/report.html", {
        "nav": "report", "view": view, "filters": filters, "rows": rows, "quantities": quantities,
        "total": sum(g["count"] for g in rows) if view == "in" else len(rows),
        "shown": REPORT_SERIALS_SHOWN, "out_statuses": OUT_STATUSES,
        "warehouses": choices.warehouses(), "products": choices.serial_products(),
        "customers": choices.parties("customer"),
        "csv_url": f"?{urlencode({**query, 'format': 'csv'})}",
        "xlsx_url": f"?{urlencode({**query, 'format': 'xlsx'})}",
    })
