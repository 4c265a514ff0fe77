"""`serialtrack.fastpath`: each speed trick kept answers what the plain Django, django-ninja or
ORM way answers — the driver's cursor what Django's cursor does, the instances built from a
hand-written join what the ORM builds (the open draft, the token's user and role), the scan's
answer what django-ninja renders from its schema, and a token request around the browser's
middleware what it gets through Django's own middleware chain."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.transaction import TransactionManagementError
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serialtrack.accounts.models import ApiToken
from serialtrack.accounts.roles import _CACHE as ROLE_CACHE
from serialtrack.accounts.roles import role_of
from serialtrack.accounts.services import (
    authenticate_token,
    create_token,
    create_user,
    hash_token,
)
from serialtrack.api import schemas
from serialtrack.fastpath import BROWSER_MIDDLEWARE, execute, fetch, json_response
from serialtrack.inventory.models import DraftLine
from serialtrack.posting import drafts, receive, ship


def _fields(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _same(fast: Model | None, slow: Model | None) -> None:
    assert type(fast) is type(slow)
    if slow is not None:
        assert fast is not None and fast == slow and _fields(fast) == _fields(slow)
        assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db)


# -- the driver's cursor -----------------------------------------------------------------------------

def test_fetch_and_execute_answer_what_djangos_cursor_answers(shop: dict[str, Any]) -> None:
    read = ("SELECT sku, name, tracking FROM inventory_product "
            "WHERE sku LIKE %s AND name LIKE 'H%%' ORDER BY sku")
    with connection.cursor() as cursor:
        cursor.execute(read, ["HT%"])
        assert fetch(read, ["HT%"]) == cursor.fetchall() == [("HT-1", "Handheld terminal",
                                                               "serial")]
    write = "UPDATE inventory_product SET name = name || %s WHERE sku IN (%s, %s)"
    with connection.cursor() as cursor:
        cursor.execute(write, ["!", "HT-1", "NOPE"])
        assert execute(write, ["?", "HT-1", "CBL-1"]) == 2 and cursor.rowcount == 1
    assert fetch("SELECT name FROM inventory_product WHERE sku = %s", ["HT-1"]) == [
        ("Handheld terminal!?",)]


def test_the_driver_cursor_fails_as_djangos_does(shop: dict[str, Any]) -> None:
    insert = ("INSERT INTO inventory_product (sku, name, tracking, gtin, serial_pattern, "
              "serial_template, warranty_days, created_at) SELECT sku, name, tracking, gtin, "
              "serial_pattern, serial_template, warranty_days, created_at "
              "FROM inventory_product WHERE sku = %s")
    with pytest.raises(IntegrityError), transaction.atomic():  # Django's class, not the driver's
        execute(insert, ["HT-1"])
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            execute(insert, ["HT-1"])
        with pytest.raises(TransactionManagementError):  # the transaction is broken
            fetch("SELECT 1", [])
        with pytest.raises(TransactionManagementError), connection.cursor() as cursor:
            cursor.execute("SELECT 1")


def test_statements_are_counted_when_django_records_them(shop: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as seen:
        fetch("SELECT sku FROM inventory_product WHERE sku = %s", ["HT-1"])
        execute("UPDATE inventory_product SET name = %s WHERE sku = %s", ["x", "HT-1"])
    assert [q["sql"].split()[0] for q in seen.captured_queries] == ["SELECT", "UPDATE"]


# -- instances from a hand-written join ------------------------------------------------------------

def _orm_draft(draft_id: int) -> DraftLine:
    return (DraftLine.objects.select_related("document", "document__party", "document__related",
                                             "product").get(document_id=draft_id))


def test_the_open_draft_is_what_the_orm_reads(shop: dict[str, Any], user: Any) -> None:
    receive(warehouse="WH1", product="HT-1", serials=["SN-1", "SN-2"], user=user)
    shipped = ship(warehouse="WH1", customer="Customer A", product="HT-1", serials=["SN-1"],
                   user=user)
    opened = [
        drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1/A-01",
                            supplier="Supplier S", cost="12.5", expected_quantity=3,
                            expiry=dt.date(2031, 5, 1), reference="PO-1", user=user),
        drafts.create_draft(kind="return", product="HT-1", warehouse="WH1",
                            shipment=shipped.number, user=user),
        drafts.create_draft(kind="shipment", product="HT-1", warehouse="WH1",
                            customer="Customer B", user=user),
    ]
    drafts.add_scans(opened[0].pk, ["N-1", "N-2"], user)
    for draft in opened:
        doc, line = drafts.get_draft(draft.pk), _orm_draft(draft.pk)
        _same(doc, line.document)
        _same(doc.draft, line)
        _same(doc.draft.product, line.product)
        _same(doc.party, line.document.party)
        _same(doc.related, line.document.related)
    assert drafts.get_draft(opened[0].pk).draft.scanned == 2
    assert drafts.get_draft(opened[1].pk).related == shipped


def test_the_open_draft_reads_and_saves_like_an_orm_instance(shop: dict[str, Any],
                                                             user: Any) -> None:
    opened = drafts.create_draft(kind="shipment", product="HT-1", warehouse="WH1",
                                 customer="Customer A", user=user)
    doc = drafts.get_draft(opened.pk)
    assert doc.draft.product.sku == "HT-1" and doc.party.name == "Customer A"
    assert doc.draft.document_id == doc.pk  # a relation read through its key, not a copy
    assert doc.draft.document == doc
    doc.reference = "PO-7"
    doc.save(update_fields=["reference"])
    assert type(doc).objects.get(pk=doc.pk).reference == "PO-7"


def _orm_token(raw: str) -> tuple[Any, str | None]:
    """The token's user and role as the ORM reads them: the token with its user, then the
    user's role groups."""
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_token(raw), revoked_at__isnull=True).first())
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None, None
    user = token.user
    return (user, role_of(user)) if user.is_active else (None, None)


