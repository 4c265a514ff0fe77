"""Links and labels for the web templates."""

from __future__ import annotations

from typing import Any

from django import template

from serialtrack.inventory.models import Document, UnitStatus
from serialtrack.posting import operations
from serialtrack.web.views import document_url, unit_url

register = template.Library()
_STATUS = dict(UnitStatus.choices)


@register.simple_tag
def unit_href(sku: str, serial: str) -> str:
    return unit_url(sku, serial)


@register.filter
def document_href(number: str | None) -> str:
    return document_url(number) if number else ""


@register.filter
def money(amount: Any) -> str:
    """An exact amount with the business currency: 1,234.50 EUR."""
    from serialtrack.queries.money import show_money

    return show_money(amount)


@register.filter
def status_label(status: str | None) -> str:
    return _STATUS.get(status or "", status or "")


@register.filter
def draft_title(doc: Document) -> str:
    """What a draft is: its kind ('Receipt', 'Transfer'), or for an adjustment or repair the
    operation ('Hold', 'Write-off', 'Repair done')."""
    line = getattr(doc, "draft", None)
    operation = line.operation if line is not None else ""
    return operations.operation(operation).title if operation else doc.get_kind_display()
