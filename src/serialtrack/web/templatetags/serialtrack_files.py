"""Template helpers of the import and label pages: the label form for a unit or a document,
and row counts written with thousands separators."""

from __future__ import annotations

from typing import Any

from django import template

from serialtrack.labels import LAYOUTS

register = template.Library()


@register.inclusion_tag("web/labels_form.html")
def label_form(document: str = "", product: str = "", serial: str = "",
               summary: dict[str, Any] | None = None) -> dict[str, Any]:
    """The label form: `document=` (rendered only when `summary`, the document's summary, shows
    serials moved) or `product=` and `serial=` for one unit. No database query."""
    from serialtrack.web.files import SYMBOLOGY_CHOICES

    show = bool(product and serial) or bool(
        document and (summary is None or any(line.get("serials") for line in summary["lines"])))
    return {"show": show, "document": document, "product": product, "serial": serial,
            "key": "doc" if document else "unit", "layouts": list(LAYOUTS.values()),
            "symbologies": SYMBOLOGY_CHOICES, "form": {}}


@register.filter
def rows(value: Any) -> str:
    """1234567 -> 1,234,567."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
