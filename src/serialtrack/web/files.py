"""The web pages that take or give files: imports of receipts and opening stock (CSV/XLSX, run in
the background with a progress page) and label sheets (PDF).

Thin, like the other views: the import is `serialtrack.imports` run by `serialtrack.web.jobs`;
labels are `serialtrack.labels` — the same loader, renderer and refusals as the command line and
the API.

Roles, as the API has them: importing receipts needs the clerk role, an opening balance (an
adjustment: found stock) the manager role; labels change nothing, so any signed-in role may
print them (a POST of the labels form included)."""

from __future__ import annotations

import csv
import functools
import io
import re
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from serialtrack.accounts.roles import has_role
from serialtrack.errors import NotFound, Problem, Refused
from serialtrack.labels import DEFAULT_LAYOUT, LAYOUTS, check_options, render_labels
from serialtrack.queries import choices
from serialtrack.queries.labels import units_for
from serialtrack.serials import expand_tokens
from serialtrack.web import jobs
from serialtrack.web.models import ImportJob
from serialtrack.web.views import View, not_found, show, station

PROBLEMS_SHOWN = 500
DOCUMENTS_SHOWN = 500
SYMBOLOGY_CHOICES = (
    ("", "Automatic: GS1 DataMatrix for a product with a GTIN, else Code 128"),
    ("code128", "Code 128"),
    ("qr", "QR code"),
    ("datamatrix", "Data Matrix (GS1 DataMatrix when the product has a GTIN)"),
)


def signed_in(view: View) -> View:
    """Any signed-in user with a role, whatever the method (for views that change nothing)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/login/")
        if not has_role(request.user, "viewer"):
            return show(request, "web/forbidden.html", {"needed": "viewer"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


# -- imports -------------------------------------------------------------------------------------

def _import_context(request: HttpRequest) -> dict[str, Any]:
    return {"nav": "import", "suppliers": choices.parties("supplier"),
            "can_open": has_role(request.user, "manager"), "jobs": jobs.recent_jobs()}


@require_http_methods(["GET", "POST"])
@station
def import_page(request: HttpRequest) -> HttpResponse:
    """The upload form and the recent imports; a good upload goes on in the background and the
    browser is sent to its progress page."""
    if request.method == "GET":
        return show(request, "web/import.html", _import_context(request))
    opening = request.POST.get("opening_balance") == "1"
    if opening and not has_role(request.user, "manager"):
        return show(request, "web/forbidden.html", {"needed": "manager"}, status=403)
    form = {"supplier": request.POST.get("supplier", "").strip(), "opening_balance": opening}
    upload = request.FILES.get("file")
    if upload is None:
        problems = [Problem("invalid", "choose a CSV or XLSX file to import", field="file")]
    else:
        try:
            job = jobs.start_import(upload.name or "", upload.chunks(), user=request.user,
                                    supplier=None if opening else form["supplier"] or None,
                                    opening_balance=opening)
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(reverse("web:import_job", args=[job.pk]), status=303)
    return show(request, "web/import.html", {**_import_context(request), "problems": problems,
                                             "form": form}, status=422)


def _job_context(job: jobs.ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job}
    if job.total_rows:
        context["percent"] = min(100, round(100 * job.rows_read / job.total_rows))
        context["all_read"] = job.rows_read >= job.total_rows
    context["problems_shown"] = job.problems[:PROBLEMS_SHOWN]
    context["documents_shown"] = job.documents[:DOCUMENTS_SHOWN]
    return context


def with_job(view: View) -> View:
    """Hand the view the import job its URL names; an unknown one answers with the not-found
    page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, job_id: int) -> HttpResponse:
        try:
            job = jobs.get_job(job_id)
        except NotFound as exc:
            return not_found(request, exc)
        return view(request, job)

    return wrapper


@require_GET
@station
@with_job
def import_job(request: HttpRequest, job: ImportJob) -> HttpResponse:
    return show(request, "web/import_job.html", {"nav": "import", **_job_context(job)})


@require_GET
@station
@with_job
def import_status(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The progress block alone, polled by the job page every second while the import runs."""
    return show(request, "web/import_status.html", _job_context(job))


@require_GET
@station
@with_job
def import_problems(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """Every bad row of a refused import, as CSV (row, column, serial, reason)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "serial", "reason"])
    for p in job.problems:
        writer.writerow([p.get("line") or "", p.get("field") or "", p.get("serial") or "",
                         p.get("message") or ""])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    return response


# -- labels --------------------------------------------------------------------------------------

def _labels_context(form: dict[str, Any]) -> dict[str, Any]:
    return {"nav": "labels", "form": form, "layouts": list(LAYOUTS.values()),
            "symbologies": SYMBOLOGY_CHOICES, "products": choices.serial_products()}


def _label_sheet(request: HttpRequest, form: dict[str, Any]) -> HttpResponse:
    """The PDF for a document's units or a product's serials (list and/or range); a refusal
    shows the labels page with every problem and the form as it was filled."""
    layout = form["layout"] or DEFAULT_LAYOUT
    symbology = form["symbology"] or None
    try:
        check_options(layout, symbology)
        units = units_for(document=form["document"] or None, product=form["product"] or None,
                          serials=form["serials"], range=form["range"] or None)
        pdf = render_labels(units, layout, symbology)
    except Refused as exc:
        shown = {**form, "serials": "\n".join(form["serials"])}
        return show(request, "web/labels.html", {**_labels_context(shown),
                                                 "problems": exc.problems}, status=422)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", form["document"] or form["product"])[:80] or "units"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="labels-{name}.pdf"'
    return response


def _label_form(data: Any, serials: list[str]) -> dict[str, Any]:
    return {"document": data.get("document", "").strip(), "product": data.get("product", "").strip(),
            "range": data.get("range", "").strip(), "layout": data.get("layout", "").strip(),
            "symbology": data.get("symbology", "").strip(), "serials": serials}


@require_http_methods(["GET", "POST"])
@signed_in
def labels_page(request: HttpRequest) -> HttpResponse:
    """Labels for a selection: a product and a pasted list (ranges allowed) or a serial range."""
    if request.method == "GET":
        form = _label_form(request.GET, [])
        form["serials"] = request.GET.get("serials", "")
        return show(request, "web/labels.html", _labels_context(form))
    lines = [line for line in request.POST.get("serials", "").splitlines() if line.strip()]
    form = _label_form(request.POST, list(expand_tokens(lines)))
    form["document"] = ""
    return _label_sheet(request, form)


@require_GET
@signed_in
def labels_pdf(request: HttpRequest) -> HttpResponse:
    """The label sheet of the forms on the unit and document pages: `document=…`, or
    `product=…&serials=…` (repeatable), with `layout` and `symbology`."""
    return _label_sheet(request, _label_form(request.GET, request.GET.getlist("serials")))
