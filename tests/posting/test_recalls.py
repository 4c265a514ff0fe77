"""Recalls and holds on lots and quantities: a recall finds every affected unit and lot
quantity wherever it is, holds exactly what is still in stock, lists the rest with its
customer; lots and quantities can be held and released; a held quantity is never picked.

The fixture builds two assemblies (`posting.assemble`) with units of the recalled lot inside."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db.models import Sum

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import CostLayer, Movement, StockQuantity, Unit
from serialtrack.queries.recalls import notification_csv, notification_xlsx, recall_report
from tests.conftest import snapshot
from tests.helpers.posting import refused

LOT_SERIALS = [f"R-{n:03d}" for n in range(1, 13)]  # HT-1 lot L77
OTHER = ["X-001", "X-002"]  # HT-1 lot L88: not affected


def _install(user: Any, child: str, parent: str) -> None:
    """Build `child` into the bicycle `parent` (in stock in WH1)."""
    posting.assemble(product="BIKE", serial=parent, warehouse="WH1", serials=[child], user=user)


@pytest.fixture
def spread(shop: dict, user: Any) -> dict[str, Any]:
    """Lot L77 of a serial product and of a lot product, spread everywhere."""
    catalog.create_party("Customer C", customer=True)
    catalog.create_product("BIKE", "Bicycle", "serial")
    posting.receive(warehouse="WH1", product="HT-1", supplier="Supplier S",
                    serials=LOT_SERIALS, lot="L77", user=user)
    posting.receive(warehouse="WH1", product="HT-1", supplier="Supplier S", serials=OTHER,
                    lot="L88", user=user)
    posting.receive(warehouse="WH1", product="BIKE", supplier="Supplier S",
                    serials=["BK-1", "BK-2", "BK-3"], user=user)
    posting.receive(warehouse="WH1/A-01", product="SAL-1", supplier="Supplier S", quantity=100,
                    lot="L77", user=user)
    posting.receive(warehouse="WH2", product="SAL-1", supplier="Supplier S", quantity=20,
                    lot="L77", user=user)
    posting.receive(warehouse="WH1", product="SAL-1", supplier="Supplier S", quantity=50,
                    lot="L99", user=user)
    # R-001..003 stay in stock; R-004 on hold; R-005 in repair
    posting.hold(product="HT-1", serials=["R-004"], user=user)
    posting.start_repair(product="HT-1", serials=["R-005"], user=user)
    # three customers
    posting.ship(warehouse="WH1", customer="Customer A", product="HT-1",
                 serials=["R-006", "R-007"], user=user)
    posting.ship(warehouse="WH1", customer="Customer B", product="HT-1", serials=["R-008"],
                 user=user)
    posting.ship(warehouse="WH1", customer="Customer C", product="HT-1", serials=["R-009"],
                 user=user)
    posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=30, lot="L77",
                 user=user)
    posting.ship(warehouse="WH2", customer="Customer B", product="SAL-1", quantity=5, user=user)
    # inside two assemblies: BK-1 in stock, BK-2 shipped to Customer C
    _install(user, "R-010", "BK-1")
    _install(user, "R-011", "BK-2")
    posting.ship(warehouse="WH1", customer="Customer C", product="BIKE", serials=["BK-2"],
                 user=user)
    return shop


def test_a_recall_of_one_lot_finds_every_unit_and_quantity_and_holds_what_is_in_stock(
        spread: dict, user: Any) -> None:
    doc = posting.create_recall(lot="L77", reason="capacitor fault", user=user)
    assert doc.number == "RCL-000001"
    report = recall_report(doc.number, limit=None)  # type: ignore[arg-type]
    units = {u["serial"]: u for u in report["units"]}
    # every unit of the lot, and the two assemblies they are inside
    assert set(units) == {*LOT_SERIALS, "BK-1", "BK-2"}
    assert units["R-001"]["status"] == "in_stock" and units["R-001"]["warehouse"] == "WH1"
    assert units["R-004"]["status"] == "on_hold"
    assert units["R-005"]["status"] == "in_repair"
    assert (units["R-006"]["customer"], units["R-008"]["customer"],
            units["R-009"]["customer"]) == ("Customer A", "Customer B", "Customer C")
    assert units["R-006"]["document"].startswith("SHP-") and units["R-006"]["date"]
    assert units["R-010"] | {} == {**units["R-010"], "status": "installed", "inside": "BK-1"}
    assert units["R-011"]["inside"] == "BK-2"
    assert units["BK-1"]["contains"] == "R-010" and units["BK-2"]["customer"] == "Customer C"
    # lot quantities: on hand per bin, and shipped per customer (the FEFO shipment too)
    on_hand = {(q["warehouse"], q["bin"], q["status"]): q["quantity"]
               for q in report["quantities"]}
    assert on_hand == {("WH1", "A-01", "in_stock"): 70, ("WH2", "MAIN", "in_stock"): 15}
    shipped = {(s["customer"], s["quantity"]) for s in report["quantities_shipped"]}
    assert shipped == {("Customer A", 30), ("Customer B", 5)}
    assert report["progress"]["found"] == {"units": 14, "quantity": 120}
    customers = {c["customer"]: c for c in report["customers"]}
    assert set(customers) == {"Customer A", "Customer B", "Customer C"}
    assert (customers["Customer A"]["units"], customers["Customer A"]["quantity"]) == (2, 30)
    assert (customers["Customer C"]["units"], customers["Customer C"]["quantity"]) == (2, 0)

    hold = posting.hold_recall(number=doc.number, user=user)
    assert hold.related == doc and hold.kind == "adjustment"
    held = set(Unit.objects.filter(status="on_hold").values_list("serial", flat=True))
    # exactly what was in stock (R-001..003, R-012, the assembly BK-1) plus the one held before
    assert held == {"R-001", "R-002", "R-003", "R-012", "R-004", "BK-1"}
    assert set(Movement.objects.filter(document=hold, unit__isnull=False)
               .values_list("unit__serial", flat=True)) == {"R-001", "R-002", "R-003", "R-012",
                                                             "BK-1"}
    assert Unit.objects.get(serial="X-001").status == "in_stock"  # lot L88: untouched
    assert Unit.objects.get(serial="R-005").status == "in_repair"
    quantities = {(q.location.warehouse.code, q.lot.code, q.status): q.quantity
                  for q in StockQuantity.objects.filter(quantity__gt=0)}
    assert quantities == {("WH1", "L77", "on_hold"): 70, ("WH2", "L77", "on_hold"): 15,
                          ("WH1", "L99", "in_stock"): 50}
    report = recall_report(doc.number)
    assert report["progress"]["held"] == {"units": 6, "quantity": 85}
    assert report["holds"] == [hold.number]
    # a second hold has nothing left in stock: refused, nothing changed
    refused(errors.Refused, posting.hold_recall, number=doc.number, user=user)
    refused(errors.NotReversible, posting.reverse, number=doc.number, user=user)

    # returns come in against the recall
    posting.receive_return(shipment=units["R-006"]["document"], serials=["R-006"], user=user)
    posting.receive_quantity_return(shipment=report["quantities_shipped"][0]["document"],
                                    product="SAL-1", quantity=10, user=user)
    progress = recall_report(doc.number)["progress"]
    assert progress["returned"] == {"units": 1, "quantity": 10}


def _layer_quantities() -> set[tuple[int, int]]:
    """What the cost layers of lot L77 still hold, per bin."""
    return set(CostLayer.objects.filter(lot__code="L77", remaining_quantity__gt=0)
               .values("location_id").annotate(q=Sum("remaining_quantity"))
               .values_list("location_id", "q"))


def test_reversing_the_recall_hold_releases_units_and_quantities(spread: dict,
                                                                 user: Any) -> None:
    doc = posting.create_recall(lot="L77", product="SAL-1", reason="r", user=user)
    hold = posting.hold_recall(number=doc.number, user=user)
    assert StockQuantity.objects.filter(status="on_hold", quantity__gt=0).count() == 2
    layers = _layer_quantities()
    posting.reverse(number=hold.number or "", user=user)
    assert set(StockQuantity.objects.filter(lot__code="L77", quantity__gt=0)
               .values_list("status", "quantity")) == {("in_stock", 70), ("in_stock", 15)}
    # a hold in its bin took no cost layer, so its reversal gives none back: the layers still
    # hold exactly what is on hand (first in, first out stays right for the next shipment)
    on_hand = StockQuantity.objects.filter(lot__code="L77", quantity__gt=0)
    assert _layer_quantities() == layers == {(row.location_id, row.quantity) for row in on_hand}
    assert recall_report(doc.number)["progress"]["held"] == {"units": 0, "quantity": 0}


def test_a_recall_by_component_finds_the_assemblies(spread: dict, user: Any) -> None:
    doc = posting.create_recall(component="R-011", reason="bad part", user=user)
    report = recall_report(doc.number)
    assert {u["serial"]: u["contains"] for u in report["units"]} == {"R-011": None,
                                                                     "BK-2": "R-011"}
    assert report["customers"][0]["customer"] == "Customer C"


def test_a_recall_by_serials_receipt_and_supplier(spread: dict, user: Any) -> None:
    by_serials = posting.create_recall(serials=["X-001", "X-002"], reason="r", user=user)
    assert recall_report(by_serials.number)["units_total"] == 2
    receipt = Movement.objects.filter(unit__serial="X-001").order_by("id").first()
    assert receipt is not None
    by_receipt = posting.create_recall(receipt=receipt.document.number, reason="r", user=user)
    assert {u["serial"] for u in recall_report(by_receipt.number)["units"]} == set(OTHER)
    by_supplier = posting.create_recall(supplier="Supplier S", reason="r", user=user)
    report = recall_report(by_supplier.number, limit=100)
    assert report["units_total"] == len(LOT_SERIALS) + len(OTHER) + 3
    assert {(lot["lot"], lot["found"]) for lot in report["lots"]} == {("L77", 120), ("L99", 50)}
    refused(errors.NotFound, posting.create_recall, serials=["NOPE"], reason="r", user=user)
    refused(errors.InvalidInput, posting.create_recall, lot="L77", supplier="Supplier S",
            reason="r", user=user)


@pytest.mark.parametrize("criteria", [
    {"lot": "L77"}, {"lot": "L77", "product": "SAL-1"}, {"component": "R-011"},
    {"serials": ["R-001", "R-006", "X-002"]}, {"receipt": "RCV-000001"},
    {"supplier": "Supplier S"}, {"received_from": "2000-01-01"},
], ids=lambda c: "+".join(c))
def test_a_preview_finds_what_the_recall_finds_and_keeps_nothing(
        spread: dict, user: Any, criteria: dict[str, Any]) -> None:
    """The web form's count: a dry run of `create_recall` (rolled back), so it is the engine's
    own selection; the recall made next gets the number the preview did not keep."""
    import datetime as dt

    if "received_from" in criteria:
        criteria = {**criteria,
                    "received_from": dt.date.fromisoformat(criteria["received_from"])}
    before = snapshot()
    preview = posting.preview_recall(reason="r", user=user, **criteria)
    assert snapshot() == before
    assert preview["recall"] is None
    assert preview["units_total"] or preview["progress"]["found"]["quantity"]
    doc = posting.create_recall(reason="r", user=user, **criteria)
    assert doc.number == "RCL-000001"
    made = recall_report(doc.number, limit=20)
    for key in ("progress", "by_status", "lots", "units", "units_total", "customers",
                "criteria"):
        assert preview[key] == made[key], key


def test_a_preview_is_refused_as_the_recall_is(spread: dict, user: Any) -> None:
    refused(errors.NotFound, posting.preview_recall, serials=["NOPE"], reason="r", user=user)
    refused(errors.NotFound, posting.preview_recall, lot="L00", reason="r", user=user)
    refused(errors.InvalidInput, posting.preview_recall, lot="L77", receipt="RCV-000001",
            reason="r", user=user)


def test_the_notification_list_has_one_row_per_customer(spread: dict, user: Any) -> None:
    doc = posting.create_recall(lot="L77", reason="capacitor fault", user=user)
    rows = list(csv.DictReader(io.StringIO(notification_csv(doc.number).decode())))
    assert [r["customer"] for r in rows] == ["Customer A", "Customer B", "Customer C"]
    assert rows[0]["serials"] == "HT-1 R-006; HT-1 R-007"
    assert rows[0]["lot_quantities"] == "SAL-1 lot L77: 30"
    assert rows[1]["serials"] == "HT-1 R-008" and rows[1]["lot_quantities"] == "SAL-1 lot L77: 5"
    assert rows[2]["serials"] == "HT-1 R-009; BIKE BK-2" and rows[2]["units"] == "2"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(notification_xlsx(doc.number)))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.values)
    assert values[0][0] == "customer" and [v[0] for v in values[1:]] == [
        "Customer A", "Customer B", "Customer C"]


def test_a_whole_lot_is_held_and_released(spread: dict, user: Any) -> None:
    doc = posting.hold(lot="L77", user=user, reason="suspect")
    assert Unit.objects.filter(lot__code="L77", status="on_hold").count() == 5  # R-001..4, 12
    assert set(StockQuantity.objects.filter(lot__code="L77", quantity__gt=0)
               .values_list("status", "quantity")) == {("on_hold", 70), ("on_hold", 15)}
    assert {line.lot.code for line in doc.lines.all()} == {"L77"}
    posting.release(lot="L77", product="SAL-1", warehouse="WH2", user=user)
    assert set(StockQuantity.objects.filter(lot__code="L77", quantity__gt=0)
               .values_list("status", "quantity")) == {("on_hold", 70), ("in_stock", 15)}
    refused(errors.InsufficientStock, posting.release, lot="L77", product="SAL-1",
            warehouse="WH2", user=user)
    refused(errors.NotFound, posting.hold, lot="NOLOT", user=user)


def test_a_held_quantity_is_never_picked(spread: dict, user: Any) -> None:
    """A shipment skips held quantity (picks around it) and is refused when only held
    quantity would cover it — refused, naming the quantity on hand that is not held."""
    posting.hold(product="SAL-1", quantity=60, warehouse="WH1/A-01", lot="L77", user=user)
    rows = {q.status: q.quantity for q in StockQuantity.objects.filter(
        lot__code="L77", location__code="A-01")}
    assert rows == {"in_stock": 10, "on_hold": 60}
    problem = refused(errors.InsufficientStock, posting.ship, warehouse="WH1/A-01",
                      customer="Customer A", product="SAL-1", quantity=11, user=user)
    assert "11 requested, 10 on hand" in str(problem.problems[0].message)
    refused(errors.InsufficientStock, posting.transfer, source="WH1/A-01", destination="WH2",
            product="SAL-1", quantity=11, user=user)
    shipped = posting.ship(warehouse="WH1", customer="Customer A", product="SAL-1", quantity=55,
                           user=user)
    # FEFO over both lots, around the held 60: every line names its lot
    assert sorted((line.lot.code, line.quantity) for line in shipped.lines.all()) == [
        ("L77", 10), ("L99", 45)]
    summary = queries.document_summary(shipped)
    assert {line["lot"] for line in summary["lines"]} == {"L77", "L99"}
    posting.release(product="SAL-1", quantity=60, warehouse="WH1/A-01", lot="L77", user=user)
    assert {q.status: q.quantity for q in StockQuantity.objects.filter(
        lot__code="L77", location__code="A-01")} == {"in_stock": 60, "on_hold": 0}
    refused(errors.InvalidInput, posting.hold, product="HT-1", quantity=1, warehouse="WH1",
            user=user)


def test_held_quantities_are_listed_as_held_and_left_out_of_the_pick(spread: dict,
                                                                     user: Any) -> None:
    from serialtrack.queries.stock import quantity_pick

    posting.hold(product="SAL-1", quantity=60, warehouse="WH1/A-01", user=user)
    rows = {(r["bin"], r["lot"], r["status"]): r["quantity"]
            for r in queries.quantities_on_hand(product="SAL-1", warehouse="WH1")}
    assert rows == {("A-01", "L77", "on_hold"): 60, ("A-01", "L77", "in_stock"): 10,
                    ("MAIN", "L99", "in_stock"): 50}
    assert [(r["lot"], r["take"]) for r in quantity_pick("SAL-1", "WH1", 15)] == [
        ("L77", 10), ("L99", 5)]
