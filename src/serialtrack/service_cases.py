"""Service cases (RMA claims), written: open a case by scanning the unit (gap-free numbers,
RMA-000001, like the orders'), add notes and photos (append-only), link the documents that carry
the case out, close it with an outcome (repair, replace, refund, reject) and a reason.

A case posts no stock, like an order: the goods move through the documents it links — a customer
return, a repair start / done / ship-back, a replacement (`repair replace`, or a shipment to the
claimant) — posted by the engine as any other. Reads are in `serialtrack.queries.service_cases`.

Opening a case keeps what was found that day on the case: whether the unit is ours, the shipment
that last sold it and to whom, whether the claimant is that customer (`other_customer`: a claim
for a unit sold to someone else is flagged), and whether it was under warranty. A scan that names
no unit of ours still opens a case, flagged `not_ours`: the desk keeps a record of every claim
made (with its photos), and such a case can only be closed as rejected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from serialtrack import catalog
from serialtrack.errors import Conflict, InvalidInput, NotFound, Problem
from serialtrack.inventory.models import (
    CASE_PREFIX,
    CaseOutcome,
    CaseStatus,
    Document,
    DocumentStatus,
    Movement,
    ServiceCase,
    ServiceCaseDocument,
    ServiceCaseNote,
    ServiceCasePhoto,
    Unit,
)
from serialtrack.queries import service_cases as read
from serialtrack.queries.history import unit_history
from serialtrack.queries.scans import read_scan
from serialtrack.queries.warranty import warranty_of

MAX_FAULT = 4000
MAX_NOTE = 4000
MAX_SCAN = 500
MAX_PHOTO_BYTES = 20 * 1024 * 1024
# what a photo may be, told by its first bytes (not by the name or the browser's say-so)
PHOTO_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_counter (name, value) VALUES (%s, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = inventory_counter.value + 1 RETURNING value",
            ["case:rma"])
        (value,) = cursor.fetchone()
    return f"{CASE_PREFIX}-{value:06d}"


def _refuse(problems: list[Problem]) -> None:
    """Bad input: every problem at once, each naming its field (HTTP 422, exit 3)."""
    if problems:
        raise InvalidInput(problems)


def _text(value: str, field: str, limit: int, problems: list[Problem], what: str) -> str:
    text = (value or "").strip()
    if not text:
        problems.append(Problem("required", f"{what} is required", field=field))
    elif len(text) > limit:
        problems.append(Problem("invalid", f"{what}: at most {limit} characters", field=field))
    return text


def open_case(*, scan: str, claimant: str, fault: str, user: Any,
              product: str | None = None, today: dt.date | None = None) -> ServiceCase:
    """Open a claim for the unit `scan` names (a plain serial, GS1 element string or Digital
    Link; `product` when a serial is shared by two products). Refused, naming the field, when
    the scan, claimant or fault is missing or bad, or the unit already has an open case."""
    problems: list[Problem] = []
    token = _text(scan, "scan", MAX_SCAN, problems, "the scan (serial or label)")
    fault = _text(fault, "fault", MAX_FAULT, problems, "the fault description")
    if not (claimant or "").strip():
        problems.append(Problem("required", "the claimant (a customer) is required",
                                field="claimant"))
    _refuse(problems)
    party = catalog.get_party(claimant, "customer")
    sku = catalog.get_product(product).sku if product else None
    label = read_scan(token, field="scan")  # an unreadable GS1 scan is refused here
    serial = (label.serial or "") if label is not None else token
    try:
        history = unit_history(token, sku)
    except NotFound:
        history = None  # not one of ours: no unit, or a GTIN that is none of our products'
    fields: dict[str, Any] = {"scan": token, "serial": serial[:128], "claimant": party,
                              "fault": fault, "opened_by": user, "not_ours": history is None}
    if history is not None:
        unit = Unit.objects.get(pk=history["unit"]["id"])
        warranty = warranty_of(history, today)
        sale = read.last_sale(history)
        sold_on = (Document.objects.select_related("party").get(number=sale["document"])
                   if sale else None)
        fields.update({
            "unit": unit, "serial": unit.serial, "sold_on": sold_on,
            "sold_to": sold_on.party if sold_on else None,
            "other_customer": bool(sold_on and sold_on.party_id != party.pk),
            "under_warranty": warranty["under_warranty"],
            "warranty_end": unit.warranty_end,
        })
    try:
        with transaction.atomic():
            return ServiceCase.objects.create(number=_next_number(), opened_at=timezone.now(),
                                              **fields)
    except IntegrityError:
        unit = fields.get("unit")
        other = (ServiceCase.objects.filter(unit=unit, status=CaseStatus.OPEN)
                 .values_list("number", flat=True).first()) if unit is not None else None
        if other is None:
            raise
        raise Conflict([Problem("case_open", f"{unit.serial} already has an open case: {other}"
                                " (add to it, or close it first)", serial=unit.serial,
                                field="scan", extra={"case": other})]) from None


def _locked(number: str) -> ServiceCase:
    found = read.get_case(number)
    return ServiceCase.objects.select_for_update().get(pk=found.pk)


def _must_be_open(case: ServiceCase) -> None:
    if case.status != CaseStatus.OPEN:
        raise InvalidInput([Problem("case_closed", f"{case.number} is closed "
                                    f"({case.outcome}): nothing more is added to it",
                                    field="case")])


def add_note(number: str, *, text: str, user: Any) -> ServiceCaseNote:
    """Append a note (time and user recorded). Notes are never changed or deleted; a closed
    case still takes notes (what the customer said afterwards)."""
    problems: list[Problem] = []
    text = _text(text, "text", MAX_NOTE, problems, "the note")
    _refuse(problems)
    case = read.get_case(number)
    return ServiceCaseNote.objects.create(case=case, text=text, created_at=timezone.now(),
                                          user=user)


def photo_type(head: bytes) -> str | None:
    """The image type the file's first bytes say (JPEG, PNG, GIF, WebP, HEIC), else None."""
    for magic, kind in PHOTO_TYPES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


