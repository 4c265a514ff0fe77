"""The station pages' offer to create what a refusal found missing (see `web.setup.offers`)."""

from __future__ import annotations

from typing import Any

from django import template

from serialtrack.web.setup import offers

register = template.Library()


@register.inclusion_tag("setup/_offers.html", takes_context=True)
def missing_offers(context: Any) -> dict[str, Any]:
    """Below a station form's refusal: create the missing supplier, customer, product,
    warehouse or bin (a manager), or who can (anyone else)."""
    request = context["request"]
    return {"offers": offers(context.get("problems") or [], context.get("form") or {},
                             request.user, request.path)}
