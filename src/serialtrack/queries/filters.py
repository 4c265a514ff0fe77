"""Units and documents by declared filters: one selector each, used by the API's lists, the
stock reports (web, command line, API) — a filter means the same at every door.

Each filter is a field with its database lookup (django-ninja's FilterSchema); a filter that is
not one lookup says how it reads the unit's history (`filter_<name>`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Exists, OuterRef, Q, QuerySet
from ninja import FilterSchema
from ninja.filter_schema import FilterLookup
from pydantic import Field

from serialtrack.inventory.models import IN_STORAGE, OUT_OF_STORAGE, Document, Movement, Unit


class UnitFilters(FilterSchema):
    product: Annotated[str | None, FilterLookup("product__sku")] = None
    status: str | None = None
    warehouse: Annotated[str | None, FilterLookup("location__warehouse__code")] = None
    bin: Annotated[str | None, FilterLookup("location__code")] = None
    lot: Annotated[str | None, FilterLookup("lot__code")] = None
    holder: Annotated[str | None, FilterLookup("holder__name")] = Field(
        default=None, description="the party holding the units now")
    customer: str | None = Field(default=None,
                                 description="shipped to this customer at some time")
    received_from: Annotated[dt.date | None, FilterLookup("received_at__date__gte")] = None
    received_to: Annotated[dt.date | None, FilterLookup("received_at__date__lte")] = None
    shipped_from: dt.date | None = None
    shipped_to: dt.date | None = None

    def filter_customer(self, value: str) -> Q:
        return Q(Exists(_shipments().filter(to_party__name=value)))

    def filter_shipped_from(self, value: dt.date) -> Q:
        return self._shipped_between()

    def filter_shipped_to(self, value: dt.date) -> Q:
        return Q() if self.shipped_from else self._shipped_between()

    def _shipped_between(self) -> Q:
        """Shipped (at least once) within the dates given: one shipment in the period."""
        moves = _shipments()
        if self.shipped_from:
            moves = moves.filter(created_at__date__gte=self.shipped_from)
        if self.shipped_to:
            moves = moves.filter(created_at__date__lte=self.shipped_to)
        return Q(Exists(moves))


def _shipments() -> QuerySet[Movement]:
    """The unit's history rows that shipped it (to a customer)."""
    return Movement.objects.filter(unit=OuterRef("pk"), to_status="shipped")


class DocumentFilters(FilterSchema):
    kind: str | None = None
    status: str | None = None
    party: Annotated[str | None, FilterLookup("party__name")] = None


def units(filters: UnitFilters, *, in_storage: bool | None = None) -> QuerySet[Unit]:
    """The units the filters select; `in_storage`: only those in our storage (True) or only
    those that have left it (False)."""
    rows = Unit.objects.all()
    if in_storage is not None:
        rows = rows.filter(status__in=IN_STORAGE if in_storage else OUT_OF_STORAGE)
    return filters.filter(rows)


def documents(filters: DocumentFilters) -> QuerySet[Document]:
    return filters.filter(Document.objects.all())
