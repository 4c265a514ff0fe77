"""Assemblies and parts: a serialized unit built from serialized components (a bicycle from a
frame and two wheels), taken apart again, and spare parts installed into or removed from a unit
in repair.

A component inside a unit has status `installed`, no bin, and `parent` = the unit it is in;
it has left on-hand stock, and its cost has gone into its parent's: an assembly's cost is the
sum of its components' costs (plus its own, when it was built into an existing unit in stock).
Every step moves value through the ledger (`ledger.install_units`, `remove_units`,
`revalue_unit`), so stock value is unchanged by a build or a disassembly.

- **Build** (`assemble`, an `ASM-` document): a new serial of the assembled product is received
  into the warehouse (or bin) as it is built — or an existing unit of it in stock there is built
  into. Its components must be in stock in that warehouse.
- **Disassemble** (an `ASM-` document): the components directly inside go back to stock (a bin
  given, else the assembly's bin); the assembly leaves stock (scrapped, "disassembled": it no
  longer exists as a product to sell), unless the shell remains (`keep_shell`): then it stays
  in stock at its own cost. Building the same serial again revives a disassembled assembly, its
  history continuing.
- **Repair install / remove** (`RPR-` documents, related to the repair that took the unit in):
  a spare part from stock goes into a unit in repair; a part comes out of it, back to stock or
  scrapped.

Every serial argument takes a scan (GS1 element string or Digital Link, read by `posting.scans`):
its GTIN must be the product named (a part's GTIN, where no product is named, must be the part's
own), and a label whose lot, expiry or GTIN contradicts the unit's record is refused naming each
field, unless a manager accepts it with a reason (`accept_scan_mismatch`, kept in the history).

Neither kind of document can be reversed (`corrections.reverse` refuses any document that
moved units into or out of another unit): disassemble, or remove the part, instead."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import AmbiguousSerial, InvalidInput, NotFound, Problem, refuse
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    Location,
    Movement,
    Product,
    Unit,
)
from serialtrack.posting.engine import (
    UNIT,
    LockedUnit,
    Posting,
    check_units,
    posting,
    retrying,
    where,
)
from serialtrack.posting.ledger import (
    insert_units,
    install_units,
    move_units,
    remove_units,
    revalue_unit,
)
from serialtrack.posting.operations import (
    In,
    Operation,
    Station,
    register,
    scan_mismatch_override,
    serial_list,
)
from serialtrack.posting.overrides import check_override
from serialtrack.posting.scans import LotInfo, decode_scans, label_contradictions
from serialtrack.queries.scans import product_of_gtin
from serialtrack.serials import check_serials

NOTE_ASSEMBLED = "assembled"
NOTE_DISASSEMBLED = "disassembled"
NOTE_PART_INSTALLED = "part installed"
NOTE_PART_REMOVED = "part removed"
MAX_NOTE = 500
MAX_DEPTH = 50  # an assembly tree deeper than this is taken for a cycle


def _listed(serials: Iterable[str]) -> str:
    """`A, B, C` within a movement note's length."""
    text = ", ".join(serials)
    return text if len(text) <= 300 else text[:297] + "…"


def _part_where(unit: LockedUnit, parents: dict[int, str]) -> str:
    if unit.status == "installed" and unit.id in parents:
        return f"is already installed in {parents[unit.id]}"
    return where(unit)


def _parents_of(ids: list[int]) -> dict[int, str]:
    """unit id -> the serial of the unit it is installed in (read on a refusal)."""
    return {uid: serial for uid, serial in Unit.objects.filter(pk__in=ids, parent__isnull=False)
            .values_list("pk", "parent__serial")}


def _ancestors(p: Posting, unit_id: int) -> dict[int, str]:
    """The units `unit_id` is inside (its parent, the parent's parent…): id -> serial."""
    p.cursor.execute(
        "WITH RECURSIVE up (id, depth) AS ("
        f" SELECT parent_id, 1 FROM {UNIT} WHERE id = %s AND parent_id IS NOT NULL"
        " UNION ALL"
        f" SELECT u.parent_id, up.depth + 1 FROM up JOIN {UNIT} u ON u.id = up.id"
        "  WHERE u.parent_id IS NOT NULL AND up.depth < %s)"
        f" SELECT u.id, u.serial FROM up JOIN {UNIT} u ON u.id = up.id", [unit_id, MAX_DEPTH])
    return dict(p.cursor.fetchall())


