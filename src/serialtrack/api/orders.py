"""Purchase and sales orders over HTTP: `/api/purchase-orders` and `/api/sales-orders` (list with
filters, detail, create, close, cancel; the purchase order's PDF; a sales order's pick
suggestion). Managers create, close and cancel orders; clerks receive and ship against them
through `/api/receipts` and `/api/shipments` with `order` (and `order_line`) in the body."""

from __future__ import annotations

import datetime as dt
import inspect
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from serialtrack import orders
from serialtrack.api.core import api, role
from serialtrack.api.labels import PDF_RESPONSE, _pdf
from serialtrack.api.schemas import In
from serialtrack.order_pdf import purchase_order_pdf
from serialtrack.queries import orders as read

router = Router(tags=["orders"])
VIEWER, MANAGER = role("viewer"), role("manager")
OrderStatusName = Literal["open", "partial", "complete", "closed", "cancelled"]


class OrderLineIn(In):
    product: str = Field(min_length=1, max_length=64, description="SKU")
    quantity: int = Field(ge=1, le=10**12)
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    tolerance_percent: Decimal = Field(
        default=Decimal(0), ge=0, le=1000, max_digits=6, decimal_places=2,
        description="purchase orders: over-receipt allowed, in percent of the line's quantity")


class PurchaseOrderIn(In):
    supplier: str = Field(min_length=1, max_length=200)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=orders.MAX_LINES)
    expected_date: dt.date | None = None
    reference: str = Field(default="", max_length=100)
    draft: bool = Field(default=False, description="a draft: nothing is received against it "
                        "until it is opened")


class SalesOrderIn(In):
    customer: str = Field(min_length=1, max_length=200)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=orders.MAX_LINES)
    expected_date: dt.date | None = Field(default=None, description="promised date")
    reference: str = Field(default="", max_length=100, description="e.g. the customer's PO")
    draft: bool = Field(default=False, description="a draft: nothing is shipped against it "
                        "until it is opened")


class CloseIn(In):
    reason: str = Field(default="", max_length=500)


def _lines(lines: list[OrderLineIn]) -> list[orders.LineIn]:
    return [orders.LineIn(ln.product, ln.quantity, ln.unit_price, ln.tolerance_percent)
            for ln in lines]


def _routes(kind: str, path: str, party: str) -> None:
    """The routes of one kind of order (`purchase` at /purchase-orders, `sale` at
    /sales-orders); `party` is its filter's and body's name (supplier, customer)."""
    word = read.KIND_WORDS[kind]  # type: ignore[index]
    body = PurchaseOrderIn if kind == "purchase" else SalesOrderIn
    name = "purchase_order" if kind == "purchase" else "sales_order"

    def list_orders(request: HttpRequest, status: OrderStatusName | None = None,
                    open: bool = False, limit: int = 500, **filters: str | None
                    ) -> list[dict[str, Any]]:
        return read.list_orders(kind, party=filters.get(party), status=status, open_only=open,
                                limit=limit)

    def create(request: HttpRequest, payload: Any) -> Status[dict[str, Any]]:
        order = orders.create_order(kind=kind, party=getattr(payload, party),
                                    lines=_lines(payload.lines), user=request.user,
                                    expected_date=payload.expected_date,
                                    reference=payload.reference, draft=payload.draft)
        return Status(201, read.order_summary(order))

    def detail(request: HttpRequest, number: str) -> dict[str, Any]:
        return read.order_summary(read.get_order(number, kind))

    def release(request: HttpRequest, number: str) -> dict[str, Any]:
        return read.order_summary(orders.open_order(number, user=request.user, kind=kind))

    def close(request: HttpRequest, number: str, payload: CloseIn) -> dict[str, Any]:
        order = orders.close_order(number, user=request.user, reason=payload.reason, kind=kind)
        return read.order_summary(order)

    def cancel(request: HttpRequest, number: str, payload: CloseIn) -> dict[str, Any]:
        order = orders.cancel_order(number, user=request.user, reason=payload.reason, kind=kind)
        return read.order_summary(order)

    list_orders.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=HttpRequest),
        inspect.Parameter(party, inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                          default=None),
        inspect.Parameter("status", inspect.Parameter.KEYWORD_ONLY,
                          annotation=OrderStatusName | None, default=None),
        inspect.Parameter("open", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                          default=False),
        inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, annotation=int, default=500),
    ], return_annotation=list[dict[str, Any]])
    create.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=HttpRequest),
        inspect.Parameter("payload", inspect.Parameter.KEYWORD_ONLY, annotation=body),
    ], return_annotation=Status[dict[str, Any]])
    for fn, what in ((list_orders, f"list_{name}s"), (create, f"create_{name}"),
                     (detail, f"get_{name}"), (release, f"open_{name}"),
                     (close, f"close_{name}"),
                     (cancel, f"cancel_{name}")):
        fn.__name__ = fn.__qualname__ = what
    list_orders.__doc__ = (f"{word.capitalize()}s, newest first, with ordered / delivered / "
                           f"open totals; filter by {party}, status, or `open` (still expecting "
                           "deliveries).")
    create.__doc__ = f"Create a {word} (products and quantities; never serials)."
    detail.__doc__ = (f"A {word}: lines with ordered / delivered / open quantities, and the "
                      "documents posted against it.")
    release.__doc__ = f"Open a draft {word}: deliveries can be posted against it."
    close.__doc__ = (f"Close a {word} short: what was never delivered is recorded per line, "
                     "with the reason.")
    cancel.__doc__ = f"Cancel a {word} nothing was delivered against."
    router.get(path, auth=VIEWER, response=list[dict])(list_orders)
    router.post(path, auth=MANAGER, response={201: dict})(create)
    router.get(f"{path}/{{number}}", auth=VIEWER, response=dict)(detail)
    router.post(f"{path}/{{number}}/open", auth=MANAGER, response=dict)(release)
    router.post(f"{path}/{{number}}/close", auth=MANAGER, response=dict)(close)
    router.post(f"{path}/{{number}}/cancel", auth=MANAGER, response=dict)(cancel)


@router.get("/purchase-orders/expected", auth=VIEWER, response=list[dict])
def expected_deliveries(request: HttpRequest, supplier: str | None = None
                        ) -> list[dict[str, Any]]:
    """What is still expected: every open purchase order line, by supplier."""
    return read.expected(supplier)


_routes("purchase", "/purchase-orders", "supplier")
_routes("sale", "/sales-orders", "customer")


@router.get("/purchase-orders/{number}/pdf", auth=VIEWER, openapi_extra=PDF_RESPONSE)
def purchase_order_document(request: HttpRequest, number: str) -> HttpResponse:
    """The purchase order as a PDF, to send to the supplier."""
    data = read.order_summary(read.get_order(number, "purchase"), with_documents=False)
    return _pdf(purchase_order_pdf(data), number)


@router.get("/sales-orders/{number}/pick", auth=VIEWER, response=dict)
def pick_suggestion(request: HttpRequest, number: str) -> dict[str, Any]:
    """What to pick per open line: serials received first (lots: earliest expiry first, never
    expired), with their bins, as many as the line's open quantity."""
    return read.pick(number)


api.add_router("", router)
