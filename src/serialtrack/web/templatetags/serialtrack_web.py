"""Links and labels for the web templates."""

from __future__ import annotations

from django import template

from serialtrack.inventory.models import UnitStatus
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
def status_label(status: str | None) -> str:
    return _STATUS.get(status or "", status or "")
