"""Returns land where the clerk says: by default each unit goes back into the bin it shipped
from; a chosen bin takes them all; another warehouse takes them into its default bin. In the
engine, so the API, the CLI and the web station behave alike."""

from __future__ import annotations

from typing import Any

from serialtrack import catalog, posting
from serialtrack.inventory.models import Document, Movement, Unit
from tests.helpers.posting import receive, ship


def _where(serial: str) -> tuple[str, str, str]:
    unit = Unit.objects.select_related("location__warehouse").get(serial=serial)
    return unit.status, unit.location.warehouse.code, unit.location.code


def _shipped_from_wh2_a01(user: Any, serials: list[str]) -> str:
    catalog.create_bin("WH2", "A-01")
    receive(user, serials, warehouse="WH2/A-01")
    return ship(user, serials, warehouse="WH2").number


def test_a_unit_comes_back_into_the_bin_it_shipped_from(shop: dict, user: Any) -> None:
    shipment = _shipped_from_wh2_a01(user, ["R-1"])
    doc = posting.receive_return(shipment=shipment, serials=["R-1"], user=user)
    assert _where("R-1") == ("in_stock", "WH2", "A-01")
    moved = Movement.objects.select_related("to_location").get(document=doc)
    assert moved.to_location.code == "A-01"
    assert Document.objects.get(pk=doc.pk).warehouse.code == "WH2"


def test_naming_the_warehouse_alone_still_finds_the_bin_it_shipped_from(shop: dict,
                                                                        user: Any) -> None:
    shipment = _shipped_from_wh2_a01(user, ["R-2"])
    posting.receive_return(shipment=shipment, serials=["R-2"], warehouse="WH2", user=user)
    assert _where("R-2") == ("in_stock", "WH2", "A-01")


def test_a_chosen_bin_takes_every_unit(shop: dict, user: Any) -> None:
    shipment = _shipped_from_wh2_a01(user, ["R-3", "R-4"])
    catalog.create_bin("WH2", "RETURNS")
    posting.receive_return(shipment=shipment, serials=["R-3", "R-4"], warehouse="WH2/RETURNS",
                           user=user)
    assert _where("R-3") == _where("R-4") == ("in_stock", "WH2", "RETURNS")


def test_another_warehouse_takes_them_into_its_default_bin(shop: dict, user: Any) -> None:
    shipment = _shipped_from_wh2_a01(user, ["R-5"])
    posting.receive_return(shipment=shipment, serials=["R-5"], warehouse="WH1", user=user)
    assert _where("R-5") == ("in_stock", "WH1", "MAIN")


def test_units_from_two_bins_go_back_each_to_its_own_on_a_line_per_bin(shop: dict,
                                                                      user: Any) -> None:
    receive(user, ["M-1"], warehouse="WH1")
    receive(user, ["A-1", "A-2"], warehouse="WH1/A-01")
    shipment = ship(user, ["M-1", "A-1", "A-2"]).number
    doc = posting.receive_return(shipment=shipment, serials=["A-1", "M-1", "A-2"],
                                 dispositions={"A-2": "hold"}, user=user)
    assert _where("M-1") == ("in_stock", "WH1", "MAIN")
    assert _where("A-1") == ("in_stock", "WH1", "A-01")
    assert _where("A-2") == ("on_hold", "WH1", "A-01")
    lines = sorted((line.to_location.code, line.quantity, line.note)
                   for line in Document.objects.get(pk=doc.pk).lines.select_related("to_location"))
    assert lines == [("A-01", 1, "disposition: hold"), ("A-01", 1, "disposition: restock"),
                     ("MAIN", 1, "disposition: restock")]


def test_a_scrapped_return_lands_nowhere(shop: dict, user: Any) -> None:
    shipment = _shipped_from_wh2_a01(user, ["R-6"])
    posting.receive_return(shipment=shipment, serials=["R-6"], disposition="scrap", user=user)
    unit = Unit.objects.get(serial="R-6")
    assert (unit.status, unit.location_id) == ("scrapped", None)


def test_a_unit_shipped_back_after_repair_comes_back_into_the_bin_it_left(shop: dict,
                                                                         user: Any) -> None:
    """A repair shipped back names no warehouse of its own: the return finds the bin the unit
    left from, as for any shipment."""
    shipment = _shipped_from_wh2_a01(user, ["R-9"])
    posting.receive_return(shipment=shipment, serials=["R-9"], disposition="repair", user=user)
    product = Unit.objects.get(serial="R-9").product.sku
    shipped_back = posting.ship_back(product=product, serials=["R-9"], user=user)
    doc = posting.receive_return(shipment=shipped_back.number, serials=["R-9"], user=user)
    assert _where("R-9") == ("in_stock", "WH2", "A-01")
    assert Document.objects.get(pk=doc.pk).warehouse.code == "WH2"
