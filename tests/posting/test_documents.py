"""Transfers, repairs, corrections, reversals, warranty and the read queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from serialtrack import catalog, errors, posting, queries
from serialtrack.inventory.models import SerialAlias, Unit
from tests.helpers.posting import SERIALS, receive, refused, ship


def status(serial: str) -> tuple[str, str | None, str | None]:
    unit = Unit.objects.select_related("location__warehouse", "holder").get(serial=serial)
    return unit.status, str(unit.location) if unit.location else None, (
        unit.holder.name if unit.holder else None)


def test_transfer_between_warehouses_and_bins_keeps_status(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    posting.hold(product="HT-1", serials=[SERIALS[1]], user=user)
    posting.transfer(source="WH1", destination="WH1/A-01", product="HT-1", serials=SERIALS[:2],
                     user=user)
    assert status(SERIALS[0]) == ("in_stock", "WH1/A-01", None)
    assert status(SERIALS[1]) == ("on_hold", "WH1/A-01", None)
    posting.transfer(source="WH1/A-01", destination="WH2", product="HT-1", serials=[SERIALS[0]],
                     user=user)
    assert status(SERIALS[0]) == ("in_stock", "WH2/MAIN", None)
    exc = refused(errors.SerialNotInStock, posting.transfer, source="WH1/A-01", destination="WH2",
                  product="HT-1", serials=[SERIALS[2]], user=user)
    assert "not in WH1/A-01" in exc.problems[0].message


def test_hold_release_and_write_off(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    posting.hold(product="HT-1", serials=SERIALS[:2], user=user, reason="recall check")
    refused(errors.SerialNotInStock, posting.hold, product="HT-1", serials=[SERIALS[0]], user=user)
    posting.release(product="HT-1", serials=[SERIALS[0]], user=user)
    refused(errors.SerialNotInStock, posting.release, product="HT-1", serials=[SERIALS[2]],
            user=user)
    doc = posting.scrap(product="HT-1", serials=[SERIALS[1]], reason="water damage", user=user)
    assert status(SERIALS[0])[0] == "in_stock"
    assert status(SERIALS[1]) == ("scrapped", None, None)
    assert doc.reason == "water damage"


def test_repair_ship_back_goes_to_the_customer_who_returned_it(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00123"], customer="Customer B")
    posting.receive_return(shipment=shp.number, serials=["device-00123"], disposition="repair",
                           user=user, reason="keeps rebooting")
    assert status("device-00123") == ("in_repair", "WH1/MAIN", None)
    warranty_before = Unit.objects.get(serial="device-00123").warranty_end
    rpr = posting.ship_back(product="HT-1", serials=["device-00123"], user=user)
    assert status("device-00123") == ("shipped", None, "Customer B")
    assert rpr.party.name == "Customer B"
    assert Unit.objects.get(serial="device-00123").warranty_end == warranty_before


def test_repair_done_puts_it_back_in_stock(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    posting.start_repair(product="HT-1", serials=[SERIALS[0]], user=user)
    refused(errors.SerialNotInStock, ship, user, [SERIALS[0]])
    posting.repair_done(product="HT-1", serials=[SERIALS[0]], user=user)
    assert status(SERIALS[0]) == ("in_stock", "WH1/MAIN", None)
    refused(errors.SerialNotInStock, posting.repair_done, product="HT-1", serials=[SERIALS[0]],
            user=user)


def test_replacement_carries_the_remaining_warranty(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121"])
    posting.receive_return(shipment=shp.number, serials=["device-00121"], disposition="repair",
                           user=user)
    old = Unit.objects.get(serial="device-00121")
    posting.replace(product="HT-1", old="device-00121", new="device-00125", user=user)
    assert status("device-00121") == ("scrapped", None, None)
    assert status("device-00125") == ("shipped", None, "Customer A")
    new = Unit.objects.get(serial="device-00125")
    assert (new.warranty_start, new.warranty_end) == (old.warranty_start, old.warranty_end)


def test_replace_with_unit_not_in_stock_changes_nothing(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121", "device-00122"])
    posting.receive_return(shipment=shp.number, serials=["device-00121"], disposition="repair",
                           user=user)
    exc = refused(errors.SerialNotInStock, posting.replace, product="HT-1", old="device-00121",
                  new="device-00122", user=user)
    assert exc.problems[0].serial == "device-00122"


def test_warranty_starts_at_first_shipment_and_is_not_restarted(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00121"])
    today = timezone.localdate()
    info = queries.warranty("device-00121")
    assert info["sold_to"] == "Customer A" and info["sold_on"] == shp.number
    assert info["warranty_start"] == today.isoformat()
    assert info["warranty_end"] == (today + dt.timedelta(days=365)).isoformat()
    assert info["under_warranty"] is True
    posting.receive_return(shipment=shp.number, serials=["device-00121"], user=user)
    ship(user, ["device-00121"], customer="Customer B")
    again = queries.warranty("device-00121")
    assert again["warranty_end"] == info["warranty_end"]
    assert again["sold_to"] == "Customer A" and again["current_holder"] == "Customer B"
    assert len(again["returned_before"]) == 1
    later = queries.warranty("device-00121", today=today + dt.timedelta(days=366))
    assert later["under_warranty"] is False


def test_unsold_unit_has_no_warranty(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    info = queries.warranty("device-00121")
    assert (info["sold_to"], info["warranty_end"], info["under_warranty"]) == (None, None, False)


def test_reverse_receipt_voids_units_and_frees_the_serials(shop: dict, user: Any) -> None:
    rcv = receive(user, SERIALS[:2])
    rev = posting.reverse(number=rcv.number, user=user)
    assert rev.number.startswith("REV-")
    assert status(SERIALS[0]) == ("voided", None, "Supplier S")  # as before it arrived
    assert queries.stock_on_hand() == []
    receive(user, SERIALS[:2], warehouse="WH2")  # the right warehouse this time
    assert status(SERIALS[0]) == ("in_stock", "WH2/MAIN", None)
    kinds = [m["kind"] for m in queries.unit_history(SERIALS[0])["movements"]]
    assert kinds == ["receipt", "reversal", "receipt"]


def test_reverse_refused_when_a_unit_moved_on(shop: dict, user: Any) -> None:
    rcv = receive(user, SERIALS)
    shp = ship(user, ["device-00122", "device-00124"])
    exc = refused(errors.NotReversible, posting.reverse, number=rcv.number, user=user)
    assert sorted(p.serial for p in exc.problems) == ["device-00122", "device-00124"]
    assert shp.number in exc.problems[0].message


def test_reverse_twice_and_correction_refused(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    shp = ship(user, ["device-00122"])
    rev = posting.reverse(number=shp.number, user=user)
    exc = refused(errors.NotReversible, posting.reverse, number=shp.number, user=user)
    assert rev.number in exc.problems[0].message
    cor = posting.correct_serial(product="HT-1", old="device-00121", new="device-00131",
                                 reason="typo", user=user)
    refused(errors.NotReversible, posting.reverse, number=cor.number, user=user)


def test_correct_serial_keeps_history_and_old_text_findable(shop: dict, user: Any) -> None:
    receive(user, ["devcie-00121"])
    cor = posting.correct_serial(product="HT-1", old="devcie-00121", new="device-00121",
                                 reason="typo at receiving", user=user)
    assert Unit.objects.filter(serial="device-00121").count() == 1
    assert SerialAlias.objects.get(serial="devcie-00121").document_id == cor.pk
    by_old = queries.unit_history("devcie-00121")
    assert by_old["unit"]["serial"] == "device-00121"
    assert by_old["unit"]["former_serials"] == ["devcie-00121"]
    notes = [m["note"] for m in by_old["movements"]]
    assert "devcie-00121 → device-00121" in notes[-1]
    # The old text is free again for the unit that really carries it.
    receive(user, ["devcie-00121"])


def test_correct_serial_refusals(shop: dict, user: Any) -> None:
    receive(user, SERIALS)
    refused(errors.DuplicateSerial, posting.correct_serial, product="HT-1", old=SERIALS[0],
            new=SERIALS[1], reason="x", user=user)
    refused(errors.NotFound, posting.correct_serial, product="HT-1", old="nope", new="n2",
            reason="x", user=user)
    refused(errors.InvalidInput, posting.correct_serial, product="HT-1", old=SERIALS[0],
            new="ok-1", reason="", user=user)
    refused(errors.InvalidSerial, posting.correct_serial, product="HT-1", old=SERIALS[0],
            new="bad\tserial", reason="x", user=user)


def test_history_lists_each_step(shop: dict, user: Any) -> None:
    rcv = receive(user, SERIALS)
    shp = ship(user, ["device-00123"])
    ret = posting.receive_return(shipment=shp.number, serials=["device-00123"],
                                 disposition="repair", user=user)
    rpr = posting.ship_back(product="HT-1", serials=["device-00123"], user=user)
    moves = queries.unit_history("device-00123", "HT-1")["movements"]
    assert [(m["document"], m["kind"], m["from"], m["to"], m["to_status"]) for m in moves] == [
        (rcv.number, "receipt", "Supplier S", "WH1/MAIN", "in_stock"),
        (shp.number, "shipment", "WH1/MAIN", "Customer A", "shipped"),
        (ret.number, "return", "Customer A", "WH1/MAIN", "in_repair"),
        (rpr.number, "repair", "WH1/MAIN", "Customer A", "shipped"),
    ]
    assert moves[2]["related"] == shp.number
    assert all(m["user"] == "clerk" for m in moves)


def test_ambiguous_serial_lists_both_products(shop: dict, user: Any) -> None:
    catalog.create_product("HT-2", "Other make", "serial")
    receive(user, ["A100"])
    receive(user, ["A100"], product="HT-2")
    with pytest.raises(errors.AmbiguousSerial) as exc:
        queries.unit_history("A100")
    assert "HT-1, HT-2" in exc.value.problems[0].message
    assert queries.unit_history("A100", "HT-2")["unit"]["product"] == "HT-2"


def test_stock_report_groups_by_warehouse_bin_product(shop: dict, user: Any) -> None:
    receive(user, SERIALS[:3])
    receive(user, SERIALS[3:], warehouse="WH1/A-01")
    posting.hold(product="HT-1", serials=[SERIALS[0]], user=user)
    ship(user, [SERIALS[1]])
    report = queries.stock_on_hand()
    assert [(g["warehouse"], g["bin"], g["status"], g["count"], g["serials"]) for g in report] == [
        ("WH1", "A-01", "in_stock", 2, SERIALS[3:]),
        ("WH1", "MAIN", "in_stock", 1, [SERIALS[2]]),
        ("WH1", "MAIN", "on_hold", 1, [SERIALS[0]]),
    ]
    assert queries.stock_on_hand(warehouse="WH2") == []
    gone = queries.out_of_storage()
    assert [(g["serial"], g["status"], g["holder"]) for g in gone] == [
        (SERIALS[1], "shipped", "Customer A")]


# -- messages that say what they mean ------------------------------------------------------------

def test_a_serial_of_another_product_is_refused_naming_its_product(shop: dict, user: Any) -> None:
    catalog.create_product("SCN-9", "Scanner", "serial")
    receive(user, ["OTHER-1"])  # a unit of HT-1
    exc = refused(errors.Refused, posting.ship, warehouse="WH1", customer="Customer A",
                  product="SCN-9", serials=["OTHER-1", "NOWHERE-1"], user=user)
    messages = [p.message for p in exc.problems]
    assert "serial 'OTHER-1' is not a unit of SCN-9: it is a unit of HT-1" in messages
    assert "serial 'NOWHERE-1' is not a unit of SCN-9" in messages


def test_one_serial_is_said_in_the_singular(shop: dict, user: Any) -> None:
    exc = refused(errors.Refused, receive, user, ["ONE-1"], quantity=2)
    assert "quantity 2 but 1 serial given" in [p.message for p in exc.problems]


def test_repair_documents_name_their_warehouse_and_what_they_did(shop: dict, user: Any) -> None:
    receive(user, ["RP-1", "RP-2"], warehouse="WH2")
    started = posting.start_repair(product="HT-1", serials=["RP-1", "RP-2"], user=user)
    done = posting.repair_done(product="HT-1", serials=["RP-1"], user=user)
    for doc, note in ((started, "repair started"), (done, "repair done")):
        summary = queries.document_summary(doc)
        assert summary["warehouse"] == "WH2"
        assert [line["note"] for line in summary["lines"]] == [note]
