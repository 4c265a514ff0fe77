"""Users, API tokens and password logins: the only code that writes accounts.

Tokens look like `st_<prefix>_<secret>`. The prefix is public (shown in lists); the database
keeps only the SHA-256 of the whole token, so a lookup is one indexed equality on the hash and
nothing that could recreate a token is stored. Passwords are hashed by Django (Argon2)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from serialtrack.accounts.models import ApiToken, LoginFailure
from serialtrack.accounts.roles import _CACHE as ROLE_CACHE
from serialtrack.accounts.roles import ROLES, role_of, role_problem, set_role
from serialtrack.errors import InvalidInput, NotFound, Problem
from serialtrack.fastpath import fetch

__all__ = [
    "ROLES",
    "authenticate_password",
    "authenticate_token",
    "change_user",
    "clear_login_failures",
    "create_token",
    "create_user",
    "ensure_first_admin",
    "list_tokens",
    "list_users",
    "login_allowed",
    "record_login_failure",
    "revoke_token",
]

TOKEN_MARK = "st"
PREFIX_BYTES = 4  # 8 hex characters
SECRET_BYTES = 32  # 43 url-safe characters
MAX_TOKEN_LENGTH = 128
MIN_PASSWORD_LENGTH = 8
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_LOGIN_FAILURES = 5
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


# -- users -------------------------------------------------------------------------------------

def generate_password() -> str:
    return secrets.token_urlsafe(18)


def _is_placeholder(user: Any) -> bool:
    """A user that exists only as a name on postings (`system_user`): it cannot log in, has no
    role and no token. `create_user` may take it over."""
    return (not user.has_usable_password() and not user.is_superuser and role_of(user) is None
            and not user.api_tokens.exists())


def create_user(username: str, role: str, password: str | None = None) -> tuple[Any, str | None]:
    """Create a user with a role. Without a password a random one is generated and returned
    (show it once); with one, None is returned in its place. A name known only from postings
    (no password, role or token) is taken over rather than refused as a duplicate."""
    User = get_user_model()
    username = (username or "").strip()
    problems: list[Problem] = []
    existing = None
    if not username:
        problems.append(Problem("invalid", "username is empty", field="username"))
    elif len(username) > 150:
        problems.append(Problem("invalid", "username is longer than 150 characters",
                                field="username"))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            problems.append(Problem("invalid", f"username {username!r} may contain only letters, "
                                    "digits and @ . + - _", field="username"))
        else:
            existing = User.objects.filter(username=username).first()
            if existing is not None and not _is_placeholder(existing):
                problems.append(Problem("duplicate", f"user {username!r} already exists",
                                        field="username"))
    bad_role = role_problem(role)
    if bad_role:
        problems.append(bad_role)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem("invalid", f"password is shorter than {MIN_PASSWORD_LENGTH} "
                                "characters", field="password"))
    if problems:
        raise InvalidInput(problems)

    generated = generate_password() if password is None else None
    try:
        with transaction.atomic():
            user = existing or User(username=username)
            user.is_active = True
            user.set_password(password if password is not None else generated)
            user.save()
            set_role(user, role)
    except IntegrityError:  # created by someone else between the check and the insert
        raise InvalidInput([Problem("duplicate", f"user {username!r} already exists",
                                    field="username")]) from None
    return user, generated


def change_user(username: str, *, role: str, active: bool, by: Any = None) -> Any:
    """Set a user's role and whether it may sign in. `by`, the admin making the change, cannot
    take the admin role away from themselves nor deactivate themselves (nobody would be left to
    undo it)."""
    user = get_user(username)
    problems: list[Problem] = []
    bad_role = role_problem(role)
    if bad_role:
        problems.append(bad_role)
    if by is not None and by.pk == user.pk and (role != "admin" or not active):
        problems.append(Problem("invalid", "you cannot take the admin role from yourself or "
                                "deactivate yourself; another admin can", field="role"))
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        set_role(user, role)
        if user.is_active != active:
            user.is_active = active
            user.save(update_fields=["is_active"])
    return user


def get_user(username: str) -> Any:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound([Problem("not_found", f"no user {username!r}", field="username")])
    return user


def list_users() -> list[dict[str, Any]]:
    """Every user with its role, whether it is active, its usable tokens and its last login."""
    User = get_user_model()
    now = timezone.now()
    usable = Q(api_tokens__revoked_at__isnull=True) & (
        Q(api_tokens__expires_at__isnull=True) | Q(api_tokens__expires_at__gt=now))
    users = (User.objects.order_by("username").prefetch_related("groups")
             .annotate(token_count=Count("api_tokens", filter=usable)))
    return [{"username": u.username, "role": role_of(u), "active": u.is_active,
             "tokens": u.token_count, "last_login": u.last_login} for u in users]


def ensure_first_admin() -> tuple[str, str] | None:
    """On a database without an (active) admin, create user `admin` with role admin and a
    random password, and return (username, password) to print once; otherwise None.
    If the name `admin` belongs to someone else, `admin-2`, `admin-3`… is used instead.
    Concurrent callers are serialized: exactly one creates the admin."""
    User = get_user_model()
    admins = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name="admin"))
    if admins.exists():
        return None
    with transaction.atomic():  # SQLite: BEGIN IMMEDIATE already holds the write lock
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FIRST_ADMIN_LOCK])
        if admins.exists():
            return None
        taken = set(User.objects.filter(username__regex=r"^admin(-[0-9]+)?$")
                    .values_list("username", flat=True))
        n = 1
        while True:
            username = "admin" if n == 1 else f"admin-{n}"
            existing = User.objects.filter(username=username).first() if username in taken else None
            if existing is None or _is_placeholder(existing):
                break
            n += 1
        password = generate_password()
        user = existing or User(username=username)
        user.is_active = True
        user.set_password(password)
        user.save()
        set_role(user, "admin")
    return username, password


_FIRST_ADMIN_LOCK = 0x5E41AD  # any constant: the advisory lock that serializes the first admin


# -- API tokens --------------------------------------------------------------------------------

def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(username: str, name: str = "", expires_days: int | None = None
                 ) -> tuple[ApiToken, str]:
    """A new token for the user. Returns the row and the raw token (shown once, not stored)."""
    user = get_user(username)
    name = (name or "").strip()
    problems: list[Problem] = []
    if not user.is_active:
        problems.append(Problem("invalid", f"user {username!r} is inactive", field="username"))
    if len(name) > 100:
        problems.append(Problem("invalid", "token name is longer than 100 characters", field="name"))
    if expires_days is not None and not 1 <= expires_days <= 36500:
        problems.append(Problem("invalid", f"expiry {expires_days} days must be 1 to 36500",
                                field="expires_days"))
    if problems:
        raise InvalidInput(problems)
    prefix = secrets.token_hex(PREFIX_BYTES)
    raw = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=hash_token(raw),
                                    expires_at=expires_at)
    return token, raw


def token_dict(token: ApiToken, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    if token.revoked_at:
        state = "revoked"
    elif token.expires_at and token.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {"id": token.pk, "user": token.user.username, "name": token.name,
            "prefix": f"{TOKEN_MARK}_{token.prefix}_", "state": state,
            "created_at": token.created_at, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at, "last_used_at": token.last_used_at}


def list_tokens(username: str | None = None) -> list[dict[str, Any]]:
    """Tokens (never their secret), newest first; of one user when a username is given."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if username is not None:
        tokens = tokens.filter(user=get_user(username))
    now = timezone.now()
    return [token_dict(t, now) for t in tokens]


