"""A lookup stays a constant number of queries at any size: an accidental N+1 fails here the day
it is written (pinned like NetBox's query_counts).

Every API route (as the API lists them, `routes_table`) and every page the URL map serves (each
method it answers) has a pin in `query_counts.json`: the number of database queries one
representative request makes, measured through Django's test client as a user of a role that
may use it (the API with a personal token, the pages with a browser session). Each request is
made on a small shop, then again after the shop has grown by hundreds of units, documents and
history rows: both counts must equal the pin. A route or page without a pin, or a pin naming
one that is gone, fails `test_every_route_and_page_is_pinned`.

A pin is an int, or {"sqlite": n, "postgresql": m} where the backends differ (SQLite's
savepoints and `BEGIN IMMEDIATE` are statements too). After a deliberate change, rewrite the
file with `SERIALTRACK_WRITE_QUERY_COUNTS=1 pytest tests/test_query_counts.py` on each backend
and review the diff: the constancy is still asserted before anything is written."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver

from serialtrack import posting, queries
from tests.conftest import backend, routes_table

PINS_FILE = Path(__file__).with_name("query_counts.json")
WRITE = os.environ.get("SERIALTRACK_WRITE_QUERY_COUNTS") == "1"
PASSWORD = "correct horse battery"
ROLES = ("viewer", "clerk", "manager", "admin")
PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# -- the query functions under the pages --------------------------------------------------------

PINNED = {"unit_history": 4, "warranty": 3, "find_unit": 1, "stock_on_hand": 1,
          "out_of_storage": 1}


def count(fn: Any, *args: Any, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(*args, **kwargs)
    return len(ctx.captured_queries)


def measure() -> dict[str, int]:
    return {
        "unit_history": count(queries.unit_history, "S-1"),
        "warranty": count(queries.warranty, "S-1"),
        "find_unit": count(queries.find_unit, "S-1"),
        "stock_on_hand": count(queries.stock_on_hand),
        "out_of_storage": count(queries.out_of_storage),
    }


def receive(user: Any, serials: list[str], warehouse: str = "WH1") -> Any:
    return posting.receive(warehouse=warehouse, product="HT-1", supplier="Supplier S",
                           serials=serials, user=user)


def ship(user: Any, serials: list[str], warehouse: str = "WH1") -> Any:
    return posting.ship(warehouse=warehouse, customer="Customer A", product="HT-1",
                        serials=serials, user=user)


def busy_unit(user: Any, serial: str, cycles: int) -> None:
    """Ship and take back `serial` `cycles` times: its history grows, its lookups must not."""
    for _ in range(cycles):
        shp = ship(user, [serial])
        posting.receive_return(shipment=shp.number, serials=[serial], user=user)


def test_lookups_do_not_grow_with_history_or_stock(shop: dict, user: Any) -> None:
    receive(user, ["S-1", "S-2"])
    busy_unit(user, "S-1", 1)
    small = measure()
    receive(user, [f"X-{n}" for n in range(300)], warehouse="WH2")
    ship(user, [f"X-{n}" for n in range(100)], warehouse="WH2")
    busy_unit(user, "S-1", 6)
    large = measure()
    assert small == large == PINNED


# -- what is served: API routes and pages ---------------------------------------------------------

def api_keys() -> set[str]:
    return {f"{method} {path}" for method, path, _role in routes_table()}


def page_patterns() -> list[str]:
    """Every URL pattern of the URL map outside /api/ (the API's are `routes_table`'s), as
    `/route/with/<converter:name>`."""
    from serialtrack import urls

    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route != "api/":
                    walk(p.url_patterns, route)
            else:
                assert isinstance(p, URLPattern)
                found.append("/" + route)

    walk(urls.urlpatterns, "")
    return found


def concrete(pattern: str) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "999999" if m.group(1) == "int" else "ZZZ",
                  pattern)


def page_keys() -> set[str]:
    """`METHOD /pattern` for every method a page answers: asked anonymously, a method the view
    does not take is 405 before anything else is looked at."""
    client = Client()
    keys = set()
    for pattern in page_patterns():
        url = concrete(pattern)
        for method in PAGE_METHODS:
            if getattr(client, method.lower())(url).status_code != 405:
                keys.add(f"{method} {pattern}")
    return keys


def load_pins() -> dict[str, Any]:
    """The pins (keys starting with `_` are notes: `_known_growth` names what grows with the
    request rather than with the shop, and why it is pinned anyway)."""
    return {k: v for k, v in json.loads(PINS_FILE.read_text()).items() if not k.startswith("_")}


def pin_for(value: Any) -> int | None:
    return value.get(backend()) if isinstance(value, dict) else value


def test_every_route_and_page_is_pinned(db: Any) -> None:
    served = api_keys() | page_keys()
    assert len(served) >= 90
    pinned = set(load_pins())
    missing, gone = sorted(served - pinned), sorted(pinned - served)
    assert not missing and not gone, (
        f"served without a query-count pin in {PINS_FILE.name}: {missing}; "
        f"pinned but no longer served: {gone}")
    assert set(REQUESTS) == served, (
        f"without a representative request here: {sorted(served - set(REQUESTS))}; "
        f"a request for nothing served: {sorted(set(REQUESTS) - served)}")


# -- the representative requests -------------------------------------------------------------------

@dataclass
class Call:
    """One request: its URL, body (JSON for the API, a form for a page), the status it must
    answer (so a pin is never of a refusal by mistake), who makes it, extra headers."""

    url: str
    body: Any = None
    status: int = 200
    role: str | None = "viewer"  # None: anonymous
    headers: dict[str, str] = field(default_factory=dict)
    form: bool = False  # an API body sent as multipart/form-data (a file upload), not JSON


class Shop:
    """The shop the requests run against, with one client per role and kind of sign-in;
    `api` posts the set-up a request needs (outside the counted queries)."""

    def __init__(self) -> None:
        from serialtrack.accounts.services import create_token, create_user

        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, Client] = {}
        for name in ROLES:
            create_user(f"{name}-1", name, PASSWORD)
            self.tokens[name] = create_token(f"{name}-1")[1]
            self.sessions[name] = Client()
            self.sessions[name].force_login(self._user(name))
        self.round = 0
        self.batches = 0

    @staticmethod
    def _user(role: str) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=f"{role}-1")

    def api(self, method: str, url: str, body: Any = None, role: str = "manager",
            status: int | None = None) -> Any:
        response = api_request(Client(), method, url, body, self.tokens[role], {})
        expected = status or (201 if method == "POST" else 200)
        assert response.status_code == expected, (method, url, body, response.content)
        return response.json()

    def fresh_session(self, role: str) -> Client:
        client = Client()
        client.force_login(self._user(role))
        return client

    def tag(self, name: str) -> str:
        """A name unique to this round (each round posts its own units and documents)."""
        return f"{name}{self.round}"

    @property
    def many(self) -> int:
        """How many serials a request posts or a draft holds: 2 in the small shop, 12 once
        grown (the statements are set-based: the count must not grow with them either)."""
        return 2 if self.round == 0 else 12

    def serials(self, prefix: str) -> list[str]:
        """`many` new serials, unique to this round."""
        return [self.tag(f"{prefix}{k}-") for k in range(self.many)]

    def units(self, n: int) -> list[str]:
        """`n` new units of HT-1 in stock in WH1 for this round's request."""
        self.batches += 1
        serials = [self.tag(f"U{self.batches}-{k}-") for k in range(n)]
        self.api("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                           "supplier": "Supplier S", "serials": serials},
                 role="clerk")
        return serials

    def shipped(self, serial: str) -> str:
        return self.api("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                                   "product": "HT-1", "serials": [serial]},
                        role="clerk")["document"]

    def in_repair(self, serial: str) -> None:
        """`serial` came back from Customer A for repair."""
        self.api("POST", "/api/returns", {"shipment": self.shipped(serial), "serials": [serial],
                                          "disposition": "repair"}, role="clerk")

    def draft(self, role: str = "clerk", scans: list[str] | None = None, **body: Any) -> int:
        body = body or {"kind": "receipt", "product": "HT-1", "warehouse": "WH1",
                        "supplier": "Supplier S"}
        draft_id = self.api("POST", "/api/drafts", body, role=role)["id"]
        if scans:
            self.api("POST", f"/api/drafts/{draft_id}/serials", {"serials": scans}, role=role,
                     status=200)
        return int(draft_id)

    def import_job(self) -> int:
        """A finished import that was refused (its problems listed)."""
        from serialtrack.web.models import ImportJob, ImportStatus

        job = ImportJob.objects.create(
            user=self._user("clerk"), filename="units.csv", status=ImportStatus.REFUSED,
            rows_read=3, total_rows=3,
            problems=[{"line": 2, "field": "serial", "serial": "S-1", "message": "taken"}])
        return job.pk


