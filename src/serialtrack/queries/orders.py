"""Purchase and sales orders, read: lines with what was ordered, delivered (received or shipped)
and is still open; the documents posted against an order; what is still expected per supplier;
pick suggestions for a sales order.

Delivered = the quantities of posted receipt / shipment lines against an order line whose
document has not been reversed (a reversal gives the quantity back). One grouped query per
order or per list, through the index of `DocumentLine.order_line`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from serialtrack.errors import NotFound, Problem
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    StockQuantity,
    Tracking,
    Unit,
    UnitStatus,
)
from serialtrack.queries.money import margin_percent, sales_order_money

KIND_WORDS = {OrderKind.PURCHASE: "purchase order", OrderKind.SALE: "sales order"}
DONE_WORD = {OrderKind.PURCHASE: "received", OrderKind.SALE: "shipped"}
# the order statuses that still expect deliveries
OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIAL)


def delivered(line_ids: Iterable[int]) -> dict[int, int]:
    """Order line id -> quantity received/shipped against it on posted, unreversed documents."""
    ids = list(line_ids)
    if not ids:
        return {}
    rows = (DocumentLine.objects
            .filter(order_line_id__in=ids, document__status=DocumentStatus.POSTED)
            .exclude(document__dependents__kind=DocumentKind.REVERSAL)
            .values("order_line_id").annotate(total=Sum("quantity")))
    return {r["order_line_id"]: int(r["total"]) for r in rows}


def open_quantity(line: OrderLine, done: int) -> int:
    return max(0, line.quantity - done)


def allowance(line: OrderLine) -> int:
    """How much more than ordered a delivery may bring: the line's tolerance (rounded down)."""
    return int(line.quantity * Decimal(line.tolerance_percent) / 100)


def get_order(number: str, kind: str | None = None) -> Order:
    order = (Order.objects.select_related("party", "created_by", "closed_by")
             .filter(number=number.strip()).first())
    if order is None or (kind is not None and order.kind != kind):
        what = KIND_WORDS.get(kind, "order") if kind else "order"  # type: ignore[call-overload]
        raise NotFound([Problem("not_found", f"unknown {what} {number.strip()!r}",
                                field="order")])
    return order


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def line_rows(order: Order, lines: list[OrderLine] | None = None) -> list[dict[str, Any]]:
    lines = lines if lines is not None else list(
        order.lines.select_related("product").order_by("line_no"))
    done = delivered(line.pk for line in lines)
    rows = []
    for line in lines:
        got = done.get(line.pk, 0)
        rows.append({
            "line": line.line_no, "product": line.product.sku, "name": line.product.name,
            "tracking": line.product.tracking, "ordered": line.quantity,
            DONE_WORD[OrderKind(order.kind)]: got, "delivered": got,
            "open": 0 if order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
            else open_quantity(line, got),
            "short": line.short_quantity,
            "unit_price": _money(line.unit_price),
            "amount": _money(line.unit_price * line.quantity) if line.unit_price is not None
            else None,
            "tolerance_percent": str(line.tolerance_percent),
        })
    if order.kind == OrderKind.SALE:
        _add_margin(lines, rows)
    return rows


def _amount(value: Decimal | None) -> str | None:
    """An exact amount as text: to the cent unless it has finer parts."""
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return str(cents) if cents == value else str(value.normalize())


def _add_margin(lines: list[OrderLine], rows: list[dict[str, Any]]) -> None:
    """Gross margin per sales order line: `sold` (shipped less returned), `revenue` (sold ×
    the line's unit price; None without a price), `cogs` (the value of the shipment movements
    against it less what came back), `margin` and `margin_percent`."""
    money = sales_order_money(line.pk for line in lines)
    for line, row in zip(lines, rows, strict=True):
        sold, cost = money.get(line.pk, (0, Decimal(0)))
        revenue = line.unit_price * sold if line.unit_price is not None else None
        margin = revenue - cost if revenue is not None else None
        row.update({"sold": sold, "revenue": _amount(revenue), "cogs": _amount(cost),
                    "margin": _amount(margin),
                    "margin_percent": _amount(margin_percent(revenue, margin))})


