"""The API's door, as a script author or an attacker meets it over HTTP: who is asked to
authenticate (401 before CSRF or role checks), and which text gets in at all."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from serialtrack.accounts.models import ApiToken
from serialtrack.accounts.services import create_token, create_user, revoke_token
from serialtrack.serials import shown
from tests.conftest import backend, routes_table
from tests.helpers.api import ROLES, Api, concrete

WRITES = ("POST", "PUT", "PATCH", "DELETE")
PASSWORD = "correct horse battery"


def write_routes() -> list[tuple[str, str, str]]:
    """(method, path, role) of every write operation the API serves, read from the API."""
    table = [(m, p, r) for m, p, r in routes_table() if m in WRITES and r is not None]
    assert len(table) >= 25
    return table


def browser_session(username: str) -> Api:
    """A browser signed in through the API, CSRF enforced as in a real browser."""
    browser = Api(client=Client(enforce_csrf_checks=True))
    login = browser("POST", "/api/auth/login", {"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.content
    return browser


def unauthorized(response: Any) -> bool:
    return (response.status_code == 401
            and response["WWW-Authenticate"].startswith("Bearer")
            and response["Content-Type"] == "application/problem+json")


@pytest.mark.django_db
def test_without_credentials_every_write_is_401_before_csrf_and_roles() -> None:
    """Anonymous, a made-up token, a revoked and an expired token: 401 with a Bearer challenge
    on every write route (never a CSRF refusal), the same through a CSRF-enforcing client."""
    for name in ROLES:
        create_user(f"{name}-1", name, PASSWORD)
    revoked, revoked_raw = create_token("admin-1")
    revoke_token(revoked.pk)
    expired, expired_raw = create_token("admin-1")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    strict = Client(enforce_csrf_checks=True)
    callers = {
        "anonymous": Api(client=strict),
        "made-up token": Api("st_0000_madeupmadeupmadeupmadeup", client=strict),
        "revoked token": Api(revoked_raw, client=strict),
        "expired token": Api(expired_raw, client=strict),
    }
    for method, path, _role in write_routes():
        for who, caller in callers.items():
            r = caller(method, concrete(path), {})
            assert unauthorized(r), (method, path, who, r.status_code, r.content)
            if who != "anonymous":
                assert 'error="invalid_token"' in r["WWW-Authenticate"]


@pytest.mark.django_db
def test_csrf_is_for_sessions_and_roles_stay_403() -> None:
    """A signed-in browser's write without its CSRF token is 403 naming CSRF; with it, a role
    too low is 403 naming the role; a token is never asked for CSRF."""
    for name in ROLES:
        create_user(f"{name}-1", name, PASSWORD)
    admin = browser_session("admin-1")
    viewer = browser_session("viewer-1")
    viewer_csrf = {"X-CSRFToken": viewer.client.cookies["csrftoken"].value}
    _token, raw = create_token("viewer-1")
    viewer_token = Api(raw, client=Client(enforce_csrf_checks=True))
    for method, path, role in write_routes():
        url = concrete(path)
        no_csrf = admin(method, url, {})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"], (method, path)
        if role == "viewer":
            continue
        for caller, headers in ((viewer, viewer_csrf), (viewer_token, {})):
            low = caller(method, url, {}, **headers)
            assert low.status_code == 403, (method, path, low.status_code, low.content)
            assert f"needs the {role} role" in low.json()["detail"], (method, path)
    # The admin's session with its token passes the door (and logout works once asked right).
    csrf = {"X-CSRFToken": admin.client.cookies["csrftoken"].value}
    made = admin("POST", "/api/warehouses", {"code": "W9"}, **csrf)
    assert made.status_code == 201, made.content
    assert admin("POST", "/api/auth/logout", {}, **csrf).status_code == 200
    assert unauthorized(admin("POST", "/api/warehouses", {"code": "W8"}, **csrf))


def test_reads_answer_401_with_the_challenge_too(db: Any) -> None:
    r = Api()("GET", "/api/products")
    assert unauthorized(r) and r["WWW-Authenticate"] == 'Bearer realm="serialtrack"'
    assert json.loads(r.content)["status"] == 401


# -- text that cannot be stored (findings 1 and 3) ----------------------------------------------

def _shop(callers: dict[str, Api]) -> None:
    from tests.helpers.api import setup_shop

    setup_shop(callers["manager"])
    made = callers["clerk"]("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                                    "serials": ["A1", "A2"]})
    assert made.status_code == 201
    shipped = callers["clerk"]("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                                        "customer": "Customer A",
                                                        "serials": ["A2"]})
    assert shipped.status_code == 201


def _posted() -> tuple[int, int]:
    from serialtrack.inventory.models import Document, Movement

    return Document.objects.count(), Movement.objects.count()


@pytest.mark.parametrize("bad, code", [("\ud800", "invalid_text"), ("\udfff", "invalid_text"),
                                       ("\x00", "control_character")])
def test_unstorable_text_is_422_naming_field_and_serial(users: dict[str, Api],
                                                        bad: str, code: str) -> None:
    """A lone surrogate (a JSON `\\ud800`) or a NUL in any string of a body: 422 problem
    details naming the field, and the serial when the field holds one — never a 500."""
    _shop(users)
    clerk = users["clerk"]
    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        ("/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                           "serials": ["B1", f"B{bad}2"]}, "serials.1", f"B{bad}2"),
        ("/api/receipts", {"warehouse": f"WH{bad}", "product": "HT-200", "serials": ["B3"]},
         "warehouse", None),
        ("/api/shipments", {"warehouse": "WH1", "product": "HT-200", "customer": f"C{bad}",
                            "serials": ["A1"]}, "customer", None),
        ("/api/returns", {"shipment": "SHP-000001", "serials": [f"A2{bad}"]}, "serials.0",
         f"A2{bad}"),
        ("/api/returns", {"shipment": "SHP-000001", "serials": ["A2"],
                          "dispositions": {f"A2{bad}": "hold"}}, f"dispositions.A2{bad}",
         f"A2{bad}"),
        ("/api/holds", {"product": "HT-200", "serials": ["A1"], "reason": f"r{bad}"}, "reason",
         None),
        ("/api/labels", {"product": "HT-200", "serials": [f"L{bad}"]}, "serials.0", f"L{bad}"),
        ("/api/parties", {"name": f"P{bad}"}, "name", None),
    ]
    before = _posted()
    for path, body, field, serial in cases:
        caller = users["manager"] if path == "/api/parties" else clerk
        r = caller("POST", path, body)
        assert r.status_code == 422, (path, field, r.status_code, r.content)
        assert r["Content-Type"] == "application/problem+json"
        errors = r.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [
            (shown(field), code)], (path, errors)
        assert errors[0]["serial"] == (shown(serial) if serial else None), (path, errors)
        assert _posted() == before, path
    # The same body sent again, with an idempotency key, is the same refusal.
    body = {"warehouse": "WH1", "product": "HT-200", "serials": [f"K{bad}"]}
    first = clerk("POST", "/api/receipts", body, **{"Idempotency-Key": "k-text"})
    again = clerk("POST", "/api/receipts", body, **{"Idempotency-Key": "k-text"})
    assert first.status_code == again.status_code == 422
    # A surrogate pair (an emoji escaped in JSON) is text like any other: no refusal for it.
    emoji = clerk("POST", "/api/holds", {"product": "HT-200", "serials": ["A1"],
                                         "reason": "\ud83d\ude00 dropped"})
    assert emoji.status_code == 201, emoji.content


def test_unstorable_text_is_judged_after_authentication(db: Any) -> None:
    r = Api()("POST", "/api/receipts", {"warehouse": "WH1", "product": "P", "serials": ["\ud800"]})
    assert unauthorized(r)


def test_web_forms_refuse_nul_naming_the_field(users: dict[str, Api]) -> None:
    """A web form can carry a NUL (`%00`; Django replaces bytes that are not UTF-8): 422 naming
    the field, nothing changed — after the CSRF check, which still comes first."""
    from django.contrib.auth import get_user_model

    _shop(users)
    browser = Client()
    browser.force_login(get_user_model().objects.get(username="clerk-1"))
    before = _posted()
    r = browser.post("/receive/", {"product": "HT-200", "warehouse": "WH1",
                                   "supplier": "Scanners\x00Wholesale"})
    assert r.status_code == 422 and b"supplier" in r.content and b"NUL" in r.content
    r = browser.post("/hold/", {"product": "HT-200", "reason": "x", "find": "A\x001"})
    assert r.status_code == 422 and b"find" in r.content
    assert _posted() == before
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(get_user_model().objects.get(username="clerk-1"))
    assert strict.post("/receive/", {"supplier": "\x00"}).status_code == 403


def test_imports_name_each_unstorable_cell(cli: Any, tmp_path: Any) -> None:
    """An import file with a byte that is not UTF-8 and a NUL: exit 3 naming row and column (and
    the serial), nothing posted."""
    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    path = tmp_path / "units.csv"
    path.write_bytes(b"product,serial,lot,expiry,cost,warehouse,bin,quantity\n"
                     b"HT-1,S1,,,,WH1,,\nHT-1,S\xff2,,,,WH1,,\nHT-1,S3,,,,W\x00H1,,\n")
    body = cli.json("import", str(path), check=3)
    assert [(e["line"], e["field"], e["code"], e.get("serial")) for e in body["errors"]] == [
        (3, "serial", "invalid_text", "S\\udcff2"), (4, "warehouse", "control_character", None)]
    assert "0xFF" in body["errors"][0]["message"]
    assert cli.json("stock")["units"] == []


# -- idempotency keys of requests that died (finding 5; the SIGKILL itself: test_serve_idempotency)

def test_a_claim_whose_process_is_gone_does_not_block_the_retry(
        users: dict[str, Api]) -> None:
    """A claim left by a request whose process died (no answer recorded) is taken over by the
    retry, which posts; a claim by a running request answers 409 with Retry-After."""
    import hashlib
    import subprocess

    from serialtrack.api.idempotency import this_process
    from serialtrack.api.models import IdempotencyRecord
    from tests.helpers.api import setup_shop

    setup_shop(users["manager"])
    clerk = users["clerk"]
    body = {"warehouse": "WH1", "product": "HT-200", "serials": ["D1"]}
    fingerprint = hashlib.sha256(b"POST /api/receipts\n" + json.dumps(body).encode()).hexdigest()
    scope = "t:" + hashlib.sha256(clerk.headers["Authorization"][7:].encode()).hexdigest()[:40]
    gone = subprocess.Popen(["true"])  # a process that has ended
    gone.wait()
    host, boot, _pid, _start = this_process().split("|")
    IdempotencyRecord.objects.create(scope=scope, key="died-1", fingerprint=fingerprint,
                                     owner=f"{host}|{boot}|{gone.pid}|1")
    retried = clerk("POST", "/api/receipts", body, **{"Idempotency-Key": "died-1"})
    assert retried.status_code == 201, retried.content
    replay = clerk("POST", "/api/receipts", body, **{"Idempotency-Key": "died-1"})
    assert replay["Idempotent-Replayed"] == "true"
    # A claim from before the machine's last boot is stale too.
    IdempotencyRecord.objects.create(scope=scope, key="died-2", fingerprint=fingerprint,
                                     owner=f"{host}|another-boot|{os.getpid()}|1")
    body2 = {**body, "serials": ["D2"]}
    fingerprint2 = hashlib.sha256(b"POST /api/receipts\n" + json.dumps(body2).encode()).hexdigest()
    IdempotencyRecord.objects.filter(key="died-2").update(fingerprint=fingerprint2)
    assert clerk("POST", "/api/receipts", body2,
                 **{"Idempotency-Key": "died-2"}).status_code == 201
    # A claim whose process runs: on SQLite that is a running request (409, come back later);
    # on PostgreSQL a running request also holds the key's lock, and this claim holds none.
    body3 = {**body, "serials": ["D3"]}
    fingerprint3 = hashlib.sha256(b"POST /api/receipts\n" + json.dumps(body3).encode()).hexdigest()
    IdempotencyRecord.objects.create(scope=scope, key="running-3", fingerprint=fingerprint3,
                                     owner=this_process())
    answer = clerk("POST", "/api/receipts", body3, **{"Idempotency-Key": "running-3"})
    if backend() == "sqlite":
        assert answer.status_code == 409 and answer["Retry-After"] == "1"
        assert "still running" in answer.json()["detail"]
    else:
        assert answer.status_code == 201
