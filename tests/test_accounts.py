"""Users, roles and API tokens: the rules the REST API relies on, on the real database.

Roles are hierarchical; passwords and tokens are stored only as hashes; a token works until it
is revoked, expires or its user is deactivated; password guessing is throttled per username;
the first admin gets a random password, once; and the `serialtrack user|token` commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serialtrack.accounts import services
from serialtrack.accounts.models import ApiToken, LoginFailure
from serialtrack.accounts.roles import ROLES, has_role, role_of, set_role
from serialtrack.errors import InvalidInput, NotFound
from serialtrack.posting import system_user
from tests.conftest import Cli, new_database

PASSWORD = "correct horse battery staple"


def database_text() -> str:
    """Every row of every table, as text: what an attacker with a database dump would see."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def make_user(username: str, role: str | None = "clerk", password: str = PASSWORD) -> Any:
    if role is None:
        return system_user(username)
    user, _ = services.create_user(username, role, password)
    return user


# -- roles -------------------------------------------------------------------------------------

def test_roles_are_hierarchical(db: Any) -> None:
    users = {role: make_user(f"u-{role}", role) for role in ROLES}
    for held, user in users.items():
        assert role_of(user) == held
        for needed in ROLES:
            expected = ROLES.index(held) >= ROLES.index(needed)
            assert has_role(user, needed) is expected, (held, needed)
            fresh = get_user_model().objects.get(pk=user.pk)  # from the database, no cache
            assert has_role(fresh, needed) is expected, (held, needed)
    assert ROLES == ("viewer", "clerk", "manager", "admin")


def test_superuser_is_admin_and_no_role_means_nothing(db: Any) -> None:
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert role_of(root) == "admin" and has_role(root, "admin")
    nobody = make_user("nobody", None)
    assert role_of(nobody) is None
    assert not any(has_role(nobody, r) for r in ROLES)
    assert role_of(AnonymousUser()) is None
    assert not any(has_role(AnonymousUser(), r) for r in ROLES)
    assert not has_role(None, "viewer")


def test_inactive_user_has_no_role(db: Any) -> None:
    boss = make_user("boss", "admin")
    boss.is_active = False
    boss.save()
    boss = get_user_model().objects.get(pk=boss.pk)
    assert not any(has_role(boss, r) for r in ROLES)


def test_set_role_keeps_one_role_group(db: Any) -> None:
    user = make_user("ann", "admin")
    set_role(user, "viewer")
    fresh = get_user_model().objects.get(pk=user.pk)
    assert list(fresh.groups.values_list("name", flat=True)) == ["viewer"]
    assert role_of(fresh) == "viewer" and not has_role(fresh, "clerk")
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    set_role(root, "clerk")  # demoting a superuser takes away the superuser flag
    fresh = get_user_model().objects.get(pk=root.pk)
    assert not fresh.is_superuser and role_of(fresh) == "clerk"
    with pytest.raises(InvalidInput, match="'boss'"):
        set_role(fresh, "boss")
    assert role_of(get_user_model().objects.get(pk=root.pk)) == "clerk"


def test_two_role_groups_grant_the_lower(db: Any) -> None:
    user = make_user("eve", "viewer")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])  # a hand edit
    fresh = get_user_model().objects.get(pk=user.pk)
    assert role_of(fresh) == "viewer" and not has_role(fresh, "clerk")


# -- users and passwords -----------------------------------------------------------------------

def test_passwords_are_stored_as_argon2_hashes(db: Any) -> None:
    chosen, none = services.create_user("alice", "clerk", PASSWORD)
    generated_user, generated = services.create_user("bob", "viewer")
    assert none is None
    assert generated and len(generated) >= 16
    _, other = services.create_user("carol", "viewer")
    assert other != generated
    for user, plain in ((chosen, PASSWORD), (generated_user, generated)):
        stored = get_user_model().objects.get(pk=user.pk).password
        assert stored.startswith("argon2$argon2id$"), stored
        assert plain not in stored
    dump = database_text()
    assert PASSWORD not in dump and generated not in dump and other not in dump
    assert services.authenticate_password(None, "alice", PASSWORD, "10.0.0.1") == chosen
    assert services.authenticate_password(None, "bob", generated, "10.0.0.1") == generated_user


@pytest.mark.parametrize(("username", "role", "password", "field", "needle"), [
    ("dave", "boss", None, "role", "'boss'"),
    ("", "clerk", None, "username", "empty"),
    ("   ", "clerk", None, "username", "empty"),
    ("bad name!", "clerk", None, "username", "letters"),
    ("dave", "clerk", "short", "password", "shorter"),
])
def test_create_user_refusals(db: Any, username: str, role: str, password: str | None,
                              field: str, needle: str) -> None:
    before = get_user_model().objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.create_user(username, role, password)
    assert [(p.field, needle in p.message) for p in refused.value.problems] == [(field, True)]
    assert get_user_model().objects.count() == before