def _take_parts(p: Posting, serials: list[str], product: Product | None, warehouse_id: int | None,
                problems: list[Problem], gtins: dict[str, str]) -> list[LockedUnit]:
    """Stage and lock the parts `serials` names: units of `product` when given, else of any
    product (a serial two products carry is the one whose GTIN its scanned label carried
    (`gtins`), else the one in stock in `warehouse_id`, else refused naming both). Unknown
    serials are named."""
    p.stage_serials(serials)
    by_product = " AND u.product_id = %s" if product else ""
    p.cursor.execute(
        "SELECT s.pos, s.serial, u.id, pr.sku, u.status, l.warehouse_id, pr.gtin "
        f"FROM st_serials s LEFT JOIN {UNIT} u ON u.serial = s.serial{by_product} "
        "LEFT JOIN inventory_product pr ON pr.id = u.product_id "
        "LEFT JOIN inventory_location l ON l.id = u.location_id ORDER BY s.pos, u.id",
        [product.pk] if product else [])
    found: dict[int, list[tuple[Any, ...]]] = {}
    for pos, serial, unit_id, sku, status, wh, gtin in p.cursor.fetchall():
        found.setdefault(pos, [])
        if unit_id is not None:
            found[pos].append((serial, unit_id, sku, status, wh, gtin))
    rows: list[tuple[int, int]] = []
    for pos, serial in enumerate(serials):
        units = found.get(pos, [])
        if len(units) > 1 and serial in gtins:  # the label's GTIN names the product
            units = [u for u in units if u[5] == gtins[serial]] or units
        if len(units) > 1:  # the same serial on two products: the one in stock here
            here = [u for u in units if u[3] == "in_stock" and u[4] == warehouse_id]
            units = here if len(here) == 1 else units
        if not units:
            of = f" of {product.sku}" if product else ""
            elsewhere = (Unit.objects.filter(serial=serial).order_by("product__sku")
                         .values_list("product__sku", flat=True)) if product else []
            whose = f": it is a unit of {', '.join(elsewhere)}" if elsewhere else ""
            problems.append(Problem("not_found" if not whose else "wrong_product",
                                    f"serial {serial!r} is not a unit{of}{whose}", serial=serial))
        elif len(units) > 1:
            skus = sorted(u[2] for u in units)
            problems.append(Problem("ambiguous_serial", f"serial {serial!r} exists on "
                                    f"{len(skus)} products: {', '.join(skus)}; name the "
                                    "product of the part", serial=serial,
                                    extra={"products": skus}))
        else:
            rows.append((pos, units[0][1]))
    p.stage_units(rows)
    return p.lock_units()


def _check_parts(p: Posting, parts: list[LockedUnit], target: LockedUnit, target_product: Product,
                 problems: list[Problem], *, same_product_refused: bool) -> None:
    """A part must be in stock in the target's warehouse, not the target itself, not of the
    target's own product (when `same_product_refused`: a bicycle is not built from a bicycle),
    and not a unit the target is inside (a cycle)."""
    parents = _parents_of([u.id for u in parts if u.status == "installed"])
    ancestors = _ancestors(p, target.id)
    for unit in parts:
        if unit.id == target.id:
            problems.append(Problem("invalid", f"serial {unit.serial!r} is the assembly itself: "
                                    "it cannot be one of its own components", serial=unit.serial))
        elif unit.id in ancestors:
            problems.append(Problem("invalid", f"serial {unit.serial!r} cannot go inside "
                                    f"{target.serial}: {target.serial} is inside it (a cycle)",
                                    serial=unit.serial))
        elif same_product_refused and unit.product_id == target_product.pk:
            problems.append(Problem("wrong_product", f"serial {unit.serial!r} is a "
                                    f"{target_product.sku} itself: a {target_product.sku} is not "
                                    f"built from a {target_product.sku}", serial=unit.serial))
    check_units(p, [u for u in parts if u.id != target.id and u.id not in ancestors],
                lambda u: (None if u.status == "in_stock" and u.warehouse_id == target.warehouse_id
                           else _part_where(u, parents) if u.status != "in_stock"
                           else f"{where(u)}, not in the warehouse of {target.serial}"),
                problems)


