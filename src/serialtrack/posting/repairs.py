"""Repairs: a unit goes into repair (from a customer return with disposition `repair`, or from
stock), then is repaired and put back in stock, shipped back to the customer, or scrapped and a
replacement unit shipped in its place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, Problem, refuse
from serialtrack.inventory.models import Document, DocumentKind, Movement, Party, Unit
from serialtrack.posting.adjustments import move_serials
from serialtrack.posting.engine import (
    LockedUnit,
    check_units,
    posting,
    retrying,
    take_units,
    where,
)
from serialtrack.posting.ledger import move_units
from serialtrack.posting.operations import (
    In,
    Operation,
    SerialsIn,
    Station,
    case_field,
    register,
    unit_arguments,
)

# the note on a repair document's line: what the document did (a repair document is one of
# these, a ship-back or a replacement)
NOTE_REPAIR_STARTED = "repair started"
NOTE_REPAIR_DONE = "repair done"


def _in_repair(unit: LockedUnit) -> str | None:
    return None if unit.status == "in_repair" else f"{where(unit)}, not in repair"


@retrying
def start_repair(*, product: str, serials: Iterable[str], user: Any, reason: str = "") -> Document:
    item = catalog.get_product(product)
    return move_serials(
        kind=DocumentKind.REPAIR, item=item, serials=serials, user=user, reason=reason,
        allowed=lambda u: None if u.status in ("in_stock", "on_hold") else where(u),
        to_status="in_repair", note=f"into repair: {reason}" if reason else "into repair",
        line_fields={"note": NOTE_REPAIR_STARTED}, own_warehouse=True,
    )


@retrying
def repair_done(*, product: str, serials: Iterable[str], user: Any, reason: str = "") -> Document:
    """Repaired and back in stock where it is."""
    item = catalog.get_product(product)
    return move_serials(
        kind=DocumentKind.REPAIR, item=item, serials=serials, user=user, reason=reason,
        allowed=_in_repair, to_status="in_stock",
        note=f"repaired: {reason}" if reason else "repaired",
        line_fields={"note": NOTE_REPAIR_DONE}, own_warehouse=True,
    )


def _customer_for(unit_ids: list[int], customer: str | None) -> Party:
    """The customer a repaired unit goes back to: named, or the one who returned it."""
    if customer:
        return catalog.get_party(customer, "customer")
    latest: dict[int, int | None] = {}
    for unit_id, party_id in (Movement.objects.filter(unit_id__in=unit_ids, to_status="in_repair")
                              .order_by("id").values_list("unit_id", "from_party_id")):
        latest[unit_id] = party_id
    owners = set(latest.values())
    if len(owners) == 1 and None not in owners:
        return Party.objects.get(pk=owners.pop())
    raise InvalidInput([Problem("invalid", "name the customer to ship back to (--customer): "
                                "the units did not all come from one customer's return",
                                field="customer")])


@retrying
def ship_back(
    *, product: str, serials: Iterable[str], user: Any, customer: str | None = None,
    reason: str = "",
) -> Document:
    """Repaired and shipped back to the customer. The warranty is not restarted."""
    item = catalog.get_product(product)
    serial_list = list(serials)
    # The customer comes from the units in repair; the others are refused by the posting,
    # each named (when none is in repair, there is no customer to find).
    ids = list(Unit.objects.filter(product=item, serial__in=[s.strip() for s in serial_list],
                                   status="in_repair").values_list("id", flat=True))
    party = _customer_for(ids, customer) if ids or customer else None
    return move_serials(
        kind=DocumentKind.REPAIR, item=item, serials=serial_list, user=user, reason=reason,
        allowed=_in_repair, to_status="shipped", to_location=None,
        to_party_id=party.pk if party else None,
        note="repaired, shipped back", doc_fields={"party": party},
        start_warranty_days=item.warranty_days,
    )


@retrying
def replace(
    *, product: str, old: str, new: str, user: Any, customer: str | None = None,
    replacement_product: str | None = None, reason: str = "",
) -> Document:
    """Scrap the unit in repair and ship a replacement from stock in its place. The replacement
    carries the remaining warranty of the unit it replaces (and the standard one if that had
    none)."""
    item = catalog.get_product(product)
    new_item = (catalog.get_product(replacement_product, field="replacement_product")
                if replacement_product else item)
    old_unit = Unit.objects.filter(product=item, serial=old.strip()).first()
    party = _customer_for([old_unit.pk] if old_unit else [], customer)
    problems: list[Problem] = []
    with posting(DocumentKind.REPAIR, user) as p:
        olds = take_units(p, item, [old.strip()], problems)
        check_units(p, olds, _in_repair, problems)
        p.open_document(party=party, reason=reason)
        old_line = p.add_line(item, 1, note="replaced: scrapped")
        if not problems:
            move_units(p, old_line, to_status="scrapped", to_location_id=None, to_party_id=None,
                         note=f"replaced by {new.strip()}")
        news = take_units(p, new_item, [new.strip()], problems)
        check_units(p, news, lambda u: None if u.status == "in_stock" else where(u), problems)
        refuse(problems)
        new_line = p.add_line(new_item, 1, note=f"replacement for {old.strip()}")
        warranty = {}
        if old_unit and old_unit.warranty_end:
            warranty = {"warranty_start": p.date(old_unit.warranty_start),
                        "warranty_end": p.date(old_unit.warranty_end)}
        move_units(p, new_line, to_status="shipped", to_location_id=None, to_party_id=party.pk,
                     note=f"replacement for {old.strip()}", extra_set=warranty or None,
                     start_warranty_days=None if warranty else new_item.warranty_days)
        return p.finish()


class RepairIn(SerialsIn):
    """Units of one product through a repair step, for a service case or not."""

    case: str | None = case_field()


class ShipBackIn(RepairIn):
    customer: str | None = Field(default=None,
                                 description="Default: the customer who returned it.")


class ReplaceIn(In):
    product: str
    old: str = Field(description="Serial of the unit in repair (scrapped).")
    new: str = Field(description="Serial of the replacement from stock (shipped).")
    customer: str | None = None
    replacement_product: str | None = None
    reason: str = Field(default="", max_length=500)
    case: str | None = case_field()


REPAIR_START = register(Operation(
    name="repair_start", kind=DocumentKind.REPAIR, entry=start_repair, role="manager",
    title="Start repair", help="Send units from stock into repair.", body=RepairIn,
    api_path="/repairs/start", cli=("repair", "start"),
    station=Station(url="/repair/", post_label="Post repair start", needs=("product",),
                    arguments=unit_arguments, lead="Units in stock or on hold go into repair."),
))
REPAIR_DONE = register(Operation(
    name="repair_done", kind=DocumentKind.REPAIR, entry=repair_done, role="manager",
    title="Repair done", help="Repaired: back in stock where it is.", body=RepairIn,
    api_path="/repairs/done", cli=("repair", "done"),
    station=Station(url="/repair/done/", post_label="Post repair done", needs=("product",),
                    arguments=unit_arguments,
                    lead="Repaired units go back to stock, where they are."),
))
# Repaired units go back to the customer who returned them (the engine finds who).
REPAIR_SHIP_BACK = register(Operation(
    name="repair_ship_back", kind=DocumentKind.REPAIR, entry=ship_back, role="manager",
    title="Ship back after repair",
    help="Repaired and shipped back to the customer (warranty not restarted).", body=ShipBackIn,
    api_path="/repairs/ship-back", api_name="post_ship_back", cli=("repair", "ship-back"),
    station=Station(url="/repair/ship-back/", post_label="Post ship-back", needs=("product",),
                    arguments=unit_arguments,
                    lead="Repaired units go back to the customer who returned them (their "
                         "warranty is not restarted)."),
))
REPLACE = register(Operation(
    name="replace", kind=DocumentKind.REPAIR, entry=replace, role="manager", title="Replace",
    help="Beyond repair: scrap it and ship a replacement, which keeps the remaining warranty.",
    body=ReplaceIn, api_path="/repairs/replace", cli=("repair", "replace"),
    cli_arguments=("old", "new"),
))