def api_request(client: Client, method: str, url: str, body: Any, token: str | None,
                headers: dict[str, str], form: bool = False) -> Any:
    kwargs: dict[str, Any] = {"headers": {**headers}}
    if token:
        kwargs["headers"]["Authorization"] = f"Bearer {token}"
    if body is not None and form:
        kwargs.update(data=body)  # the test client's multipart/form-data
    elif body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(url, **kwargs)


Request = Callable[[Shop], Call]
REQUESTS: dict[str, Request] = {}


def request(key: str) -> Callable[[Request], Request]:
    def register(fn: Request) -> Request:
        assert key not in REQUESTS, key
        REQUESTS[key] = fn
        return fn
    return register


def plain(key: str, url: str, role: str | None = "viewer", status: int = 200, **kw: Any) -> None:
    """A request that needs no set-up of its own."""
    REQUESTS[key] = lambda s: Call(url, role=role, status=status, **kw)


# system
plain("GET /api/health", "/api/health", role=None)
plain("POST /api/auth/login", "/api/auth/login", role=None,
      body={"username": "viewer-1", "password": PASSWORD})
plain("POST /api/auth/logout", "/api/auth/logout")  # a browser session's (see `run`)
plain("GET /api/auth/me", "/api/auth/me")

# catalog; the lists print every row (a few in the small shop, dozens once grown)
plain("GET /api/products", "/api/products")
plain("GET /api/products/{sku}", "/api/products/HT-1")
plain("GET /api/products/{sku}/next-serials", "/api/products/GEN-1/next-serials?count=5")
plain("GET /api/warehouses", "/api/warehouses")
plain("GET /api/parties", "/api/parties")
plain("GET /api/lots", "/api/lots")


@request("POST /api/products")
def _add_product(s: Shop) -> Call:
    return Call("/api/products", {"sku": s.tag("NEW-"), "name": "New", "tracking": "serial"},
                201, "manager")


@request("PATCH /api/products/{sku}")
def _change_product(s: Shop) -> Call:
    sku = s.tag("PLAIN-")
    s.api("POST", "/api/products", {"sku": sku, "tracking": "none"})
    return Call(f"/api/products/{sku}", {"tracking": "lot"}, 200, "manager")


@request("PATCH /api/parties/{name}")
def _change_party(s: Shop) -> Call:
    name = s.tag("Edited party ")
    s.api("POST", "/api/parties", {"name": name, "customer": True})
    return Call(f"/api/parties/{name}", {"supplier": True, "phone": "+1 5"}, 200, "manager")


@request("POST /api/warehouses")
def _add_warehouse(s: Shop) -> Call:
    return Call("/api/warehouses", {"code": s.tag("W-")}, 201, "manager")


@request("POST /api/warehouses/{code}/bins")
def _add_bin(s: Shop) -> Call:
    return Call("/api/warehouses/WH1/bins", {"code": s.tag("B-")}, 201, "manager")


@request("POST /api/parties")
def _add_party(s: Shop) -> Call:
    return Call("/api/parties", {"name": s.tag("Party "), "customer": True}, 201, "manager")


# units and stock: S-2 is a unit with history (and grows a longer one)
plain("GET /api/units", "/api/units")  # a page of up to 100 units
plain("GET /api/units/by-serial/{serial}", "/api/units/by-serial/S-2")
plain("GET /api/products/{sku}/units/{serial}", "/api/products/HT-1/units/S-2")
plain("GET /api/products/{sku}/units/{serial}/history", "/api/products/HT-1/units/S-2/history")
plain("GET /api/products/{sku}/units/{serial}/warranty", "/api/products/HT-1/units/S-2/warranty")
plain("GET /api/history/{serial}", "/api/history/S-2")
plain("GET /api/warranty/{serial}", "/api/warranty/S-2")
plain("GET /api/stock", "/api/stock")
plain("GET /api/stock/out-of-storage", "/api/stock/out-of-storage")
plain("GET /api/expiring", "/api/expiring?days=3650")
plain("GET /api/units/by-scan", "/api/units/by-scan?scan=S-2")
plain("GET /api/genuine", "/api/genuine?product=HT-1&code=S-2", role=None)
plain("GET /api/genuine/probes", "/api/genuine/probes", role="manager")
plain("GET /genuine/", "/genuine/?product=HT-1&code=S-2", role=None)
plain("GET /api/reports/valuation", "/api/reports/valuation?at=2999-12-31")
plain("GET /api/reports/cogs", "/api/reports/cogs?from=2000-01-01&to=2999-12-31")

