"""Landed costs: freight, duty, insurance — costs of goods received that are known only after the
receipt. One document (`LC-000001`) spreads an amount over what a receipt brought in, by value
(each unit's and each quantity's share of the receipt's cost) or by quantity, exact to the cent.

The remainder rule: every share is first rounded down to the cent; the cents left over go one each
to the first items in receipt order — line by line, within a line serialized units in serial
order, then the line's cost layers oldest first, then (last) the part of a quantity line already
gone — skipping items of no weight. The shares always add up to the amount exactly.

What is still in storage takes its share into its cost (a unit's own cost; a cost layer's value),
with a ledger row that carries it, so a valuation at a moment before the landed cost still says
what it said then. What has already left (units shipped, scrapped…; quantities taken from the
receipt's layers) keeps the cost it left at: its share is expensed on the landed cost's date, a
ledger row from nowhere to nowhere (the COGS report lists it as a COGS adjustment).

A landed cost is reversed like any document (`reverse`, a `REV-` document related to it; the
landed cost stays): what is still in the cost of goods in storage is taken back out of it, what
is an expense by now (expensed when it was posted, or in the cost of goods that have left since)
is given back as a COGS adjustment of the reversal's day — so the valuation after the reversal is
what it would have been without the landed cost, at any moment before, what it was. Refused
while a later landed cost of the same receipt stands (it was spread over costs this one raised:
reverse the later one first — last in, first out), and while part of a cost layer this one
raised has been transferred to another bin since (its share went along: reverse the transfer
first)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, Problem, refuse
from serialtrack.inventory.models import (
    IN_STORAGE,
    CostLayer,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Movement,
    Tracking,
)
from serialtrack.posting.engine import MOVEMENT, Posting, posting, retrying
from serialtrack.posting.ledger import (
    exact,
    expense_quantity,
    revalue_layer,
    revalue_units,
    unexpense_quantity,
    unrevalue_layer,
    unrevalue_units,
)
from serialtrack.posting.operations import In, Operation, register

CENT = Decimal("0.01")
BASES = ("value", "quantity")


@dataclass
class Item:
    """One thing a landed cost is spread over: a unit, a cost layer, or what is gone of a
    quantity line; `weight` its value or quantity."""

    line: DocumentLine
    weight: Decimal
    unit_id: int | None = None
    layer: CostLayer | None = None
    gone: int = 0  # the quantity already gone (expensed)
    share: Decimal = Decimal(0)
    kept: bool = False  # still in storage: the share goes into its cost


def spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` (whole cents) in shares proportional to `weights`, rounded down to the cent,
    the cents left over one each to the first items of weight; the shares add up exactly."""
    cents = int((amount / CENT).to_integral_value())
    total = sum(weights, Decimal(0))
    floors = [int(cents * w // total) for w in weights]
    left = cents - sum(floors)
    for i, w in enumerate(weights):
        if left == 0:
            break
        if w > 0:
            floors[i] += 1
            left -= 1
    return [Decimal(c) * CENT for c in floors]


@retrying
def add_landed_cost(*, receipt: str, amount: Decimal, reason: str, user: Any,
                    by: str = "value") -> Document:
    """Spread `amount` over what `receipt` brought in, by value or by quantity."""
    problems: list[Problem] = []
    if amount is None or not amount.is_finite() or amount <= 0:
        problems.append(Problem("invalid", f"amount {amount} must be more than 0",
                                field="amount"))
    elif amount != amount.quantize(CENT):
        problems.append(Problem("invalid", f"amount {amount} has more than two decimals: give "
                                "it to the cent", field="amount"))
    if by not in BASES:
        problems.append(Problem("invalid", f"spread by {by!r}: say value or quantity",
                                field="by"))
    if not reason or not reason.strip():
        problems.append(Problem("invalid", "a landed cost needs a reason (freight, duty…)",
                                field="reason"))
    refuse(problems)
    original = catalog.get_document(receipt, field="receipt")
    if original.kind != DocumentKind.RECEIPT or original.status != DocumentStatus.POSTED:
        raise InvalidInput([Problem("invalid", f"{original.number or receipt} is not a posted "
                                    "receipt", field="receipt")])
    with posting(DocumentKind.LANDED_COST, user) as p:
        reversal = Document.objects.filter(kind=DocumentKind.REVERSAL, related=original).first()
        if reversal is not None:
            refuse([Problem("invalid", f"{original.number} was reversed by {reversal.number}: "
                            "nothing of it is in stock", field="receipt")])
        p.stage_units_of(original)
        in_storage = {u.id for u in p.lock_units()
                      if u.status in IN_STORAGE}
        items = _items(p, original, by)
        for i in items:
            i.kept = i.unit_id in in_storage if i.unit_id is not None else i.layer is not None
        if not any(i.kept for i in items):
            refuse([Problem("nothing_in_stock", f"nothing {original.number} brought in is in "
                            "stock any more: a landed cost would be all expense",
                            field="receipt")])
        if sum((i.weight for i in items), Decimal(0)) == 0:
            refuse([Problem("invalid", f"{original.number} has no cost to spread by: spread "
                            "by quantity", field="by")])
        for item, share in zip(items, spread(amount, [i.weight for i in items]), strict=True):
            item.share = share
        p.open_document(party=original.party, warehouse=original.warehouse, related=original,
                        reason=reason.strip(), reference=f"{amount} by {by}")
        for old_line in sorted({i.line.pk: i.line for i in items}.values(),
                               key=lambda ln: ln.line_no):
            mine = [i for i in items if i.line.pk == old_line.pk]
            kept_part = sum((i.share for i in mine if i.kept), Decimal(0))
            line = p.add_line(old_line.product, old_line.quantity, lot=old_line.lot,
                              unit_cost=kept_part,
                              note=f"landed cost of {original.number} line {old_line.line_no}: "
                                   f"{kept_part} in stock, "
                                   f"{sum((i.share for i in mine), Decimal(0)) - kept_part} "
                                   "expensed")
            revalue_units(p, line, [(i.unit_id, i.share) for i in mine
                                    if i.unit_id is not None and i.share])  # kept or gone
            for i in mine:
                if i.layer is not None and i.share:
                    revalue_layer(p, line, i.layer, i.share)
                elif i.gone and i.share:
                    expense_quantity(p, line, i.gone, i.share)
        return p.finish()


def _items(p: Any, original: Document, by: str) -> list[Item]:
    """What the receipt brought in, in receipt order (the remainder rule's order)."""
    items: list[Item] = []
    for line in (DocumentLine.objects.filter(document=original).select_related("product", "lot")
                 .order_by("line_no")):
        price = exact(line.unit_cost)
        if line.product.tracking == Tracking.SERIAL:
            p.cursor.execute(
                f"SELECT m.unit_id, m.cost, u.serial FROM {MOVEMENT} m "
                "JOIN inventory_unit u ON u.id = m.unit_id "
                "WHERE m.document_id = %s AND m.line_id = %s AND m.unit_id IS NOT NULL",
                [original.pk, line.pk])
            units = sorted(p.cursor.fetchall(), key=lambda r: r[2])
            items += [Item(line, exact(cost) if by == "value" else Decimal(1), unit_id=uid)
                      for uid, cost, _serial in units]
            continue
        layers = list(CostLayer.objects.select_for_update()
                      .filter(receipt_line=line, remaining_quantity__gt=0)
                      .order_by("received_at", "id"))
        for layer in layers:
            q = Decimal(layer.remaining_quantity)
            items.append(Item(line, q * price if by == "value" else q, layer=layer))
        gone = line.quantity - sum(layer.remaining_quantity for layer in layers)
        if gone > 0:
            items.append(Item(line, Decimal(gone) * price if by == "value" else Decimal(gone),
                              gone=gone))
    return items


def reverse_landed_cost(p: Posting, original: Document, reason: str) -> Document:
    """Post the reversal of the landed cost `original` (inside `reverse`'s posting): every
    share it gave a unit or a cost layer taken back, every expense it booked given back."""
    later = list(Document.objects.filter(kind=DocumentKind.LANDED_COST,
                                         status=DocumentStatus.POSTED,
                                         related_id=original.related_id, pk__gt=original.pk)
                 .exclude(dependents__kind=DocumentKind.REVERSAL)
                 .order_by("pk").values_list("number", flat=True))
    receipt = original.related.number if original.related else "its receipt"
    if later:
        refuse([Problem("not_reversible", f"{original.number} has a later landed cost on "
                        f"{receipt} ({', '.join(later)}), spread over the costs "
                        f"{original.number} raised: reverse that first", field="document",
                        extra={"documents": later})])
    moves = list(Movement.objects.filter(document=original).select_related("document")
                 .order_by("id"))
    mark = max((m.pk for m in moves), default=0)
    layer_ids = sorted({m.layer_id for m in moves if m.layer_id is not None})
    layers = {layer.pk: layer for layer in CostLayer.objects.select_for_update(of=("self",))
              .filter(pk__in=layer_ids).select_related("product", "lot", "location")
              .order_by("id")}  # locked in id order
    problems: list[Problem] = []
    for layer in layers.values():
        gone = (Movement.objects.filter(product_id=layer.product_id, pk__gt=mark,
                                        layer_id=layer.pk, from_location_id=layer.location_id,
                                        to_location_id__isnull=False)
                .exclude(to_location_id=layer.location_id)
                .exclude(document__dependents__kind=DocumentKind.REVERSAL)
                .select_related("document").first())
        if gone is not None:
            lot = f" lot {layer.lot.code}" if layer.lot else ""
            problems.append(Problem(
                "not_reversible", f"{layer.product.sku}{lot}: part of the stock "
                f"{original.number} raised the cost of was moved out of "
                f"{layer.location.code} by {gone.document.number} since, with its share: "
                f"reverse {gone.document.number} first", field="document",
                extra={"document": gone.document.number}))
    refuse(problems)
    p.stage_units_of(original)
    p.lock_units()
    p.open_document(party=original.party, warehouse=original.warehouse, related=original,
                    reason=reason or f"reverses {original.number}")
    for old_line in DocumentLine.objects.filter(document=original).select_related(
            "product", "lot").order_by("line_no"):
        line = p.add_line(old_line.product, old_line.quantity, lot=old_line.lot,
                          unit_cost=-exact(old_line.unit_cost),
                          note=f"reverses {original.number} line {old_line.line_no}")
        unrevalue_units(p, line, original, old_line)
        for move in (m for m in moves if m.line_id == old_line.pk and m.unit_id is None):
            if move.layer_id is not None:
                unrevalue_layer(p, line, move, layers[move.layer_id])
            else:
                unexpense_quantity(p, line, move)
    return p.finish()


class LandedCostIn(In):
    receipt: str = Field(description="The receipt's number (RCV-…).")
    amount: Decimal = Field(max_digits=14, decimal_places=2,
                            description="The amount to spread, in the business currency.")
    reason: str = Field(min_length=1, max_length=500, description="e.g. freight, duty.")
    by: Literal["value", "quantity"] = Field(default="value",
                                             description="Spread by value or by quantity.")


LANDED_COST = register(Operation(
    name="landed_cost", kind=DocumentKind.LANDED_COST, entry=add_landed_cost, role="manager",
    title="Landed cost",
    help="Spread a landed cost (freight, duty) over a receipt's units by value or quantity: "
         "units in stock take it into their cost, the part of units already gone is expensed.",
    body=LandedCostIn, api_path="/landed-costs", cli=("landed-cost",),
    cli_arguments=("receipt",),
))