def test_the_token_check_answers_what_the_orm_answers(db: Any) -> None:
    User = get_user_model()
    tokens: dict[str, str] = {}
    for name, role in (("clerk", "clerk"), ("viewer", "viewer"), ("both", "manager"),
                       ("gone", "clerk"), ("old", "clerk"), ("off", "clerk"), ("none", None)):
        create_user(name, role or "viewer", "correct horse battery")
        token, tokens[name] = create_token(name)
        if role is None:
            User.objects.get(username=name).groups.clear()
        if name == "old":
            ApiToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - dt.timedelta(seconds=1))
        if name == "gone":
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    User.objects.get(username="both").groups.add(Group.objects.get(name="viewer"))
    User.objects.filter(username="off").update(is_active=False)
    root = User.objects.create_superuser("root", password="correct horse battery")
    _token, tokens["root"] = create_token("root")
    tokens["unknown"] = tokens["clerk"][:-2] + "xx"
    tokens["malformed"] = "st_nope"
    for name, raw in tokens.items():
        expected_user, expected_role = _orm_token(raw) if name != "malformed" else (None, None)
        found = authenticate_token(raw)
        _same(found, expected_user)
        if found is not None:
            assert getattr(found, ROLE_CACHE) == expected_role == role_of(
                User.objects.get(pk=found.pk)), name
    assert getattr(authenticate_token(tokens["root"]), ROLE_CACHE) == "admin" and root.is_superuser
    assert getattr(authenticate_token(tokens["both"]), ROLE_CACHE) == "viewer"  # the lowest
    found = authenticate_token(tokens["clerk"])
    assert found.check_password("correct horse battery")


# -- the scan's answer ---------------------------------------------------------------------------------

def test_the_scan_answer_is_what_ninja_renders_from_its_schema(shop: dict[str, Any],
                                                               user: Any) -> None:
    receive(warehouse="WH1", product="HT-1", serials=["OLD-1"], user=user)
    draft = drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1",
                                expected_quantity=5, user=user)
    verdicts = drafts.add_scans(draft.pk, ["NEW-1", "NEW-1", "OLD-1", " ", "NEW-\u00e9"], user)
    summary = drafts.draft_summary(drafts.get_draft(draft.pk))
    summary["verdicts"] = [v.__dict__ for v in verdicts]
    fast = json_response(summary)
    assert json.loads(fast.content) == schemas.DraftOut.model_validate(summary).model_dump(
        mode="json")
    assert fast["Content-Type"] == "application/json; charset=utf-8"
    assert {v["accepted"] for v in json.loads(fast.content)["verdicts"]} == {True, False}


# -- token requests around the browser's middleware ---------------------------------------------------

def _plain_middleware() -> list[str]:
    out: list[str] = []
    for name in settings.MIDDLEWARE:
        out.extend(BROWSER_MIDDLEWARE if name.endswith(".BrowserMiddleware") else [name])
    return out


def _answers(client: Client, draft: int) -> list[tuple[int, list[tuple[str, str]], Any]]:
    """The answers to a scanner's requests, the draft's id taken out of them."""
    calls = [("get", "/api/units/by-serial/SN-1", None), ("get", "/api/products/HT-1/units/SN-1", None),
             ("get", "/api/products/HT-1/units/NOPE", None), ("get", "/api/units/by-serial/%C2%B26", None),
             ("post", f"/api/drafts/{draft}/serials", {"serials": ["NEW-1", "SN-1", "NEW-1"]}),
             ("post", f"/api/drafts/{draft}/serials", {"serials": []}),
             ("post", "/api/receipts", {"warehouse": "WH1", "product": "HT-1", "serials": ["SN-1"]}),
             ("get", "/static/serialtrack/app.js", None), ("get", "/api/openapi.json", None)]
    out = []
    for method, path, body in calls:
        response = (client.post(path, json.dumps(body), content_type="application/json")
                    if method == "post" else client.get(path))
        content = (b"".join(response.streaming_content) if response.streaming
                   else response.content)
        text = content.decode().replace(f'"id": {draft},', '"id": "<draft>",')
        out.append((response.status_code, sorted(response.items()), text))
    return out


def test_token_requests_answer_as_through_djangos_own_middleware(shop: dict[str, Any],
                                                                 user: Any) -> None:
    create_user("scanner", "clerk", "correct horse battery")
    _token, raw = create_token("scanner")
    receive(warehouse="WH1", product="HT-1", serials=["SN-1"], user=user)
    first, second = (drafts.create_draft(kind="receipt", product="HT-1", warehouse="WH1",
                                         user=user).pk for _ in range(2))
    for header in (f"Bearer {raw}", f"Bearer {raw[:-1]}x", "Basic abc"):
        fast = _answers(Client(HTTP_AUTHORIZATION=header), first)
        with override_settings(MIDDLEWARE=_plain_middleware()):
            plain = _answers(Client(HTTP_AUTHORIZATION=header), second)
        assert fast == plain, header
        first, second = second, first
    assert [status for status, _h, _t in fast][:2] == [401, 401]  # "Basic": no token, no session
