"""The REST API: every route's role, the walkthrough over HTTP, problem details, bad input,
sessions with CSRF, idempotency, drafts and large receipts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from serialtrack.accounts.services import create_token, create_user
from serialtrack.api import routes  # noqa: F401 - registers the routes
from serialtrack.inventory.models import Document, Movement, Unit
from tests.conftest import routes_table
from tests.helpers.api import ROLES, Api, concrete, setup_shop

PUBLIC = {("GET", "/api/health"), ("POST", "/api/auth/login"), ("GET", "/api/genuine")}


def test_every_route_has_a_role_and_the_roles_hold(users: dict[str, Api]) -> None:
    table = routes_table()
    assert len(table) >= 40
    public = {(m, p) for m, p, r in table if r is None}
    assert public == PUBLIC, "a route without a role rule"
    for method, path, needed in table:
        if needed is None:
            continue
        url = concrete(path)
        body = {} if method in ("POST", "PATCH", "PUT") else None
        assert users["anonymous"](method, url, body).status_code == 401, (method, path)
        for name in ROLES:
            status = users[name](method, url, body).status_code
            allowed = ROLES.index(name) >= ROLES.index(needed)
            if allowed:
                assert status not in (401, 403), (method, path, name, status)
            else:
                assert status == 403, (method, path, name, status)
            assert status < 500, (method, path, name, status)


def test_walkthrough_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    setup_shop(manager)
    serials = [f"device-{n:05d}" for n in range(121, 126)]
    rcv = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                          "supplier": "Scanners Wholesale", "serials": serials})
    assert rcv.status_code == 201, rcv.content
    shp = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                           "product": "HT-200", "serials": ["device-00123"]})
    assert shp.status_code == 201
    shp_number = shp.json()["document"]
    ret = clerk("POST", "/api/returns", {"shipment": shp_number, "serials": ["device-00123"],
                                         "disposition": "repair"})
    assert ret.status_code == 201 and ret.json()["related"] == shp_number
    rpr = manager("POST", "/api/repairs/ship-back", {"product": "HT-200",
                                                     "serials": ["device-00123"]})
    assert rpr.status_code == 201 and rpr.json()["party"] == "Customer A"
    history = viewer("GET", "/api/products/HT-200/units/device-00123/history").json()
    assert [m["kind"] for m in history["movements"]] == ["receipt", "shipment", "return", "repair"]
    assert all(m["user"] for m in history["movements"])
    warranty = viewer("GET", "/api/warranty/device-00123").json()
    assert warranty["sold_to"] == "Customer A" and warranty["under_warranty"] is True
    stock = viewer("GET", "/api/stock").json()
    assert stock["units"][0]["serials"] == [s for s in serials if s != "device-00123"]
    found = viewer("GET", "/api/units/by-serial/device-00123").json()
    assert [(u["product"], u["status"], u["holder"]) for u in found] == [
        ("HT-200", "shipped", "Customer A")]


def test_refusal_is_problem_details_listing_every_serial(users: dict[str, Api]) -> None:
    setup_shop(users["manager"])
    users["clerk"]("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                             "serials": ["A1"]})
    before = Movement.objects.count()
    r = users["clerk"]("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                                 "serials": ["A1", "A2", "A2", "bad\tone"]})
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert sorted((e["code"], e["serial"]) for e in body["errors"]) == [
        ("duplicate_serial", "A1"), ("duplicate_serial", "A2"), ("invalid_serial", "bad\tone")]
    assert all({"serial", "line", "field", "code", "message"} <= set(e) for e in body["errors"])
    assert Movement.objects.count() == before
    missing = users["viewer"]("GET", "/api/products/NOPE")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_bad_input_never_500(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    cases = [
        ("{not json", 400),
        (json.dumps({"warehouse": "WH1", "product": "HT-200", "serials": "A1"}), 422),
        (json.dumps({"warehouse": "WH1", "product": "HT-200", "serials": [1, 2]}), 422),
        (json.dumps({"warehouse": "WH1", "product": "HT-200", "serials": ["A"], "qty": 1}), 422),
        (json.dumps({"warehouse": "WH1", "product": "HT-200", "quantity": -1}), 422),
        (json.dumps([1, 2, 3]), 422),
        ("", 422),
    ]
    for body, expected in cases:
        r = clerk("POST", "/api/receipts", body)
        assert r.status_code == expected, (body, r.status_code, r.content)
        assert r["Content-Type"] == "application/problem+json"
    unknown = clerk("POST", "/api/receipts", json.dumps(
        {"warehouse": "WH1", "product": "HT-200", "serials": ["A"], "colour": "red"})).json()
    assert unknown["errors"][0]["field"] == "colour"


def test_huge_body_is_refused_with_413(users: dict[str, Api], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"warehouse": "WH1", "product": "HT-200", "serials": [f"S{n:06d}" for n in range(5000)]}
    r = users["clerk"]("POST", "/api/receipts", body)
    assert r.status_code == 413 and "10,000 bytes" in r.json()["detail"]


def test_session_login_needs_csrf_for_writes(db: Any) -> None:
    create_user("sam", "manager", "correct horse battery")
    browser = Api(client=Client(enforce_csrf_checks=True))
    login = browser("POST", "/api/auth/login", {"username": "sam", "password": "correct horse battery"})
    assert login.status_code == 200 and login.json()["role"] == "manager"
    assert browser("GET", "/api/products").status_code == 200
    assert browser("POST", "/api/warehouses", {"code": "W9"}).status_code == 403
    token = browser.client.cookies["csrftoken"].value
    ok = browser("POST", "/api/warehouses", {"code": "W9"}, **{"X-CSRFToken": token})
    assert ok.status_code == 201


def test_browser_layer_for_sessions_not_for_tokens(db: Any) -> None:
    """Sessions, CSRF and the signed-in user run for browsers (web pages and API sessions);
    a token request goes around them and is judged by its token alone."""
    create_user("kim", "clerk", "correct horse battery")
    _token, raw = create_token("kim")
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/login/", {"username": "kim", "password": "correct horse battery"}
                        ).status_code == 403  # the sign-in form itself is CSRF-checked
    browser.get("/login/")
    csrf = browser.cookies["csrftoken"].value
    signed_in = browser.post("/login/", {"username": "kim", "password": "correct horse battery",
                                         "csrfmiddlewaretoken": csrf})
    assert signed_in.status_code == 302
    home = browser.get("/")
    assert home.status_code == 200 and home["X-Frame-Options"] == "DENY"  # no clickjacking
    assert browser.post("/receive/", {}).status_code == 403  # a web form without its token
    api_session = Api(client=browser)
    assert api_session("GET", "/api/auth/me").json()["username"] == "kim"
    # A wrong token is refused even beside a valid session cookie; a right one works and its
    # request gets no session cookie back.
    assert api_session("GET", "/api/auth/me", Authorization="Bearer st_0000_wrong").status_code == 401
    mine = api_session("GET", "/api/auth/me", Authorization=f"Bearer {raw}")
    assert mine.status_code == 200 and mine.json()["username"] == "kim"
    assert "sessionid" not in mine.cookies and "csrftoken" not in mine.cookies
    # The session routes work on the session whatever the request carries.
    other = Api(raw, client=Client())
    login = other("POST", "/api/auth/login", {"username": "kim", "password": "correct horse battery"})
    assert login.status_code == 200 and "sessionid" in login.cookies


def test_the_bearer_scheme_is_read_whatever_its_case(db: Any) -> None:
    """RFC 9110: the authentication scheme is case-insensitive and spaces separate it from the
    token; another scheme, or none, is no token."""
    create_user("kim", "viewer", "correct horse battery")
    _token, raw = create_token("kim")
    for header in (f"Bearer {raw}", f"bearer {raw}", f"BEARER {raw}", f"Bearer  {raw}"):
        answer = Api()("GET", "/api/auth/me", Authorization=header)
        assert answer.status_code == 200 and answer.json()["username"] == "kim", header
    for header in (f"Token {raw}", f"Basic {raw}", raw, "Bearer", "Bearer ", f"Bearer {raw}x"):
        assert Api()("GET", "/api/auth/me", Authorization=header).status_code == 401, header


def test_login_is_throttled(db: Any) -> None:
    create_user("pat", "viewer", "correct horse battery")
    browser = Api()
    for _ in range(5):
        assert browser("POST", "/api/auth/login",
                       {"username": "pat", "password": "wrong"}).status_code == 401
    right = browser("POST", "/api/auth/login", {"username": "pat", "password": "correct horse battery"})
    assert right.status_code == 429


def test_idempotency_key_posts_once(users: dict[str, Api]) -> None:
    setup_shop(users["manager"])
    body = {"warehouse": "WH1", "product": "HT-200", "serials": ["K1", "K2"]}
    first = users["clerk"]("POST", "/api/receipts", body, **{"Idempotency-Key": "abc-1"})
    again = users["clerk"]("POST", "/api/receipts", body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Document.objects.filter(kind="receipt").count() == 1
    other = users["clerk"]("POST", "/api/receipts", {**body, "serials": ["K3"]},
                           **{"Idempotency-Key": "abc-1"})
    assert other.status_code == 422
    # Another caller's same key is their own.
    mine = users["manager"]("POST", "/api/receipts", {**body, "serials": ["K9"]},
                            **{"Idempotency-Key": "abc-1"})
    assert mine.status_code == 201


def test_draft_scans_get_verdicts_and_post(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200", "serials": ["OLD-1"]})
    draft = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-200",
                                          "warehouse": "WH1", "supplier": "Scanners Wholesale",
                                          "expected_quantity": 3})
    assert draft.status_code == 201
    draft_id = draft.json()["id"]
    url = f"/api/drafts/{draft_id}/serials"
    verdicts = clerk("POST", url, {"serials": ["N-1", "N-1", "OLD-1", "", "N-2"]}).json()
    assert [(v["serial"], v["accepted"], v["code"]) for v in verdicts["verdicts"]] == [
        ("N-1", True, None), ("N-1", False, "duplicate_serial"),
        ("OLD-1", False, "duplicate_serial"), ("", False, "invalid_serial"), ("N-2", True, None)]
    again = clerk("POST", url, {"serials": ["N-2"]}).json()["verdicts"][0]
    assert again["accepted"] is False and "already in this draft" in again["message"]
    assert clerk("POST", url, {"serials": ["N-3", "N-4"]}).json()["scanned"] == 4
    assert clerk("DELETE", f"{url}/N-4").json()["scanned"] == 3
    posted = clerk("POST", f"/api/drafts/{draft_id}/post")
    assert posted.status_code == 201, posted.content
    assert posted.json()["id"] == draft_id and posted.json()["document"].startswith("RCV-")
    assert set(Unit.objects.filter(last_document_id=draft_id).values_list("serial", flat=True)) == {
        "N-1", "N-2", "N-3"}
    assert clerk("POST", url, {"serials": ["N-9"]}).status_code == 422  # posted: not a draft


def test_shipment_draft_refuses_units_not_in_stock_at_the_scan(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    users["manager"]("POST", "/api/warehouses", {"code": "WH2"})
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200", "serials": ["S1", "S2"]})
    clerk("POST", "/api/receipts", {"warehouse": "WH2", "product": "HT-200", "serials": ["S3"]})
    clerk("POST", "/api/holds", {"product": "HT-200", "serials": ["S2"]})
    draft_id = clerk("POST", "/api/drafts", {"kind": "shipment", "product": "HT-200",
                                             "warehouse": "WH1", "customer": "Customer A"}).json()["id"]
    verdicts = clerk("POST", f"/api/drafts/{draft_id}/serials",
                     {"serials": ["S1", "S2", "S3", "S9"]}).json()["verdicts"]
    assert [(v["serial"], v["accepted"]) for v in verdicts] == [
        ("S1", True), ("S2", False), ("S3", False), ("S9", False)]
    assert "on hold" in verdicts[1]["message"] and "WH2" in verdicts[2]["message"]
    assert clerk("POST", f"/api/drafts/{draft_id}/post").status_code == 201
    assert Unit.objects.get(serial="S1").status == "shipped"


@pytest.mark.slow
def test_100000_serial_receipt_in_one_request_and_as_chunked_draft(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    one = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                          "serials": [f"A{n:07d}" for n in range(100_000)]})
    assert one.status_code == 201 and one.json()["lines"][0]["quantity"] == 100_000
    draft_id = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-200",
                                             "warehouse": "WH1"}).json()["id"]
    for chunk in range(10):
        serials = [f"B{n:07d}" for n in range(chunk * 10_000, (chunk + 1) * 10_000)]
        r = clerk("POST", f"/api/drafts/{draft_id}/serials", {"serials": serials}).json()
        assert r["scanned"] == (chunk + 1) * 10_000
    posted = clerk("POST", f"/api/drafts/{draft_id}/post")
    assert posted.status_code == 201 and posted.json()["lines"][0]["quantity"] == 100_000
    assert Unit.objects.count() == 200_000


def test_schema_and_docs_need_a_login(users: dict[str, Api]) -> None:
    assert users["anonymous"]("GET", "/api/openapi.json").status_code == 401
    schema = users["viewer"]("GET", "/api/openapi.json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.1")
    browser = Client()
    sent_away = browser.get("/api/docs", headers={"Accept": "text/html"})
    assert sent_away.status_code == 302 and sent_away["Location"] == "/login/?next=/api/docs"
    wrong = browser.post("/login/", {"username": "viewer-1", "password": "nope"})
    assert wrong.status_code == 401 and b"Wrong username or password" in wrong.content
    signed = browser.post("/login/", {"username": "viewer-1", "password": "correct horse battery",
                                      "next": "/api/docs"})
    assert signed.status_code == 302 and signed["Location"] == "/api/docs"
    assert browser.get("/api/docs").status_code == 200
    assert browser.get("/api/products").status_code == 200


def test_draft_can_be_discarded_but_a_posted_document_cannot(users: dict[str, Api]) -> None:
    clerk = users["clerk"]
    setup_shop(users["manager"])
    new = {"kind": "receipt", "product": "HT-200", "warehouse": "WH1"}
    draft_id = clerk("POST", "/api/drafts", new).json()["id"]
    clerk("POST", f"/api/drafts/{draft_id}/serials", {"serials": ["D-1", "D-2"]})
    assert clerk("DELETE", f"/api/drafts/{draft_id}").json() == {"discarded": draft_id}
    assert clerk("GET", f"/api/drafts/{draft_id}").status_code == 404
    posted_id = clerk("POST", "/api/drafts", new).json()["id"]
    clerk("POST", f"/api/drafts/{posted_id}/serials", {"serials": ["D-3"]})
    assert clerk("POST", f"/api/drafts/{posted_id}/post").status_code == 201
    assert clerk("DELETE", f"/api/drafts/{posted_id}").status_code == 422
    assert Document.objects.filter(pk=posted_id, status="posted").exists()
    bad = clerk("POST", "/api/drafts", {"kind": "return", "shipment": "SHP-000001",
                                        "disposition": "burn"})
    assert bad.status_code == 422


def test_a_document_ref_that_only_looks_like_an_id_is_unknown(users: dict[str, Api]) -> None:
    """'²6' is a digit string to Python but no id; nor is a number past the key range: both
    are documents nobody has (404), not server errors (schemathesis found the first)."""
    viewer = users["viewer"]
    for ref in ("%C2%B26", "99999999999999999999", "%D9%A3"):
        r = viewer("GET", f"/api/documents/{ref}")
        assert r.status_code == 404 and r["Content-Type"] == "application/problem+json", ref


def test_nul_characters_are_refused_before_the_database(users: dict[str, Api]) -> None:
    viewer, clerk = users["viewer"], users["clerk"]
    for path in ("/api/documents/%00", "/api/lots?product=A%00B", "/api/history/x%00"):
        r = viewer("GET", path)
        assert r.status_code == 400 and r["Content-Type"] == "application/problem+json", path
    r = clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT\u0000", "serials": ["A"]})
    assert r.status_code == 422 and "NUL" in r.json()["detail"]  # a field to name (test_api_door)
    assert r.json()["errors"][0]["field"] == "product"


def test_scan_and_lookup_paths_reach_their_own_routes() -> None:
    """A path that is a prefix of another route's reaches its own route, not the longer one."""
    from django.urls import resolve

    assert resolve("/api/drafts/7/serials").route == "api/drafts/<draft_id>/serials"
    assert resolve("/api/drafts/7/serials/SN-1").route == "api/drafts/<draft_id>/serials/<serial>"
    assert resolve("/api/products/P-1/units/SN-1/history").route == \
        "api/products/<sku>/units/<serial>/history"
    assert resolve("/api/units/by-serial/SN-1").route == "api/units/by-serial/<serial>"