# postings: one document each, of `Shop.many` units where a posting takes a list (2 in the small
# shop, 12 once grown: the engine's statements are set-based, the count must not grow with them)


@request("POST /api/receipts")
def _receipt(s: Shop) -> Call:
    return Call("/api/receipts", {"warehouse": "WH1", "product": "HT-1", "supplier": "Supplier S",
                                  "serials": s.serials("N")}, 201, "clerk")


@request("POST /api/shipments")
def _shipment(s: Shop) -> Call:
    return Call("/api/shipments", {"warehouse": "WH1", "customer": "Customer A", "product": "HT-1",
                                   "serials": s.units(s.many)}, 201, "clerk")


@request("POST /api/returns")
def _return(s: Shop) -> Call:
    (serial,) = s.units(1)
    return Call("/api/returns", {"shipment": s.shipped(serial), "serials": [serial]}, 201, "clerk")


@request("POST /api/transfers")
def _transfer(s: Shop) -> Call:
    return Call("/api/transfers", {"from": "WH1", "to": "WH2/MAIN", "product": "HT-1",
                                   "serials": s.units(s.many)}, 201, "clerk")


@request("POST /api/holds")
def _hold(s: Shop) -> Call:
    return Call("/api/holds", {"product": "HT-1", "serials": s.units(s.many)}, 201,
                "clerk")


@request("POST /api/releases")
def _release(s: Shop) -> Call:
    serials = s.units(s.many)
    s.api("POST", "/api/holds", {"product": "HT-1", "serials": serials}, role="clerk")
    return Call("/api/releases", {"product": "HT-1", "serials": serials}, 201, "clerk")


@request("POST /api/adjustments/write-off")
def _write_off(s: Shop) -> Call:
    return Call("/api/adjustments/write-off", {"product": "HT-1", "serials": s.units(s.many),
                                               "reason": "dropped"}, 201, "manager")


@request("POST /api/landed-costs")
def _landed_cost(s: Shop) -> Call:
    receipt = s.api("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                              "cost": "10.00", "serials": s.serials("LC")},
                    role="clerk")["document"]
    return Call("/api/landed-costs", {"receipt": receipt, "amount": "1.00",
                                      "reason": "freight"}, 201, "manager")


@request("POST /api/adjustments/found")
def _found(s: Shop) -> Call:
    return Call("/api/adjustments/found", {"warehouse": "WH1", "product": "HT-1",
                                           "reason": "count", "serials": [s.tag("F-")]},
                201, "manager")


@request("POST /api/repairs/start")
def _repair_start(s: Shop) -> Call:
    return Call("/api/repairs/start", {"product": "HT-1", "serials": s.units(s.many)},
                201, "manager")


@request("POST /api/repairs/done")
def _repair_done(s: Shop) -> Call:
    serials = s.units(s.many)
    s.api("POST", "/api/repairs/start", {"product": "HT-1", "serials": serials})
    return Call("/api/repairs/done", {"product": "HT-1", "serials": serials}, 201, "manager")


@request("POST /api/repairs/ship-back")
def _ship_back(s: Shop) -> Call:
    (serial,) = s.units(1)
    s.in_repair(serial)
    return Call("/api/repairs/ship-back", {"product": "HT-1", "serials": [serial]}, 201, "manager")


@request("POST /api/repairs/replace")
def _replace(s: Shop) -> Call:
    old, new = s.units(2)
    s.in_repair(old)
    return Call("/api/repairs/replace", {"product": "HT-1", "old": old, "new": new}, 201,
                "manager")


def _kit(s: Shop) -> tuple[str, str]:
    """A kit built from `many` units of HT-1 in WH1: (its product, its serial)."""
    sku, serial = s.tag("DKIT-"), s.tag("DK-")
    s.api("POST", "/api/products", {"sku": sku, "name": "Kit"})
    s.api("POST", "/api/assemblies", {"product": sku, "serial": serial, "warehouse": "WH1",
                                      "serials": s.units(s.many)}, role="clerk")
    return sku, serial


@request("POST /api/assemblies")
def _assemble(s: Shop) -> Call:
    sku = s.tag("KIT-")
    s.api("POST", "/api/products", {"sku": sku, "name": "Kit"})
    return Call("/api/assemblies", {"product": sku, "serial": s.tag("K-"), "warehouse": "WH1",
                                    "serials": s.units(s.many)}, 201, "clerk")


@request("POST /api/assemblies/disassemble")
def _disassemble(s: Shop) -> Call:
    sku, serial = _kit(s)
    return Call("/api/assemblies/disassemble", {"serial": serial, "product": sku}, 201, "clerk")


@request("POST /api/repairs/install")
def _repair_install(s: Shop) -> Call:
    (unit,) = s.units(1)
    s.in_repair(unit)
    return Call("/api/repairs/install", {"repair": unit, "serials": s.units(s.many)}, 201,
                "manager")


@request("POST /api/repairs/remove")
def _repair_remove(s: Shop) -> Call:
    (unit,) = s.units(1)
    s.in_repair(unit)
    parts = s.units(s.many)
    s.api("POST", "/api/repairs/install", {"repair": unit, "serials": parts})
    return Call("/api/repairs/remove", {"repair": unit, "serials": parts}, 201, "manager")


@request("POST /api/documents/{number}/reverse")
def _reverse(s: Shop) -> Call:
    number = s.api("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                             "serials": [s.tag("R-")]})["document"]
    return Call(f"/api/documents/{number}/reverse", {"reason": "wrong"}, 201, "manager")


@request("POST /api/serial-corrections")
def _correct(s: Shop) -> Call:
    (old,) = s.units(1)
    return Call("/api/serial-corrections", {"product": "HT-1", "old": old, "new": old + "-fixed",
                                            "reason": "typo"}, 201, "manager")


# returns to supplier: `many` units back against their receipt, the same serials back from
# the supplier (set-based; a new serial replacing a returned one is a few statements per unit),
# a credit, the report (one query for the whole list)
def _received(s: Shop, n: int) -> tuple[str, list[str]]:
    s.batches += 1
    serials = [s.tag(f"V{s.batches}-{k}-") for k in range(n)]
    number = s.api("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1",
                                             "supplier": "Supplier S", "cost": "10",
                                             "serials": serials}, role="clerk")["document"]
    return number, serials


def _returned(s: Shop, n: int) -> tuple[str, list[str]]:
    receipt, serials = _received(s, n)
    number = s.api("POST", "/api/supplier-returns", {"receipt": receipt, "reason": "faulty",
                                                     "serials": serials},
                   role="clerk")["document"]
    return number, serials