def test_duplicate_user_refused_but_posting_name_taken_over(db: Any) -> None:
    make_user("alice", "clerk")
    with pytest.raises(InvalidInput, match="already exists") as refused:
        services.create_user("alice", "admin")
    assert refused.value.problems[0].field == "username"
    assert role_of(get_user_model().objects.get(username="alice")) == "clerk"
    # A name known only from postings (no password, role, token) becomes a real user.
    placeholder = system_user("dave")
    user, password = services.create_user("dave", "manager")
    assert user.pk == placeholder.pk and role_of(user) == "manager"
    assert services.authenticate_password(None, "dave", password, "") == user


def test_list_users(db: Any, django_assert_num_queries: Any) -> None:
    make_user("zed", "viewer")
    alice = make_user("alice", "manager")
    services.create_token("alice")
    revoked, _ = services.create_token("alice")
    services.revoke_token(revoked.pk)
    expired, _ = services.create_token("alice", expires_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    alice.is_active = False
    alice.save()
    with django_assert_num_queries(2):  # users with token counts, their groups: any number
        rows = services.list_users()
    assert [(r["username"], r["role"], r["active"], r["tokens"]) for r in rows] == [
        ("alice", "manager", False, 1), ("zed", "viewer", True, 0)]
    assert {"last_login"} <= set(rows[0])


# -- API tokens --------------------------------------------------------------------------------

def test_token_is_shown_once_and_stored_hashed(db: Any) -> None:
    make_user("alice")
    token, raw = services.create_token("alice", "scanner 3", expires_days=30)
    mark, prefix, secret = raw.split("_", 2)
    assert mark == "st" and prefix == token.prefix and len(secret) >= 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    dump = database_text()
    assert raw not in dump and secret not in dump
    assert stored.key_hash in dump  # (the dump does see the token table)
    listed = json.dumps(services.list_tokens("alice"), default=str)
    assert secret not in listed and f"st_{prefix}_" in listed
    _, raw2 = services.create_token("alice")
    assert raw2 != raw


def test_authenticate_token(db: Any) -> None:
    alice = make_user("alice")
    token, raw = services.create_token("alice")
    assert services.authenticate_token(raw) == alice

    mark, prefix, secret = raw.split("_", 2)
    wrong = f"{mark}_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    for bad in (wrong, f"st_{'0' * 8}_{secret}", raw + "x", raw.upper(), " " + raw):
        assert services.authenticate_token(bad) is None, bad
    for malformed in ("", "st_", "st__", "Bearer " + raw, "x" * 10_000, "st_é" + raw[4:],
                      secret, None, 42):
        assert services.authenticate_token(malformed) is None, malformed  # type: ignore[arg-type]

    bob = make_user("bob")
    expiring, raw_expiring = services.create_token("bob", expires_days=1)
    assert services.authenticate_token(raw_expiring) == bob
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.authenticate_token(raw_expiring) is None

    revoked = services.revoke_token(token.pk)
    assert revoked.revoked_at is not None
    assert services.authenticate_token(raw) is None
    again = services.revoke_token(token.pk)  # idempotent: the first revocation stands
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        services.revoke_token(token.pk + 1000)

    _, raw_bob = services.create_token("bob")
    assert services.authenticate_token(raw_bob) == bob
    bob.is_active = False
    bob.save()
    assert services.authenticate_token(raw_bob) is None
    with pytest.raises(InvalidInput, match="inactive"):
        services.create_token("bob")
    with pytest.raises(NotFound):
        services.create_token("nobody")
    with pytest.raises(InvalidInput):
        services.create_token("alice", expires_days=0)


def test_token_use_is_one_lookup_and_touches_last_used_once_a_minute(db: Any) -> None:
    make_user("alice")
    token, raw = services.create_token("alice")
    with CaptureQueriesContext(connection) as first:
        services.authenticate_token(raw)
    assert len(first.captured_queries) == 2  # the lookup by hash, and stamping last_used_at
    lookup = first.captured_queries[0]["sql"]
    assert token.key_hash in lookup or "key_hash" in lookup
    used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert used is not None
    with CaptureQueriesContext(connection) as second:
        services.authenticate_token(raw)
    assert len(second.captured_queries) == 1  # no write within the minute
    assert ApiToken.objects.get(pk=token.pk).last_used_at == used
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used - dt.timedelta(minutes=2))
    services.authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > used - dt.timedelta(minutes=1)
    with CaptureQueriesContext(connection) as malformed:
        services.authenticate_token("not a token")
    assert len(malformed.captured_queries) == 0


