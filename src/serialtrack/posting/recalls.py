"""Recalls: a document of its own (`RCL-…`) that finds every affected unit and lot quantity and
keeps that selection (`RecallUnit`, `RecallLot`), so its report is always of the same set; and
the one action that puts everything of it still in our storage on hold (an adjustment whose
`related` is the recall: what is already gone is left to the report, not a reason to refuse).

A selection is by lot (optionally of one product), by serials, by supplier receipt, by supplier
and/or received date range, or by component. Every selection also reaches the assemblies: each
unit that has an affected unit installed inside it (`Unit.parent`, followed upwards, set-based).
Only the current `parent` is recorded in the model, so an assembly a part was removed from
before the recall is not found (no history of `parent` exists yet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import Field

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, Problem, Refused
from serialtrack.inventory.models import (
    Document,
    DocumentKind,
    Lot,
    Product,
    Recall,
    RecallLot,
    Tracking,
)
from serialtrack.posting.adjustments import change_lots_in_place
from serialtrack.posting.engine import UNIT, Posting, RaceLost, posting, retrying
from serialtrack.posting.ledger import move_units
from serialtrack.posting.operations import In, Operation, register, serial_list
from serialtrack.queries.recalls import recall_report

RECALL_UNIT = "inventory_recallunit"
RECALL_LOT = "inventory_recalllot"
RECEIPT_MOVES = ("inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
                 "AND d.kind = 'receipt' AND d.status = 'posted'")


def _day_start(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@retrying
def create_recall(
    *,
    user: Any,
    reason: str,
    lot: str | None = None,
    product: str | None = None,
    serials: Iterable[str] = (),
    receipt: str | None = None,
    supplier: str | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    component: str | None = None,
) -> Document:
    """A recall of what the criteria select (one kind of criterion; a supplier may be narrowed
    by the received date range). Refused when it finds nothing."""
    serials = [s.strip() for s in serials if s.strip()]
    given = [name for name, value in (("lot", lot), ("serials", serials), ("receipt", receipt),
                                      ("supplier", supplier or received_from or received_to),
                                      ("component", component)) if value]
    if len(given) != 1:
        raise InvalidInput([Problem(
            "invalid", "select the affected units by one of: lot, serials, receipt, supplier "
            "(and/or received date range), component" + (f" — not {', '.join(given)} together"
                                                         if given else ""),
            field=given[1] if len(given) > 1 else "lot")])
    if not reason.strip():
        raise InvalidInput([Problem("invalid", "a recall needs a reason", field="reason")])
    item = catalog.get_product(product) if product else None
    criteria: dict[str, Any] = {k: v for k, v in (
        ("lot", lot), ("product", item.sku if item else None), ("serials", serials or None),
        ("receipt", receipt), ("supplier", supplier),
        ("received_from", received_from.isoformat() if received_from else None),
        ("received_to", received_to.isoformat() if received_to else None),
        ("component", component)) if v}
    with posting(DocumentKind.RECALL, user) as p:
        doc = p.open_document(reason=reason.strip())
        Recall.objects.create(document=doc, criteria=criteria)
        units_sql, units_params, lots_sql, lots_params = _selection(
            lot=lot, item=item, serials=serials, receipt=receipt, supplier=supplier,
            received_from=received_from, received_to=received_to, component=component, p=p)
        p.cursor.execute(
            f"INSERT INTO {RECALL_UNIT} (recall_id, unit_id) "
            f"SELECT DISTINCT %s, u.id FROM {units_sql} AND u.status <> 'voided'",
            [doc.pk, *units_params])
        _add_assemblies(p, doc)
        if lots_sql:
            p.cursor.execute(
                f"INSERT INTO {RECALL_LOT} (recall_id, lot_id, found) "
                f"SELECT DISTINCT %s, l.id, 0 FROM {lots_sql}", [doc.pk, *lots_params])
            _count_lots_found(p, doc)
        p.cursor.execute(f"SELECT (SELECT COUNT(*) FROM {RECALL_UNIT} WHERE recall_id = %s), "
                         f"(SELECT COUNT(*) FROM {RECALL_LOT} WHERE recall_id = %s)",
                         [doc.pk, doc.pk])
        n_units, n_lots = p.cursor.fetchone()
        if not n_units and not n_lots:
            raise NotFound([Problem("not_found", "the selection finds no unit and no lot "
                                    f"quantity: {criteria}", field=given[0])])
        return p.finish()


class _DryRun(Exception):
    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.report = report


PREVIEW_UNITS = 20


def preview_recall(*, user: Any, **criteria: Any) -> dict[str, Any]:
    """What `create_recall(**criteria)` would find, without keeping it: the recall is made
    and its report read (`queries.recalls.recall_report`: counts by status, progress, the
    first units, the customers), then everything is rolled back — the engine's own selection,
    not a second copy of it. Refused as `create_recall` refuses (nothing found, bad input)."""
    try:
        with transaction.atomic():
            doc = create_recall(user=user, **criteria)
            report = recall_report(doc.number or "", limit=PREVIEW_UNITS)
            raise _DryRun(report)
    except _DryRun as done:
        report = done.report
    report.update(recall=None, posted_at=None, holds=[])  # its number was not kept
    return report


def _selection(*, lot: str | None, item: Any, serials: list[str], receipt: str | None,
               supplier: str | None, received_from: dt.date | None,
               received_to: dt.date | None, component: str | None, p: Posting
               ) -> tuple[str, list[Any], str, list[Any]]:
    """The FROM … WHERE of the affected units (alias `u`) and of the affected lots of lot
    products (alias `l`), with their parameters."""
    product_sql = " AND u.product_id = %s" if item else ""
    product_params = [item.pk] if item else []
    if lot:
        lot_product = " AND l.product_id = %s" if item else ""
        if not Lot.objects.filter(code=lot.strip(), **({"product": item} if item else {})
                                  ).exists():
            of = f" of {item.sku}" if item else ""
            raise NotFound([Problem("not_found", f"no lot {lot!r}{of}", field="lot")])
        return (f"{UNIT} u JOIN inventory_lot l ON l.id = u.lot_id WHERE l.code = %s"
                + product_sql, [lot.strip(), *product_params],
                "inventory_lot l JOIN inventory_product pr ON pr.id = l.product_id "
                f"WHERE l.code = %s AND pr.tracking <> 'serial'{lot_product}",
                [lot.strip(), *product_params])
    if serials or component:
        wanted = serials or [component or ""]
        p.stage_serials(wanted)
        p.cursor.execute("SELECT s.serial FROM st_serials s WHERE NOT EXISTS (SELECT 1 FROM "
                         f"{UNIT} u WHERE u.serial = s.serial{product_sql})", product_params)
        unknown = [row[0] for row in p.cursor.fetchall()]
        if unknown:
            raise NotFound([Problem("not_found", f"serial {s!r} is not a unit"
                                    + (f" of {item.sku}" if item else ""), serial=s)
                            for s in unknown])
        return (f"st_serials s JOIN {UNIT} u ON u.serial = s.serial WHERE 1 = 1" + product_sql,
                product_params, "", [])
    if receipt:
        doc = Document.objects.filter(number=receipt.strip(), kind=DocumentKind.RECEIPT).first()
        if doc is None:
            raise NotFound([Problem("not_found", f"no receipt {receipt!r}", field="receipt")])
        return (f"inventory_movement m JOIN {UNIT} u ON u.id = m.unit_id "
                "WHERE m.document_id = %s" + product_sql, [doc.pk, *product_params],
                "inventory_movement m JOIN inventory_lot l ON l.id = m.lot_id "
                "WHERE m.document_id = %s AND m.unit_id IS NULL"
                + (" AND m.product_id = %s" if item else ""), [doc.pk, *product_params])
    where, params = "1 = 1", []
    if supplier:
        where += " AND d.party_id = %s"
        params.append(catalog.get_party(supplier, "supplier").pk)
    if received_from:
        where += " AND d.posted_at >= %s"
        params.append(p.ts(_day_start(received_from)))
    if received_to and received_to < dt.date.max:
        where += " AND d.posted_at < %s"
        params.append(p.ts(_day_start(received_to + dt.timedelta(days=1))))
    if item:
        where += " AND m.product_id = %s"
        params.append(item.pk)
    return (f"{RECEIPT_MOVES} JOIN {UNIT} u ON u.id = m.unit_id WHERE {where}", params,
            f"{RECEIPT_MOVES} JOIN inventory_lot l ON l.id = m.lot_id "
            f"WHERE {where} AND m.unit_id IS NULL", list(params))


def _add_assemblies(p: Posting, doc: Document) -> None:
    """Every unit an affected unit is installed inside (its parent, the parent's parent…),
    each with the affected component it contains; set-based (one recursive statement)."""
    p.cursor.execute(
        "WITH RECURSIVE up (unit_id, component_id) AS ("
        f" SELECT u.parent_id, r.unit_id FROM {RECALL_UNIT} r JOIN {UNIT} u ON u.id = r.unit_id"
        "  WHERE r.recall_id = %s AND u.parent_id IS NOT NULL"
        " UNION"
        f" SELECT u.parent_id, up.component_id FROM up JOIN {UNIT} u ON u.id = up.unit_id"
        "  WHERE u.parent_id IS NOT NULL)"
        f" INSERT INTO {RECALL_UNIT} (recall_id, unit_id, component_id)"
        " SELECT %s, up.unit_id, MIN(up.component_id) FROM up"
        f" WHERE NOT EXISTS (SELECT 1 FROM {RECALL_UNIT} r2 WHERE r2.recall_id = %s"
        "  AND r2.unit_id = up.unit_id) GROUP BY up.unit_id",
        [doc.pk, doc.pk, doc.pk])


def _count_lots_found(p: Posting, doc: Document) -> None:
    """Each lot's found quantity: on hand (in stock or held) plus what is out with customers
    (shipped less returned), when the recall is made."""
    p.cursor.execute(
        f"UPDATE {RECALL_LOT} SET found = "
        "COALESCE((SELECT SUM(q.quantity) FROM inventory_stockquantity q "
        f"  WHERE q.lot_id = {RECALL_LOT}.lot_id), 0) "
        "+ COALESCE((SELECT SUM(CASE WHEN m.to_status = 'shipped' THEN m.quantity "
        "  ELSE -m.quantity END) FROM inventory_movement m WHERE m.lot_id = "
        f"  {RECALL_LOT}.lot_id AND m.unit_id IS NULL AND (m.to_status = 'shipped' "
        "  OR m.from_status = 'shipped')), 0) "
        "WHERE recall_id = %s", [doc.pk])


def recall_named(number: str) -> Document:
    doc = Document.objects.filter(number=number.strip(), kind=DocumentKind.RECALL).first()
    if doc is None:
        raise NotFound([Problem("not_found", f"no recall {number!r}", field="number")])
    return doc


@retrying
def hold_recall(*, number: str, user: Any, reason: str = "") -> Document:
    """Put every affected unit and lot quantity still in stock on hold under the recall: one
    adjustment (`related` = the recall), set-based, a line per product (units) and per lot
    (quantities). What is already held, in repair or gone is not touched; refused only when
    nothing at all is left in stock to hold."""
    recall = recall_named(number)
    note = f"hold: recall {recall.number}" + (f": {reason}" if reason else "")
    with posting(DocumentKind.ADJUSTMENT, user) as p:
        p.open_document(related=recall, reason=reason or f"recall {recall.number}")
        # one pass over the affected units: those in stock, by product (a line each)
        p.cursor.execute("CREATE TEMP TABLE IF NOT EXISTS st_recall "
                         "(unit_id bigint NOT NULL, product_id bigint NOT NULL)")
        p.cursor.execute("TRUNCATE st_recall" if p.pg else "DELETE FROM st_recall")
        p.cursor.execute(
            f"INSERT INTO st_recall (unit_id, product_id) SELECT u.id, u.product_id "
            f"FROM {RECALL_UNIT} r JOIN {UNIT} u ON u.id = r.unit_id "
            "WHERE r.recall_id = %s AND u.status = 'in_stock'", [recall.pk])
        p.cursor.execute("SELECT DISTINCT product_id FROM st_recall ORDER BY product_id")
        moved = 0
        for (product_id,) in p.cursor.fetchall():
            count = p.stage_units_where(
                "u.product_id = %s", [product_id],
                source="(SELECT unit_id AS id, product_id FROM st_recall) u")
            if p.lock_staged("in_stock"):
                raise RaceLost(f"recall {recall.number}: a unit moved meanwhile")
            line = p.add_line(Product.objects.get(pk=product_id), count, note="hold")
            moved += move_units(p, line, to_status="on_hold", note=note)
        lots = list(Lot.objects.filter(pk__in=_recall_lot_ids(recall))
                    .exclude(product__tracking=Tracking.SERIAL).select_related("product")
                    .order_by("id"))
        moved += change_lots_in_place(p, lots, from_status="in_stock", to_status="on_hold",
                                      note=note)
        if not moved:
            raise Refused([Problem("nothing_to_hold", f"nothing of {recall.number} is in stock "
                                   "to hold: see its report for where everything is",
                                   field="number")])
        return p.finish()


def _recall_lot_ids(recall: Document) -> list[int]:
    return list(RecallLot.objects.filter(recall=recall).values_list("lot_id", flat=True))


class RecallIn(In):
    reason: str = Field(min_length=1, max_length=500, description="Why (the maker's notice).")
    lot: str | None = Field(default=None, description="Every unit and quantity of this lot.")
    product: str | None = Field(default=None, description="Product SKU (narrows the "
                                "selection to it).")
    serials: list[str] = serial_list(description="These serials (ranges expand).")
    receipt: str | None = Field(default=None, description="What this supplier receipt "
                                "(RCV-…) brought in.")
    supplier: str | None = Field(default=None, description="What this supplier delivered.")
    received_from: dt.date | None = Field(default=None, description="Received on or after "
                                          "(YYYY-MM-DD).")
    received_to: dt.date | None = Field(default=None, description="Received on or before "
                                        "(YYYY-MM-DD).")
    component: str | None = Field(default=None, description="A component serial: it and "
                                  "every unit it is installed inside.")


class RecallHoldIn(In):
    reason: str = Field(default="", max_length=500)


RECALL = register(Operation(
    name="recall", kind=DocumentKind.RECALL, entry=create_recall, role="manager",
    title="Recall", help="Create a recall: find every affected unit and lot quantity.",
    body=RecallIn, api_path="/recalls", cli=("recall", "create"), api_name="create_recall",
))
RECALL_HOLD = register(Operation(
    name="recall_hold", kind=DocumentKind.ADJUSTMENT, entry=hold_recall, role="manager",
    title="Hold all in storage",
    help="Hold everything of a recall still in stock: one hold document under the recall.",
    body=RecallHoldIn, api_path="/recalls/{number}/hold", cli=("recall", "hold"),
    api_name="hold_recall",
))
