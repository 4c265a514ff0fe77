"""Master data as the lists show it: products by SKU, warehouses by code with their bins, parties
by name — read by the API's lists and the command line's alike."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    Location,
    Party,
    Product,
    StockQuantity,
    Unit,
    Warehouse,
)


def products() -> QuerySet[Product]:
    return Product.objects.order_by("sku")


def warehouses() -> QuerySet[Warehouse]:
    """Each with its bins (`bins`, by code) in one more query for all of them."""
    return Warehouse.objects.order_by("code").prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("code"), to_attr="bins"))


def parties() -> QuerySet[Party]:
    return Party.objects.order_by("name")


# -- the set-up pages: searched lists, one record, how far set-up has come ---------------------

def products_matching(q: str = "") -> QuerySet[Product]:
    """Products whose SKU, name or GTIN contains `q` (any case), by SKU."""
    found = products()
    if q:
        found = found.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(gtin__contains=q))
    return found


def warehouses_matching(q: str = "") -> QuerySet[Warehouse]:
    found = Warehouse.objects.order_by("code").annotate(bin_count=Count("locations"))
    if q:
        found = found.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return found


def parties_matching(q: str = "", role: str = "") -> QuerySet[Party]:
    """Parties whose name, contact, e-mail or phone contains `q`; `role` customer/supplier."""
    found = parties()
    if role in ("customer", "supplier"):
        found = found.filter(**{f"is_{role}": True})
    if q:
        found = found.filter(Q(name__icontains=q) | Q(contact__icontains=q)
                             | Q(email__icontains=q) | Q(phone__icontains=q))
    return found


def product_facts(product: Product) -> dict[str, Any]:
    """What a product's page shows beside its fields: whether it has units or stock on hand —
    which ways the one-way door of tracking (`catalog.set_tracking`) stands open."""
    has_units = Unit.objects.filter(product=product).exists()
    has_stock = StockQuantity.objects.filter(product=product, quantity__gt=0).exists()
    return {"has_units": has_units, "has_stock": has_stock}


def bins_of(warehouse: Warehouse) -> list[Location]:
    return list(warehouse.locations.order_by("-is_default", "code"))


def setup_progress() -> dict[str, Any]:
    """How far a new business has come: a product, a warehouse, a supplier, a first receipt
    (the first of each, to fill the next step's form)."""
    product = Product.objects.order_by("id").values_list("sku", flat=True).first()
    warehouse = Warehouse.objects.order_by("id").values_list("code", flat=True).first()
    supplier = (Party.objects.filter(is_supplier=True).order_by("id")
                .values_list("name", flat=True).first())
    receipt = (Document.objects.filter(kind=DocumentKind.RECEIPT, status=DocumentStatus.POSTED)
               .order_by("id").values_list("number", flat=True).first())
    return {"product": product, "warehouse": warehouse, "supplier": supplier, "receipt": receipt}


def set_up_enough() -> bool:
    """A product and a warehouse exist: the business can receive."""
    return Product.objects.exists() and Warehouse.objects.exists()