def add_photo(number: str, *, name: str, chunks: Iterable[bytes], user: Any
              ) -> ServiceCasePhoto:
    """Keep a photo with the case (Django's default storage, under SERIALTRACK_MEDIA_DIR).
    Refused, naming the field `photo`, when it is empty, over 20 MB or not a JPEG, PNG, GIF,
    WebP or HEIC image; naming `case` when the case is closed (the claim's evidence is
    gathered while it is open; notes still follow it)."""
    case = read.get_case(number)
    _must_be_open(case)
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput([Problem("invalid", f"the photo is over {MAX_PHOTO_BYTES // 2**20}"
                                        " MB", field="photo")])
    if not data:
        raise InvalidInput([Problem("required", "choose a photo to upload", field="photo")])
    kind = photo_type(bytes(data[:16]))
    if kind is None:
        raise InvalidInput([Problem("invalid", f"{name or 'the file'!r} is not a photo (JPEG, "
                                    "PNG, GIF, WebP or HEIC)", field="photo")])
    shown = (name or "photo").replace("\\", "/").rsplit("/", 1)[-1][:200] or "photo"
    extension = kind.rsplit("/", 1)[1].replace("jpeg", "jpg")
    photo = ServiceCasePhoto(case=case, name=shown, content_type=kind, size=len(data),
                             uploaded_at=timezone.now(), user=user)
    photo.file.save(f"{case.number}.{extension}", ContentFile(bytes(data)), save=False)
    try:
        photo.save()
    except Exception:
        photo.file.delete(save=False)
        raise
    return photo


def get_photo(number: str, photo_id: int) -> ServiceCasePhoto:
    photo = (ServiceCasePhoto.objects.filter(pk=photo_id, case__number=number.strip().upper())
             .first() if 0 < photo_id < 2**63 else None)  # beyond the key range: unknown
    if photo is None:
        raise NotFound([Problem("not_found", f"{number} has no photo {photo_id}",
                                field="photo")])
    return photo


