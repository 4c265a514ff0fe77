"""Label sheets over HTTP: `GET /api/labels?document=…` and `POST /api/labels` answer with the PDF.
Same loader, renderer and refusals as `serialtrack labels` (see `serialtrack.labels`)."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from serialtrack.api.core import api, role
from serialtrack.api.schemas import In
from serialtrack.labels import DEFAULT_LAYOUT, MAX_LABELS, check_options, render_labels
from serialtrack.queries.labels import units_for

router = Router(tags=["labels"])

PDF_RESPONSE: dict[str, Any] = {"responses": {200: {
    "description": "The label sheet",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}}}


class LabelsIn(In):
    product: str = Field(description="SKU of the serials")
    serials: list[str] = Field(default_factory=list, max_length=MAX_LABELS)
    range: str | None = Field(default=None, description="serial range, e.g. A-001..A-050")
    layout: str = Field(default=DEFAULT_LAYOUT, description="sheet layout, e.g. a4-3x8, "
                        "letter-3x10, roll-62x29 (`serialtrack labels layouts`)")
    symbology: str | None = Field(default=None, description="code128 | qr | datamatrix; default: "
                                  "GS1 DataMatrix for a product with a GTIN, else Code 128")


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "labels"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@router.get("/labels", auth=role("viewer"), openapi_extra=PDF_RESPONSE)
def document_labels(request: HttpRequest, document: str, layout: str = DEFAULT_LAYOUT,
                    symbology: str | None = None) -> HttpResponse:
    """Labels for every unit a document moved (e.g. a receipt), as a PDF."""
    check_options(layout, symbology)
    pdf = render_labels(units_for(document=document), layout, symbology)
    return _pdf(pdf, f"labels-{document}")


@router.post("/labels", auth=role("viewer"), openapi_extra=PDF_RESPONSE)
def serial_labels(request: HttpRequest, payload: LabelsIn) -> HttpResponse:
    """Labels for serials of a product (a list and/or a range), as a PDF."""
    check_options(payload.layout, payload.symbology)
    units = units_for(serials=payload.serials, product=payload.product, range=payload.range)
    return _pdf(render_labels(units, payload.layout, payload.symbology), f"labels-{payload.product}")


api.add_router("", router)
