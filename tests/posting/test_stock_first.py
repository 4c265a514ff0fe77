"""The stock report's page reads (issue 16): `stock_on_hand(first=N)` counts each group in the
database and reads only its first N serials; it must say exactly what the full report says —
the same groups in the same order, the same counts, and each group's serials the first N of
the full list — with every filter, on both databases. The report page shows those counts and
serials; its CSV export still lists every serial."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from serialtrack import catalog, posting, queries
from serialtrack.queries import stock
from tests.helpers.posting import receive, ship

FIRST = 3


def cut(groups: list[dict[str, Any]], first: int) -> list[dict[str, Any]]:
    """The full report with each group's serials cut to the first `first`."""
    return [{**g, "serials": g["serials"][:first]} for g in groups]


@pytest.fixture
def stocked(shop: dict, user: Any) -> dict[str, Any]:
    """Two serial products over two warehouses and a bin; units in stock, on hold, in repair,
    shipped, and shipped and returned; serials of mixed case and length (their order is the
    database's); two lots."""
    catalog.create_product("HT-2", "Scanner", "serial")
    a = [f"A-{n:03d}" for n in range(1, 13)] + ["a-000", "B-1", "b-10", "Z9"]
    receive(user, a, lot="LOT-1")
    receive(user, [f"W2-{n}" for n in range(7)], warehouse="WH2", lot="LOT-2")
    receive(user, [f"BIN-{n:02d}" for n in range(5)], warehouse="WH1/A-01")
    receive(user, [f"S-{n}" for n in range(6)], product="HT-2")
    receive(user, [f"S2-{n}" for n in range(4)], product="HT-2", warehouse="WH2")
    posting.hold(product="HT-1", serials=["A-003", "A-007", "BIN-02"], user=user)
    posting.start_repair(product="HT-1", serials=["A-010", "a-000"], user=user)
    posting.start_repair(product="HT-2", serials=["S-1"], user=user)
    out = ship(user, ["A-001", "A-002"])
    ship(user, ["W2-3"], warehouse="WH2")
    posting.customer_return(shipment=out.number, serials=["A-001"], user=user)
    ship(user, ["S-4"], product="HT-2", customer="Customer B")
    return {"shipment": out.number}


FILTERS: list[dict[str, Any]] = [
    {}, {"warehouse": "WH1"}, {"warehouse": "WH2"}, {"product": "HT-2"},
    {"warehouse": "WH1", "product": "HT-1"}, {"lot": "LOT-1"}, {"lot": "LOT-2"},
    {"customer": "Customer A"}, {"customer": "Customer B"}, {"warehouse": "NOPE"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in
                                                                    f.items()) or "none")
def test_first_serials_equal_the_full_report_cut(stocked: dict, filters: dict) -> None:
    full = queries.stock_on_hand(**filters)
    for first in (0, 1, FIRST, 100):
        assert queries.stock_on_hand(**filters, first=first) == cut(full, first)
    counts_only = [{k: v for k, v in g.items() if k != "serials"} for g in full]
    assert queries.stock_on_hand(**filters, first=FIRST, serials=False) == counts_only
    assert queries.stock_on_hand(**filters, serials=False) == counts_only


def test_the_groups_cover_every_status_in_storage(stocked: dict) -> None:
    got = [(g["warehouse"], g["bin"], g["product"], g["status"], g["count"], g["serials"])
           for g in queries.stock_on_hand(first=FIRST)]
    full = {(g["bin"], g["status"]): g["serials"]
            for g in queries.stock_on_hand(warehouse="WH1", product="HT-1")}
    wh1 = full["MAIN", "in_stock"]  # mixed case: in the database's collation order
    assert len(wh1) == 11  # 16 received, 2 held, 2 in repair, 2 shipped, 1 back
    assert sorted(full["MAIN", "in_repair"]) == sorted(["A-010", "a-000"])
    assert got == [
        ("WH1", "A-01", "HT-1", "in_stock", 4, ["BIN-00", "BIN-01", "BIN-03"]),
        ("WH1", "A-01", "HT-1", "on_hold", 1, ["BIN-02"]),
        ("WH1", "MAIN", "HT-1", "in_repair", 2, full["MAIN", "in_repair"]),
        ("WH1", "MAIN", "HT-1", "in_stock", 11, wh1[:FIRST]),
        ("WH1", "MAIN", "HT-1", "on_hold", 2, ["A-003", "A-007"]),
        ("WH1", "MAIN", "HT-2", "in_repair", 1, ["S-1"]),
        ("WH1", "MAIN", "HT-2", "in_stock", 4, ["S-0", "S-2", "S-3"]),
        ("WH2", "MAIN", "HT-1", "in_stock", 6, ["W2-0", "W2-1", "W2-2"]),
        ("WH2", "MAIN", "HT-2", "in_stock", 4, ["S2-0", "S2-1", "S2-2"]),
    ]


def test_many_groups_span_several_statements(shop: dict, user: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """More groups than one statement reads the serials of: every group still gets its own."""
    for k in range(5):
        catalog.create_bin("WH1", f"B-{k}")
        receive(user, [f"G{k}-{n}" for n in range(k + 1)], warehouse=f"WH1/B-{k}")
    monkeypatch.setattr(stock, "SERIAL_CHUNK", 2)
    assert queries.stock_on_hand(first=2) == cut(queries.stock_on_hand(), 2)
    assert [g["count"] for g in queries.stock_on_hand(first=2)] == [1, 2, 3, 4, 5]


def test_nothing_in_storage_is_no_group(shop: dict, user: Any) -> None:
    assert queries.stock_on_hand(first=FIRST) == []
    receive(user, ["ONLY-1"])
    ship(user, ["ONLY-1"])
    assert queries.stock_on_hand(first=FIRST) == []


# -- the page and its export -------------------------------------------------------------------

def test_report_page_shows_counts_and_first_serials_and_the_csv_has_them_all(
        stocked: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    from serialtrack.accounts.services import create_user
    from serialtrack.web import views

    viewer, _ = create_user("rita", "viewer", "correct horse battery")
    client = Client()
    client.force_login(viewer)
    monkeypatch.setattr(views, "REPORT_SERIALS_SHOWN", FIRST)
    full = queries.stock_on_hand()
    html = client.get("/report/").content.decode()
    total = sum(g["count"] for g in full)
    assert f'data-testid="report-total">{total}<' in html
    for g in full:
        for serial in g["serials"][:FIRST]:
            assert f"<code>{serial}</code>" in html
        for serial in g["serials"][FIRST:]:
            assert f"<code>{serial}</code>" not in html
        assert f'<td data-label="Count" class="num">{g["count"]}</td>' in html
    assert html.count(f"The first {FIRST} shown") == sum(g["count"] > FIRST for g in full)

    body = b"".join(client.get("/report/", {"format": "csv"}).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["warehouse"], r["bin"], r["product"], r["status"], r["serial"]) for r in rows
            if r["serial"]] == [(g["warehouse"], g["bin"], g["product"], g["status"], s)
                                for g in full for s in g["serials"]]
