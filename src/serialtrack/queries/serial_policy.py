"""Units whose serials break the serial policy (serialtrack.serials): the report of
`serialtrack check-serials`. Nothing is rewritten; `correct-serial` renames a unit, audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from serialtrack.errors import Problem
from serialtrack.inventory.models import Product, Unit
from serialtrack.serials import serial_problem, shown


def policy_breaches(product: str | None = None) -> Iterator[dict[str, Any]]:
    """Units whose serial (or manufacturer serial) breaks the serial policy as a new serial of
    their product would now be judged (text, Unicode setting, pattern), in product and serial
    order; nothing is rewritten. Read in batches: memory stays flat on any number of units."""
    products = {p.pk: p for p in Product.objects.filter(tracking="serial")}
    patterns = {pk: re.compile(p.serial_pattern) if p.serial_pattern else None
                for pk, p in products.items()}
    units = Unit.objects.filter(product_id__in=list(products)).order_by("product__sku", "serial")
    if product:
        units = units.filter(product__sku=product)
    rows = units.values_list("product_id", "serial", "manufacturer_serial", "status")
    for product_id, serial, maker, status in rows.iterator(chunk_size=5000):
        item = products[product_id]
        for field, text, pattern in (("serial", serial, patterns[product_id]),
                                     ("manufacturer_serial", maker, None)):
            if text is None:
                continue
            stored, problem = serial_problem(text, pattern, product=item)
            if problem is None and stored != text:
                problem = Problem("invalid_serial", f"serial {text!r} is not in NFC form "
                                  f"(NFC: {stored!r}); new serials are stored normalised")
            if problem is not None:
                yield {"product": item.sku, "serial": shown(serial), "status": status,
                       "field": field, "text": shown(text), "code": problem.code,
                       "message": problem.message}