@request("POST /api/supplier-returns")
def _supplier_return(s: Shop) -> Call:
    receipt, serials = _received(s, s.many)
    return Call("/api/supplier-returns", {"receipt": receipt, "reason": "faulty",
                                          "serials": serials}, 201, "clerk")


@request("POST /api/supplier-returns/{supplier_return}/replacements")
def _supplier_replacement(s: Shop) -> Call:
    number, serials = _returned(s, s.many)
    return Call(f"/api/supplier-returns/{number}/replacements",
                {"warehouse": "WH1", "serials": serials}, 201, "clerk")


@request("POST /api/supplier-returns/{supplier_return}/credits")
def _supplier_credit(s: Shop) -> Call:
    number, _serials = _returned(s, 1)
    return Call(f"/api/supplier-returns/{number}/credits", {"amount": "4"}, 201, "manager")


plain("GET /api/supplier-returns", "/api/supplier-returns?awaiting_credit=true")
# a shipment's packing slip: every serial of its lines (one query for them all)
plain("GET /api/documents/{number}/packing-slip.pdf", "/api/documents/SHP-000001/packing-slip.pdf")

# documents: the list prints up to 100 (the small shop has fewer, the grown one more)
plain("GET /api/documents", "/api/documents")
# with the serials of its one line (see `_known_growth`: one query per line)
plain("GET /api/documents/{ref}", "/api/documents/RCV-000001")

# drafts: a receipt draft, one scan at a time (the scan station's hot path)


@request("POST /api/drafts")
def _create_draft(s: Shop) -> Call:
    return Call("/api/drafts", {"kind": "receipt", "product": "HT-1", "warehouse": "WH1",
                                "supplier": "Supplier S"}, 201, "clerk")


@request("GET /api/drafts/{draft_id}")
def _get_draft(s: Shop) -> Call:
    return Call(f"/api/drafts/{s.draft(scans=s.serials('G'))}")


@request("DELETE /api/drafts/{draft_id}")
def _discard_draft(s: Shop) -> Call:
    return Call(f"/api/drafts/{s.draft(scans=[s.tag('X-a')])}", role="clerk")


@request("POST /api/drafts/{draft_id}/serials")
def _scan(s: Shop) -> Call:
    draft_id = s.draft(scans=s.serials("Y"))
    return Call(f"/api/drafts/{draft_id}/serials", {"serials": [s.tag("Y-b")]}, role="clerk")


@request("DELETE /api/drafts/{draft_id}/serials/{serial}")
def _unscan(s: Shop) -> Call:
    scans = s.serials("Z")
    return Call(f"/api/drafts/{s.draft(scans=scans)}/serials/{scans[0]}", role="clerk")


@request("POST /api/drafts/{draft_id}/post")
def _post_draft(s: Shop) -> Call:
    return Call(f"/api/drafts/{s.draft(scans=s.serials('P'))}/post", status=201,
                role="clerk")


# users and tokens
plain("GET /api/users", "/api/users", role="admin")


@request("POST /api/users")
def _add_user(s: Shop) -> Call:
    return Call("/api/users", {"username": s.tag("user-"), "role": "viewer",
                               "password": PASSWORD}, 201, "admin")


@request("POST /api/tokens")
def _add_token(s: Shop) -> Call:
    return Call("/api/tokens", {"username": "viewer-1"}, 201, "admin")


@request("DELETE /api/tokens/{token_id}")
def _revoke(s: Shop) -> Call:
    from serialtrack.accounts.services import create_token

    return Call(f"/api/tokens/{create_token('viewer-1')[0].pk}", role="admin")


# label sheets: the five units of the first receipt; two serials
plain("GET /api/labels", "/api/labels?document=RCV-000001")
plain("POST /api/labels", "/api/labels", body={"product": "HT-1", "serials": ["S-1", "S-2"]})


# orders: each request's order has two lines and a delivery against one (the lists print every
# order: a few in the small shop, more once grown — one grouped query for all their lines)


def _order(s: Shop, kind: str) -> str:
    """A new order of HT-1 and CBL-1 with one unit delivered against it (PO received, SO
    shipped)."""
    path, party = (("/api/purchase-orders", "supplier") if kind == "purchase"
                   else ("/api/sales-orders", "customer"))
    name = "Supplier S" if kind == "purchase" else "Customer A"
    number = s.api("POST", path, {party: name, "lines": [
        {"product": "HT-1", "quantity": 5, "unit_price": "10"},
        {"product": "CBL-1", "quantity": 3}]})["number"]
    if kind == "purchase":
        s.api("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-1", "order": number,
                                        "serials": [s.tag(f"{number}-")]}, role="clerk")
    else:
        s.api("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-1", "order": number,
                                         "serials": s.units(1)}, role="clerk")
    return number


def _order_body(kind: str) -> dict[str, Any]:
    party = {"supplier": "Supplier S"} if kind == "purchase" else {"customer": "Customer A"}
    return {**party, "lines": [{"product": "HT-1", "quantity": 2}]}


def _order_requests(kind: str, path: str) -> None:
    def listed(s: Shop) -> Call:
        _order(s, kind)
        return Call(f"{path}?open=true")

    def created(s: Shop) -> Call:
        return Call(path, _order_body(kind), 201, "manager")

    def detail(s: Shop) -> Call:
        return Call(f"{path}/{_order(s, kind)}")

    def closed(s: Shop) -> Call:
        return Call(f"{path}/{_order(s, kind)}/close", {"reason": "short"}, 200, "manager")

    def cancelled(s: Shop) -> Call:
        number = s.api("POST", path, _order_body(kind))["number"]
        return Call(f"{path}/{number}/cancel", {}, 200, "manager")

    def opened(s: Shop) -> Call:
        number = s.api("POST", path, {**_order_body(kind), "draft": True})["number"]
        return Call(f"{path}/{number}/open", None, 200, "manager")

    for key, fn in ((f"GET {path}", listed), (f"POST {path}", created),
                    (f"GET {path}/{{number}}", detail), (f"POST {path}/{{number}}/close", closed),
                    (f"POST {path}/{{number}}/open", opened),
                    (f"POST {path}/{{number}}/cancel", cancelled)):
        request(key)(fn)


_order_requests("purchase", "/api/purchase-orders")
_order_requests("sale", "/api/sales-orders")


@request("GET /api/purchase-orders/expected")
def _expected(s: Shop) -> Call:
    _order(s, "purchase")
    return Call("/api/purchase-orders/expected")


@request("GET /api/purchase-orders/{number}/pdf")
def _po_pdf(s: Shop) -> Call:
    return Call(f"/api/purchase-orders/{_order(s, 'purchase')}/pdf")


@request("GET /api/sales-orders/{number}/pick")
def _pick(s: Shop) -> Call:
    return Call(f"/api/sales-orders/{_order(s, 'sale')}/pick")