# -- password throttle -------------------------------------------------------------------------

def test_throttle_blocks_the_sixth_attempt_even_with_the_right_password(db: Any) -> None:
    alice = make_user("alice")
    make_user("bob")
    for _ in range(5):
        assert services.login_allowed("alice", "10.0.0.9")
        assert services.authenticate_password(None, "alice", "guess", "10.0.0.9") is None
    assert not services.login_allowed("alice", "10.0.0.1")  # per username, whatever the address
    assert services.authenticate_password(None, "alice", PASSWORD, "10.0.0.1") is None
    assert services.login_allowed("bob", "10.0.0.9")  # other users are not locked out
    assert services.authenticate_password(None, "bob", PASSWORD, "10.0.0.9") is not None

    # Failures older than 15 minutes no longer count.
    LoginFailure.objects.filter(username="alice").update(
        at=timezone.now() - dt.timedelta(minutes=15, seconds=5))
    assert services.login_allowed("alice", "10.0.0.1")
    assert services.authenticate_password(None, "alice", PASSWORD, "10.0.0.1") == alice


def test_a_success_clears_failures(db: Any) -> None:
    alice = make_user("alice")
    for _ in range(4):
        services.authenticate_password(None, "alice", "guess", "10.0.0.9")
    assert LoginFailure.objects.filter(username="alice").count() == 4
    assert services.authenticate_password(None, "alice", PASSWORD, "10.0.0.9") == alice
    assert not LoginFailure.objects.filter(username="alice").exists()
    for _ in range(4):  # a fresh allowance of five
        services.authenticate_password(None, "alice", "guess", "10.0.0.9")
    assert services.authenticate_password(None, "alice", PASSWORD, "10.0.0.9") == alice


def test_throttle_counts_unknown_and_inactive_users(db: Any) -> None:
    for _ in range(5):
        assert services.authenticate_password(None, "ghost", PASSWORD, "10.0.0.9") is None
    assert not services.login_allowed("ghost", "10.0.0.9")
    carol = make_user("carol")
    carol.is_active = False
    carol.save()
    assert services.authenticate_password(None, "carol", PASSWORD, "10.0.0.9") is None
    assert LoginFailure.objects.filter(username="carol").count() == 1
    services.record_login_failure("x" * 500, "y" * 500)  # oversized input is clipped, not a crash
    services.clear_login_failures("ghost")
    assert services.login_allowed("ghost", "10.0.0.9")


# -- the first admin ---------------------------------------------------------------------------

def test_ensure_first_admin_creates_exactly_once(db: Any) -> None:
    make_user("clerk1", "clerk")
    first = services.ensure_first_admin()
    assert first is not None
    username, password = first
    assert username == "admin" and len(password) >= 16
    admin = services.authenticate_password(None, "admin", password, "")
    assert admin is not None and role_of(admin) == "admin"
    assert services.ensure_first_admin() is None
    assert get_user_model().objects.filter(username__startswith="admin").count() == 1
    assert password not in database_text()


def test_ensure_first_admin_respects_existing_admins_and_names(db: Any) -> None:
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert services.ensure_first_admin() is None
    root.is_active = False
    root.save()
    make_user("admin", "viewer")  # someone's real account is called admin: it is left alone
    username, password = services.ensure_first_admin() or ("", "")
    assert username == "admin-2"
    assert role_of(get_user_model().objects.get(username="admin")) == "viewer"
    assert services.authenticate_password(None, "admin", password, "") is None


def test_ensure_first_admin_takes_over_a_posting_name(db: Any) -> None:
    placeholder = system_user("admin")  # someone posted as "admin" before any login existed
    username, password = services.ensure_first_admin() or ("", "")
    assert username == "admin"
    user = services.authenticate_password(None, "admin", password, "")
    assert user is not None and user.pk == placeholder.pk and role_of(user) == "admin"


# -- the real command on fresh databases -------------------------------------------------------

def run_python(url: str, cwd: Path, code: str) -> Any:
    """Run `code` (after Django set-up) in a new process on database `url`; its last stdout line
    is JSON."""
    env = dict(os.environ, SERIALTRACK_DATABASE_URL=url)
    env.pop("SERIALTRACK_DEBUG", None)
    script = "from serialtrack.cli.common import bootstrap\nbootstrap()\nimport json\n" + code
    proc = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def another_db_url(tmp_path: Path) -> Iterator[str]:
    """A second new, empty database on the backend under test."""
    with new_database(tmp_path, filename="another.sqlite3") as url:
        yield url