def _part_lines(p: Posting, parts: list[LockedUnit], note: str) -> list[tuple[Any, list[int]]]:
    """One document line per product of the parts, with the parts' positions and ids."""
    by_product: dict[int, list[LockedUnit]] = {}
    for unit in parts:
        by_product.setdefault(unit.product_id, []).append(unit)
    products = {pr.pk: pr for pr in Product.objects.filter(pk__in=by_product)}
    return [(p.add_line(products[pid], len(units), note=note), [u.id for u in units])
            for pid, units in sorted(by_product.items(), key=lambda kv: products[kv[0]].sku)]


def _cost_of(ids: list[int]) -> Decimal:
    """The sum of the units' costs (no cost: 0)."""
    costs = Unit.objects.filter(pk__in=ids).values_list("cost", flat=True)
    return sum((Decimal(c) for c in costs if c is not None), Decimal(0))


class Labels:
    """What the labels scanned in one posting claim: serial -> (lot, expiry), serial -> GTIN
    (where no product was named to check it against), for `label_contradictions`."""

    def __init__(self, accept: bool, reason: str) -> None:
        self.lots: dict[str, LotInfo] = {}
        self.gtins: dict[str, str] = {}
        self.accept = accept
        self.reason = reason
        self.notes: list[str] = []

    def check(self, p: Posting, problems: list[Problem]) -> None:
        """Compare the staged (locked) units' records with what their labels claimed."""
        found, note = label_contradictions(p, self.lots, self.gtins, self.accept, self.reason)
        problems += found
        if note:
            self.notes.append(note)

    def noted(self, note: str) -> str:
        """A movement note, with the override's note when a manager accepted a label."""
        return "; ".join([note, *self.notes]) if self.notes else note


def _clean(serials: Iterable[str], problems: list[Problem], what: str, labels: Labels,
           item: Product | None = None) -> list[str]:
    """The distinct serials listed (GS1 scans read: of `item` when given)."""
    scan_problems: list[Problem] = []
    decoded = decode_scans(serials, item, scan_problems, labels.lots,
                           labels.gtins if item is None else None)
    clean, found, given = check_serials(decoded)
    problems += scan_problems + found
    if not given and not scan_problems:
        problems.append(Problem("count_mismatch", f"list the {what}' serials", field="serials"))
    return clean


def _scanned(text: str, item: Product | None, field: str, labels: Labels) -> tuple[str, str]:
    """The serial one argument names (a GS1 scan read, its GTIN checked against `item`) and the
    SKU its scan's GTIN names ("" for a plain serial, or when `item` is given)."""
    problems: list[Problem] = []
    gtins: dict[str, str] = {}
    found = list(decode_scans([text.strip()], item, problems, labels.lots, gtins))
    refuse([dataclasses.replace(pr, field=field) for pr in problems])
    serial = found[0]
    gtin = gtins.get(serial)
    return serial, (product_of_gtin(gtin, text.strip()) if gtin and item is None else "")


def _install(p: Posting, parts: list[LockedUnit], target_id: int, target_serial: str,
             labels: Labels) -> Decimal:
    """Install the parts in the target, line per product; the target takes their cost in."""
    cost = _cost_of([u.id for u in parts])
    for line, ids in _part_lines(p, parts, f"installed in {target_serial}"):
        p.stage_units(enumerate(ids))
        install_units(p, line, target_id, note=labels.noted(f"installed in {target_serial}"))
    return cost


# -- build and disassemble --------------------------------------------------------------------