def link_document(number: str, *, document: str, user: Any, field: str = "document"
                  ) -> ServiceCaseDocument:
    """Link a posted document that carried the case out: one that moved the case's unit (a
    return, a repair step, a replacement), or a shipment to the claimant since the case was
    opened (a replacement from stock). Refused, naming the field `document` (or `field`: a
    posting that names its case links it in its own transaction, and names `case`), otherwise;
    an unknown or closed case names `case`."""
    with transaction.atomic():
        case = _locked(number)
        _must_be_open(case)
        doc = catalog.get_document(document)
        problems: list[Problem] = []
        if doc.status != DocumentStatus.POSTED:
            problems.append(Problem("invalid", f"{doc} is a draft: post it first",
                                    field=field))
        elif doc.kind not in read.LINKABLE_KINDS:
            problems.append(Problem("invalid", f"{doc.number} is a {doc.get_kind_display()}: "
                                    "a case links returns, repairs, shipments, adjustments "
                                    "and returns to supplier", field=field))
        else:
            moved_unit = case.unit_id is not None and Movement.objects.filter(
                document=doc, unit_id=case.unit_id).exists()
            to_claimant = (doc.kind == "shipment" and doc.party_id == case.claimant_id
                           and doc.posted_at is not None and doc.posted_at >= case.opened_at)
            if not (moved_unit or to_claimant):
                what = (f"did not move {case.unit.serial}" if case.unit is not None
                        else "moved no unit of this case")
                problems.append(Problem(
                    "not_about_case", f"{doc.number} {what}, and is not a shipment to "
                    f"{case.claimant.name} since {case.number} was opened", field=field))
            elif ServiceCaseDocument.objects.filter(case=case, document=doc).exists():
                problems.append(Problem("invalid", f"{doc.number} is already linked to "
                                        f"{case.number}", field=field))
        _refuse(problems)
        return ServiceCaseDocument.objects.create(case=case, document=doc,
                                                  linked_at=timezone.now(), user=user)


def close_case(number: str, *, outcome: str, reason: str, user: Any, refund: str = ""
               ) -> ServiceCase:
    """Close the case with its outcome and the reason. A repair needs a linked repair done or
    ship-back, a replacement a linked replacement or shipment, a refund the credit note /
    refund text (`refund`); a case for a unit not ours can only be rejected. Every problem is
    named by its field."""
    problems: list[Problem] = []
    if outcome not in CaseOutcome.values:
        problems.append(Problem("invalid", f"outcome {outcome!r} is not one of "
                                f"{', '.join(CaseOutcome.values)}", field="outcome"))
    reason = _text(reason, "reason", 500, problems, "the reason")
    refund = (refund or "").strip()
    if len(refund) > 200:
        problems.append(Problem("invalid", "refund: at most 200 characters", field="refund"))
    _refuse(problems)
    with transaction.atomic():
        case = _locked(number)
        _must_be_open(case)
        if case.not_ours and outcome != CaseOutcome.REJECT:
            problems.append(Problem("invalid", f"{case.number} is for a unit that is not ours: "
                                    "it can only be rejected", field="outcome"))
        needed = read.CARRIED_OUT_BY.get(outcome)
        if needed and not any(d["role"] in needed for d in read.linked_documents(case)):
            problems.append(Problem(
                "not_carried_out", f"outcome {outcome} needs a linked {' or '.join(needed)} "
                f"document: post it (the case page offers it) and link it first",
                field="documents"))
        if outcome == CaseOutcome.REFUND and not refund:
            problems.append(Problem("required", "a refund needs the credit note / refund "
                                    "(number or text)", field="refund"))
        _refuse(problems)
        case.status = CaseStatus.CLOSED
        case.outcome = outcome
        case.reason = reason
        case.refund = refund
        case.closed_at = timezone.now()
        case.closed_by = user
        case.save(update_fields=["status", "outcome", "reason", "refund", "closed_at",
                                 "closed_by"])
    return case
