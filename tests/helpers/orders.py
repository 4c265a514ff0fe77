"""Orders with the shop fixture's names, and their open quantities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from serialtrack import orders
from serialtrack.queries.orders import get_order, order_summary


def purchase(user: Any, *lines: tuple[str, int, str | None], supplier: str = "Supplier S",
             tolerance: str = "0") -> Any:
    return orders.create_order(
        kind="purchase", party=supplier, user=user,
        lines=[orders.LineIn(sku, qty, Decimal(price) if price else None, Decimal(tolerance))
               for sku, qty, price in lines])


def sale(user: Any, *lines: tuple[str, int, str | None], customer: str = "Customer A") -> Any:
    return orders.create_order(
        kind="sale", party=customer, user=user,
        lines=[orders.LineIn(sku, qty, Decimal(price) if price else None)
               for sku, qty, price in lines])


def open_quantities(number: str) -> list[int]:
    """The open quantity of each line, in line order."""
    return [line["open"] for line in order_summary(get_order(number))["lines"]]


def status(number: str) -> str:
    return get_order(number).status


def pdf_text(pdf: bytes) -> str:
    """Every page's text, extracted (as a supplier's system would read it)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
