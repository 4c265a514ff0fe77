"""The order pages: purchase and sales order lists (filter by party, status, open), an order's
page (lines with ordered / received-or-shipped / open, the documents posted against it, links),
its "Receive against this PO" / "Pick and ship this SO" links into the receive and ship
stations, the purchase order PDF; a manager's forms to create an order (supplier or customer,
expected date, reference, lines of product / quantity / price: `orders.create_order`, as the API
and the CLI) and to close one short (`orders.close_order`). Thin: the reads are
`serialtrack.queries.orders`, the writes `serialtrack.orders`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serialtrack import orders as write
from serialtrack.accounts.roles import has_role
from serialtrack.errors import NotFound, Problem, Refused
from serialtrack.inventory.models import OrderKind, Tracking
from serialtrack.order_pdf import purchase_order_pdf
from serialtrack.queries import choices
from serialtrack.queries import orders as read
from serialtrack.queries.money import currency
from serialtrack.web.views import forbidden, not_found, show, station, station_url

KIND_OF = {"purchase-orders": OrderKind.PURCHASE, "sales-orders": OrderKind.SALE}
PARTY = {OrderKind.PURCHASE: "supplier", OrderKind.SALE: "customer"}
STATION = {OrderKind.PURCHASE: "receipt", OrderKind.SALE: "shipment"}
STATUSES = ("open", "partial", "complete", "closed", "cancelled")
ROLE = "manager"  # who creates and closes orders (as the API's and the CLI's)
BLANK_LINES = 5  # empty line rows the new-order form offers
MAX_FORM_LINES = 200
PAGE_SIZE = 50  # orders on a list's page, newest first


def order_url(kind_path: str, number: str) -> str:
    return f"/{kind_path}/{quote(number, safe='')}"


@require_GET
@station
def order_list(request: HttpRequest, kind_path: str) -> HttpResponse:
    kind = KIND_OF[kind_path]
    party = (request.GET.get("party") or "").strip()
    status = (request.GET.get("status") or "").strip()
    open_only = request.GET.get("open") == "1"
    page = Paginator(read.order_queryset(kind, party=party or None,
                                         status=status if status in STATUSES else None,
                                         open_only=open_only), PAGE_SIZE
                     ).get_page(request.GET.get("page"))
    rows = read.order_rows(page.object_list)
    keep = {k: v for k, v in request.GET.items() if k != "page" and v}
    return show(request, "web/orders.html", {"page": page, "keep": urlencode(keep),
        "may_create": has_role(request.user, ROLE),
        "nav": kind_path, "kind": kind, "title": read.KIND_WORDS[kind].capitalize() + "s",
        "party_word": PARTY[kind], "done_word": read.DONE_WORD[kind], "orders": rows,
        "form": {"party": party, "status": status, "open": open_only}, "statuses": STATUSES,
        "path": kind_path})


def _station_link(kind: OrderKind, order: dict[str, Any], line: dict[str, Any],
                  warehouse: str | None = None) -> str:
    """The receive / ship station, filled in for `line` of the order (no expected quantity: a
    partial delivery is normal, and more than the open quantity is refused when it posts);
    `warehouse`: where it ships from (the pick suggestion's, when all in one warehouse)."""
    params = {"order": order["number"], PARTY[kind]: order["party"], "product": line["product"]}
    if warehouse:
        params["warehouse"] = warehouse
    return f"{station_url(STATION[kind])}?{urlencode(params)}"


def _pick_warehouses(pick: dict[str, Any] | None) -> dict[int, str]:
    """Line number -> the warehouse its suggested picks are all in (lines picked from two
    warehouses, or from none, are left for the clerk to choose)."""
    found: dict[int, str] = {}
    for line in (pick or {}).get("lines", []):
        codes = {p["bin"].partition("/")[0] for p in line["picks"]}
        if len(codes) == 1:
            found[line["line"]] = codes.pop()
    return found


@require_GET
@station
def order_page(request: HttpRequest, kind_path: str, number: str) -> HttpResponse:
    return _order_page(request, kind_path, number)


def _order_page(request: HttpRequest, kind_path: str, number: str,
                problems: list[Problem] | None = None, status: int = 200) -> HttpResponse:
    kind = KIND_OF[kind_path]
    try:
        order = read.get_order(number, kind)
    except NotFound as exc:
        return not_found(request, exc)
    summary = read.order_summary(order)
    pick = read.pick(order.number) if kind == OrderKind.SALE and summary["open"] else None
    ships_from = _pick_warehouses(pick)
    # the scan stations draft serial products; lots and plain quantities post from the API/CLI
    for line in summary["lines"]:
        line["station_url"] = (_station_link(kind, summary, line, ships_from.get(line["line"]))
                               if line["open"] and line["tracking"] == Tracking.SERIAL else "")
    first = next((line["station_url"] for line in summary["lines"] if line["station_url"]), "")
    return show(request, "web/order.html", {
        "nav": kind_path, "kind": kind, "order": summary, "path": kind_path,
        "title": read.KIND_WORDS[kind].capitalize(), "party_word": PARTY[kind],
        "done_word": read.DONE_WORD[kind], "station_url": first, "currency": currency(),
        "pick": pick,
        "can_close": has_role(request.user, ROLE) and order.status in read.OPEN_STATUSES,
        "close_url": f"{order_url(kind_path, order.number)}/close",
        "problems": problems or [], "reason": request.POST.get("reason", ""),
    }, status=status)


@require_POST
@station
def close_page(request: HttpRequest, kind_path: str, number: str) -> HttpResponse:
    """Close an order short (a manager's), then back to its page; a refusal is shown there."""
    if not has_role(request.user, ROLE):
        return forbidden(request, ROLE)
    try:
        write.close_order(number, user=request.user, reason=request.POST.get("reason", ""),
                          kind=KIND_OF[kind_path])
    except NotFound as exc:
        return not_found(request, exc)
    except Refused as exc:
        return _order_page(request, kind_path, number, exc.problems, status=422)
    return HttpResponseRedirect(order_url(kind_path, number))


def _form_lines(source: Any) -> list[dict[str, Any]]:
    """The line rows of the new-order form as typed (`product-N`, `quantity-N`, `price-N`),
    the empty ones left out: line N of the order is the Nth row filled in."""
    rows = []
    for n in range(1, MAX_FORM_LINES + 1):
        row = {name: source.get(f"{name}-{n}", "").strip()
               for name in ("product", "quantity", "price")}
        if any(row.values()):
            rows.append(row)
    return rows


def _parse_lines(rows: list[dict[str, Any]], problems: list[Problem]) -> list[write.LineIn]:
    """The typed rows as order lines; a quantity or price that is not a number is named by
    its line (the rest is judged by `create_order`, as from the API)."""
    lines = []
    for no, row in enumerate(rows, start=1):
        quantity: int | None = None
        try:
            quantity = int(row["quantity"])
        except ValueError:
            problems.append(Problem("invalid", f"line {no}: quantity {row['quantity']!r} is not "
                                    "a whole number", line=no, field="quantity"))
        price: Decimal | None = None
        if row["price"]:
            try:
                price = Decimal(row["price"])
            except InvalidOperation:
                price = None
            if price is None or not price.is_finite():
                problems.append(Problem("invalid", f"line {no}: unit price {row['price']!r} is "
                                        "not a number", line=no, field="unit_price"))
                price = None
        lines.append(write.LineIn(row["product"], quantity if quantity is not None else 1,
                                  price))
    return lines


@require_http_methods(["GET", "POST"])
@station
def new_order(request: HttpRequest, kind_path: str) -> HttpResponse:
    """GET: the new-order form. POST: create the order (open) and show it; refusals are listed,
    each line's next to its row, and the form keeps what was typed."""
    kind = KIND_OF[kind_path]
    party_word = PARTY[kind]
    if not has_role(request.user, ROLE):
        return forbidden(request, ROLE)
    source = request.POST if request.method == "POST" else request.GET
    form = {name: source.get(name, "").strip() for name in (party_word, "expected_date",
                                                            "reference")}
    rows = _form_lines(source)
    problems: list[Problem] = []
    if request.method == "POST":
        if not form[party_word]:
            problems.append(Problem("required", f"the {party_word} is required",
                                    field=party_word))
        expected = None
        if form["expected_date"]:
            try:
                expected = dt.date.fromisoformat(form["expected_date"])
            except ValueError:
                problems.append(Problem("invalid", f"expected date {form['expected_date']!r} is "
                                        "not a date (YYYY-MM-DD)", field="expected_date"))
        lines = _parse_lines(rows, problems)
        if not problems:
            try:
                order = write.create_order(kind=kind, party=form[party_word], lines=lines,
                                           user=request.user, expected_date=expected,
                                           reference=form["reference"])
                return HttpResponseRedirect(order_url(kind_path, order.number))
            except Refused as exc:
                problems = exc.problems
    for no, row in enumerate(rows, start=1):
        row["problems"] = [p.message for p in problems if p.line == no]
    rows += [{"product": "", "quantity": "", "price": "", "problems": []}
             for _ in range(max(BLANK_LINES - len(rows), 2))]
    return show(request, "web/order_new.html", {
        "nav": kind_path, "kind": kind, "path": kind_path, "party_word": party_word,
        "title": f"New {read.KIND_WORDS[kind]}", "form": form, "party": form[party_word],
        "rows": rows, "problems": problems, "products": choices.products(),
        "parties": choices.parties(party_word),
    }, status=422 if problems else 200)


@require_GET
@station
def order_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = read.get_order(number, OrderKind.PURCHASE)
    except NotFound as exc:
        return not_found(request, exc)
    response = HttpResponse(purchase_order_pdf(read.order_summary(order, with_documents=False)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response
