"""The search box finds, in any case, a serial (exact, then prefix, then contains), a
manufacturer serial, a document number, a lot, a product, a party, and a GS1 scan's unit; one
hit opens its page, several are listed, none is said plainly. Through Django's test client on
the real database (SQLite and PostgreSQL); the indexes that keep it fast are checked too."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from serialtrack import catalog, posting
from serialtrack.queries import search as site_search
from tests.helpers.posting import receive, ship
from tests.helpers.web import PASSWORD

GTIN = "09506000134352"


@pytest.fixture
def viewer(shop: dict, user: Any) -> Client:
    from serialtrack.accounts.services import create_user

    person, _ = create_user("vera", "viewer", PASSWORD)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def stocked(shop: dict, user: Any) -> dict[str, str]:
    catalog.create_product("SCN-9", "Barcode scanner", "serial", gtin=GTIN,
                           serial_template="SCN-{seq:05}")
    receive(user, ["Dev-00123", "dev-00124", "XX-100107-B"])
    posting.receive(warehouse="WH1", product="SCN-9", supplier="Supplier S",
                    manufacturer_serials=["MK-7781"], user=user)
    shp = ship(user, ["dev-00124"]).number
    posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot="LOT-A17", user=user,
                    supplier="Supplier S")
    return {"shipment": shp}


def _lands(client: Client, q: str, **extra: str) -> str:
    answer = client.get("/search", {"q": q, **extra})
    assert answer.status_code == 302, (q, answer.status_code)
    return str(answer["Location"])


def _listed(client: Client, q: str) -> str:
    answer = client.get("/search", {"q": q})
    assert answer.status_code == 200, (q, answer.status_code)
    return answer.content.decode()


def test_each_kind_of_key_opens_its_page(viewer: Client, stocked: dict[str, str]) -> None:
    shp = stocked["shipment"]
    assert _lands(viewer, shp.lower()) == f"/documents/{shp}"
    assert _lands(viewer, "Dev-00123") == "/units/HT-1/Dev-00123"  # exact
    assert _lands(viewer, "DEV-00123") == "/units/HT-1/Dev-00123"  # any case
    assert _lands(viewer, "100107") == "/units/HT-1/XX-100107-B"  # contains
    assert _lands(viewer, "mk-7781") == "/units/SCN-9/SCN-00001"  # manufacturer serial
    assert _lands(viewer, "lot-a1") == "/report/?lot=LOT-A17&product=SAL-1"
    assert _lands(viewer, "barcode scan") == "/report/?product=SCN-9"
    assert _lands(viewer, "customer b") == "/report/?view=out&customer=Customer+B"
    gs1 = (f"]d201{GTIN}21SCN-00001", f"(01){GTIN}(21)SCN-00001",
           f"https://id.example.com/01/{GTIN}/21/SCN-00001")
    for scan in gs1:
        assert _lands(viewer, scan) == "/units/SCN-9/SCN-00001", scan


def test_several_hits_are_listed_exact_and_prefix_first(viewer: Client,
                                                        stocked: dict[str, str]) -> None:
    html = _listed(viewer, "dev-0012")
    assert 'data-testid="hit-count">2<' in html
    assert html.index("Dev-00123") < html.index("dev-00124")
    assert f'href="/units/HT-1/{quote("Dev-00123")}"' in html
    customers = _listed(viewer, "customer")
    assert "Customer A" in customers and "Customer B" in customers


def test_a_miss_says_nothing_found_not_refused(viewer: Client, stocked: dict[str, str]) -> None:
    answer = viewer.get("/search", {"q": "zz-nothing"})
    html = answer.content.decode()
    assert answer.status_code == 404
    assert "Nothing found for" in html and "Refused" not in html
    scan = viewer.get("/search", {"q": f"(01){GTIN}(21)NOPE-1"}).content.decode()
    assert "the scan&#x27;s serial &#x27;NOPE-1&#x27; names no unit of SCN-9" in scan
    assert "Refused" not in scan and 'href="/report/?product=SCN-9"' in scan


def test_like_wildcards_are_taken_literally(viewer: Client, stocked: dict[str, str]) -> None:
    assert viewer.get("/search", {"q": "%%%"}).status_code == 404
    assert viewer.get("/search", {"q": "dev_0"}).status_code == 404


def test_a_large_sqlite_shop_offers_the_contains_search(stocked: dict[str, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL answers contains-searches from its trigram index")
    monkeypatch.setattr(site_search, "SQLITE_SCAN_LIMIT", 1)
    found = site_search.search("100107")
    assert (found.hits, found.contains_offered) == ([], True)
    found = site_search.search("100107", contains=True)
    assert [h["serial"] for h in found.hits] == ["XX-100107-B"] and found.contained


def test_the_folded_serial_search_uses_its_index(db: Any) -> None:
    """The prefix range seek is planned on the case-folded index (migration 0011), and on
    PostgreSQL the contains-search on the trigram index."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN SELECT id FROM inventory_unit WHERE lower(serial) "
                           ">= lower(%s) AND lower(serial) < lower(%s) ORDER BY lower(serial) "
                           "LIMIT 20", ["ab", "ab\U0010ffff"])
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "unit_serial_folded" in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute('EXPLAIN SELECT id FROM inventory_unit WHERE lower(serial) COLLATE "C" '
                           '>= lower(%s) AND lower(serial) COLLATE "C" < lower(%s) '
                           'ORDER BY lower(serial) COLLATE "C" LIMIT 20', ["ab", "ab\U0010ffff"])
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "unit_serial_folded" in plan, plan
            cursor.execute("EXPLAIN SELECT id FROM inventory_unit WHERE serial ILIKE %s LIMIT 20",
                           ["%abc%"])
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "unit_serial_trgm" in plan, plan
            cursor.execute("SET enable_seqscan = on")
