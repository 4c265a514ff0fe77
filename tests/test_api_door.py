"""The API's door, as a script author or an attacker meets it over HTTP: who is asked to
authenticate (401 before CSRF or role checks), and which text gets in at all."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from serialtrack.accounts.models import ApiToken
from serialtrack.accounts.services import create_token, create_user, revoke_token
from tests.test_api import ROLES, Api, concrete, routes_table

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