def _recall(s: Shop) -> str:
    """A recall of this round's new units, one of them shipped to Customer A."""
    serials = s.units(s.many)
    s.shipped(serials[0])
    return str(s.api("POST", "/api/recalls", {"serials": serials, "reason": "r"})["document"])


@request("POST /api/recalls")
def _create_recall(s: Shop) -> Call:
    return Call("/api/recalls", {"serials": s.units(s.many), "reason": "r"}, 201, "manager")


@request("POST /api/recalls/{number}/hold")
def _hold_recall(s: Shop) -> Call:
    return Call(f"/api/recalls/{_recall(s)}/hold", {}, 201, "manager")


@request("GET /api/recalls/{number}")
def _recall_report(s: Shop) -> Call:
    return Call(f"/api/recalls/{_recall(s)}")


@request("GET /api/recalls/{number}/export")
def _recall_export(s: Shop) -> Call:
    return Call(f"/api/recalls/{_recall(s)}/export?format=csv")


# service cases (RMA claims): a case of this round's unit, sold to Customer A and claimed by
# Customer B (flagged), with a note, back on a return (linked unless `linked` is False)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _sold(s: Shop) -> str:
    (serial,) = s.units(1)
    s.shipped(serial)
    return serial


def _case(s: Shop, linked: bool = True) -> tuple[str, str]:
    (serial,) = s.units(1)
    shp = s.shipped(serial)
    number = s.api("POST", "/api/rma-cases", {"scan": serial, "claimant": "Customer B",
                                              "fault": "dead"}, role="clerk")["number"]
    s.api("POST", f"/api/rma-cases/{number}/notes", {"text": "called"}, role="clerk")
    ret = s.api("POST", "/api/returns", {"shipment": shp, "serials": [serial],
                                         "disposition": "repair"}, role="clerk")["document"]
    if linked:
        s.api("POST", f"/api/rma-cases/{number}/documents", {"document": ret}, role="clerk")
    return str(number), str(ret)


@request("GET /api/rma-cases")
def _rma_list(s: Shop) -> Call:
    _case(s)
    return Call("/api/rma-cases")


@request("POST /api/rma-cases")
def _rma_open(s: Shop) -> Call:
    return Call("/api/rma-cases", {"scan": _sold(s), "claimant": "Customer B", "fault": "x"},
                201, "clerk")


@request("GET /api/rma-cases/{number}")
def _rma_case(s: Shop) -> Call:
    return Call(f"/api/rma-cases/{_case(s)[0]}")


@request("POST /api/rma-cases/{number}/notes")
def _rma_note(s: Shop) -> Call:
    return Call(f"/api/rma-cases/{_case(s)[0]}/notes", {"text": "more"}, 201, "clerk")


@request("POST /api/rma-cases/{number}/documents")
def _rma_link(s: Shop) -> Call:
    number, ret = _case(s, linked=False)
    return Call(f"/api/rma-cases/{number}/documents", {"document": ret}, 201, "clerk")


@request("POST /api/rma-cases/{number}/photos")
def _rma_photo(s: Shop) -> Call:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Call(f"/api/rma-cases/{_case(s)[0]}/photos",
                {"photo": SimpleUploadedFile("crack.png", PNG, content_type="image/png")},
                201, "clerk", form=True)


@request("GET /api/rma-cases/{number}/photos/{photo_id}")
def _rma_photo_api_file(s: Shop) -> Call:
    from serialtrack import service_cases

    number = _case(s)[0]
    photo = service_cases.add_photo(number, name="crack.png", chunks=[PNG], user=None)
    return Call(f"/api/rma-cases/{number}/photos/{photo.pk}")


@request("POST /api/rma-cases/{number}/close")
def _rma_close(s: Shop) -> Call:
    return Call(f"/api/rma-cases/{_case(s)[0]}/close", {"outcome": "reject", "reason": "r"},
                200, "manager")


plain("GET /rma/open/", "/rma/open/")


@request("GET /rma/")
def _rma_list_page(s: Shop) -> Call:
    _case(s)
    return Call("/rma/")


@request("POST /rma/open/")
def _rma_open_page(s: Shop) -> Call:
    return Call("/rma/open/", {"scan": _sold(s), "claimant": "Customer B", "fault": "x"}, 302,
                "clerk")


@request("GET /rma/<str:number>/")
def _rma_page(s: Shop) -> Call:
    return Call(f"/rma/{_case(s)[0]}/")


@request("POST /rma/<str:number>/note")
def _rma_note_page(s: Shop) -> Call:
    return Call(f"/rma/{_case(s)[0]}/note", {"text": "more"}, 302, "clerk")


@request("POST /rma/<str:number>/photo")
def _rma_photo_page(s: Shop) -> Call:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Call(f"/rma/{_case(s)[0]}/photo",
                {"photo": SimpleUploadedFile("crack.png", PNG, content_type="image/png")},
                302, "clerk")


@request("GET /rma/<str:number>/photos/<int:photo_id>")
def _rma_photo_file(s: Shop) -> Call:
    from serialtrack import service_cases

    number = _case(s)[0]
    photo = service_cases.add_photo(number, name="crack.png", chunks=[PNG], user=None)
    return Call(f"/rma/{number}/photos/{photo.pk}")


@request("POST /rma/<str:number>/link")
def _rma_link_page(s: Shop) -> Call:
    number, ret = _case(s, linked=False)
    return Call(f"/rma/{number}/link", {"document": ret}, 302, "clerk")


@request("POST /rma/<str:number>/close")
def _rma_close_page(s: Shop) -> Call:
    return Call(f"/rma/{_case(s)[0]}/close", {"outcome": "reject", "reason": "r"}, 302,
                "manager")


# -- pages ---------------------------------------------------------------------------------------

plain("GET /login/", "/login/", role=None)
plain("POST /login/", "/login/", role=None, status=302,
      body={"username": "viewer-1", "password": PASSWORD})
plain("POST /logout/", "/logout/", status=302)  # a session of its own (it ends it)
plain("GET /", "/")
plain("GET /adjust/", "/adjust/")
plain("GET /units/<str:sku>/<path:serial>", "/units/HT-1/S-2")
plain("GET /documents/<str:number>", "/documents/RCV-000001")  # one line, as the API's
plain("GET /search", "/search?q=S-2", status=302)  # a serial found: to its unit page
plain("GET /expiring/", "/expiring/?days=3650")
plain("GET /valuation/", "/valuation/?at=2999-12-31")
plain("GET /report/", "/report/")  # units in stock; the page shows up to 200 serials per group
plain("GET /quantities/<str:kind>/", "/quantities/receive/")
plain("GET /import/", "/import/")
plain("GET /labels/", "/labels/")
plain("GET /labels/pdf", "/labels/pdf?document=RCV-000001")
plain("POST /labels/", "/labels/", body={"product": "HT-1", "serials": "S-1\nS-2"})
plain("GET /repair/replace/", "/repair/replace/")

