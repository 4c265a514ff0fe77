"""The choices a form offers: serial-tracked products, suppliers or customers, bins and
warehouses. Bounded lists, in the order people look them up."""

from __future__ import annotations

from typing import Any

from serialtrack.inventory.models import Location, Party, Product, Tracking


def serial_products(limit: int = 2000) -> list[Product]:
    return list(Product.objects.filter(tracking=Tracking.SERIAL).order_by("sku")[:limit])


def quantity_products(limit: int = 2000) -> list[Product]:
    """Lot-tracked and plain products: posted by quantity."""
    return list(Product.objects.exclude(tracking=Tracking.SERIAL).order_by("sku")[:limit])


def products(limit: int = 2000) -> list[Product]:
    """Every product, whatever its tracking (an order line may be of any)."""
    return list(Product.objects.order_by("sku")[:limit])


def parties(role: str, limit: int = 2000) -> list[str]:
    """Names of the suppliers (`role="supplier"`) or customers (`"customer"`)."""
    flag = {"supplier": "is_supplier", "customer": "is_customer"}[role]
    return list(Party.objects.filter(**{flag: True}).order_by("name")
                .values_list("name", flat=True)[:limit])


def locations(limit: int = 2000) -> list[dict[str, Any]]:
    """Every bin as `WH/BIN`, and `WH` alone for a warehouse's default bin."""
    rows = (Location.objects.select_related("warehouse")
            .order_by("warehouse__code", "-is_default", "code")[:limit])
    return [{"ref": loc.warehouse.code if loc.is_default else f"{loc.warehouse.code}/{loc.code}",
             "label": f"{loc.warehouse.code} ({loc.warehouse.name}) – default bin {loc.code}"
             if loc.is_default else f"{loc.warehouse.code}/{loc.code}"} for loc in rows]


def warehouses(limit: int = 500) -> list[str]:
    return sorted({loc["ref"].partition("/")[0] for loc in locations(limit * 10)})
