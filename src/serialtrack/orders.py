"""Purchase and sales orders, written: create (gap-free numbers per kind, PO-000001 and
SO-000001; open, or a draft that `open_order` releases later), close short (what was never
delivered stays recorded per line, with the reason) and cancel (only while nothing was
delivered). Deliveries against an order are receipts and shipments
(`serialtrack.posting.orders`); reads are in `serialtrack.queries.orders`.

Orders carry products and quantities only, never serials: the serials are committed when the
goods are received or shipped against the order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, Problem, refuse
from serialtrack.inventory.models import (
    ORDER_PREFIX,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Product,
)
from serialtrack.queries.orders import KIND_WORDS, OPEN_STATUSES, delivered, get_order

MAX_LINES = 1000
PARTY_ROLE = {OrderKind.PURCHASE: "supplier", OrderKind.SALE: "customer"}


@dataclass(frozen=True)
class LineIn:
    product: str
    quantity: int
    unit_price: Decimal | None = None
    tolerance_percent: Decimal = Decimal(0)


def parse_line(text: str, line_no: int) -> LineIn:
    """`SKU:QTY[:PRICE]` as the command line gives an order line."""
    parts = text.rsplit(":", 2) if text.count(":") >= 2 else text.rsplit(":", 1)
    problems = []
    sku, qty_text = (parts[0], parts[1]) if len(parts) >= 2 else (text, "")
    price = None
    if not qty_text.strip().isdigit():
        problems.append(Problem("invalid", f"line {line_no} {text!r}: give SKU:QTY[:PRICE]",
                                line=line_no, field="line"))
    if len(parts) == 3:
        try:
            price = Decimal(parts[2])
        except ArithmeticError:
            price = None
        if price is None or not price.is_finite():
            problems.append(Problem("invalid", f"line {line_no}: {parts[2]!r} is not a price",
                                    line=line_no, field="unit_price"))
    refuse(problems)
    return LineIn(sku.strip(), int(qty_text), price)


def _next_number(kind: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_counter (name, value) VALUES (%s, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = inventory_counter.value + 1 RETURNING value",
            [f"order:{kind}"])
        (value,) = cursor.fetchone()
    return f"{ORDER_PREFIX[OrderKind(kind)]}-{value:06d}"


def create_order(*, kind: str, party: str, lines: list[LineIn], user: Any,
                 expected_date: dt.date | None = None, reference: str = "",
                 draft: bool = False) -> Order:
    """A new order, open (or a draft: nothing is received or shipped against it until it is
    opened). Every bad line is named (line number, product, field)."""
    if kind not in OrderKind.values:
        raise InvalidInput([Problem("invalid", f"order kind {kind!r} is not purchase or sale",
                                    field="kind")])
    role = PARTY_ROLE[OrderKind(kind)]
    who = catalog.get_party(party, role)
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem("invalid", f"a {KIND_WORDS[OrderKind(kind)]} needs at least one "
                                "line", field="lines"))
    if len(lines) > MAX_LINES:
        problems.append(Problem("invalid", f"at most {MAX_LINES} lines", field="lines"))
    products = {p.sku: p for p in Product.objects.filter(sku__in=[ln.product for ln in lines])}
    for no, line in enumerate(lines, start=1):
        if line.product not in products:
            problems.append(Problem("not_found", f"line {no}: unknown product {line.product!r}",
                                    line=no, field="product"))
        if line.quantity < 1:
            problems.append(Problem("invalid", f"line {no}: quantity {line.quantity} must be at "
                                    "least 1", line=no, field="quantity"))
        if line.unit_price is not None and (line.unit_price < 0 or
                                            abs(line.unit_price) >= Decimal(10) ** 10):
            problems.append(Problem("invalid", f"line {no}: unit price {line.unit_price} must "
                                    "be from 0 to 9999999999.9999", line=no, field="unit_price"))
        if not 0 <= line.tolerance_percent <= 1000:
            problems.append(Problem("invalid", f"line {no}: tolerance {line.tolerance_percent}% "
                                    "must be from 0 to 1000", line=no, field="tolerance_percent"))
    if len(reference) > 100:
        problems.append(Problem("invalid", "reference: at most 100 characters",
                                field="reference"))
    refuse(problems)
    with transaction.atomic():
        order = Order.objects.create(kind=kind, number=_next_number(kind), party=who,
                                     status=OrderStatus.DRAFT if draft else OrderStatus.OPEN,
                                     expected_date=expected_date,
                                     reference=reference, created_by=user)
        OrderLine.objects.bulk_create([
            OrderLine(order=order, line_no=no, product=products[line.product],
                      quantity=line.quantity,
                      unit_price=line.unit_price.quantize(Decimal("0.0001"))
                      if line.unit_price is not None else None,
                      tolerance_percent=line.tolerance_percent)
            for no, line in enumerate(lines, start=1)])
    return order


def _locked(number: str, kind: str | None) -> Order:
    found = get_order(number, kind)
    try:
        return Order.objects.select_for_update().select_related("party").get(pk=found.pk)
    except Order.DoesNotExist:  # pragma: no cover - orders are never deleted
        raise NotFound([Problem("not_found", f"unknown order {number!r}", field="order")]) from None


def open_order(number: str, *, user: Any, kind: str | None = None) -> Order:
    """Release a draft order: goods can be received / shipped against it from now on."""
    with transaction.atomic():
        order = _locked(number, kind)
        if order.status != OrderStatus.DRAFT:
            raise InvalidInput([Problem("order_not_draft", f"{order.number} is {order.status}, "
                                        "not a draft", field="order",
                                        extra={"status": order.status})])
        order.status = OrderStatus.OPEN
        order.save(update_fields=["status"])
    return order


def close_order(number: str, *, user: Any, reason: str = "", kind: str | None = None) -> Order:
    """Close an order short: nothing more is expected; each line's open quantity is recorded as
    never delivered (`short_quantity`), with the reason."""
    with transaction.atomic():
        order = _locked(number, kind)
        if order.status not in OPEN_STATUSES:
            raise InvalidInput([Problem("order_not_open", f"{order.number} is {order.status}: "
                                        "only an open order can be closed", field="order",
                                        extra={"status": order.status})])
        lines = list(OrderLine.objects.select_for_update().filter(order=order)
                     .order_by("line_no"))
        done = delivered(line.pk for line in lines)
        for line in lines:
            line.short_quantity = max(0, line.quantity - done.get(line.pk, 0))
        OrderLine.objects.bulk_update(lines, ["short_quantity"])
        order.status = OrderStatus.CLOSED
        order.reason = reason.strip()[:500]
        order.closed_by = user
        order.closed_at = timezone.now()
        order.save(update_fields=["status", "reason", "closed_by", "closed_at"])
    return order


def cancel_order(number: str, *, user: Any, reason: str = "", kind: str | None = None) -> Order:
    """Cancel an order nothing was delivered against (else: close it short)."""
    with transaction.atomic():
        order = _locked(number, kind)
        if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
            raise InvalidInput([Problem(
                "order_not_open", f"{order.number} is {order.status}: only a draft or an open "
                "order with nothing delivered can be cancelled (close it short instead)",
                field="order",
                extra={"status": order.status})])
        lines = list(OrderLine.objects.filter(order=order))
        if any(delivered(line.pk for line in lines).values()):
            raise InvalidInput([Problem("order_not_open", f"{order.number} has deliveries "
                                        "against it: close it short instead", field="order")])
        order.status = OrderStatus.CANCELLED
        order.reason = reason.strip()[:500]
        order.closed_by = user
        order.closed_at = timezone.now()
        order.save(update_fields=["status", "reason", "closed_by", "closed_at"])
    return order