@request("GET /purchase-orders/")
def _po_list_page(s: Shop) -> Call:
    _order(s, "purchase")
    return Call("/purchase-orders/?open=1")


@request("GET /sales-orders/")
def _so_list_page(s: Shop) -> Call:
    _order(s, "sale")
    return Call("/sales-orders/")


@request("GET /purchase-orders/<str:number>")
def _po_page(s: Shop) -> Call:
    return Call(f"/purchase-orders/{_order(s, 'purchase')}")


def _order_page_requests(kind: str, path: str) -> None:
    """The web's new-order form (GET), its posting (POST: an order of two lines) and an order
    closed short from its page (POST), a manager's."""
    party = {"supplier": "Supplier S"} if kind == "purchase" else {"customer": "Customer A"}

    def form(s: Shop) -> Call:
        return Call(f"{path}new", role="manager")

    def created(s: Shop) -> Call:
        return Call(f"{path}new", {**party, "product-1": "HT-1", "quantity-1": "2",
                                   "price-1": "9.50", "product-2": "CBL-1", "quantity-2": "4"},
                    302, "manager")

    def closed(s: Shop) -> Call:
        return Call(f"{path}{_order(s, kind)}/close", {"reason": "short"}, 302, "manager")

    for key, fn in ((f"GET {path}new", form), (f"POST {path}new", created),
                    (f"POST {path}<str:number>/close", closed)):
        request(key)(fn)


_order_page_requests("purchase", "/purchase-orders/")
_order_page_requests("sale", "/sales-orders/")


@request("GET /purchase-orders/<str:number>/pdf")
def _po_pdf_page(s: Shop) -> Call:
    return Call(f"/purchase-orders/{_order(s, 'purchase')}/pdf")


@request("GET /sales-orders/<str:number>")
def _so_page(s: Shop) -> Call:  # with its pick suggestion: one query per open line
    return Call(f"/sales-orders/{_order(s, 'sale')}")


# the stations: each one's opening page, and its form posted (a draft opened: to the draft)
STATION_FORMS = {
    "receive/": ("clerk", {"product": "HT-1", "warehouse": "WH1", "supplier": "Supplier S"}),
    "ship/": ("clerk", {"product": "HT-1", "warehouse": "WH1", "customer": "Customer A"}),
    "return/": ("clerk", {"shipment": "SHP-000001"}),
    "transfer/": ("clerk", {"product": "HT-1", "source": "WH1", "destination": "WH2"}),
    "hold/": ("clerk", {"product": "HT-1"}),
    "release/": ("clerk", {"product": "HT-1"}),
    "write-off/": ("manager", {"product": "HT-1", "reason": "dropped"}),
    "repair/": ("manager", {"product": "HT-1"}),
    "repair/done/": ("manager", {"product": "HT-1"}),
    "repair/ship-back/": ("manager", {"product": "HT-1"}),
    "assemble/": ("clerk", {"product": "HT-1", "warehouse": "WH1", "assembly": "HT-BUILT-1"}),
}
for _url, (_role, _form) in STATION_FORMS.items():
    plain(f"GET /{_url}", f"/{_url}")
    plain(f"POST /{_url}", f"/{_url}", role=_role, status=302, body=_form)


@request("GET /recalls/")
def _recalls_page(s: Shop) -> Call:
    _recall(s)
    return Call("/recalls/")


@request("GET /recalls/new/")
def _new_recall_page(s: Shop) -> Call:
    return Call("/recalls/new/", role="manager")


@request("POST /recalls/new/")
def _new_recall_count(s: Shop) -> Call:
    """The form's count: a dry run of the recall of `many` listed units."""
    return Call("/recalls/new/", {"by": "serials", "serials": "\n".join(s.units(s.many)),
                                  "reason": "r", "action": "count"}, 200, "manager")


@request("GET /recalls/<str:number>/")
def _recall_page(s: Shop) -> Call:
    return Call(f"/recalls/{_recall(s)}/")


@request("POST /recalls/<str:number>/hold")
def _recall_hold_page(s: Shop) -> Call:
    return Call(f"/recalls/{_recall(s)}/hold", {}, 302, "manager")


@request("GET /recalls/<str:number>/customers.<str:fmt>")
def _recall_export_page(s: Shop) -> Call:
    return Call(f"/recalls/{_recall(s)}/customers.csv")


@request("POST /repair/replace/")
def _replace_page(s: Shop) -> Call:
    old, new = s.units(2)
    s.in_repair(old)
    return Call("/repair/replace/", {"product": "HT-1", "old": old, "new": new}, 302, "manager")


@request("POST /assemblies/disassemble")
def _disassemble_page(s: Shop) -> Call:
    """A unit in stock with one part built in, taken apart from its page (kept in stock)."""
    (shell,) = s.units(1)
    kit = s.tag(f"KIT{s.batches}-")
    s.api("POST", "/api/products", {"sku": kit, "name": "Kit"})
    s.api("POST", "/api/receipts", {"warehouse": "WH1", "product": kit, "serials": [kit]},
          role="clerk")
    s.api("POST", "/api/assemblies", {"product": "HT-1", "serial": shell, "warehouse": "WH1",
                                      "serials": [kit]}, role="clerk")
    return Call("/assemblies/disassemble", {"product": "HT-1", "serial": shell, "keep_shell": "1"},
                302, "clerk")


@request("POST /repairs/parts")
def _repair_parts_page(s: Shop) -> Call:
    """A spare part fitted from a unit in repair's page."""
    repaired, part = s.units(2)
    s.in_repair(repaired)
    return Call("/repairs/parts", {"product": "HT-1", "serial": repaired, "parts": part,
                                   "action": "install"}, 302, "manager")


@request("POST /quantities/<str:kind>/")
def _quantity_receipt(s: Shop) -> Call:
    return Call("/quantities/receive/", {"product": "SAL-1", "warehouse": "WH1", "quantity": "10",
                                         "lot": s.tag("L-"), "expiry": "2030-01-31"},
                302, "clerk")


@request("POST /import/")
def _import(s: Shop) -> Call:
    # A refused upload (not CSV or XLSX): a good one goes on in the background, outside the
    # request, and is pinned by the import's own tests, not here.
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Call("/import/", {"file": SimpleUploadedFile("units.txt", b"serial\nS-9\n")}, 422,
                "clerk")


