"""Drafts: a document filled in scan by scan (one product per draft, as at a receiving or
packing bench; an assembly draft's product is the one built, its scans the components, of any
product), kept on the server, then posted in one go by the same engine entry as a direct
posting. Each scan gets its verdict at once, judged by the rules the posting will apply: a
receipt's scans by the receipt's own per-serial checks (read only: index seeks, no write lock, so
a bench of clerks scanning at once do not queue on each other); the other kinds by a dry run of
their engine entry on the new serials (rolled back).

Adjustment and repair drafts name their operation (hold, release, write-off, repair start, repair
done, ship back after repair): the kind alone does not say which engine entry posts them. Each
draft needs the role its direct posting needs (`role_needed`); the interfaces check it, as they
do for direct postings.

A receipt draft's scans may be the makers' serials (`scans="manufacturer_serials"`, for goods
that carry only the maker's serial): each is judged as the receipt judges a manufacturer serial,
and the draft posts as a receipt of those manufacturer serials, each unit getting a serial from
the product's serial template. Or each scan may be a pair (`scans="paired_serials"`, for goods
that carry both labels): the unit's own serial and its maker's serial, each judged as the
receipt judges it, posted as a receipt of serials with their manufacturer serials."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, Problem, Refused, refuse
from serialtrack.fastpath import Joined, execute, fetch
from serialtrack.inventory.models import (
    CaseStatus,
    Document,
    DocumentKind,
    DocumentStatus,
    DraftLine,
    DraftRefusal,
    DraftSerial,
    OrderKind,
    Party,
    Product,
)
from serialtrack.posting import returns
from serialtrack.posting.engine import into_draft, retrying
from serialtrack.posting.operations import (
    MANUFACTURER_SERIALS,
    PAIRED_SERIALS,
    SCANS,
    SERIALS,
    Operation,
    draft_case,
    draft_kinds,
    draft_operations,
    draft_role,
    drafted,
)
from serialtrack.posting.receipts import known_manufacturer_serials
from serialtrack.posting.scans import LotInfo, decode_scans
from serialtrack.queries.orders import get_order
from serialtrack.queries.scans import read_scan
from serialtrack.queries.service_cases import get_case
from serialtrack.serials import check_manufacturer_serials, serial_problem

# the order a receipt / shipment draft may post against
ORDER_OF = {DocumentKind.RECEIPT: OrderKind.PURCHASE, DocumentKind.SHIPMENT: OrderKind.SALE}


def role_needed(kind: str, operation: str = "") -> str:
    """The role that may fill in and post a draft: that of the same direct posting (the clerk
    role for receipts, shipments, returns, transfers, holds and releases; the manager role for
    write-offs and repairs)."""
    return draft_role(kind, operation)


@dataclass(frozen=True)
class Verdict:
    serial: str
    accepted: bool
    code: str | None = None
    message: str | None = None


# what a draft's need is called where it is missing, when not its field's name
NEEDS_SAID = {"assembly": "the serial of the assembly"}
MAX_EXPECTED = 2**31 - 1  # the column's range on both databases


def create_draft(*, kind: str, user: Any, product: str | None = None,
                 warehouse: str | None = None, supplier: str | None = None,
                 customer: str | None = None, shipment: str | None = None,
                 source: str | None = None, destination: str | None = None,
                 expected_quantity: int | None = None, lot: str | None = None,
                 expiry: Any = None, cost: Any = None, disposition: str = "restock",
                 reference: str = "", reason: str = "", operation: str = "",
                 scans: str = SERIALS, order: str | None = None,
                 assembly: str | None = None, case: str | None = None) -> Document:
    """Open a draft. Everything it names is checked now, so scanning starts on solid ground.
    An adjustment or repair draft names its `operation` (`operations.draft_operations`) and its
    product. A receipt draft's `scans` may be `manufacturer_serials` (see SCANS) when its
    product has a serial template. A receipt or shipment draft may name the purchase / sales
    `order` it posts against (its supplier / customer then defaults to the order's). An
    assembly draft names the product built, where, and the `assembly`'s serial (or scan); its
    scans are the components. A draft whose posting takes a service case (a return, a repair
    step, a shipment: their bodies' `case` field) may name the open `case` it carries out (kept
    as its reference): what it posts is linked to the case as it posts (`Operation.post`), or
    refused naming `case`."""
    kinds = draft_kinds()
    if kind not in kinds:
        raise InvalidInput([Problem("invalid", f"drafts are for {', '.join(kinds)}",
                                    field="kind")])
    _check_operation(kind, operation)
    station = drafted(kind, operation).station
    assert station is not None
    reason = reason.strip()
    order_row = None
    if order and "order" not in station.optional:
        raise InvalidInput([Problem(
            "invalid", f"only receipt and shipment drafts are against an order, not "
            f"{(operation or kind).replace('_', '-')} drafts", field="order")])
    if order:
        order_row = get_order(order, ORDER_OF[kind])
        if kind == DocumentKind.SHIPMENT and not customer:
            customer = order_row.party.name
        if kind == DocumentKind.RECEIPT and not supplier:
            supplier = order_row.party.name
        reference = reference or order_row.number
    if case:
        reference = _case_to_carry_out(kind, operation, case)
    given = {"product": product, "warehouse": warehouse, "customer": customer,
             "shipment": shipment, "source": source, "destination": destination,
             "reason": reason, "assembly": (assembly or "").strip()}
    needs = station.needs
    what = operation.replace("_", "-") if operation else kind
    article = "an" if what[:1] in "aeiou" else "a"
    missing = [Problem("invalid", f"{article} {what} draft needs {NEEDS_SAID.get(name, name)}",
                       field=name) for name in needs if not given[name]]
    if expected_quantity is not None and not 0 < expected_quantity <= MAX_EXPECTED:
        missing.append(Problem("invalid", f"expected quantity {expected_quantity} must be from 1 "
                               f"to {MAX_EXPECTED:,}", field="expected_quantity"))
    if disposition not in returns.DISPOSITIONS:
        missing.append(Problem("invalid", f"disposition {disposition!r} is not one of "
                               f"{', '.join(returns.DISPOSITIONS)}", field="disposition"))
    if scans not in SCANS:
        missing.append(Problem("invalid", f"scans {scans!r} is not one of {', '.join(SCANS)}",
                               field="scans"))
    elif scans != SERIALS and kind != DocumentKind.RECEIPT:
        missing.append(Problem("invalid", f"only a receipt draft can scan manufacturer serials, "
                               f"not a {what} draft", field="scans"))
    refuse(missing)
    item = catalog.get_product(product) if product else None
    if item is not None and item.tracking != "serial":
        raise InvalidInput([Problem("invalid", f"{item.sku} is not serial-tracked: post its "
                                    "quantity directly", field="product")])
    if item is not None and scans == MANUFACTURER_SERIALS and not item.serial_template:
        raise InvalidInput([Problem(
            "invalid", f"{item.sku} has no serial template, so its units cannot get serials of "
            "their own: scan their serials, or give the product a serial template", field="scans")])
    party = None
    related = None
    if supplier:
        party = catalog.get_party(supplier, "supplier")
    if customer:
        party = catalog.get_party(customer, "customer")
    if shipment:
        related = returns.get_shipment(shipment)
        party = related.party
    location_ref = warehouse or source or ""
    location = (catalog.get_location(location_ref, field="warehouse" if warehouse else "from")
                if location_ref else None)
    target = catalog.get_location(destination, field="to") if destination else None
    line = DraftLine(
        product=item, location=location, destination=target, location_ref=location_ref,
        destination_ref=destination or "", lot_code=lot or "", expiry=expiry, cost=cost,
        expected_quantity=expected_quantity, disposition=disposition, operation=operation,
        scans=scans, order_ref=order_row.number if order_row else None,
        assembly_serial=given["assembly"] if "assembly" in needs else None)
    if station.checked_on_open:  # a dry run of the entry with no scans (their count aside)
        probe = Document(kind=kind, party=party, related=related, reference=reference,
                         reason=reason)
        probe.draft = line
        refuse([p for p in _refusal(probe, [], user) if p.code != "count_mismatch"])
    scanned = read_scan(line.assembly_serial, "assembly") if line.assembly_serial else None
    if scanned is not None:  # the assembly's label: kept as the serial it names
        line.assembly_serial = scanned.serial
    with transaction.atomic():
        doc = Document.objects.create(
            kind=kind, status=DocumentStatus.DRAFT, created_by=user, party=party,
            warehouse=location.warehouse if location else None, related=related,
            reference=reference, reason=reason)
        line.document = doc
        line.save()
    return doc


def _case_to_carry_out(kind: str, operation: str, case: str) -> str:
    """The number of the open service case a draft names, else refused naming `case` (its
    posting takes no case, or the case is unknown or closed)."""
    if "case" not in drafted(kind, operation).body.model_fields:
        what = operation.replace("_", "-") or kind
        raise InvalidInput([Problem("invalid", f"a {what} draft does not carry out a service "
                                    "case: link what it posts on the case page", field="case")])
    found = get_case(case)
    if found.status != CaseStatus.OPEN:
        raise InvalidInput([Problem("case_closed", f"{found.number} is closed ({found.outcome}):"
                                    " nothing more is added to it", field="case")])
    return found.number


def repeat_draft(number: str, user: Any) -> Document:
    """Open a new draft like the one that posted document `number` ("same again": the next box
    of the same product from the same supplier into the same place): same kind and operation,
    product, warehouse or bins, party (a return: the same shipment), what its scans are, its
    disposition and reason; no scans, no expected quantity, no lot."""
    doc = catalog.get_document(number)
    line = (DraftLine.objects.select_related("product").filter(document=doc).first()
            if doc.status == DocumentStatus.POSTED else None)
    if line is None:
        raise InvalidInput([Problem("invalid", f"{number} was not posted from a draft: there is "
                                    "nothing to repeat", field="document")])
    party = Party.objects.filter(pk=doc.party_id).values_list("name", flat=True).first()
    where: dict[str, Any] = {}
    if doc.kind in (DocumentKind.RECEIPT, DocumentKind.SHIPMENT, DocumentKind.RETURN):
        where["warehouse"] = line.location_ref or None
    else:
        where["source"] = line.location_ref or None
        where["destination"] = line.destination_ref or None
    if doc.kind == DocumentKind.RECEIPT:
        where["supplier"] = party
    elif doc.kind == DocumentKind.SHIPMENT:
        where["customer"] = party
    elif doc.kind == DocumentKind.RETURN:
        where["shipment"] = (Document.objects.filter(pk=doc.related_id)
                             .values_list("number", flat=True).first())
    return create_draft(kind=doc.kind, operation=line.operation, user=user,
                        product=line.product.sku if line.product else None, scans=line.scans,
                        disposition=line.disposition, reason=doc.reason, **where)


def _check_operation(kind: str, operation: str) -> None:
    """Adjustment and repair drafts name one of their kind's operations; the others none."""
    own = draft_operations(kind)
    if operation in own or (not own and not operation):
        return
    message = (f"a {kind} draft names its operation: one of {', '.join(own)}" if own
               else f"a {kind} draft has no operation (got {operation!r})")
    raise InvalidInput([Problem("invalid", message, field="operation")])


_DRAFT = Joined((Document, "d"), (DraftLine, "l"), (Product, "p"), (Party, "c"),
                (Document, "r"))
_DRAFT_SQL = (f"SELECT {_DRAFT.select} "
              "FROM inventory_document d "
              "LEFT JOIN inventory_draftline l ON l.document_id = d.id "
              "LEFT JOIN inventory_product p ON p.id = l.product_id "
              "LEFT JOIN inventory_party c ON c.id = d.party_id "
              "LEFT JOIN inventory_document r ON r.id = d.related_id WHERE d.id = %s")


def get_draft(draft_id: int) -> Document:
    """The open draft with its line (`doc.draft`, whose `scanned` counts its scans), product,
    party and related document: one hand-written statement, as it runs on every scan (a kept
    bypass of the ORM: serialtrack/fastpath.py). An id no row can have (outside the 64-bit key
    range) is unknown, not a database error."""
    rows = fetch(_DRAFT_SQL, [draft_id]) if 0 < draft_id < 2**63 else []
    row = rows[0] if rows else None
    doc, line, product, party, related = _DRAFT.build(row) if row else (None,) * 5
    if doc is None or line is None:
        raise NotFound([Problem("not_found", f"unknown draft {draft_id}", field="draft")])
    assert isinstance(doc, Document) and isinstance(line, DraftLine)
    if doc.status != DocumentStatus.DRAFT:
        raise InvalidInput([Problem("invalid", f"{doc.number} is posted: drafts only",
                                    field="draft")])
    line.product = product  # type: ignore[assignment]
    doc.party = party  # type: ignore[assignment]
    doc.related = related  # type: ignore[assignment]
    doc.draft = line
    return doc


def _entry(doc: Document, serials: Sequence[str], dispositions: dict[str, str] | None = None,
           *, dry_run: bool = False) -> Callable[[Any], Document]:
    """The posting (given the user) this draft posts with: its operation's entry, with the
    arguments its declaration takes from the draft, and the service case the draft carries out
    (`draft_case`), when its posting takes one. A dry run of one scan links no case (the draft
    as a whole carries it out, not each scan)."""
    op: Operation = drafted(doc.kind, doc.draft.operation)
    assert op.station is not None
    arguments = op.station.arguments(doc, doc.draft, serials, dispositions)
    case = None if dry_run else draft_case(doc)
    if case and "case" in op.body.model_fields:
        arguments["case"] = case
    return lambda user: op.post(user, **arguments)


class _DryRun(Exception):
    pass


def _refusal(doc: Document, serials: list[str], user: Any) -> list[Problem]:
    """Post `serials` as this draft would, then roll back: the problems the engine found."""
    problems: list[Problem] = []
    try:
        with transaction.atomic():
            try:
                _entry(doc, serials, dry_run=True)(user)
            except Refused as exc:
                problems = exc.problems
            raise _DryRun
    except _DryRun:
        pass
    return problems


def _dry_run(doc: Document, serials: list[str], user: Any, names: list[str]
             ) -> dict[str, Problem]:
    """Post `serials` (the scans as read; `names`: their serials) alone as this draft would,
    then roll back: the engine's verdict per serial, without a second copy of its rules. A
    refusal that names none of them (no serial, or another unit's: the assembly being built)
    concerns every one of them."""
    problems = _refusal(doc, serials, user)
    found = {p.serial: p for p in problems if p.serial in names}
    if not found and problems:
        found = dict.fromkeys(names, problems[0])
    return found


def add_scans(draft_id: int, raw_serials: Sequence[str], user: Any,
              disposition: str | None = None, *, doc: Document | None = None,
              manufacturer_serials: Sequence[str] | None = None) -> list[Verdict]:
    """Judge and keep scans. A refused scan is not kept as a scan; its verdict says why, and
    goes into the draft's scan log (`DraftRefusal`, the first `REFUSALS_LOGGED` of a call) until
    dismissed. `doc` is the open draft when the caller has already read it. A draft of paired
    serials takes `manufacturer_serials`, the maker's serial of each scan, position by
    position; a pair is kept or refused whole."""
    doc = doc if doc is not None else get_draft(draft_id)
    line: DraftLine = doc.draft
    paired = _paired(line, raw_serials, manufacturer_serials)
    makers = line.scans == MANUFACTURER_SERIALS  # the pattern is for the units' own serials
    pattern = (line.product.serial_pattern
               if (line.product and doc.kind == "receipt" and not makers) else "")
    compiled = re.compile(pattern) if pattern else None
    new_for = line.product if doc.kind == "receipt" else None  # new units: the serial policy
    verdicts: dict[int, Verdict] = {}
    candidates: dict[str, int] = {}
    tokens: dict[str, str] = {}  # serial -> the GS1 scan it was read from
    lots: dict[str, LotInfo] = {}  # serial -> the (10) lot and (17) expiry its scan carried
    station = drafted(doc.kind, line.operation).station
    assert station is not None
    scanned_product = None if station.any_product else line.product
    for index, raw in enumerate(raw_serials):
        scan_problems: list[Problem] = []
        decoded = list(decode_scans([raw], scanned_product, scan_problems, lots))
        if scan_problems:
            problem = scan_problems[0]
            verdicts[index] = Verdict(problem.serial or raw, False, problem.code, problem.message)
            continue
        serial, problem = _maker_problem(decoded[0], new_for) if makers else serial_problem(
            decoded[0], compiled, product=new_for)
        if problem:
            verdicts[index] = Verdict(serial, False, problem.code, problem.message)
        elif serial in candidates:
            verdicts[index] = _repeat(serial)
        else:
            candidates[serial] = index
            if decoded[0] != raw:
                tokens[serial] = raw
    pairs: dict[str, str] = {}  # serial -> its maker's serial (a draft of paired serials)
    if paired is not None:
        pairs = _judge_pairs(line, candidates, paired, verdicts)
    if len(candidates) > 1:  # one scan learns it is a repeat from the insert itself
        for serial in _already_in_draft(line, list(candidates)):
            verdicts[candidates.pop(serial)] = _repeat(serial)
    if candidates:
        if station.judge is not None:
            problems = station.judge(line, list(candidates), lots)
        else:
            problems = _dry_run(doc, [tokens.get(s, s) for s in candidates], user,
                                list(candidates))
        for serial, problem in problems.items():
            if serial in candidates:
                verdicts[candidates.pop(serial)] = Verdict(serial, False, problem.code,
                                                           problem.message)
    for serial in _keep(line, list(candidates), disposition or "", tokens, pairs):
        verdicts[candidates.pop(serial)] = _repeat(serial)
    line.scanned += len(candidates)
    for serial, index in candidates.items():
        verdicts[index] = Verdict(serial, True)
    ordered = [verdicts[i] for i in sorted(verdicts)]
    _log_refusals(line, [v for v in ordered if not v.accepted][:REFUSALS_LOGGED])
    return ordered


REFUSALS_LOGGED = 500  # of one call: a bulk paste's refusals are listed in full in its answer


def _log_refusals(line: DraftLine, refused: list[Verdict]) -> None:
    """Keep refused scans in the draft's scan log, oldest first (one INSERT)."""
    if not refused:
        return
    now = timezone.now()
    DraftRefusal.objects.bulk_create([
        DraftRefusal(line_id=line.pk, serial=v.serial, code=v.code or "", message=v.message or "",
                     scanned_at=now) for v in refused])


def dismiss_refusals(draft_id: int, refusal_id: int | None = None) -> int:
    """Take one refused scan (or, with no id, every one) off the draft's scan log; how many."""
    doc = get_draft(draft_id)
    found = DraftRefusal.objects.filter(line=doc.draft)
    if refusal_id is not None:
        found = found.filter(pk=refusal_id)
    deleted, _ = found.delete()
    return deleted


def _paired(line: DraftLine, raw_serials: Sequence[str],
            makers: Sequence[str] | None) -> list[str] | None:
    """The makers' serials of a draft of paired serials, one per scan (refused: none given for
    such a draft, or some given for another)."""
    if line.scans != PAIRED_SERIALS:
        if makers and any(m.strip() for m in makers):
            raise InvalidInput([Problem(
                "invalid", "this draft's scans are not paired with manufacturer serials: open the "
                "draft to scan our serial and the manufacturer's serial per unit",
                field="manufacturer_serials")])
        return None
    makers = list(makers or ())
    if len(makers) != len(raw_serials):
        raise InvalidInput([Problem(
            "count_mismatch", f"{len(raw_serials)} serial{'' if len(raw_serials) == 1 else 's'} "
            f"but {len(makers)} manufacturer serial{'' if len(makers) == 1 else 's'}: this draft "
            "takes each unit's serial with its manufacturer's serial", field="manufacturer_serials")])
    return makers


def _judge_pairs(line: DraftLine, candidates: dict[str, int], makers: list[str],
                 verdicts: dict[int, Verdict]) -> dict[str, str]:
    """Judge the maker's serial of each candidate scan as the receipt would (its text, repeated
    in the call or in the draft, another unit's serial or manufacturer serial: index seeks); a
    refused maker's serial refuses its pair (taken out of `candidates`, its verdict set)."""
    pairs: dict[str, str] = {}
    owners: dict[str, str] = {}  # maker's serial -> the serial it came with
    for serial, index in list(candidates.items()):
        raw, maker = makers[index], ""
        if not raw.strip():
            problem: Problem | None = Problem(
                "invalid", f"serial {serial!r}: scan its manufacturer's serial too",
                serial=serial, field="manufacturer_serial")
        else:
            maker, problem = _maker_problem(raw, line.product)
            if problem is None and maker in owners:
                problem = Problem("duplicate_serial", f"manufacturer serial {maker!r} is also "
                                  f"scanned with serial {owners[maker]!r}", serial=maker)
        if problem is not None:
            verdicts[candidates.pop(serial)] = Verdict(serial, False, problem.code,
                                                       problem.message)
            continue
        owners[maker] = serial
        pairs[serial] = maker
    if owners:
        found = {p.serial: p for p in known_manufacturer_serials(line.product, list(owners))}
        taken = set(DraftSerial.objects.filter(line=line, manufacturer_serial__in=list(owners))
                    .values_list("manufacturer_serial", flat=True))
        for maker, serial in owners.items():
            problem = found.get(maker)
            if problem is None and maker in taken:
                problem = Problem("duplicate_serial", f"manufacturer serial {maker!r} is already "
                                  "in this draft", serial=maker)
            if problem is not None:
                verdicts[candidates.pop(serial)] = Verdict(
                    serial, False, problem.code, f"serial {serial!r}: {problem.message}")
                del pairs[serial]
    return pairs


def _maker_problem(raw: str, product: Any) -> tuple[str, Problem | None]:
    """A scan read as a manufacturer serial: its stored form and what the receipt would say of
    its text."""
    (serial,), problems = check_manufacturer_serials([raw], product=product)
    return serial or "", problems[0] if problems else None


def _repeat(serial: str) -> Verdict:
    return Verdict(serial, False, "duplicate_serial", f"serial {serial!r} is already in this draft")


def _already_in_draft(line: DraftLine, serials: list[str]) -> set[str]:
    """Which of `serials` the draft holds: an index seek each for a few scans, one read of the
    draft for a bulk paste."""
    drafted = DraftSerial.objects.filter(line=line)
    if len(serials) <= 500:
        return set(drafted.filter(serial__in=serials).values_list("serial", flat=True))
    return set(drafted.values_list("serial", flat=True)).intersection(serials)


KEEP_CHUNK = 330  # rows per INSERT of a bulk paste (6 parameters each)


@functools.cache
def _insert_scans(rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
    # a conflict on either unique index (the serial, or a paired maker's serial) keeps nothing
    return ("INSERT INTO inventory_draftserial (line_id, serial, disposition, scan, scanned_at, "
            f"manufacturer_serial) VALUES {values} ON CONFLICT DO NOTHING")


def _keep(line: DraftLine, serials: list[str], disposition: str, tokens: dict[str, str],
          pairs: dict[str, str]) -> list[str]:
    """Store the accepted scans (the database counts them into `DraftLine.scanned`, migration
    0008); return those another request stored first (a repeat)."""
    if not serials:
        return []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(line.pk, s, disposition, tokens.get(s, ""), now, pairs.get(s)) for s in serials]
    if len(rows) == 1:  # a scan at the bench: one statement, committed at once
        return serials if execute(_insert_scans(1), rows[0]) == 0 else []
    with connection.cursor() as cursor, transaction.atomic():
        for start in range(0, len(rows), KEEP_CHUNK):
            part = rows[start:start + KEEP_CHUNK]
            cursor.execute(_insert_scans(len(part)), [v for row in part for v in row])
    return []


def remove_scan(draft_id: int, serial: str) -> None:
    doc = get_draft(draft_id)
    deleted, _ = DraftSerial.objects.filter(line=doc.draft, serial=serial.strip()).delete()
    if not deleted:
        raise NotFound([Problem("not_found", f"serial {serial.strip()!r} is not in this draft",
                                serial=serial.strip())])


def set_expected_quantity(draft_id: int, expected: int | None) -> Document:
    """Change how many scans the draft expects (None: no count, post whatever is scanned)."""
    doc = get_draft(draft_id)
    if expected is not None and not 0 < expected <= MAX_EXPECTED:
        raise InvalidInput([Problem("invalid", f"expected quantity {expected} must be from 1 "
                                    f"to {MAX_EXPECTED:,}", field="expected_quantity")])
    DraftLine.objects.filter(pk=doc.draft.pk).update(expected_quantity=expected)
    doc.draft.expected_quantity = expected
    return doc


def discard_draft(draft_id: int) -> None:
    """Throw a draft away with its scans. Only drafts: nothing posted is ever deleted."""
    doc = get_draft(draft_id)
    with transaction.atomic():
        Document.objects.filter(pk=doc.pk, status=DocumentStatus.DRAFT).delete()


def scanned(doc: Document) -> list[str]:
    return list(DraftSerial.objects.filter(line=doc.draft).order_by("id")
                .values_list("serial", flat=True))


@retrying
def post_draft(draft_id: int, user: Any) -> Document:
    """Post the draft through its engine entry, as one document keeping the draft's id."""
    doc = get_draft(draft_id)
    line: DraftLine = doc.draft
    rows = list(DraftSerial.objects.filter(line=line).order_by("id")
                .values_list("serial", "disposition", "scan"))
    # a GS1 scan posts as scanned (the receipt reads its lot and expiry), a manufacturer serial
    # or a pair as read from it (the draft's lot and expiry are the receipt's)
    makers = line.scans in (MANUFACTURER_SERIALS, PAIRED_SERIALS)
    serials = [serial if makers else scan or serial for serial, _d, scan in rows]
    if line.expected_quantity is not None and line.expected_quantity != len(serials):
        raise InvalidInput([Problem("count_mismatch", f"{len(serials)} scanned, "
                                    f"{line.expected_quantity} expected", field="quantity")])
    dispositions = {s: d for s, d, _scan in rows if d}
    with transaction.atomic(), into_draft(doc):
        posted = _entry(doc, serials, dispositions)(user)
        DraftSerial.objects.filter(line=line).delete()
        DraftRefusal.objects.filter(line=line).delete()
    return posted


def draft_summary(doc: Document) -> dict[str, Any]:
    """The draft as the API shows it; `scanned` as read by `get_draft`, plus what this request
    added."""
    line: DraftLine = doc.draft
    return {"id": doc.pk, "kind": doc.kind, "operation": line.operation, "scans": line.scans,
            "status": doc.status,
            "product": line.product.sku if line.product else None,
            "assembly": line.assembly_serial,
            "expected_quantity": line.expected_quantity,
            "scanned": line.scanned}
