"""Corrections, because clerks mistype. History is append-only, so a mistake is never edited
away: a reversing document undoes a posted one, and a serial correction renames a unit through an
audited document while the old text stays findable."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from serialtrack import catalog
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    DocumentLine,
    Movement,
    SerialAlias,
    StockQuantity,
    Unit,
)
from serialtrack.posting.engine import MOVEMENT, MOVEMENT_COLUMNS, UNIT, check_units, posting, where
from serialtrack.posting.errors import (
    DuplicateSerial,
    InvalidInput,
    NotFound,
    NotReversible,
    Problem,
    refuse,
)
from serialtrack.posting.serials import clean_serials

SHIPPING_KINDS = "('shipment', 'repair')"


def reverse(*, number: str, user: Any, reason: str = "") -> Document:
    """Post a reversing document: every unit and quantity goes back to where it was before
    `number` moved it. Refused, naming them, if any unit has moved on since."""
    original = catalog.get_document(number)
    if original.status != "posted":
        raise NotReversible([Problem("not_reversible", f"{number} is not posted", field="document")])
    if original.kind == DocumentKind.CORRECTION:
        raise NotReversible([Problem("not_reversible", f"{number} is a serial correction: post "
                                     "another correction instead", field="document")])
    with posting(DocumentKind.REVERSAL, user) as p:
        earlier = Document.objects.filter(kind=DocumentKind.REVERSAL, related=original).first()
        if earlier:
            refuse([Problem("not_reversible", f"{number} was already reversed by {earlier.number}",
                            field="document", extra={"document": earlier.number})])
        returns = (Document.objects.filter(kind=DocumentKind.RETURN, related=original)
                   .exclude(dependents__kind=DocumentKind.REVERSAL)
                   .values_list("number", flat=True))
        if returns:
            refuse([Problem("not_reversible", f"{number} has returns posted against it "
                            f"({', '.join(returns)}): reverse those first", field="document",
                            extra={"documents": list(returns)})])
        p.stage_units_of(original)
        units = p.lock_units()
        problems: list[Problem] = []
        check_units(p, units, lambda u: None if u.last_number == original.number
                    else f"has moved on since: it {where(u)}", problems, code="not_reversible")
        refuse(problems)
        p.open_document(party=original.party, warehouse=original.warehouse, related=original,
                        reason=reason or f"reverses {number}")
        assert p.document is not None
        quantity_moves = list(Movement.objects.filter(document=original, unit__isnull=True)
                              .select_related("lot", "product").order_by("id"))
        for old_line in DocumentLine.objects.filter(document=original).order_by("line_no"):
            line = p.add_line(old_line.product, old_line.quantity, lot=old_line.lot,
                              from_location=old_line.to_location,
                              to_location=old_line.from_location,
                              note=f"reverses {number} line {old_line.line_no}")
            p.cursor.execute(
                f"INSERT INTO {MOVEMENT} ({MOVEMENT_COLUMNS}) "
                "SELECT %s, %s, m.unit_id, m.product_id, m.lot_id, m.quantity, m.to_location_id, "
                "m.from_location_id, m.to_status, COALESCE(m.from_status, 'voided'), "
                "m.to_party_id, m.from_party_id, m.cost, %s, %s, %s "
                f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.line_id = %s "
                "AND m.unit_id IS NOT NULL ORDER BY m.id",
                [p.document.pk, line.pk, p.ts(), user.pk, f"reverses {number}", original.pk,
                 old_line.pk],
            )
            for move in (m for m in quantity_moves if m.line_id == old_line.pk):
                _reverse_quantity(p, line, move, problems)
        refuse(problems)
        # Warranty set by this shipment is withdrawn with it, unless another shipment set it.
        p.cursor.execute(
            f"UPDATE {UNIT} SET warranty_start = NULL, warranty_end = NULL "
            f"WHERE id IN (SELECT m.unit_id FROM {MOVEMENT} m WHERE m.document_id = %s "
            "AND m.to_status = 'shipped' AND m.unit_id IS NOT NULL) "
            f"AND NOT EXISTS (SELECT 1 FROM {MOVEMENT} m2 JOIN inventory_document d "
            f"ON d.id = m2.document_id WHERE m2.unit_id = {UNIT}.id AND m2.to_status = 'shipped' "
            f"AND d.kind IN {SHIPPING_KINDS} AND m2.document_id <> %s)",
            [original.pk, original.pk],
        )
        p.cursor.execute(
            f"UPDATE {UNIT} SET status = COALESCE(m.from_status, 'voided'), "
            "location_id = m.from_location_id, holder_id = m.from_party_id, "
            "last_document_id = %s, moved_at = %s "
            f"FROM {MOVEMENT} m WHERE m.document_id = %s AND m.unit_id = {UNIT}.id",
            [p.document.pk, p.ts(), original.pk],
        )
        return p.finish()


def _reverse_quantity(p: Any, line: DocumentLine, move: Movement, problems: list[Problem]) -> None:
    if move.to_location_id:
        row = (StockQuantity.objects.select_for_update()
               .filter(product_id=move.product_id, lot_id=move.lot_id,
                       location_id=move.to_location_id).first())
        if row is None or row.quantity < move.quantity:
            lot = f" lot {move.lot.code}" if move.lot else ""
            problems.append(Problem(
                "not_reversible",
                f"{move.product.sku}{lot}: {move.quantity} needed back but "
                f"{row.quantity if row else 0} on hand: it has moved on since",
                field="quantity"))
            return
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") - move.quantity)
    if move.from_location_id:
        row, _ = StockQuantity.objects.select_for_update().get_or_create(
            product_id=move.product_id, lot_id=move.lot_id, location_id=move.from_location_id,
            defaults={"quantity": 0})
        StockQuantity.objects.filter(pk=row.pk).update(quantity=F("quantity") + move.quantity)
    Movement.objects.create(
        document=p.document, line=line, product_id=move.product_id, lot_id=move.lot_id,
        quantity=move.quantity, from_location_id=move.to_location_id,
        to_location_id=move.from_location_id, from_status=move.to_status,
        to_status=move.from_status or "voided", from_party_id=move.to_party_id,
        to_party_id=move.from_party_id, cost=move.cost, created_at=p.now, user=p.user,
        note=f"reverses {move.document.number}",
    )


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
        doc = p.open_document(reason=reason)
        line = p.add_line(item, 1, note=f"{old_serial} → {new_serial}")
        Movement.objects.create(
            document=doc, line=line, unit=locked, product=item, lot=locked.lot, quantity=1,
            from_location=locked.location, to_location=locked.location,
            from_status=locked.status, to_status=locked.status, from_party=locked.holder,
            to_party=locked.holder, cost=locked.cost, created_at=p.now, user=user,
            note=f"serial corrected: {old_serial} → {new_serial} ({reason})",
        )
        SerialAlias.objects.create(unit=locked, product=item, serial=old_serial, document=doc)
        Unit.objects.filter(pk=locked.pk).update(serial=new_serial)
        return p.finish()
