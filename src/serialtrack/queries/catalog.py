"""Master data as the lists show it: products by SKU, warehouses by code with their bins, parties
by name — read by the API's lists and the command line's alike."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from serialtrack.inventory.models import Location, Party, Product, Warehouse


def products() -> QuerySet[Product]:
    return Product.objects.order_by("sku")


def warehouses() -> QuerySet[Warehouse]:
    """Each with its bins (`bins`, by code) in one more query for all of them."""
    return Warehouse.objects.order_by("code").prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("code"), to_attr="bins"))


def parties() -> QuerySet[Party]:
    return Party.objects.order_by("name")
