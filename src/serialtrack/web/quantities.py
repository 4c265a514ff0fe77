"""Lots and plain quantities at the bench: receive or ship a counted quantity of a lot-tracked or
plain product (serial products go through the scan stations). A GS1 label scanned into the form
fills the product from its GTIN, the lot from (10), the expiry from (17) and the count from
(30)/(37); shipping shows the pick — what the engine will take: the named lot, else earliest
expiry first, then first in, first out. Posting goes through the same engine entries as the CLI
and the API."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from serialtrack import posting
from serialtrack.errors import Problem, Refused
from serialtrack.gs1 import Gs1Error, parse_scan
from serialtrack.inventory.models import Product
from serialtrack.queries import choices
from serialtrack.queries.stock import quantity_pick
from serialtrack.web.views import document_url, show, station, station_form, typed_fields, whole_number

KINDS = {"receive": "Receive lots & quantities", "ship": "Ship lots & quantities"}
FIELDS = ("supplier", "customer", "warehouse", "product", "quantity", "lot", "expiry", "cost",
          "reference")


def _read_label(text: str, form: dict[str, str], problems: list[Problem]) -> None:
    """Fill `form` from a GS1 label: product by GTIN, lot, expiry, count."""
    try:
        scan = parse_scan(text)
    except Gs1Error as exc:
        problems.append(Problem("invalid_scan", f"scan {text!r}: {exc}", field="scan"))
        return
    if not scan.gtin:
        problems.append(Problem("invalid_scan", f"scan {text!r} carries no GTIN (01)",
                                field="scan"))
        return
    sku = Product.objects.filter(gtin=scan.gtin).values_list("sku", flat=True).first()
    if sku is None:
        problems.append(Problem("not_found", f"GTIN {scan.gtin} is not a GTIN of any product",
                                field="scan"))
        return
    form["product"] = sku
    if scan.lot:
        form["lot"] = scan.lot
    if scan.expiry:
        form["expiry"] = scan.expiry.isoformat()
    count = scan.elements.get("30") or scan.elements.get("37")
    if count:
        form["quantity"] = str(int(count))


def _values(request: HttpRequest, kind: str, form: dict[str, str], problems: list[Problem]
            ) -> dict[str, Any]:
    """The typed arguments of the posting (the quantity, and a receipt's expiry and cost as the
    scan stations read them), each bad field a problem naming it."""
    values = typed_fields(request, problems) if kind == "receive" else {}
    raw = form["quantity"]
    quantity = whole_number(raw)
    if quantity is not None and quantity >= 1:
        values["quantity"] = quantity
    else:
        problems.append(Problem("invalid", f"quantity {raw!r} must be a whole number of 1 or more",
                                field="quantity"))
    return values


def _post(kind: str, form: dict[str, str], values: dict[str, Any], user: Any) -> str:
    common = {"warehouse": form["warehouse"], "product": form["product"], "user": user,
              "lot": form["lot"] or None, "reference": form["reference"], **values}
    if kind == "receive":
        doc = posting.receive(supplier=form["supplier"] or None, **common)
    else:
        doc = posting.ship(customer=form["customer"], **common)
    return doc.number


def _pick(form: dict[str, str]) -> list[dict[str, Any]]:
    """What shipping the form's quantity takes, in the engine's order (all on hand if no
    quantity is given yet)."""
    if not (form["product"] and form["warehouse"]):
        return []
    return quantity_pick(form["product"], form["warehouse"], whole_number(form["quantity"]),
                         lot=form["lot"] or None)


@require_http_methods(["GET", "POST"])
@station
def quantities(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the form. POST `action=read`: fill it from a scanned label; `action=show`: show the
    pick; otherwise post the receipt or shipment and open its document."""
    if kind not in KINDS:
        raise Http404(f"no quantity station {kind!r}")
    form = station_form(request, FIELDS)
    problems: list[Problem] = []
    action = request.POST.get("action", "")
    if action == "read":
        _read_label(request.POST.get("scan", "").strip(), form, problems)
    elif request.method == "POST" and action != "show":
        values = _values(request, kind, form, problems)
        if not problems:
            try:
                return HttpResponseRedirect(document_url(_post(kind, form, values, request.user)))
            except Refused as exc:
                problems = exc.problems
    context = {"kind": kind, "title": KINDS[kind], "nav": "quantities", "form": form,
               "problems": problems, "products": choices.quantity_products(),
               "locations": choices.locations(),
               "parties": choices.parties("supplier" if kind == "receive" else "customer"),
               "pick": _pick(form) if kind == "ship" else []}
    return show(request, "web/quantities.html", context, status=422 if problems else 200)

