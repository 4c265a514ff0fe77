"""Returns to supplier as a report: what went back, the credit expected, what the supplier has
replaced and credited since, and what is still awaited. One query for the whole list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    SupplierCreditReceived,
    SupplierReplacement,
)

MONEY = DecimalField(max_digits=18, decimal_places=4)
ZERO = Value(Decimal(0), output_field=MONEY)


def _total(qs: Any, column: str) -> Any:
    return Coalesce(Subquery(qs.values("g").annotate(t=Sum(column)).values("t")[:1],
                             output_field=MONEY), ZERO)


def _annotated() -> Any:
    mine = OuterRef("pk")
    replaced = (SupplierReplacement.objects.filter(supplier_return=mine)
                .exclude(Exists(Document.objects.filter(kind=DocumentKind.REVERSAL,
                                                        related=OuterRef("document"))))
                .annotate(g=Value(1)))
    received = SupplierCreditReceived.objects.filter(supplier_return=mine).annotate(g=Value(1))
    quantity = DocumentLine.objects.filter(document=mine).annotate(g=Value(1))
    return (Document.objects.filter(kind=DocumentKind.SUPPLIER_RETURN,
                                    status=DocumentStatus.POSTED)
            .exclude(Exists(Document.objects.filter(kind=DocumentKind.REVERSAL, related=mine)))
            .select_related("party", "related", "credit")
            .annotate(replaced_value=_total(replaced, "value"),
                      replaced_quantity=Coalesce(Subquery(
                          replaced.values("g").annotate(t=Sum("quantity")).values("t")[:1]), 0),
                      credited=_total(received, "amount"),
                      quantity=Coalesce(Subquery(
                          quantity.values("g").annotate(t=Sum("quantity")).values("t")[:1]), 0)))


def _row(doc: Any) -> dict[str, Any]:
    expected = doc.credit.expected if hasattr(doc, "credit") else Decimal(0)
    awaiting = max(expected - doc.replaced_value - doc.credited, Decimal(0))
    return {
        "document": doc.number, "posted_at": doc.posted_at.isoformat(),
        "supplier": doc.party.name if doc.party else None,
        "receipt": doc.related.number if doc.related else None,
        "reason": doc.reason, "reference": doc.reference or None,
        "quantity": doc.quantity, "replaced_quantity": doc.replaced_quantity,
        "credit_expected": _money(expected), "replaced_value": _money(doc.replaced_value),
        "credit_received": _money(doc.credited), "awaiting_credit": _money(awaiting),
    }


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def supplier_returns(supplier: str | None = None, awaiting_credit: bool = False,
                     limit: int = 1000) -> list[dict[str, Any]]:
    """Returns to supplier, newest first: what went back and what credit is still awaited
    (`awaiting_credit`: only those still owed something)."""
    qs = _annotated()
    if supplier:
        qs = qs.filter(party__name=supplier)
    if awaiting_credit:
        qs = qs.annotate(awaiting=ExpressionWrapper(
            F("credit__expected") - F("replaced_value") - F("credited"), output_field=MONEY)
        ).filter(awaiting__gt=0)
    return [_row(doc) for doc in qs.order_by("-id")[:limit]]


def supplier_return_row(document: Document) -> dict[str, Any]:
    """The report's row of one return to supplier."""
    return _row(_annotated().get(pk=document.pk))


def outstanding(document: Document) -> Decimal:
    """The credit still awaited on one return to supplier."""
    doc = _annotated().get(pk=document.pk)
    expected = doc.credit.expected if hasattr(doc, "credit") else Decimal(0)
    return max(expected - doc.replaced_value - doc.credited, Decimal(0))