@retrying
def assemble(*, product: str, serial: str, warehouse: str, serials: Iterable[str], user: Any,
             reason: str = "", accept_scan_mismatch: bool = False) -> Document:
    """Build the unit `serial` of `product` from the components `serials` in stock in
    `warehouse`: a new unit received there as it is built (or a disassembled one built again),
    or an existing unit in stock there built into. Its cost: the components' (plus its own)."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    item = catalog.get_product(product)
    location = catalog.get_location(warehouse)
    problems: list[Problem] = []
    labels = Labels(accept_scan_mismatch, reason)
    own, _sku = _scanned(serial, item, "serial", labels)
    components = _clean(list(serials), problems, "components", labels)
    named, found, _n = check_serials([own], item.serial_pattern or "", product=item)
    assembly_serial = named[0] if named else own
    with posting(DocumentKind.ASSEMBLY, user) as p:
        existing = Unit.objects.filter(product=item, serial=assembly_serial).first()
        revive = False
        if existing is not None:
            p.stage_units([(0, existing.pk)])
            (target,) = p.lock_units()
            labels.check(p, problems)
            last_kind = (Document.objects.filter(pk=existing.last_document_id)
                         .values_list("kind", flat=True).first())
            revive = target.status == "scrapped" and last_kind == DocumentKind.ASSEMBLY
            if revive:
                target.warehouse_id = location.warehouse_id
            elif target.status != "in_stock" or target.warehouse_id != location.warehouse_id:
                check_units(p, [target], lambda u: f"{where(u)}: an assembly is built in stock in "
                            f"{location.warehouse.code} (or name a new serial)", problems)
        else:
            problems += found
            target = LockedUnit(id=0, serial=assembly_serial, status="new", location_id=location.pk,
                                warehouse_id=location.warehouse_id, holder_id=None,
                                last_number=None, last_posted_at=None, product_id=item.pk, pos=0,
                                place=None, holder=None)
        if existing is None and assembly_serial in components:  # the new unit among its parts
            components.remove(assembly_serial)
            problems.append(Problem("invalid", f"serial {assembly_serial!r} is the assembly "
                                    "itself: it cannot be one of its own components",
                                    serial=assembly_serial))
        parts = _take_parts(p, components, None, location.warehouse_id, problems, labels.gtins)
        _check_parts(p, parts, target, item, problems, same_product_refused=True)
        labels.check(p, problems)
        refuse(problems)
        p.open_document(warehouse=location.warehouse, reason=reason)
        line = p.add_line(item, 1, to_location=location, note=NOTE_ASSEMBLED)
        cost = _cost_of([u.id for u in parts])
        note = labels.noted(f"assembled from {_listed(u.serial for u in parts)}")
        if existing is None:
            p.stage_serials([target.serial])
            insert_units(p, item, line.pk, None, location.pk, None, cost, skip_existing=False,
                         note=note)
            target.id = Unit.objects.get(product=item, serial=target.serial).pk
        elif revive:
            p.stage_units([(0, target.id)])
            move_units(p, line, to_status="in_stock", to_location_id=location.pk,
                       to_party_id=None, cost=cost, note=f"built again: {note}")
        _install(p, parts, target.id, target.serial, labels)
        if existing is not None and not revive:
            revalue_unit(p, line, target.id, cost, note=note)
        return p.finish()


def _find_unit(text: str, product: str | None, labels: Labels, field: str = "serial") -> Unit:
    """The unit `text` (a serial or a scan of its label; of `product`, else of the product the
    scan's GTIN names) names, for the documents that take one unit."""
    item = catalog.get_product(product) if product else None
    serial, sku = _scanned(text, item, field, labels)
    qs = Unit.objects.filter(serial=serial)
    if item is not None or sku:
        qs = qs.filter(product=item or catalog.get_product(sku))
        product = product or sku
    units = list(qs.select_related("product")[:3])
    if not units:
        of = f" of {product}" if product else ""
        raise NotFound([Problem("not_found", f"unknown serial {serial!r}{of}", serial=serial,
                                field=field)])
    if len(units) > 1:
        skus = sorted(u.product.sku for u in units)
        raise AmbiguousSerial([Problem("ambiguous_serial", f"serial {serial!r} exists on "
                                       f"{len(skus)} products: {', '.join(skus)}; name the "
                                       "product (--product)", serial=serial,
                                       extra={"products": skus})])
    return units[0]


@retrying
def disassemble(*, serial: str, user: Any, product: str | None = None, to: str | None = None,
                keep_shell: bool = False, reason: str = "", accept_scan_mismatch: bool = False
                ) -> Document:
    """Take the assembly `serial` (in stock) apart: every component directly inside goes back
    to stock in bin `to` (default the assembly's bin) at its own cost; the assembly leaves
    stock (scrapped: disassembled), or stays in stock at its own cost when `keep_shell`."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    labels = Labels(accept_scan_mismatch, reason)
    unit = _find_unit(serial, product, labels)
    destination = catalog.get_location(to, field="to") if to else None
    problems: list[Problem] = []
    with posting(DocumentKind.ASSEMBLY, user) as p:
        p.stage_units([(0, unit.pk)])
        (target,) = p.lock_units()
        check_units(p, [target], lambda u: None if u.status == "in_stock" else
                    f"{where(u)}: only an assembly in stock is taken apart", problems)
        labels.check(p, problems)
        refuse(problems)
        ids = list(Unit.objects.filter(parent_id=unit.pk).order_by("id")
                   .values_list("pk", flat=True))
        if not ids:
            refuse([Problem("invalid", f"serial {unit.serial!r} has no components installed",
                            serial=unit.serial)])
        p.stage_units(enumerate(ids))
        parts = p.lock_units()
        check_units(p, parts, lambda u: None if u.status == "installed" else where(u), problems)
        refuse(problems)
        to_loc: Location = destination or Location.objects.select_related("warehouse").get(
            pk=target.location_id)
        p.open_document(warehouse=to_loc.warehouse, reason=reason)
        line = p.add_line(unit.product, 1, from_location_id=target.location_id,
                          note=NOTE_DISASSEMBLED)
        cost = _cost_of(ids)
        taken = f"{_listed(u.serial for u in parts)} taken out"
        revalue_unit(p, line, unit.pk, -cost, note=labels.noted(f"disassembled: {taken}"))
        if not keep_shell:
            p.stage_units([(0, unit.pk)])
            move_units(p, line, to_status="scrapped", to_location_id=None, to_party_id=None,
                       note=f"disassembled into {_listed(u.serial for u in parts)}")
        for part_line, part_ids in _part_lines(p, parts, f"removed from {unit.serial}"):
            p.stage_units(enumerate(part_ids))
            remove_units(p, part_line, to_location_id=to_loc.pk,
                         note=f"removed from {unit.serial} (disassembled)")
        return p.finish()


# -- spare parts in a repair ------------------------------------------------------------------

def _in_repair(repair: str, unit: str | None, labels: Labels) -> tuple[Unit, Document | None]:
    """The unit in repair `repair` names: a repair document (RPR-…) that took it in — with
    `unit` naming it when that document took several still in repair — or its serial (or a
    scan of its label)."""
    doc = Document.objects.filter(number=repair.strip(), kind=DocumentKind.REPAIR).first()
    if doc is None:
        found = (_find_unit(repair, None, labels, "repair") if not unit
                 else _find_unit(unit, None, labels, "unit"))
        return found, None
    ids = Movement.objects.filter(document=doc, unit__isnull=False).values("unit_id")
    candidates = Unit.objects.filter(pk__in=ids, status="in_repair").select_related("product")
    if unit:
        unit, sku = _scanned(unit, None, "unit", labels)
        candidates = candidates.filter(serial=unit)
        if sku:
            candidates = candidates.filter(product__sku=sku)
    units = list(candidates.order_by("serial")[:11])
    if len(units) == 1:
        return units[0], doc
    if not units:
        what = f"unit {unit.strip()!r} " if unit else "unit "
        raise NotFound([Problem("not_found", f"no {what}that {doc.number} took into repair is "
                                "still in repair", field="repair")])
    raise InvalidInput([Problem("invalid", f"{doc.number} has {len(units)} units in repair "
                                f"({', '.join(u.serial for u in units[:10])}): name the unit "
                                "(--unit)", field="unit")])


def _lock_repaired(p: Posting, unit: Unit, problems: list[Problem]) -> LockedUnit:
    p.stage_units([(0, unit.pk)])
    (target,) = p.lock_units()
    check_units(p, [target], lambda u: None if u.status == "in_repair" else
                f"{where(u)}, not in repair", problems)
    return target


@retrying
def install_parts(*, repair: str, serials: Iterable[str], user: Any, product: str | None = None,
                  unit: str | None = None, reason: str = "", accept_scan_mismatch: bool = False
                  ) -> Document:
    """Install spare parts from stock (in the warehouse of the unit in repair) into the unit in
    repair; the unit's cost takes theirs in."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    labels = Labels(accept_scan_mismatch, reason)
    item = catalog.get_product(product) if product else None
    repaired, start = _in_repair(repair, unit, labels)
    problems: list[Problem] = []
    clean = _clean(list(serials), problems, "parts", labels, item)
    with posting(DocumentKind.REPAIR, user) as p:
        target = _lock_repaired(p, repaired, problems)
        labels.check(p, problems)
        parts = _take_parts(p, clean, item, target.warehouse_id, problems, labels.gtins)
        _check_parts(p, parts, target, repaired.product, problems, same_product_refused=False)
        labels.check(p, problems)
        refuse(problems)
        p.open_document(warehouse_id=target.warehouse_id, related=start, party=None,
                        reason=reason)
        line = p.add_line(repaired.product, 1, note=NOTE_PART_INSTALLED)
        cost = _install(p, parts, repaired.pk, repaired.serial, labels)
        revalue_unit(p, line, repaired.pk, cost,
                     note=labels.noted(f"parts installed: {_listed(u.serial for u in parts)}"))
        return p.finish()


@retrying
def remove_parts(*, repair: str, serials: Iterable[str], user: Any, unit: str | None = None,
                 to: str | None = None, scrap: bool = False, reason: str = "",
                 accept_scan_mismatch: bool = False) -> Document:
    """Take parts out of the unit in repair: back to stock (bin `to`, default the unit's) at
    their own cost, or scrapped (`scrap`); the unit's cost gives theirs up."""
    if accept_scan_mismatch:
        check_override(user, "accept_scan_mismatch", reason)
    labels = Labels(accept_scan_mismatch, reason)
    repaired, start = _in_repair(repair, unit, labels)
    destination = catalog.get_location(to, field="to") if to and not scrap else None
    problems: list[Problem] = []
    clean = _clean(list(serials), problems, "parts", labels)
    with posting(DocumentKind.REPAIR, user) as p:
        target = _lock_repaired(p, repaired, problems)
        labels.check(p, problems)
        parts = _take_parts(p, clean, None, target.warehouse_id, problems, labels.gtins)
        parents = _parents_of([u.id for u in parts])
        check_units(p, parts, lambda u: None if parents.get(u.id) == repaired.serial
                    and u.status == "installed" else
                    f"is not installed in {repaired.serial}: it "
                    + (f"is installed in {parents[u.id]}" if u.id in parents else where(u)),
                    problems, code="not_installed")
        labels.check(p, problems)
        refuse(problems)
        to_id = None if scrap else (destination.pk if destination else target.location_id)
        p.open_document(warehouse_id=target.warehouse_id, related=start, reason=reason)
        line = p.add_line(repaired.product, 1, note=NOTE_PART_REMOVED)
        cost = _cost_of([u.id for u in parts])
        revalue_unit(p, line, repaired.pk, -cost,
                     note=labels.noted(f"parts removed: {_listed(u.serial for u in parts)}"))
        fate = "scrapped" if scrap else "back to stock"
        for part_line, ids in _part_lines(p, parts, f"{NOTE_PART_REMOVED} from {repaired.serial}"):
            p.stage_units(enumerate(ids))
            remove_units(p, part_line, to_location_id=to_id,
                         note=labels.noted(f"removed from {repaired.serial}, {fate}"
                                           + (f": {reason}" if reason else "")))
        return p.finish()


# -- declarations -------------------------------------------------------------------------------

class AssembleIn(In):
    product: str = Field(description="The assembled product's SKU.")
    serial: str = Field(min_length=1, max_length=200,
                        description="The assembly's serial: new (received as it is built) or "
                                    "a unit in stock built into.")
    warehouse: str = Field(description="CODE or CODE/BIN: where it is built (the components "
                                       "are in stock in that warehouse).")
    serials: list[str] = serial_list(required=True, description="The components' serials.")
    reason: str = Field(default="", max_length=MAX_NOTE)
    accept_scan_mismatch: bool = scan_mismatch_override()


class DisassembleIn(In):
    serial: str = Field(description="The assembly's serial.")
    product: str | None = Field(default=None, description="The assembly's SKU (when its serial "
                                "is on several products).")
    to: str | None = Field(default=None, description="CODE or CODE/BIN the components go to "
                           "(default: the assembly's bin).")
    keep_shell: bool = Field(default=False, description="The assembly stays in stock (its "
                             "own cost), instead of leaving stock as disassembled.")
    reason: str = Field(default="", max_length=MAX_NOTE)
    accept_scan_mismatch: bool = scan_mismatch_override()


class InstallPartsIn(In):
    repair: str = Field(description="The repair document that took the unit in (RPR-…), or "
                        "the serial of the unit in repair.")
    serials: list[str] = serial_list(required=True, description="The parts' serials.")
    product: str | None = Field(default=None, description="The parts' SKU (any other product "
                                "is refused).")
    unit: str | None = Field(default=None, description="The unit in repair, when the repair "
                             "document took several.")
    reason: str = Field(default="", max_length=MAX_NOTE)
    accept_scan_mismatch: bool = scan_mismatch_override()


class RemovePartsIn(In):
    repair: str = Field(description="The repair document that took the unit in (RPR-…), or "
                        "the serial of the unit in repair.")
    serials: list[str] = serial_list(required=True, description="The parts' serials.")
    unit: str | None = Field(default=None, description="The unit in repair, when the repair "
                             "document took several.")
    to: str | None = Field(default=None, description="CODE or CODE/BIN the parts go back to "
                           "(default: the unit's bin).")
    scrap: bool = Field(default=False, description="Scrap the parts instead.")
    reason: str = Field(default="", max_length=MAX_NOTE)
    accept_scan_mismatch: bool = scan_mismatch_override()


def _draft_arguments(doc: Document, line: Any, serials: Any, _d: Any) -> dict[str, Any]:
    """An assembly draft posts the unit it names, built where it names, from its scans."""
    return {"product": line.product.sku, "serial": line.assembly_serial,
            "warehouse": line.location_ref, "serials": serials, "reason": doc.reason}


ASSEMBLE = register(Operation(
    name="assemble", kind=DocumentKind.ASSEMBLY, entry=assemble, role="clerk",
    title="Build an assembly",
    help="Build an assembly from components in stock: they are installed in it, and its cost "
         "is theirs.", body=AssembleIn, api_path="/assemblies", cli=("assemble",),
    cli_arguments=("serial",),
    station=Station(
        url="/assemble/", post_label="Build", needs=("product", "warehouse", "assembly"),
        arguments=_draft_arguments, any_product=True, checked_on_open=True,
        lead="Name what you build and scan its serial (a new one, or a unit in stock to build "
             "into), then scan each component: each is checked at once, and all are installed "
             "in it when you post."),
))
DISASSEMBLE = register(Operation(
    name="disassemble", kind=DocumentKind.ASSEMBLY, entry=disassemble, role="clerk",
    title="Disassemble",
    help="Take an assembly apart: its components go back to stock; it leaves stock unless "
         "--keep-shell.", body=DisassembleIn, api_path="/assemblies/disassemble",
    cli=("disassemble",), cli_arguments=("serial",),
))
REPAIR_INSTALL = register(Operation(
    name="repair_install", kind=DocumentKind.REPAIR, entry=install_parts, role="manager",
    title="Install parts",
    help="Install spare parts from stock into a unit in repair.", body=InstallPartsIn,
    api_path="/repairs/install", cli=("repair", "install"), cli_arguments=("repair",),
))
REPAIR_REMOVE = register(Operation(
    name="repair_remove", kind=DocumentKind.REPAIR, entry=remove_parts, role="manager",
    title="Remove parts",
    help="Remove parts from a unit in repair: back to stock, or scrapped (--scrap).",
    body=RemovePartsIn, api_path="/repairs/remove", cli=("repair", "remove"),
    cli_arguments=("repair",),
))
