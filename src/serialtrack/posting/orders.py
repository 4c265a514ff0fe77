"""Receipts and shipments against purchase and sales orders, inside their posting transaction:
the order line a delivery is for (found by product, or named by its line number), its rows
locked so two clerks cannot over-deliver together, the checks (the order's party, an open order,
no more than the open quantity plus the line's tolerance), and the order's status after the
posting (it follows from its lines). Orders themselves are written by `serialtrack.orders`."""

from __future__ import annotations

from dataclasses import dataclass

from serialtrack.errors import InvalidInput, Problem
from serialtrack.inventory.models import (
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Party,
    Product,
)
from serialtrack.queries.orders import (
    KIND_WORDS,
    OPEN_STATUSES,
    allowance,
    delivered,
    get_order,
    open_quantity,
)

PARTY_WORD = {OrderKind.PURCHASE: "supplier", OrderKind.SALE: "customer"}


@dataclass
class Against:
    """The order line a delivery goes against, locked, with what was open before it."""

    order: Order
    line: OrderLine
    open: int


def order_for(number: str | None, kind: str, party: Party | None,
              line_no: int | None = None) -> Order | None:
    """The order a receipt (`purchase`) or shipment (`sale`) names, checked against the
    document's party (None: the order's party is taken) and its status; None when none named
    (and then no order line may be named either)."""
    if not number:
        if line_no is not None:
            raise InvalidInput([Problem("invalid", f"order line {line_no} of which order? Name "
                                        "the order too", line=line_no, field="order_line")])
        return None
    order = get_order(number, kind)
    word = PARTY_WORD[OrderKind(kind)]
    problems = []
    if order.status not in OPEN_STATUSES:
        problems.append(Problem("order_not_open", f"{order.number} is {order.status}: nothing "
                                "can be delivered against it", field="order",
                                extra={"order": order.number, "status": order.status}))
    if party is not None and party.pk != order.party_id:
        problems.append(Problem(
            "wrong_party", f"{order.number} is for {word} {order.party.name!r}, not "
            f"{party.name!r}", field=word,
            extra={"order": order.number, "expected": order.party.name, "given": party.name}))
    if problems:
        raise InvalidInput(problems)
    return order


def take_line(order: Order, product: Product, quantity: int, line_no: int | None = None,
              problems: list[Problem] | None = None) -> Against | None:
    """Lock the order's lines of `product` (in line order) and choose the one this delivery is
    for: line `line_no` if named, else the oldest line with an open quantity (else the oldest
    line, so the refusal names it). A delivery above the open quantity plus the line's
    tolerance is a problem naming the order, line, product and open quantity. Run inside the
    posting's transaction (SQLite's BEGIN IMMEDIATE serializes it already)."""
    problems = problems if problems is not None else []
    lines = list(OrderLine.objects.select_for_update()
                 .filter(order=order, product=product).order_by("line_no"))
    if line_no is not None:
        lines = [line for line in lines if line.line_no == line_no]
        if not lines:
            problems.append(Problem(
                "not_on_order", f"{order.number} has no line {line_no} of {product.sku}",
                line=line_no, field="order_line",
                extra={"order": order.number, "product": product.sku}))
            return None
    if not lines:
        problems.append(Problem(
            "not_on_order", f"{product.sku} is not on {KIND_WORDS[OrderKind(order.kind)]} "
            f"{order.number}", field="product",
            extra={"order": order.number, "product": product.sku}))
        return None
    done = delivered(line.pk for line in lines)
    chosen = next((line for line in lines if open_quantity(line, done.get(line.pk, 0)) > 0),
                  lines[0])
    got = done.get(chosen.pk, 0)
    left = open_quantity(chosen, got)
    room = chosen.quantity + (allowance(chosen) if order.kind == OrderKind.PURCHASE else 0) - got
    if quantity > room:
        verb = "receive" if order.kind == OrderKind.PURCHASE else "ship"
        extra = f" (tolerance {allowance(chosen)})" if allowance(chosen) else ""
        problems.append(Problem(
            "over_delivery", f"cannot {verb} {quantity} of {product.sku} against "
            f"{order.number} line {chosen.line_no}: {left} open{extra}",
            line=chosen.line_no, field="quantity",
            extra={"order": order.number, "order_line": chosen.line_no,
                   "product": product.sku, "open": left, "quantity": quantity}))
    return Against(order, chosen, left)


def settle(order: Order | None) -> None:
    """The order's status from its lines, after a posting against it (or a reversal of one):
    open, partially delivered or complete. Closed and cancelled orders stay so."""
    if order is None:
        return
    order.refresh_from_db(fields=["status"])
    if order.status not in (*OPEN_STATUSES, OrderStatus.COMPLETE):
        return
    lines = list(OrderLine.objects.filter(order=order))
    done = delivered(line.pk for line in lines)
    if all(done.get(line.pk, 0) >= line.quantity for line in lines):
        status = OrderStatus.COMPLETE
    elif any(done.get(line.pk, 0) for line in lines):
        status = OrderStatus.PARTIAL
    else:
        status = OrderStatus.OPEN
    if status != order.status:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.status = status


def settle_orders_of(order_line_ids: set[int]) -> None:
    """Settle the orders of these order lines (after a reversal)."""
    for order in Order.objects.filter(lines__in=order_line_ids).distinct().order_by("id"):
        settle(order)
