"""Serial -> unit. A serial is unique per product; without a product it may be ambiguous."""

from __future__ import annotations

from serialtrack.inventory.models import SerialAlias, Unit
from serialtrack.posting.errors import AmbiguousSerial, NotFound, Problem

UNIT_RELATED = ("product", "lot", "location__warehouse", "holder", "last_document")


def find_unit(serial: str, product: str | None = None) -> Unit:
    """The unit carrying `serial` (or carrying it before a correction). Given without a product,
    a serial that two products share is refused, listing both."""
    serial = serial.strip()
    units = Unit.objects.select_related(*UNIT_RELATED).filter(serial=serial)
    if product:
        units = units.filter(product__sku=product)
    found = list(units[:20])
    if not found:
        aliases = SerialAlias.objects.filter(serial=serial)
        if product:
            aliases = aliases.filter(product__sku=product)
        ids = list(aliases.values_list("unit_id", flat=True)[:20])
        found = list(Unit.objects.select_related(*UNIT_RELATED).filter(pk__in=ids))
    if not found:
        what = f"serial {serial!r}" + (f" of {product}" if product else "")
        raise NotFound([Problem("not_found", f"unknown {what}", serial=serial)])
    if len(found) > 1:
        skus = sorted(u.product.sku for u in found)
        raise AmbiguousSerial([Problem(
            "ambiguous_serial",
            f"serial {serial!r} exists on {len(skus)} products: {', '.join(skus)}; "
            "name the product (--product)",
            serial=serial, extra={"products": skus})])
    return found[0]
