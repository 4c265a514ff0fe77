"""The stations beyond receive, ship and return — transfer, hold and release, write-off, repair —
in a real browser (typed key by key, Enter to end a scan, as a barcode scanner does), and the
serial report's lot and customer filters with their exports (Django's test client)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from serialtrack import posting
from tests.test_invariants import receive, ship
from tests.test_web import PASSWORD

# -- the serial report: by lot and by customer (in process) ------------------------------------


@pytest.fixture
def viewer_client(shop: dict, user: Any) -> Any:
    from django.test import Client

    from serialtrack.accounts.services import create_user

    viewer, _ = create_user("rita", "viewer", PASSWORD)
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def traced(shop: dict, user: Any) -> dict[str, str]:
    """Units of two lots; some shipped to Customer A (one came back), one to Customer B."""
    receive(user, ["L1-1", "L1-2", "L1-3"], lot="LOT-1")
    receive(user, ["L2-1", "L2-2"], lot="LOT-2")
    receive(user, ["N-1"])
    to_a = ship(user, ["L1-1", "L1-2", "L2-1"], customer="Customer A").number
    posting.receive_return(shipment=to_a, serials=["L1-2"], user=user)
    to_b = ship(user, ["L2-2"], customer="Customer B").number
    posting.receive(warehouse="WH1", product="SAL-1", quantity=40, lot="LOT-1", user=user,
                    supplier="Supplier S")
    return {"to_a": to_a, "to_b": to_b}


def _csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_report_in_stock_by_lot_shows_and_exports_that_lot_only(
        viewer_client: Any, traced: dict[str, str]) -> None:
    page = viewer_client.get("/report/", {"view": "in", "lot": "LOT-1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "L1-2" in html and "L1-3" in html
    assert "L2-1" not in html and "N-1" not in html and "L1-1" not in html  # L1-1 is out
    assert 'name="lot" value="LOT-1"' in html
    assert 'data-testid="report-total">2<' in html

    rows = _csv_rows(viewer_client.get("/report/", {"view": "in", "lot": "LOT-1",
                                                    "format": "csv"}))
    assert [(r["product"], r["serial"], r["lot"], r["quantity"]) for r in rows] == [
        ("HT-1", "L1-2", "LOT-1", "1"), ("HT-1", "L1-3", "LOT-1", "1"),
        ("SAL-1", "", "LOT-1", "40")]
    sheet = _xlsx_rows(viewer_client.get("/report/", {"view": "in", "lot": "LOT-1",
                                                      "format": "xlsx"}))
    assert [(r[4], r[5]) for r in sheet[1:]] == [("L1-2", "LOT-1"), ("L1-3", "LOT-1"), (None, "LOT-1")]


def test_report_out_of_storage_by_lot_and_by_customer(
        viewer_client: Any, traced: dict[str, str]) -> None:
    by_lot = _csv_rows(viewer_client.get("/report/", {"view": "out", "lot": "LOT-2",
                                                      "format": "csv"}))
    assert [(r["serial"], r["holder"]) for r in by_lot] == [("L2-1", "Customer A"),
                                                           ("L2-2", "Customer B")]

    page = viewer_client.get("/report/", {"view": "out", "customer": "Customer A"})
    html = page.content.decode()
    assert "L1-1" in html and "L2-1" in html
    assert "L2-2" not in html  # Customer B's
    assert "L1-2" not in html  # came back: in storage, not out
    # The export links carry the filter.
    assert "customer=Customer+A" in html

    both = _csv_rows(viewer_client.get("/report/", {"view": "out", "customer": "Customer A",
                                                    "lot": "LOT-1", "format": "csv"}))
    assert [(r["serial"], r["holder"], r["document"]) for r in both] == [
        ("L1-1", "Customer A", traced["to_a"])]
    sheet = _xlsx_rows(viewer_client.get("/report/", {"view": "out", "customer": "Customer B",
                                                      "format": "xlsx"}))
    assert [r[:5] for r in sheet[1:]] == [["HT-1", "L2-2", "shipped", "Customer B",
                                           traced["to_b"]]]


def test_report_in_stock_by_customer_finds_what_came_back_from_them(
        viewer_client: Any, traced: dict[str, str]) -> None:
    rows = _csv_rows(viewer_client.get("/report/", {"view": "in", "customer": "Customer A",
                                                    "format": "csv"}))
    # Only the unit Customer A had and sent back; no lot quantities (no unit identity).
    assert [(r["serial"], r["status"]) for r in rows] == [("L1-2", "in_stock")]
    none = viewer_client.get("/report/", {"view": "in", "customer": "Customer B"})
    assert "No serialized units in storage for this filter" in none.content.decode()
