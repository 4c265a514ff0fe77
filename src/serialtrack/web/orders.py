"""The order pages: purchase and sales order lists (filter by party, status, open), an order's
page (lines with ordered / received-or-shipped / open, the documents posted against it, links),
its "Receive against this PO" / "Pick and ship this SO" links into the receive and ship
stations, the purchase order PDF. Thin: the reads are `serialtrack.queries.orders`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from serialtrack.errors import NotFound
from serialtrack.inventory.models import OrderKind, Tracking
from serialtrack.order_pdf import purchase_order_pdf
from serialtrack.queries import orders as read
from serialtrack.queries.money import currency
from serialtrack.web.views import not_found, show, station, station_url

KIND_OF = {"purchase-orders": OrderKind.PURCHASE, "sales-orders": OrderKind.SALE}
PARTY = {OrderKind.PURCHASE: "supplier", OrderKind.SALE: "customer"}
STATION = {OrderKind.PURCHASE: "receipt", OrderKind.SALE: "shipment"}
STATUSES = ("open", "partial", "complete", "closed", "cancelled")


@require_GET
@station
def order_list(request: HttpRequest, kind_path: str) -> HttpResponse:
    kind = KIND_OF[kind_path]
    party = (request.GET.get("party") or "").strip()
    status = (request.GET.get("status") or "").strip()
    open_only = request.GET.get("open") == "1"
    rows = read.list_orders(kind, party=party or None,
                            status=status if status in STATUSES else None, open_only=open_only)
    return show(request, "web/orders.html", {
        "nav": kind_path, "kind": kind, "title": read.KIND_WORDS[kind].capitalize() + "s",
        "party_word": PARTY[kind], "done_word": read.DONE_WORD[kind], "orders": rows,
        "form": {"party": party, "status": status, "open": open_only}, "statuses": STATUSES,
        "path": kind_path})


def _station_link(kind: OrderKind, order: dict[str, Any], line: dict[str, Any]) -> str:
    """The receive / ship station, filled in for `line` of the order (no expected quantity: a
    partial delivery is normal, and more than the open quantity is refused when it posts)."""
    params = {"order": order["number"], PARTY[kind]: order["party"], "product": line["product"]}
    return f"{station_url(STATION[kind])}?{urlencode(params)}"


@require_GET
@station
def order_page(request: HttpRequest, kind_path: str, number: str) -> HttpResponse:
    kind = KIND_OF[kind_path]
    try:
        order = read.get_order(number, kind)
    except NotFound as exc:
        return not_found(request, exc)
    summary = read.order_summary(order)
    # the scan stations draft serial products; lots and plain quantities post from the API/CLI
    for line in summary["lines"]:
        line["station_url"] = (_station_link(kind, summary, line)
                               if line["open"] and line["tracking"] == Tracking.SERIAL else "")
    first = next((line["station_url"] for line in summary["lines"] if line["station_url"]), "")
    return show(request, "web/order.html", {
        "nav": kind_path, "kind": kind, "order": summary, "path": kind_path,
        "title": read.KIND_WORDS[kind].capitalize(), "party_word": PARTY[kind],
        "done_word": read.DONE_WORD[kind], "station_url": first, "currency": currency(),
        "pick": read.pick(order.number) if kind == OrderKind.SALE and summary["open"] else None,
    })


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