@request("GET /imports/<int:job_id>/")
def _import_job(s: Shop) -> Call:
    return Call(f"/imports/{s.import_job()}/")


@request("GET /imports/<int:job_id>/status")
def _import_status(s: Shop) -> Call:
    return Call(f"/imports/{s.import_job()}/status")


@request("GET /imports/<int:job_id>/problems.csv")
def _import_problems(s: Shop) -> Call:
    return Call(f"/imports/{s.import_job()}/problems.csv")


# the scan station's draft page and its htmx requests (a scan, a removal, a pasted list, Post)
HTMX = {"HX-Request": "true"}


@request("GET /drafts/<int:draft_id>/")
def _draft_page(s: Shop) -> Call:
    return Call(f"/drafts/{s.draft(scans=s.serials('Q'))}/")


@request("POST /drafts/<int:draft_id>/scan")
def _scan_page(s: Shop) -> Call:
    draft_id = s.draft(scans=s.serials("V"))
    return Call(f"/drafts/{draft_id}/scan", {"serial": s.tag("V-b")}, role="clerk", headers=HTMX)


@request("POST /drafts/<int:draft_id>/remove")
def _remove_page(s: Shop) -> Call:
    scans = s.serials("K")
    return Call(f"/drafts/{s.draft(scans=scans)}/remove", {"serial": scans[0]}, role="clerk",
                headers=HTMX)


@request("POST /drafts/<int:draft_id>/bulk")
def _bulk_page(s: Shop) -> Call:
    draft_id = s.draft(scans=s.serials("M"))
    return Call(f"/drafts/{draft_id}/bulk", {"serials": "\n".join(s.serials("B"))},
                role="clerk", headers=HTMX)


@request("POST /drafts/<int:draft_id>/dismiss")
def _dismiss_page(s: Shop) -> Call:
    draft_id = s.draft(scans=s.serials("R"))
    s.api("POST", f"/api/drafts/{draft_id}/serials", {"serials": s.serials("R")}, role="clerk",
          status=200)  # the same again: each refused, into the scan log
    return Call(f"/drafts/{draft_id}/dismiss", {}, role="clerk", headers=HTMX)


@request("POST /documents/<str:number>/again")
def _again_page(s: Shop) -> Call:
    draft_id = s.draft(scans=s.serials("AG"))
    number = s.api("POST", f"/api/drafts/{draft_id}/post", role="clerk")["document"]
    return Call(f"/documents/{number}/again", {}, status=302, role="clerk")


@request("POST /drafts/<int:draft_id>/expected")
def _expected_page(s: Shop) -> Call:
    return Call(f"/drafts/{s.draft(scans=s.serials('E'))}/expected",
                {"expected_quantity": str(s.many)}, status=302, role="clerk")


@request("GET /drafts/<int:draft_id>/discard")
def _discard_ask(s: Shop) -> Call:
    return Call(f"/drafts/{s.draft(scans=s.serials('J'))}/discard", role="clerk")


@request("POST /drafts/<int:draft_id>/discard")
def _discard_page(s: Shop) -> Call:
    return Call(f"/drafts/{s.draft(scans=s.serials('Z'))}/discard", status=302, role="clerk")


@request("POST /drafts/<int:draft_id>/post")
def _post_page(s: Shop) -> Call:
    return Call(f"/drafts/{s.draft(scans=s.serials('H'))}/post", status=302,
                role="clerk")


# set-up (web/setup.py): the lists show a page of 25; a record's page and form; "My tokens"
plain("GET /setup/", "/setup/", role="manager")
plain("GET /setup/products/", "/setup/products/?q=e", role="manager")
plain("GET /setup/products/new/", "/setup/products/new/", role="manager")
plain("GET /setup/products/try-pattern", "/setup/products/try-pattern?serial_pattern=S-%5Cd%2B"
      "&samples=S-1%0AX-1", role="manager")
plain("GET /setup/products/preview-serials", "/setup/products/preview-serials?sku=GEN-1"
      "&serial_template=G-%7Bseq:04%7D", role="manager")
plain("GET /setup/warehouses/", "/setup/warehouses/", role="manager")
plain("GET /setup/warehouses/new/", "/setup/warehouses/new/", role="manager")
plain("GET /setup/warehouses/<str:code>/", "/setup/warehouses/WH1/", role="manager")
plain("GET /setup/parties/", "/setup/parties/?role=customer", role="manager")
plain("GET /setup/parties/new/", "/setup/parties/new/", role="manager")
plain("GET /setup/users/", "/setup/users/", role="admin")
plain("GET /setup/users/new/", "/setup/users/new/", role="admin")
plain("GET /setup/users/<str:username>/", "/setup/users/viewer-1/", role="admin")
plain("GET /tokens/", "/tokens/")


def _product_id(sku: str) -> int:
    from serialtrack.inventory.models import Product

    return Product.objects.get(sku=sku).pk


def _party_id(name: str) -> int:
    from serialtrack.inventory.models import Party

    return Party.objects.get(name=name).pk


@request("GET /setup/products/<int:product_id>/")
def _setup_product(s: Shop) -> Call:
    return Call(f"/setup/products/{_product_id('GEN-1')}/", role="manager")


@request("GET /setup/products/<int:product_id>/edit/")
def _setup_product_edit(s: Shop) -> Call:
    return Call(f"/setup/products/{_product_id('HT-1')}/edit/", role="manager")


@request("POST /setup/products/new/")
def _setup_product_new(s: Shop) -> Call:
    return Call("/setup/products/new/", {"sku": s.tag("WEB-"), "tracking": "serial",
                                         "gtin": "", "warranty_days": "30"}, 302, "manager")


@request("POST /setup/products/<int:product_id>/edit/")
def _setup_product_save(s: Shop) -> Call:
    sku = s.tag("EDIT-")
    s.api("POST", "/api/products", {"sku": sku, "tracking": "none"})
    return Call(f"/setup/products/{_product_id(sku)}/edit/",
                {"name": "Edited", "tracking": "serial", "serial_pattern": "E-\\d+"}, 302,
                "manager")


@request("POST /setup/warehouses/new/")
def _setup_warehouse_new(s: Shop) -> Call:
    return Call("/setup/warehouses/new/", {"code": s.tag("SW-")}, 302, "manager")


@request("POST /setup/warehouses/<str:code>/")
def _setup_bin(s: Shop) -> Call:
    return Call("/setup/warehouses/WH1/", {"bin": s.tag("SB-")}, 302, "manager")


@request("POST /setup/parties/new/")
def _setup_party_new(s: Shop) -> Call:
    return Call("/setup/parties/new/", {"name": s.tag("Web party "), "supplier": "on",
                                        "email": "a@example.com"}, 302, "manager")


