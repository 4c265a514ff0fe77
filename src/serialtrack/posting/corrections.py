"""Corrections, because clerks mistype. History is append-only, so a mistake is never edited
away: a reversing document undoes a posted one, and a serial correction renames a unit through an
audited document while the old text stays findable."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import (
    DuplicateSerial,
    InvalidInput,
    NotFound,
    NotReversible,
    Problem,
    refuse,
)
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    Movement,
    Unit,
)
from serialtrack.posting.engine import (
    check_units,
    posting,
    retrying,
    where,
)
from serialtrack.posting.landed_costs import reverse_landed_cost
from serialtrack.posting.ledger import (
    rename_unit,
    restore_units,
    reverse_quantity,
    reverse_units,
)
from serialtrack.posting.operations import In, Operation, register
from serialtrack.posting.orders import settle_orders_of
from serialtrack.serials import clean_serials

SHIPPING_KINDS = "('shipment', 'repair')"


# Documents posted against a document of a kind (`related`), which must be reversed before it.
AGAINST = {
    DocumentKind.RECEIPT: (DocumentKind.RETURN, DocumentKind.SUPPLIER_RETURN,
                           DocumentKind.LANDED_COST),
    DocumentKind.SUPPLIER_RETURN: (DocumentKind.RECEIPT,),
}


@retrying
def reverse(*, number: str, user: Any, reason: str = "") -> Document:
    """Post a reversing document: every unit and quantity goes back to where it was before
    `number` moved it. Refused, naming them, if any unit has moved on since."""
    original = catalog.get_document(number)
    if original.status != "posted":
        raise NotReversible([Problem("not_reversible", f"{number} is not posted", field="document")])
    if original.kind == DocumentKind.CORRECTION:
        raise NotReversible([Problem("not_reversible", f"{number} is a serial correction: post "
                                     "another correction instead", field="document")])
    if original.kind == DocumentKind.RECALL:
        raise NotReversible([Problem("not_reversible", f"{number} is a recall: it moves nothing "
                                     "(reverse the hold posted under it to release what it "
                                     "held)", field="document")])
    # an assembly, or a repair that installed or removed parts (asked of repairs only)
    if original.kind == DocumentKind.ASSEMBLY or (
            original.kind == DocumentKind.REPAIR and Movement.objects.filter(
                Q(to_status="installed") | Q(from_status="installed"), document=original
            ).exists()):
        raise NotReversible([Problem(
            "not_reversible", f"{number} put units into or took them out of other units (an "
            "assembly, a repair's parts): a reversal cannot undo that — disassemble the "
            "assembly or remove the parts instead (serialtrack disassemble, repair remove), or "
            "build it again (assemble, repair install)", field="document")])
    with posting(DocumentKind.REVERSAL, user) as p:
        earlier = Document.objects.filter(kind=DocumentKind.REVERSAL, related=original).first()
        if earlier:
            refuse([Problem("not_reversible", f"{number} was already reversed by {earlier.number}",
                            field="document", extra={"document": earlier.number})])
        if original.kind == DocumentKind.LANDED_COST:
            return reverse_landed_cost(p, original, reason)
        # what came back against it: customer returns of a shipment, returns to supplier of a
        # receipt, the supplier's replacements of a return to supplier
        returns = (Document.objects.filter(kind__in=AGAINST.get(original.kind,
                                                                (DocumentKind.RETURN,)),
                                           related=original)
                   .exclude(dependents__kind=DocumentKind.REVERSAL)
                   .values_list("number", flat=True))
        if returns:
            refuse([Problem("not_reversible", f"{number} has documents posted against it "
                            f"({', '.join(returns)}): reverse those first", field="document",
                            extra={"documents": list(returns)})])
        p.stage_units_of(original)
        units = p.lock_units()
        problems: list[Problem] = []
        # a landed cost of it, reversed, leaves the units as it found them
        undone = {original.number, *Document.objects.filter(
            kind=DocumentKind.REVERSAL, related__kind=DocumentKind.LANDED_COST,
            related__related=original).values_list("number", flat=True)}
        check_units(p, units, lambda u: None if u.last_number in undone
                    else f"has moved on since: it {where(u)}", problems, code="not_reversible")
        refuse(problems)
        p.open_document(party=original.party, warehouse=original.warehouse, related=original,
                        reason=reason or f"reverses {number}")
        assert p.document is not None
        quantity_moves = list(Movement.objects.filter(document=original, unit__isnull=True)
                              .select_related("lot", "product").order_by("id"))
        orders: set[int] = set()  # the order lines the original delivered against
        for old_line in DocumentLine.objects.filter(document=original).order_by("line_no"):
            if old_line.order_line_id is not None:
                orders.add(old_line.order_line_id)
            line = p.add_line(old_line.product, old_line.quantity, lot=old_line.lot,
                              from_location=old_line.to_location,
                              to_location=old_line.from_location,
                              note=f"reverses {number} line {old_line.line_no}")
            reverse_units(p, line, original, old_line)
            for move in (m for m in quantity_moves if m.line_id == old_line.pk):
                reverse_quantity(p, line, move, problems)
        refuse(problems)
        restore_units(p, original)
        doc = p.finish()
        if orders:  # a reversed receipt / shipment against an order gives its quantity back
            settle_orders_of(orders)
        return doc


@retrying
def correct_serial(*, product: str, old: str, new: str, reason: str, user: Any) -> Document:
    """Rename a mistyped serial. The unit keeps its history; the old text stays findable."""
    if not reason or not reason.strip():
        raise InvalidInput([Problem("invalid", "a serial correction needs a reason",
                                    field="reason")])
    item = catalog.get_product(product)
    old_serial = old.strip()
    (new_serial,) = clean_serials([new], item.serial_pattern, product=item)
    unit = Unit.objects.filter(product=item, serial=old_serial).first()
    if unit is None:
        raise NotFound([Problem("not_found", f"serial {old_serial!r} is not a unit of {item.sku}",
                                serial=old_serial)])
    if new_serial == old_serial:
        raise InvalidInput([Problem("invalid", "the new serial is the same as the old one",
                                    serial=new_serial)])
    with posting(DocumentKind.CORRECTION, user) as p:
        if Unit.objects.filter(product=item, serial=new_serial).exists():
            raise DuplicateSerial([Problem("duplicate_serial",
                                           f"serial {new_serial!r} of {item.sku} already exists",
                                           serial=new_serial)])
        maker_of = (Unit.objects.filter(product=item, manufacturer_serial=new_serial)
                    .exclude(pk=unit.pk).exclude(status="voided")
                    .values_list("serial", flat=True).first())
        if maker_of is not None:
            raise DuplicateSerial([Problem(
                "duplicate_serial", f"serial {new_serial!r} of {item.sku} is the manufacturer "
                f"serial of unit {maker_of!r}", serial=new_serial)])
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        p.open_document(reason=reason)
        line = p.add_line(item, 1, note=f"{old_serial} → {new_serial}")
        rename_unit(p, line, locked, new_serial,
                    note=f"serial corrected: {old_serial} → {new_serial} ({reason})")
        return p.finish()


class ReverseIn(In):
    reason: str = Field(default="", max_length=500)


class CorrectSerialIn(In):
    product: str
    old: str
    new: str
    reason: str = Field(min_length=1, max_length=500)


REVERSE = register(Operation(
    name="reverse", kind=DocumentKind.REVERSAL, entry=reverse, role="manager", title="Reverse",
    help="Post a document reversing NUMBER (refused if any unit has moved on since); a landed "
         "cost's reversal takes its share back out of the cost of what is in stock and gives "
         "back what was expensed.",
    body=ReverseIn, api_path="/documents/{number}/reverse", api_name="reverse", cli=("reverse",),
    cli_arguments=("number",),
))
CORRECT_SERIAL = register(Operation(
    name="correct_serial", kind=DocumentKind.CORRECTION, entry=correct_serial, role="manager",
    title="Correct serial",
    help="Rename a mistyped serial through an audited correction; the old text stays findable.",
    body=CorrectSerialIn, api_path="/serial-corrections", api_name="correct_serial",
    cli=("correct-serial",), cli_arguments=("old", "new"),
))