def _margin_totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A sales order's totals: sold, revenue and COGS, and the margin of its priced lines
    (a line without a price is counted in `unpriced_sold` and its COGS in `cogs` only)."""
    priced = [r for r in lines if r["revenue"] is not None]
    revenue = sum((Decimal(r["revenue"]) for r in priced), Decimal(0)) if priced else None
    margin = (sum((Decimal(r["margin"]) for r in priced), Decimal(0)) if priced else None)
    return {"sold": sum(r["sold"] for r in lines),
            "revenue": _amount(revenue),
            "cogs": _amount(sum((Decimal(r["cogs"]) for r in lines), Decimal(0))),
            "margin": _amount(margin), "margin_percent": _amount(margin_percent(revenue, margin)),
            "unpriced_sold": sum(r["sold"] for r in lines if r["revenue"] is None)}


def order_summary(order: Order, with_documents: bool = True) -> dict[str, Any]:
    """An order with its lines (ordered / delivered / open) and the documents posted against it."""
    lines = line_rows(order)
    data: dict[str, Any] = {
        "number": order.number, "kind": order.kind, "status": order.status,
        "status_label": status_label(order), "party": order.party.name,
        "supplier" if order.kind == OrderKind.PURCHASE else "customer": order.party.name,
        "expected_date": order.expected_date.isoformat() if order.expected_date else None,
        "reference": order.reference, "reason": order.reason,
        "created_by": order.created_by.username if order.created_by else None,
        "created_at": order.created_at.isoformat(),
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
        "ordered": sum(r["ordered"] for r in lines),
        "delivered": sum(r["delivered"] for r in lines),
        "open": sum(r["open"] for r in lines),
        "total": _money(sum((Decimal(r["amount"]) for r in lines if r["amount"] is not None),
                            Decimal(0))),
        "lines": lines,
    }
    if order.kind == OrderKind.SALE:
        data["gross_margin"] = _margin_totals(lines)
    if with_documents:
        data["documents"] = documents_against(order)
    return data


def status_label(order: Order) -> str:
    if order.status == OrderStatus.PARTIAL:
        return f"partially {DONE_WORD[OrderKind(order.kind)]}"
    if order.status == OrderStatus.COMPLETE:
        return DONE_WORD[OrderKind(order.kind)]
    return str(OrderStatus(order.status).label)


def documents_against(order: Order) -> list[dict[str, Any]]:
    """Posted documents with a line against the order: number, kind, when, which order lines,
    how many, and the reversal that undid it (if any)."""
    rows = (DocumentLine.objects
            .filter(order_line__order=order, document__status=DocumentStatus.POSTED)
            .values_list("document__number", "document__kind", "document__posted_at",
                         "order_line__line_no", "product__sku", "quantity")
            .order_by("document__posted_at", "document__id", "line_no"))
    docs: dict[str, dict[str, Any]] = {}
    for number, kind, posted_at, line_no, sku, quantity in rows:
        doc = docs.setdefault(number, {"number": number, "kind": kind,
                                       "posted_at": posted_at.isoformat() if posted_at else None,
                                       "lines": [], "quantity": 0, "reversed_by": None})
        doc["lines"].append({"order_line": line_no, "product": sku, "quantity": quantity})
        doc["quantity"] += quantity
    if docs:
        for related, number in (Document.objects
                                .filter(kind=DocumentKind.REVERSAL, related__number__in=docs)
                                .values_list("related__number", "number")):
            docs[related]["reversed_by"] = number
    return list(docs.values())


def order_queryset(kind: str, party: str | None = None, status: str | None = None,
                   open_only: bool = False) -> QuerySet[Order]:
    """Orders of a kind, newest first, filtered by party, status or still open."""
    qs = Order.objects.filter(kind=kind).select_related("party")
    if party:
        qs = qs.filter(party__name=party)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return qs.order_by("-id")


def list_orders(kind: str, party: str | None = None, status: str | None = None,
                open_only: bool = False, limit: int = 500) -> list[dict[str, Any]]:
    """Orders of a kind, newest first, with ordered / delivered / open totals (two queries)."""
    qs = order_queryset(kind, party, status, open_only)
    return order_rows(list(qs[: max(1, min(limit, 5000))]))


def order_rows(orders: Sequence[Order]) -> list[dict[str, Any]]:
    """Each order with its ordered / delivered / open totals (two queries for all of them)."""
    lines = list(OrderLine.objects.filter(order__in=orders).order_by("order_id", "line_no"))
    done = delivered(line.pk for line in lines)
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    out = []
    for order in orders:
        mine = by_order.get(order.pk, [])
        closed = order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
        out.append({
            "number": order.number, "kind": order.kind, "status": order.status,
            "status_label": status_label(order), "party": order.party.name,
            "expected_date": order.expected_date.isoformat() if order.expected_date else None,
            "reference": order.reference, "lines": len(mine),
            "ordered": sum(line.quantity for line in mine),
            "delivered": sum(done.get(line.pk, 0) for line in mine),
            "open": 0 if closed else sum(open_quantity(line, done.get(line.pk, 0))
                                         for line in mine),
        })
    return out


def expected(party: str | None = None) -> list[dict[str, Any]]:
    """What is still expected from suppliers: per open purchase order line, with the supplier,
    the order's expected date and the open quantity (lines fully received left out)."""
    lines = list(OrderLine.objects
                 .filter(order__kind=OrderKind.PURCHASE, order__status__in=OPEN_STATUSES,
                         **({"order__party__name": party} if party else {}))
                 .select_related("order__party", "product")
                 .order_by("order__party__name", "order__expected_date", "order_id", "line_no"))
    done = delivered(line.pk for line in lines)
    rows = []
    for line in lines:
        left = open_quantity(line, done.get(line.pk, 0))
        if left:
            rows.append({"supplier": line.order.party.name, "order": line.order.number,
                         "expected_date": line.order.expected_date.isoformat()
                         if line.order.expected_date else None,
                         "line": line.line_no, "product": line.product.sku, "open": left})
    return rows