FIRST_ADMIN = """
from serialtrack.accounts.services import authenticate_password, ensure_first_admin
first = ensure_first_admin()
second = ensure_first_admin()
ok = bool(first) and authenticate_password(None, first[0], first[1], "") is not None
print(json.dumps({"first": first, "second": second, "authenticates": ok}))
"""


@pytest.mark.slow
def test_two_fresh_databases_get_different_first_admin_passwords(
        cli: Cli, another_db_url: str, tmp_path: Path) -> None:
    one = run_python(cli.url, tmp_path, FIRST_ADMIN)
    two = run_python(another_db_url, tmp_path, FIRST_ADMIN)
    for result in (one, two):
        assert result["first"][0] == "admin" and result["authenticates"]
        assert result["second"] is None
    assert one["first"][1] != two["first"][1]
    assert run_python(cli.url, tmp_path, FIRST_ADMIN)["first"] is None  # and never again


@pytest.mark.slow
def test_cli_user_and_token_round_trip(cli: Cli, tmp_path: Path) -> None:
    added = cli("user", "add", "alice", "--role", "clerk")
    password = added.stdout.split("password:", 1)[1].split()[0]
    assert "alice" in added.stdout and "clerk" in added.stdout
    login = f"""
from serialtrack.accounts.services import authenticate_password
from serialtrack.accounts.roles import role_of
user = authenticate_password(None, "alice", {password!r}, "127.0.0.1")
print(json.dumps(user and [user.username, role_of(user)]))
"""
    assert run_python(cli.url, tmp_path, login) == ["alice", "clerk"]
    assert run_python(cli.url, tmp_path, login.replace(password, password + "x")) is None

    proc = subprocess.run([sys.executable, "-m", "serialtrack", "user", "add", "bob", "--role",
                           "manager", "--password-stdin", "--json"], input=PASSWORD + "\n",
                          cwd=tmp_path, env=cli.env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"username": "bob", "role": "manager", "password": None}

    users = cli.json("user", "list")
    assert [(u["username"], u["role"], u["active"], u["tokens"]) for u in users] == [
        ("alice", "clerk", True, 0), ("bob", "manager", True, 0)]

    created = cli("token", "create", "alice", "--name", "scanner", "--expires", "30")
    raw = next(w for w in created.stdout.split() if w.startswith("st_"))
    made = cli.json("token", "create", "bob")
    assert made["token"].startswith(made["prefix"]) and made["user"] == "bob"
    assert made["expires_at"] is None and made["state"] == "active"
    check = """
from serialtrack.accounts.services import authenticate_token
user = authenticate_token({raw!r})
print(json.dumps(user and user.username))
"""
    assert run_python(cli.url, tmp_path, check.format(raw=raw)) == "alice"
    assert run_python(cli.url, tmp_path, check.format(raw=made["token"])) == "bob"

    listed = cli.json("token", "list", "alice")
    assert [(t["user"], t["name"], t["state"]) for t in listed] == [("alice", "scanner", "active")]
    assert listed[0]["expires_at"] is not None
    assert raw not in cli("token", "list").stdout
    assert raw.split("_", 2)[2] not in json.dumps(cli.json("token", "list"))

    revoked = cli.json("token", "revoke", str(listed[0]["id"]))
    assert revoked["state"] == "revoked" and revoked["revoked_at"]
    assert cli.json("token", "revoke", str(listed[0]["id"]))["revoked_at"] == revoked["revoked_at"]
    assert run_python(cli.url, tmp_path, check.format(raw=raw)) is None
    assert run_python(cli.url, tmp_path, check.format(raw=made["token"])) == "bob"
    assert [t["state"] for t in cli.json("token", "list", "alice")] == ["revoked"]


@pytest.mark.slow
def test_cli_refusals_exit_3(cli: Cli) -> None:
    bad = cli("user", "add", "carol", "--role", "boss", check=3)
    assert "'boss'" in bad.stderr and "viewer, clerk, manager, admin" in bad.stderr
    doc = cli.json("user", "add", "carol", "--role", "boss", check=3)
    assert doc["code"] == "invalid" and doc["errors"][0]["field"] == "role"
    assert "'boss'" in doc["detail"]
    assert cli.json("user", "list") == []
    cli("user", "add", "carol", "--role", "viewer")
    dup = cli.json("user", "add", "carol", "--role", "admin", check=3)
    assert dup["errors"][0]["code"] == "duplicate"
    assert cli.json("token", "revoke", "999", check=3)["code"] == "not_found"
    assert cli.json("token", "create", "nobody", check=3)["code"] == "not_found"
    assert cli.json("token", "create", "carol", "--expires", "0", check=3)["errors"][0]["field"] == (
        "expires_days")
    cli("user", "add", "dave", check=2)  # --role is required: a usage error
