"""Generated serials for goods that arrive without one: a per-product template such as
`LTP-{yyyy}-{seq:06}` and a per-product sequence. The sequence is a counter row incremented in
the receipt's own transaction, so concurrent receipts queue on it and never get the same values
(a receipt that rolls back gives its values back together with the units that carried them)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from serialtrack.errors import InvalidInput, Problem
from serialtrack.inventory.models import Counter, Product
from serialtrack.serials import render

MAX_GENERATE = 1_000_000


def _counter(product: Product) -> str:
    return f"serial:{product.pk}"


def _check(product: Product, count: int) -> None:
    if not product.serial_template:
        raise InvalidInput([Problem("invalid", f"{product.sku} has no serial template "
                                    "(product add --serial-template …)", field="serial_template")])
    if not 1 <= count <= MAX_GENERATE:
        raise InvalidInput([Problem("invalid", f"generate between 1 and {MAX_GENERATE:,} serials",
                                    field="generate")])


def allocate(product: Product, count: int, today: dt.date | None = None) -> list[str]:
    """Take the next `count` values of the product's sequence (inside the caller's transaction)
    and render them."""
    _check(product, count)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_counter (name, value) VALUES (%s, %s) ON CONFLICT (name) "
            "DO UPDATE SET value = inventory_counter.value + EXCLUDED.value RETURNING value",
            [_counter(product), count])
        (last,) = cursor.fetchone()
    day = today or timezone.localdate()
    return [render(product.serial_template, n, day, product.sku)
            for n in range(last - count + 1, last + 1)]


def preview(product: Product, count: int = 5, today: dt.date | None = None) -> list[str]:
    """The serials the next receipt would get, without taking them."""
    _check(product, count)
    last = Counter.objects.filter(name=_counter(product)).values_list("value", flat=True).first()
    day = today or timezone.localdate()
    start = (last or 0) + 1
    return [render(product.serial_template, n, day, product.sku) for n in range(start, start + count)]