# -- pick suggestions ---------------------------------------------------------------------------

def pick(number: str, today: dt.date | None = None) -> dict[str, Any]:
    """Per open line of a sales order, what to pick: for serial products the in-stock units
    received first, with their bins, as many as the line's open quantity; for lots and plain
    quantities the earliest expiry first (never an expired lot), then first in, first out, with
    bins and quantities. `short` says how much stock is missing for the line."""
    order = get_order(number, OrderKind.SALE)
    today = today or timezone.localdate()
    lines = list(order.lines.select_related("product").order_by("line_no"))
    done = delivered(line.pk for line in lines)
    picks = []
    closed = order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
    for line in lines:
        left = 0 if closed else open_quantity(line, done.get(line.pk, 0))
        row: dict[str, Any] = {"line": line.line_no, "product": line.product.sku,
                               "open": left, "picks": []}
        if left and line.product.tracking == Tracking.SERIAL:
            units = (Unit.objects.filter(product=line.product, status=UnitStatus.IN_STOCK)
                     .select_related("location__warehouse", "lot")
                     .order_by("received_at", "id")[:left])
            row["picks"] = [{"serial": u.serial, "bin": str(u.location), "quantity": 1,
                             "lot": u.lot.code if u.lot else None,
                             "received_at": u.received_at.isoformat()} for u in units]
        elif left:
            stock = (StockQuantity.objects.filter(product=line.product, quantity__gt=0)
                     .exclude(lot__expiry__lt=today)
                     .select_related("location__warehouse", "lot").first_expiry_first())
            need = left
            for sq in stock:
                if need <= 0:
                    break
                take = min(need, sq.quantity)
                need -= take
                row["picks"].append({"serial": None, "bin": str(sq.location), "quantity": take,
                                     "lot": sq.lot.code if sq.lot else None,
                                     "expiry": sq.lot.expiry.isoformat()
                                     if sq.lot and sq.lot.expiry else None})
        row["short"] = left - sum(p["quantity"] for p in row["picks"])
        picks.append(row)
    return {"order": order.number, "customer": order.party.name, "status": order.status,
            "lines": picks}
