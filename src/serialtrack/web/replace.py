"""Replace a unit in repair: scrap it and ship a unit from stock to the customer in its place,
carrying the remaining warranty (the CLI's `repair replace`, the API's POST /api/repairs/replace;
the same declared operation, `replace`). Repairs need the manager role. Opened from a service
case's page, the form carries the case: the replacement links itself to it as it posts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from serialtrack.accounts.roles import has_role
from serialtrack.errors import Problem, Refused
from serialtrack.posting import operations
from serialtrack.queries import choices
from serialtrack.web.views import document_url, forbidden, show, station, station_form

FIELDS = ("product", "old", "new", "replacement_product", "customer", "reason", "case")
REQUIRED = {"product": "the product of the unit in repair", "old": "the serial of the unit in repair",
            "new": "the serial of the replacement from stock"}
ROLE = "manager"


@require_http_methods(["GET", "POST"])
@station
def repair_replace(request: HttpRequest) -> HttpResponse:
    """GET: the form (`?product=…&old=…` fill it from the unit page). POST: post the
    replacement and open its document; refusals are listed by field and serial."""
    form = station_form(request, FIELDS)
    problems: list[Problem] = []
    if request.method == "POST":
        if not has_role(request.user, ROLE):
            return forbidden(request, ROLE)
        problems = [Problem("required", f"{what} is required", field=name)
                    for name, what in REQUIRED.items() if not form[name]]
        if not problems:
            try:
                doc = operations.operation("replace").post(
                    request.user, product=form["product"], old=form["old"], new=form["new"],
                    replacement_product=form["replacement_product"] or None,
                    customer=form["customer"] or None, reason=form["reason"],
                    case=form["case"] or None)
                return HttpResponseRedirect(document_url(doc.number))
            except Refused as exc:
                problems = exc.problems
    return show(request, "web/replace.html", {
        "title": "Replace a unit in repair", "nav": "adjust", "form": form, "problems": problems,
        "may_replace": has_role(request.user, ROLE), "needed": ROLE,
        "products": choices.serial_products(),
        "customers": choices.parties("customer"),
    }, status=422 if problems else 200)
