"""Returns to supplier over HTTP beyond their postings (`POST /api/supplier-returns` and
`POST /api/supplier-returns/{supplier_return}/replacements` come from their declarations, and
the report `GET /api/supplier-returns` sits in `routes` beside the POST of the same path, as
django-ninja needs): the credits received, and a shipment's packing slip as a PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from serialtrack.api.core import api, role
from serialtrack.api.labels import _pdf
from serialtrack.api.schemas import In

router = Router(tags=["supplier returns"])

PDF_RESPONSE: dict[str, Any] = {"responses": {200: {
    "description": "The delivery note / packing slip",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}}}


class CreditIn(In):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=4,
                            description="Credit received from the supplier.")
    reference: str = Field(default="", max_length=100, description="The credit note's number.")


@router.post("/supplier-returns/{supplier_return}/credits", auth=role("manager"),
             response={201: dict})
def add_credit(request: HttpRequest, supplier_return: str, payload: CreditIn
               ) -> Status[dict[str, Any]]:
    """Record a credit received against a return to supplier (more than is awaited is
    refused)."""
    from serialtrack.posting.supplier_returns import record_credit
    from serialtrack.queries.supplier_returns import supplier_return_row

    credit = record_credit(supplier_return=supplier_return, amount=payload.amount,
                           reference=payload.reference, user=request.user)
    return Status(201, supplier_return_row(credit.supplier_return))


@router.get("/documents/{number}/packing-slip.pdf", auth=role("viewer"),
            openapi_extra=PDF_RESPONSE)
def packing_slip(request: HttpRequest, number: str) -> HttpResponse:
    """A shipment's delivery note / packing slip: every serial, every lot with its expiry."""
    from serialtrack.packing_slips import render_packing_slip
    from serialtrack.queries.packing_slips import packing_slip as slip_of

    slip = slip_of(number)
    return _pdf(render_packing_slip(slip), f"packing-slip-{slip.number}")


api.add_router("", router)
