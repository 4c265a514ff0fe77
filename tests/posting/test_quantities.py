"""Lot-tracked (SAL-1) and plain-quantity (CBL-1) products through the service layer: receipts,
shipments (named lot, else earliest expiry first, then first in, first out), transfers,
write-offs, returns against a shipment, reversals and the on-hand report. Every refusal is
checked to name the offending field and to change nothing at all (`snapshot()` is equal)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import Document, Lot, Movement, StockQuantity
from tests.helpers.posting import refused

EARLY = dt.date(2026, 12, 31)
LATE = dt.date(2027, 6, 30)


# -- helpers --------------------------------------------------------------------------------------

def receive(user: Any, quantity: int | None, product: str = "SAL-1", warehouse: str = "WH1",
            **kw: Any) -> Document:
    return posting.receive(warehouse=warehouse, product=product, supplier="Supplier S",
                           quantity=quantity, user=user, **kw)


def ship(user: Any, quantity: int | None, product: str = "SAL-1", warehouse: str = "WH1",
         customer: str = "Customer A", **kw: Any) -> Document:
    return posting.ship(warehouse=warehouse, customer=customer, product=product,
                        quantity=quantity, user=user, **kw)




def on_hand(product: str | None = None, warehouse: str | None = None) -> dict[tuple, int]:
    """{(warehouse, bin, product, lot): quantity} from the on-hand report."""
    return {(r["warehouse"], r["bin"], r["product"], r["lot"]): r["quantity"]
            for r in queries.quantities_on_hand(warehouse=warehouse, product=product)}


def stock(product: str, place: str, lot: str | None = None) -> int:
    """The stored on-hand quantity of one product (and lot) in one bin ("WH1" = its MAIN bin)."""
    rows = StockQuantity.objects.filter(product__sku=product, location=catalog.get_location(place))
    rows = rows.filter(lot__code=lot) if lot else rows.filter(lot__isnull=True)
    return sum(rows.values_list("quantity", flat=True))


def moves(doc: Document) -> list[tuple[str | None, int, str | None, str | None, str | None]]:
    """The ledger rows of a document: (lot, quantity, from bin, to bin, to status), in order."""
    def place(loc: Any) -> str | None:
        return f"{loc.warehouse.code}/{loc.code}" if loc else None

    return [(m.lot.code if m.lot else None, m.quantity, place(m.from_location),
             place(m.to_location), m.to_status)
            for m in Movement.objects.filter(document=doc).select_related(
                "lot", "from_location__warehouse", "to_location__warehouse").order_by("id")]


def fields(exc: errors.Refused) -> list[str | None]:
    return [p.field for p in exc.problems]


def says(message: str, *words: object) -> bool:
    """Every word (a SKU, lot, number, place) appears in `message` as a whole word."""
    return all(re.search(rf"(?<![\w-]){re.escape(str(w))}(?![\w-])", message) for w in words)


# -- receipts --------------------------------------------------------------------------------------

def test_receipt_of_a_lot_with_expiry_creates_lot_and_on_hand(shop: dict, user: Any) -> None:
    doc = receive(user, 40, lot="L-100", expiry=EARLY)
    lot = Lot.objects.get(product=shop["med"], code="L-100")
    assert lot.expiry == EARLY
    assert doc.number.startswith("RCV-") and doc.status == "posted"
    assert doc.party.name == "Supplier S"
    line = doc.lines.get()
    assert (line.product.sku, line.lot_id, line.quantity) == ("SAL-1", lot.pk, 40)
    assert moves(doc) == [("L-100", 40, None, "WH1/MAIN", "in_stock")]
    assert Movement.objects.get(document=doc).from_party.name == "Supplier S"
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-100"): 40}


def test_receipts_add_up_per_lot_and_bin(shop: dict, user: Any) -> None:
    receive(user, 40, lot="L-100", expiry=EARLY)
    receive(user, 15, lot="L-100", expiry=EARLY)
    receive(user, 5, lot="L-200", expiry=LATE)
    receive(user, 7, lot="L-100", warehouse="WH1/A-01")
    receive(user, 3, product="CBL-1")
    receive(user, 4, product="CBL-1")
    assert Lot.objects.filter(product=shop["med"], code="L-100").count() == 1
    assert on_hand() == {
        ("WH1", "MAIN", "SAL-1", "L-100"): 55,
        ("WH1", "MAIN", "SAL-1", "L-200"): 5,
        ("WH1", "A-01", "SAL-1", "L-100"): 7,
        ("WH1", "MAIN", "CBL-1", None): 7,
    }
    assert StockQuantity.objects.filter(product=shop["cable"]).count() == 1


def test_lot_product_without_lot_refused(shop: dict, user: Any) -> None:
    exc = refused(errors.InvalidInput, receive, user, 10)
    assert fields(exc) == ["lot"]
    assert says(exc.problems[0].message, "SAL-1")


def test_plain_product_with_lot_refused(shop: dict, user: Any) -> None:
    exc = refused(errors.InvalidInput, receive, user, 10, product="CBL-1", lot="L-1")
    assert fields(exc) == ["lot"]
    assert says(exc.problems[0].message, "CBL-1")
    assert not Lot.objects.exists()


@pytest.mark.parametrize("product", ["SAL-1", "CBL-1"])
def test_quantity_product_with_serials_refused(shop: dict, user: Any, product: str) -> None:
    lot = "L-1" if product == "SAL-1" else None
    exc = refused(errors.InvalidInput, receive, user, 2, product=product, lot=lot,
                  serials=["S1", "S2"])
    assert fields(exc) == ["serials"]
    assert product in exc.problems[0].message


@pytest.mark.parametrize("quantity", [0, -5, None])
@pytest.mark.parametrize("product", ["SAL-1", "CBL-1"])
def test_receipt_needs_a_positive_quantity(shop: dict, user: Any, product: str,
                                           quantity: int | None) -> None:
    lot = "L-1" if product == "SAL-1" else None
    exc = refused(errors.InvalidInput, receive, user, quantity, product=product, lot=lot,
                  expiry=EARLY)
    assert fields(exc) == ["quantity"]
    assert not Lot.objects.exists()


def test_refusal_names_every_bad_field(shop: dict, user: Any) -> None:
    exc = refused(errors.InvalidInput, receive, user, 0, product="CBL-1", lot="L-1",
                  serials=["S1"])
    assert sorted(fields(exc)) == ["lot", "quantity", "serials"]


def test_receipt_with_conflicting_expiry_for_existing_lot_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-100", expiry=LATE)
    exc = refused(errors.Refused, receive, user, 10, lot="L-100", expiry=EARLY)
    assert fields(exc) == ["expiry"]
    assert Lot.objects.get(code="L-100").expiry == LATE


# -- shipments -------------------------------------------------------------------------------------

def _five_lots(user: Any) -> None:
    """Received in this order; codes chosen so alphabetical order is not the shipping order."""
    receive(user, 10, lot="N-2")                 # no expiry, first in
    receive(user, 10, lot="M-1", expiry=LATE)
    receive(user, 10, lot="Z-9", expiry=EARLY)   # earliest expiry, first in of the two
    receive(user, 10, lot="A-5", expiry=EARLY)   # same expiry, later in
    receive(user, 10, lot="B-1")                 # no expiry, last in


def test_shipment_takes_earliest_expiry_first_then_fifo(shop: dict, user: Any) -> None:
    _five_lots(user)
    first = ship(user, 25)
    assert moves(first) == [
        ("Z-9", 10, "WH1/MAIN", None, "shipped"),
        ("A-5", 10, "WH1/MAIN", None, "shipped"),
        ("M-1", 5, "WH1/MAIN", None, "shipped"),
    ]
    assert {m.to_party.name for m in Movement.objects.filter(document=first)} == {"Customer A"}
    # a line per lot picked, naming it ("which customers got lot X" from the document too)
    assert [(line.lot.code, line.quantity) for line in first.lines.order_by("line_no")] == [
        ("Z-9", 10), ("A-5", 10), ("M-1", 5)]
    second = ship(user, 20, customer="Customer B")
    assert moves(second) == [
        ("M-1", 5, "WH1/MAIN", None, "shipped"),
        ("N-2", 10, "WH1/MAIN", None, "shipped"),
        ("B-1", 5, "WH1/MAIN", None, "shipped"),
    ]
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "B-1"): 5}


def test_shipment_of_exactly_one_lot_does_not_touch_the_next(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-LATE", expiry=LATE)
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    doc = ship(user, 10)
    assert moves(doc) == [("L-EARLY", 10, "WH1/MAIN", None, "shipped")]
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-LATE"): 10}


def test_shipment_takes_from_every_bin_of_the_warehouse(shop: dict, user: Any) -> None:
    receive(user, 4, lot="L-EARLY", expiry=EARLY, warehouse="WH1/A-01")
    receive(user, 10, lot="L-LATE", expiry=LATE)
    receive(user, 50, lot="L-EARLY", warehouse="WH2")
    doc = ship(user, 6)
    assert moves(doc) == [("L-EARLY", 4, "WH1/A-01", None, "shipped"),
                          ("L-LATE", 2, "WH1/MAIN", None, "shipped")]
    assert stock("SAL-1", "WH2", "L-EARLY") == 50


def test_shipment_from_a_named_bin_takes_only_that_bin(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, lot="L-LATE", expiry=LATE, warehouse="WH1/A-01")
    doc = ship(user, 3, warehouse="WH1/A-01")
    assert moves(doc) == [("L-LATE", 3, "WH1/A-01", None, "shipped")]
    assert stock("SAL-1", "WH1", "L-EARLY") == 10


def test_plain_product_ships_first_in_first_out(shop: dict, user: Any) -> None:
    receive(user, 5, product="CBL-1", warehouse="WH1/A-01")
    receive(user, 5, product="CBL-1")
    doc = ship(user, 7, product="CBL-1")
    assert moves(doc) == [(None, 5, "WH1/A-01", None, "shipped"),
                          (None, 2, "WH1/MAIN", None, "shipped")]
    assert on_hand() == {("WH1", "MAIN", "CBL-1", None): 3}


def test_naming_a_lot_ships_only_that_lot(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, lot="L-LATE", expiry=LATE)
    doc = ship(user, 8, lot="L-LATE")
    assert moves(doc) == [("L-LATE", 8, "WH1/MAIN", None, "shipped")]
    assert doc.lines.get().lot.code == "L-LATE"
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-EARLY"): 10,
                         ("WH1", "MAIN", "SAL-1", "L-LATE"): 2}


def test_shipping_more_than_on_hand_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 5, lot="L-LATE", expiry=LATE)
    exc = refused(errors.InsufficientStock, ship, user, 16)
    (problem,) = exc.problems
    assert problem.field == "quantity"
    assert says(problem.message, "SAL-1", "16", "15")
    assert (problem.extra["requested"], problem.extra["on_hand"]) == (16, 15)


def test_shipping_more_than_the_named_lot_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 5, lot="L-LATE", expiry=LATE)
    exc = refused(errors.InsufficientStock, ship, user, 6, lot="L-LATE")
    message = exc.problems[0].message
    assert says(message, "SAL-1", "L-LATE", "6", "5")


def test_shipping_from_a_warehouse_without_enough_refused(shop: dict, user: Any) -> None:
    receive(user, 100, lot="L-EARLY", expiry=EARLY)
    receive(user, 2, lot="L-EARLY", warehouse="WH2")
    exc = refused(errors.InsufficientStock, ship, user, 3, warehouse="WH2")
    message = exc.problems[0].message
    assert says(message, "SAL-1", "3", "2", "WH2")
    exc = refused(errors.InsufficientStock, ship, user, 1, product="CBL-1", warehouse="WH2")
    assert says(exc.problems[0].message, "CBL-1")


def test_shipping_an_unknown_lot_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    exc = refused(errors.NotFound, ship, user, 1, lot="L-NOPE")
    assert fields(exc) == ["lot"] and says(exc.problems[0].message, "L-NOPE")


@pytest.mark.parametrize("quantity", [0, -1, None])
def test_shipment_needs_a_positive_quantity(shop: dict, user: Any, quantity: int | None) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    exc = refused(errors.InvalidInput, ship, user, quantity)
    assert fields(exc) == ["quantity"]


def test_shipment_of_a_quantity_product_with_serials_refused(shop: dict, user: Any) -> None:
    receive(user, 10, product="CBL-1")
    exc = refused(errors.InvalidInput, ship, user, 1, product="CBL-1", serials=["X1"])
    assert fields(exc) == ["serials"]


# -- transfers -------------------------------------------------------------------------------------

def test_transfer_moves_on_hand_between_warehouses_and_bins(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, product="CBL-1")
    doc = posting.transfer(source="WH1", destination="WH2", product="SAL-1", quantity=4,
                           user=user)
    assert doc.number.startswith("TRF-")
    posting.transfer(source="WH1", destination="WH1/A-01", product="SAL-1", quantity=3,
                     lot="L-EARLY", user=user)
    posting.transfer(source="WH1/A-01", destination="WH2/MAIN", product="SAL-1", quantity=1,
                     user=user)
    posting.transfer(source="WH1", destination="WH2", product="CBL-1", quantity=10, user=user)
    assert on_hand() == {
        ("WH1", "MAIN", "SAL-1", "L-EARLY"): 3,
        ("WH1", "A-01", "SAL-1", "L-EARLY"): 2,
        ("WH2", "MAIN", "SAL-1", "L-EARLY"): 5,
        ("WH2", "MAIN", "CBL-1", None): 10,
    }
    assert sum(r["quantity"] for r in queries.quantities_on_hand(product="SAL-1")) == 10


def test_transfer_of_too_much_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 3, lot="L-EARLY", warehouse="WH1/A-01")
    receive(user, 50, lot="L-EARLY", warehouse="WH2")
    exc = refused(errors.InsufficientStock, posting.transfer, source="WH1/A-01",
                  destination="WH2", product="SAL-1", quantity=4, user=user)
    message = exc.problems[0].message
    assert says(message, "SAL-1", "4", "3")
    refused(errors.InsufficientStock, posting.transfer, source="WH1", destination="WH2",
            product="SAL-1", quantity=14, user=user)
    refused(errors.InsufficientStock, posting.transfer, source="WH1", destination="WH2",
            product="CBL-1", quantity=1, user=user)
    exc = refused(errors.InvalidInput, posting.transfer, source="WH1", destination="WH2",
                  product="SAL-1", quantity=0, user=user)
    assert fields(exc) == ["quantity"]


def test_transfer_ledger_records_each_quantity_once(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    doc = posting.transfer(source="WH1", destination="WH2", product="SAL-1", quantity=4,
                           user=user)
    assert moves(doc) == [("L-EARLY", 4, "WH1/MAIN", "WH2/MAIN", "in_stock")]


def test_transfer_into_a_bin_takes_from_the_other_bins(shop: dict, user: Any) -> None:
    receive(user, 3, product="CBL-1", warehouse="WH1/A-01")
    receive(user, 5, product="CBL-1")
    posting.transfer(source="WH1", destination="WH1/A-01", product="CBL-1", quantity=3,
                     user=user)
    assert on_hand() == {("WH1", "A-01", "CBL-1", None): 6, ("WH1", "MAIN", "CBL-1", None): 2}


# -- write-offs ------------------------------------------------------------------------------------

def test_write_off_reduces_on_hand(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, lot="L-LATE", expiry=LATE)
    receive(user, 6, product="CBL-1")
    doc = posting.scrap(product="SAL-1", quantity=12, warehouse="WH1", reason="damaged pallet",
                        user=user)
    assert doc.number.startswith("ADJ-") and doc.reason == "damaged pallet"
    assert moves(doc) == [("L-EARLY", 10, "WH1/MAIN", None, "scrapped"),
                          ("L-LATE", 2, "WH1/MAIN", None, "scrapped")]
    posting.scrap(product="SAL-1", quantity=3, warehouse="WH1", lot="L-LATE", reason="expired",
                  user=user)
    posting.scrap(product="CBL-1", quantity=6, warehouse="WH1", reason="broken", user=user)
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-LATE"): 5}


@pytest.mark.parametrize("reason", ["", "   "])
def test_write_off_needs_a_reason(shop: dict, user: Any, reason: str) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    exc = refused(errors.InvalidInput, posting.scrap, product="SAL-1", quantity=1,
                  warehouse="WH1", reason=reason, user=user)
    assert fields(exc) == ["reason"]


def test_write_off_refusals(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 50, lot="L-EARLY", warehouse="WH2")
    exc = refused(errors.InvalidInput, posting.scrap, product="SAL-1", quantity=1,
                  reason="damaged", user=user)
    assert fields(exc) == ["warehouse"]
    exc = refused(errors.InvalidInput, posting.scrap, product="SAL-1", quantity=0,
                  warehouse="WH1", reason="damaged", user=user)
    assert fields(exc) == ["quantity"]
    exc = refused(errors.InsufficientStock, posting.scrap, product="SAL-1", quantity=11,
                  warehouse="WH1", reason="damaged", user=user)
    message = exc.problems[0].message
    assert says(message, "SAL-1", "11", "10")


# -- returns against a shipment ----------------------------------------------------------------------

def test_quantity_return_goes_back_into_stock(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 6)
    ret = posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=2,
                                          user=user, reason="wrong size")
    assert ret.number.startswith("RET-") and ret.related_id == shp.pk
    assert ret.party.name == "Customer A"
    assert moves(ret) == [("L-EARLY", 2, None, "WH1/MAIN", "in_stock")]
    assert Movement.objects.get(document=ret).from_status == "shipped"
    assert stock("SAL-1", "WH1", "L-EARLY") == 6
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=4,
                                    lot="L-EARLY", warehouse="WH2", user=user)
    assert stock("SAL-1", "WH2", "L-EARLY") == 4


def test_plain_quantity_return(shop: dict, user: Any) -> None:
    receive(user, 10, product="CBL-1")
    shp = ship(user, 10, product="CBL-1")
    posting.receive_quantity_return(shipment=shp.number, product="CBL-1", quantity=10, user=user)
    assert on_hand() == {("WH1", "MAIN", "CBL-1", None): 10}


def test_returning_more_than_is_still_out_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 6)
    exc = refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=shp.number,
                  product="SAL-1", quantity=7, user=user)
    message = exc.problems[0].message
    assert says(message, "SAL-1", "7", "6", shp.number)
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=4, user=user)
    exc = refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=shp.number,
                  product="SAL-1", quantity=3, user=user)
    assert says(exc.problems[0].message, "3", "2")
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=2, user=user)
    refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=shp.number,
            product="SAL-1", quantity=1, user=user)
    assert stock("SAL-1", "WH1", "L-EARLY") == 10


def test_returning_more_of_a_lot_than_that_lot_shipped_refused(shop: dict, user: Any) -> None:
    receive(user, 3, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, lot="L-LATE", expiry=LATE)
    shp = ship(user, 8)   # 3 of L-EARLY, 5 of L-LATE
    exc = refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=shp.number,
                  product="SAL-1", lot="L-EARLY", quantity=4, user=user)
    assert says(exc.problems[0].message, "L-EARLY")
    exc = refused(errors.InvalidInput, posting.receive_quantity_return, shipment=shp.number,
                  product="SAL-1", quantity=1, user=user)
    assert fields(exc) == ["lot"]
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", lot="L-LATE",
                                    quantity=5, user=user)
    assert stock("SAL-1", "WH1", "L-LATE") == 10


def test_returning_a_product_not_on_the_shipment_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    receive(user, 10, product="CBL-1")
    shp = ship(user, 6)
    other = ship(user, 5, product="CBL-1")
    exc = refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=shp.number,
                  product="CBL-1", quantity=1, user=user)
    assert says(exc.problems[0].message, "CBL-1", shp.number)
    refused(errors.NotOnShipment, posting.receive_quantity_return, shipment=other.number,
            product="SAL-1", quantity=1, user=user)


def test_return_against_a_document_that_is_not_a_shipment_refused(shop: dict, user: Any) -> None:
    rcv = receive(user, 10, lot="L-EARLY", expiry=EARLY)
    exc = refused(errors.NotFound, posting.receive_quantity_return, shipment=rcv.number,
                  product="SAL-1", quantity=1, user=user)
    assert fields(exc) == ["shipment"]


@pytest.mark.parametrize("quantity", [0, -2])
def test_return_needs_a_positive_quantity(shop: dict, user: Any, quantity: int) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 6)
    exc = refused(errors.InvalidInput, posting.receive_quantity_return, shipment=shp.number,
                  product="SAL-1", quantity=quantity, user=user)
    assert fields(exc) == ["quantity"]


def test_a_reversed_return_can_be_returned_again(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 5)
    ret = posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=3,
                                          user=user)
    posting.reverse(number=ret.number, user=user)
    assert stock("SAL-1", "WH1", "L-EARLY") == 5
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=5, user=user)
    assert stock("SAL-1", "WH1", "L-EARLY") == 10


def test_return_against_a_reversed_shipment_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 5)
    posting.reverse(number=shp.number, user=user)
    assert stock("SAL-1", "WH1", "L-EARLY") == 10
    refused(errors.Refused, posting.receive_quantity_return, shipment=shp.number,
            product="SAL-1", quantity=5, user=user)


# -- reversals ---------------------------------------------------------------------------------------

def test_reversing_a_shipment_puts_quantities_back_into_the_same_lots(shop: dict, user: Any
                                                                       ) -> None:
    receive(user, 4, lot="L-EARLY", expiry=EARLY, warehouse="WH1/A-01")
    receive(user, 10, lot="L-LATE", expiry=LATE)
    receive(user, 5, product="CBL-1")
    before = on_hand()
    shp = ship(user, 7)
    cables = ship(user, 5, product="CBL-1")
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-LATE"): 7}
    rev = posting.reverse(number=shp.number, user=user)
    posting.reverse(number=cables.number, user=user)
    assert rev.number.startswith("REV-") and rev.related_id == shp.pk
    assert on_hand() == before
    assert moves(rev) == [("L-EARLY", 4, None, "WH1/A-01", "in_stock"),
                          ("L-LATE", 3, None, "WH1/MAIN", "in_stock")]
    assert Lot.objects.count() == 2


def test_reversing_a_receipt_whose_stock_has_shipped_refused(shop: dict, user: Any) -> None:
    rcv = receive(user, 10, lot="L-EARLY", expiry=EARLY)
    ship(user, 1)
    exc = refused(errors.NotReversible, posting.reverse, number=rcv.number, user=user)
    message = exc.problems[0].message
    assert says(message, "SAL-1", "L-EARLY", "10", "9")
    plain = receive(user, 10, product="CBL-1")
    posting.transfer(source="WH1", destination="WH2", product="CBL-1", quantity=10, user=user)
    refused(errors.NotReversible, posting.reverse, number=plain.number, user=user)


def test_reversing_an_untouched_receipt_removes_its_stock(shop: dict, user: Any) -> None:
    receive(user, 3, lot="L-EARLY", expiry=EARLY)
    rcv = receive(user, 10, lot="L-EARLY")
    posting.reverse(number=rcv.number, user=user)
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-EARLY"): 3}


def test_a_document_cannot_be_reversed_twice(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 4)
    rev = posting.reverse(number=shp.number, user=user)
    exc = refused(errors.NotReversible, posting.reverse, number=shp.number, user=user)
    assert says(exc.problems[0].message, rev.number)
    assert stock("SAL-1", "WH1", "L-EARLY") == 10


def test_reversing_a_partly_returned_shipment_refused(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    shp = ship(user, 5)
    posting.receive_quantity_return(shipment=shp.number, product="SAL-1", quantity=2, user=user)
    refused(errors.NotReversible, posting.reverse, number=shp.number, user=user)
    assert stock("SAL-1", "WH1", "L-EARLY") == 7


def test_reversing_a_transfer_moves_the_quantity_back(shop: dict, user: Any) -> None:
    receive(user, 10, lot="L-EARLY", expiry=EARLY)
    trf = posting.transfer(source="WH1", destination="WH2", product="SAL-1", quantity=4,
                           user=user)
    posting.reverse(number=trf.number, user=user)
    assert on_hand() == {("WH1", "MAIN", "SAL-1", "L-EARLY"): 10}


# -- the on-hand report --------------------------------------------------------------------------------

def test_quantities_on_hand_reports_every_column(shop: dict, user: Any) -> None:
    receive(user, 12, lot="L-EARLY", expiry=EARLY, warehouse="WH1/A-01")
    receive(user, 5, lot="L-LATE", expiry=LATE, warehouse="WH2")
    receive(user, 7, product="CBL-1")
    ship(user, 12, warehouse="WH1")   # the emptied row is not reported
    receive(user, 8, lot="L-LATE", warehouse="WH1/A-01")
    rows = queries.quantities_on_hand()
    assert rows == [
        {"warehouse": "WH1", "bin": "A-01", "product": "SAL-1", "product_name": "Saline 500 ml",
         "lot": "L-LATE", "expiry": LATE.isoformat(), "status": "in_stock", "quantity": 8},
        {"warehouse": "WH1", "bin": "MAIN", "product": "CBL-1", "product_name": "USB cable",
         "lot": None, "expiry": None, "status": "in_stock", "quantity": 7},
        {"warehouse": "WH2", "bin": "MAIN", "product": "SAL-1", "product_name": "Saline 500 ml",
         "lot": "L-LATE", "expiry": LATE.isoformat(), "status": "in_stock", "quantity": 5},
    ]
    assert [r["quantity"] for r in queries.quantities_on_hand(warehouse="WH2")] == [5]
    assert [r["product"] for r in queries.quantities_on_hand(product="CBL-1")] == ["CBL-1"]


def test_quantities_on_hand_lists_lots_by_expiry_on_every_database(shop: dict, user: Any) -> None:
    receive(user, 1, lot="A-NOEXP")
    receive(user, 1, lot="Z-LATE", expiry=LATE)
    receive(user, 1, lot="M-EARLY", expiry=EARLY)
    assert [r["lot"] for r in queries.quantities_on_hand()] == ["M-EARLY", "Z-LATE", "A-NOEXP"]
