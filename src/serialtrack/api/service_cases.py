"""Service cases (RMA claims) over HTTP: `/api/rma-cases` (list, open by scan, detail, notes,
photos, linked documents, close). Clerks open cases, add notes and photos and link documents;
closing (the outcome: repair, replace, refund, reject) is a manager's decision. Same service
and queries as `serialtrack rma …` and the case page; refusals are problem details naming the
field. A photo is uploaded as multipart/form-data (field `photo`) and served to signed-in
users only, as the case page serves it."""

from __future__ import annotations

from typing import Any, Literal

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import File, Router, Status, UploadedFile
from pydantic import Field

from serialtrack import service_cases
from serialtrack.api.core import api, role
from serialtrack.api.schemas import In
from serialtrack.errors import InvalidInput, Problem
from serialtrack.queries import service_cases as read

router = Router(tags=["service cases"])
VIEWER, CLERK, MANAGER = role("viewer"), role("clerk"), role("manager")


class CaseIn(In):
    scan: str = Field(min_length=1, max_length=service_cases.MAX_SCAN,
                      description="the unit's serial, a GS1 element string or Digital Link")
    claimant: str = Field(min_length=1, max_length=200, description="the customer claiming")
    fault: str = Field(min_length=1, max_length=service_cases.MAX_FAULT)
    product: str | None = Field(default=None, max_length=64,
                                description="SKU, when the serial is shared by two products")


class NoteIn(In):
    text: str = Field(min_length=1, max_length=service_cases.MAX_NOTE)


class LinkIn(In):
    document: str = Field(min_length=1, max_length=32, description="a posted document number")


class CloseCaseIn(In):
    outcome: Literal["repair", "replace", "refund", "reject"]
    reason: str = Field(min_length=1, max_length=500)
    refund: str = Field(default="", max_length=200,
                        description="a refund's credit note / refund (number or text)")


PHOTO_RESPONSE: dict[str, Any] = {"responses": {200: {
    "description": "The photo as uploaded (JPEG, PNG, GIF, WebP or HEIC)",
    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
}}}


# the upload's form field (optional here: a request without it is refused naming `photo`)
PHOTO_FILE = File(None, description="JPEG, PNG, GIF, WebP or HEIC, up to 20 MB")


def photo_url(number: str, photo_id: int) -> str:
    return f"/api/rma-cases/{number}/photos/{photo_id}"


def _summary(number: str) -> dict[str, Any]:
    data = read.case_summary(read.get_case(number))
    for photo in data["photos"]:
        photo["url"] = photo_url(data["number"], photo["id"])
    return data


@router.get("/rma-cases", auth=VIEWER, response=list[dict])
def list_cases(request: HttpRequest, open: bool = False, claimant: str | None = None,
               limit: int = 500) -> list[dict[str, Any]]:
    """Cases, newest first, with their flags; `open` only the open ones."""
    return read.list_cases(open_only=open, claimant=claimant, limit=limit)


@router.post("/rma-cases", auth=CLERK, response={201: dict})
def open_case(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    """Open a claim by scanning the unit: the answer says whether it is ours, its sale,
    warranty, earlier claims and repairs, and flags a unit sold to another customer."""
    case = service_cases.open_case(scan=payload.scan, claimant=payload.claimant,
                                   fault=payload.fault, product=payload.product,
                                   user=request.user)
    return Status(201, _summary(case.number))


@router.get("/rma-cases/{number}", auth=VIEWER, response=dict)
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    """A case with its facts, flags, notes, photos and linked documents."""
    return _summary(number)


@router.post("/rma-cases/{number}/notes", auth=CLERK, response={201: dict})
def add_note(request: HttpRequest, number: str, payload: NoteIn) -> Status[dict[str, Any]]:
    """Append a note (time and user kept; notes are never changed)."""
    service_cases.add_note(number, text=payload.text, user=request.user)
    return Status(201, _summary(number))


@router.post("/rma-cases/{number}/photos", auth=CLERK, response={201: dict})
def add_photo(request: HttpRequest, number: str,
              photo: UploadedFile | None = PHOTO_FILE) -> Status[dict[str, Any]]:
    """Upload a photo (multipart/form-data, field `photo`) to an open case: told by its
    content, not its name; the answer is the case, each photo with its `url`."""
    if photo is None:
        raise InvalidInput([Problem("required", "choose a photo to upload (multipart/form-data, "
                                    "field photo)", field="photo")])
    service_cases.add_photo(number, name=photo.name or "", chunks=photo.chunks(),
                            user=request.user)
    return Status(201, _summary(number))


@router.get("/rma-cases/{number}/photos/{photo_id}", auth=VIEWER, openapi_extra=PHOTO_RESPONSE)
def get_photo(request: HttpRequest, number: str, photo_id: int) -> FileResponse:
    """A case's photo, as uploaded."""
    found = service_cases.get_photo(number, photo_id)
    response = FileResponse(default_storage.open(found.file.name, "rb"),
                            content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/rma-cases/{number}/documents", auth=CLERK, response={201: dict})
def link_document(request: HttpRequest, number: str, payload: LinkIn
                  ) -> Status[dict[str, Any]]:
    """Link a posted document that carried the case out: one that moved its unit (return,
    repair, replacement), or a shipment to the claimant since the case was opened."""
    service_cases.link_document(number, document=payload.document, user=request.user)
    return Status(201, _summary(number))


@router.post("/rma-cases/{number}/close", auth=MANAGER, response=dict)
def close_case(request: HttpRequest, number: str, payload: CloseCaseIn) -> dict[str, Any]:
    """Close the case with its outcome and reason (a repair or replacement needs its document
    linked, a refund its credit note)."""
    service_cases.close_case(number, outcome=payload.outcome, reason=payload.reason,
                             refund=payload.refund, user=request.user)
    return _summary(number)


api.add_router("", router)