def revoke_token(token_id: int, owner: str | None = None) -> ApiToken:
    """Revoke a token (revoking it again keeps the first revocation time). With `owner`, only a
    token of that user: another's is refused as unknown (its existence is not revealed)."""
    mine = ApiToken.objects.filter(pk=token_id)
    if owner is not None:
        mine = mine.filter(user__username=owner)
        if not mine.exists():
            raise NotFound([Problem("not_found", f"no token {token_id}", field="id")])
    mine.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound([Problem("not_found", f"no token {token_id}", field="id")])
    return token


def _well_formed(raw: Any) -> bool:
    if not isinstance(raw, str) or not 0 < len(raw) <= MAX_TOKEN_LENGTH or not raw.isascii():
        return False
    mark, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    return mark == TOKEN_MARK and len(prefix) == 2 * PREFIX_BYTES and bool(secret)


def authenticate_token(raw: str) -> Any:
    """The active user a raw token belongs to, or None (unknown, malformed, revoked, expired, or
    its user inactive). One indexed lookup by the token's hash: no secret is compared, so
    timing reveals nothing about it. `last_used_at` is written at most once a minute."""
    if not _well_formed(raw):
        return None
    # Every API request of a script or scanner comes here: one hand-written statement fetches the
    # token, its user and the user's role, where the ORM would make two queries (a kept bypass:
    # serialtrack/fastpath.py; docs/benchmarks.md, section "Bypasses").
    from serialtrack.queries.units import as_datetime

    rows = fetch(_build_token_sql(), [hash_token(raw)])
    if not rows:
        return None
    row = rows[0]
    token_id, expires_at, last_used_at, role = row[:4]
    expires_at, last_used_at = as_datetime(expires_at), as_datetime(last_used_at)
    (user,) = _token_user().build(row[4:])
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        return None
    if not user.is_active:
        return None
    setattr(user, ROLE_CACHE, "admin" if user.is_superuser else role)
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