@request("GET /setup/parties/<int:party_id>/")
def _setup_party(s: Shop) -> Call:
    return Call(f"/setup/parties/{_party_id('Customer A')}/", role="manager")


@request("GET /setup/parties/<int:party_id>/edit/")
def _setup_party_edit(s: Shop) -> Call:
    return Call(f"/setup/parties/{_party_id('Customer A')}/edit/", role="manager")


@request("POST /setup/parties/<int:party_id>/edit/")
def _setup_party_save(s: Shop) -> Call:
    return Call(f"/setup/parties/{_party_id('Customer B')}/edit/",
                {"customer": "on", "phone": s.tag("+1 ")}, 302, "manager")


@request("POST /setup/users/new/")
def _setup_user_new(s: Shop) -> Call:
    return Call("/setup/users/new/", {"username": s.tag("web-user-"), "role": "clerk",
                                      "password": PASSWORD}, 200, "admin")


@request("POST /setup/users/<str:username>/")
def _setup_user_save(s: Shop) -> Call:
    name = s.tag("role-change-")
    s.api("POST", "/api/users", {"username": name, "role": "viewer", "password": PASSWORD},
          role="admin")
    return Call(f"/setup/users/{name}/", {"role": "clerk", "active": "on"}, 302, "admin")


@request("POST /tokens/")
def _my_token(s: Shop) -> Call:
    return Call("/tokens/", {"name": s.tag("gun ")}, 200, "clerk")


@request("POST /tokens/<int:token_id>/revoke")
def _revoke_mine(s: Shop) -> Call:
    from serialtrack.accounts.services import create_token

    return Call(f"/tokens/{create_token('clerk-1')[0].pk}/revoke", status=302, role="clerk")


# -- measuring ---------------------------------------------------------------------------------

LOGOUTS = ("POST /logout/", "POST /api/auth/logout")


def run(s: Shop, key: str) -> int:
    """The queries of one representative request (its set-up not counted)."""
    from django.utils import timezone

    from serialtrack.accounts.models import ApiToken

    method, path = key.split(" ", 1)
    call = REQUESTS[key](s)
    # A token's last use is written at most once a minute: keep it fresh, so that no request
    # happens to be the one that writes it.
    ApiToken.objects.update(last_used_at=timezone.now())
    is_api = path.startswith("/api/")
    # Logging out ends the browser session it is asked with: a session of its own.
    ends_session = key in LOGOUTS
    if call.role is None or (is_api and not ends_session):
        client = Client()
    elif ends_session:
        client = s.fresh_session(call.role)
    else:
        client = s.sessions[call.role]
    token = s.tokens[call.role] if is_api and call.role and not ends_session else None
    with CaptureQueriesContext(connection) as ctx:
        if is_api:
            response = api_request(client, method, call.url, call.body, token, call.headers,
                                   call.form)
        else:
            kwargs: dict[str, Any] = {"headers": call.headers}
            if call.body is not None:
                kwargs["data"] = call.body
            response = getattr(client, method.lower())(call.url, **kwargs)
    assert response.status_code == call.status, (key, response.status_code,
                                                 getattr(response, "content", b"")[:500])
    return len(ctx.captured_queries)


def seed(s: Shop, user: Any) -> None:
    """The small shop: five units received (RCV-000001), one shipped (SHP-000001) and back,
    one on hold; a lot, plain stock, a product with a serial template."""
    from serialtrack import catalog

    receive(user, [f"S-{n}" for n in range(1, 6)])
    busy_unit(user, "S-2", 1)
    posting.hold(product="HT-1", serials=["S-5"], user=user)
    posting.receive(warehouse="WH1", product="SAL-1", quantity=50, lot="L1", user=user)
    posting.receive(warehouse="WH1", product="CBL-1", quantity=100, user=user)
    catalog.create_product("GEN-1", "Generated", "serial", serial_template="G-{seq:04}")


def grow(s: Shop, user: Any) -> None:
    """Hundreds more units, documents and history rows, and more of every list."""
    from serialtrack import catalog

    for n in range(20):
        catalog.create_product(f"MORE-{n}", "More", "serial")
        catalog.create_warehouse(f"MW{n}")
        catalog.create_bin(f"MW{n}", "A-01")
        catalog.create_party(f"Grown party {n}", customer=True, supplier=n % 2 == 0)
        posting.receive(warehouse="WH1", product="SAL-1", quantity=5, lot=f"LOT-{n}", user=user)
    for n in range(150):  # 150 receipts of 3 units
        receive(user, [f"G{n}-{k}" for k in range(3)], warehouse="WH2")
    for n in range(100):  # 100 shipments, 50 of them back
        shp = ship(user, [f"G{n}-0", f"G{n}-1"], warehouse="WH2")
        if n % 2:
            posting.receive_return(shipment=shp.number, serials=[f"G{n}-0"], user=user)
    busy_unit(user, "S-2", 10)  # the unit the lookups read
    posting.hold(product="HT-1", serials=[f"G{n}-2" for n in range(50)], user=user)
    for n in range(10):
        s.draft(scans=[f"DR{n}-{k}" for k in range(5)])
        s.import_job()


def measure_all(s: Shop) -> dict[str, int]:
    counts = {}
    for key in sorted(REQUESTS):
        counts[key] = run(s, key)
    s.round += 1
    return counts


def test_every_route_and_page_makes_a_constant_pinned_number_of_queries(shop: dict, user: Any,
                                                                         settings: Any) -> None:
    settings.GENUINE_CHECK = True  # the public genuineness check is measured switched on
    settings.GENUINE_CHECK_PER_MINUTE = 10**6
    s = Shop()
    seed(s, user)
    small = measure_all(s)
    grow(s, user)
    large = measure_all(s)
    grows = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert not grows, f"queries grow with the data (small shop, grown shop): {grows}"
    if WRITE:
        pins = json.loads(PINS_FILE.read_text()) if PINS_FILE.exists() else {}
        for key, n in small.items():
            old = pins.get(key)
            other = "postgresql" if backend() == "sqlite" else "sqlite"
            other_n = old.get(other) if isinstance(old, dict) else old
            pins[key] = n if other_n in (None, n) else {backend(): n, other: other_n}
        lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(pins.items())]
        PINS_FILE.write_text("{\n" + ",\n".join(lines) + "\n}\n")
        pytest.skip(f"wrote {PINS_FILE.name} for {backend()}: review the diff")
    pins = {k: pin_for(v) for k, v in load_pins().items()}
    differ = {k: {"pinned": pins.get(k), "measured": n} for k, n in small.items()
              if pins.get(k) != n}
    assert not differ, f"query counts differ from {PINS_FILE.name} ({backend()}): {differ}"