@functools.cache
def _token_user() -> Any:
    """The user's columns in the token statement, and the user built from them."""
    from serialtrack.fastpath import Joined

    return Joined((get_user_model(), "u"))


@functools.cache
def _build_token_sql() -> str:
    """Token, role (the lowest of the user's role groups, as `role_of` decides) and user."""
    ranks = " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(ROLES))
    return ("SELECT t.id, t.expires_at, t.last_used_at, "
            "(SELECT g.name FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
            f"WHERE ug.user_id = u.id AND g.name IN ({', '.join(repr(r) for r in ROLES)}) "
            f"ORDER BY CASE g.name {ranks} END LIMIT 1), {_token_user().select} "
            "FROM accounts_apitoken t JOIN auth_user u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL")


# -- password logins ---------------------------------------------------------------------------

def _clip(username: str) -> str:
    return (username or "")[:150]


def login_allowed(username: str, ip: str) -> bool:
    """False once the username has MAX_LOGIN_FAILURES failures within LOGIN_WINDOW."""
    since = timezone.now() - LOGIN_WINDOW
    failures = LoginFailure.objects.filter(username=_clip(username), at__gte=since).count()
    return failures < MAX_LOGIN_FAILURES


def record_login_failure(username: str, ip: str) -> None:
    """Log one failure (and forget this username's failures older than the window)."""
    now = timezone.now()
    LoginFailure.objects.filter(username=_clip(username), at__lt=now - LOGIN_WINDOW).delete()
    LoginFailure.objects.create(username=_clip(username), ip=(ip or "")[:64], at=now)


def clear_login_failures(username: str) -> None:
    LoginFailure.objects.filter(username=_clip(username)).delete()


def authenticate_password(request: Any, username: str, password: str, ip: str) -> Any:
    """The user for a username and password, or None. Refused without checking the password
    once the username is throttled; a failure is recorded, a success clears the failures.
    Inactive users are refused (Django's ModelBackend)."""
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        return None
    if not login_allowed(username, ip):
        return None
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_login_failure(username, ip)
        return None
    clear_login_failures(username)
    return user
