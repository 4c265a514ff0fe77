"""The speed tricks kept: the few places where serialtrack goes around Django, django-ninja or
the ORM, each because it pays at least a tenth of a hot path's time (the scan, the unit
lookups) in the measurement of docs/benchmarks.md, section "Bypasses"
(`python -m benchmarks.bypasses`). Tricks that paid less were dropped for the plain way.
Each one has a test that its results equal the plain way's (tests/test_fastpath.py).

* `fetch` / `execute`: a statement on the driver's cursor instead of Django's cursor wrapper.
  Used by the statements every scan and lookup runs (the token check, the open draft, the unit
  seeks, the scan's insert) and the receipt's duplicate checks.
* `Joined`: model instances from one hand-written join instead of an ORM query with
  `select_related`. Used by the token check (`accounts.services.authenticate_token`: the token,
  its user and the user's role in one statement) and by the open draft
  (`posting.drafts.get_draft`: the draft with its line, product, party and related document).
* `json_response`: the scan's answer rendered as it is built, not validated and rendered again
  by django-ninja against its response schema.
* `BrowserMiddleware`: static files (whitenoise), sessions, CSRF, the signed-in user and htmx
  serve the web pages and browser sessions; a scanner or script calls the API with a personal
  token (`Authorization: Bearer …`), has no session, no CSRF cookie and no static file to fetch,
  and its user comes from the token. Those five middlewares run as one layer that token
  requests under /api/ go around. Everything else (security headers, the NUL guard,
  idempotency, the API's own checks) runs for every request. A token request that also carries
  a session cookie is judged by its token alone: a wrong token is refused, not rescued by the
  session.

This module sits with the database plumbing at the bottom of the package: it imports Django
only; the statements that use it live with the models they read."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

__all__ = ["BrowserMiddleware", "Joined", "bearer_token", "execute", "fetch", "json_response"]


# -- the driver's cursor ---------------------------------------------------------------------------
# When Django records statements (DEBUG, or a test counting queries) they go through its cursor,
# so they are seen and counted like any other.

@functools.lru_cache(maxsize=4096)
def _driver_sql(sql: str, vendor: str) -> str:
    """`sql` with the driver's placeholders: what Django's SQLite cursor rewrites on every call,
    once per statement text."""
    if vendor != "sqlite":
        return sql
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one read statement (`%s` placeholders), on the default database."""
    return _direct(sql, params, _rows)


def execute(sql: str, params: Sequence[Any]) -> int:
    """One write statement (`%s` placeholders) on the default database, committed with the
    transaction it runs in (at once outside one); the number of rows it wrote."""
    return _direct(sql, params, _rowcount)


def _rows(cursor: Any) -> list[tuple[Any, ...]]:
    return cursor.fetchall()


def _rowcount(cursor: Any) -> int:
    return cursor.rowcount


def _direct(sql: str, params: Sequence[Any], result: Callable[[Any], Any]) -> Any:
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.queries_logged:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return result(cursor)
    conn.ensure_connection()
    conn.validate_no_broken_transaction()  # as Django's cursor does before every statement
    with conn.wrap_database_errors:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(_driver_sql(sql, conn.vendor), params)
            return result(cursor)
        finally:
            cursor.close()


# -- model instances from a hand-written join ------------------------------------------------------

Converter = Callable[[Any, Any, Any], Any]


class Joined:
    """The columns of `parts` (model, table alias) in one SELECT list, and the instances
    (None for a LEFT JOIN that found nothing) built from a row of it, each as the ORM builds
    it: the database's converters on its values, then `Model.from_db`."""

    def __init__(self, *parts: tuple[type[models.Model], str]) -> None:
        self.parts = parts
        self.fields = [(model, alias, list(model._meta.concrete_fields)) for model, alias in parts]
        self.select = ", ".join(f"{alias}.{f.column}" for _m, alias, fields in self.fields
                                for f in fields)
        self.names = [[f.attname for f in fields] for _m, _a, fields in self.fields]
        self.pk_at = [fields.index(model._meta.pk) for model, _a, fields in self.fields]
        self._converters: dict[str, list[list[tuple[int, Any, list[Converter]]]]] = {}

    def _converters_for(self, connection: Any) -> list[list[tuple[int, Any, list[Converter]]]]:
        """Per part, (field index, converters) of the fields that need converting on this
        database (SQLite returns dates as text, decimals as floats, JSON as text …)."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for model, _alias, fields in self.fields:
                table = model._meta.db_table
                found.append([(i, f.get_col(table), conv) for i, f in enumerate(fields)
                              if (conv := connection.ops.get_db_converters(f.get_col(table))
                                  + f.get_db_converters(connection))])
            self._converters[connection.vendor] = found
        return found

    def build(self, row: Sequence[Any]) -> list[models.Model | None]:
        connection = connections[DEFAULT_DB_ALIAS]
        out: list[models.Model | None] = []
        start = 0
        for (model, _alias, fields), names, pk_at, converters in zip(
                self.fields, self.names, self.pk_at, self._converters_for(connection), strict=True):
            values = list(row[start:start + len(fields)])
            start += len(fields)
            if values[pk_at] is None:  # a LEFT JOIN that found nothing
                out.append(None)
                continue
            for i, expression, conv in converters:
                for fn in conv:
                    values[i] = fn(values[i], expression, connection)
            out.append(model.from_db(connection.alias, names, values))
        return out


# -- an answer django-ninja does not check again ---------------------------------------------------

def json_response(data: dict[str, Any]) -> HttpResponse:
    """The JSON answer of a hot route whose view builds `data` in its response schema's shape
    from plain values (int, str, bool, None, lists and dicts of them); django-ninja would
    validate it against the schema and render it again. The OpenAPI schema still names the
    route's schema, and the tests hold the answers to it."""
    return HttpResponse(json.dumps(data).encode(), content_type="application/json; charset=utf-8")


# -- token requests around the browser's middleware ------------------------------------------------

# In the order they ran in MIDDLEWARE (outermost first).
BROWSER_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Routes that work on the session whatever the request carries.
SESSION_ROUTES = ("/api/auth/login", "/api/auth/logout")
_SCRIPT = "_serialtrack_token_request"


def bearer_token(request: HttpRequest) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None without one. Read from the WSGI
    environ (`request.headers` would copy every header first); the scheme in any case and the
    token after one or more spaces (RFC 9110). Every reader of the header goes through here:
    this layer, the API's token check, its docs and idempotency scope."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def token_request(request: HttpRequest) -> bool:
    """An API call with a bearer token (what the API's TokenAuth reads), outside the session
    routes."""
    path = request.path_info
    return (path.startswith("/api/") and not path.startswith(SESSION_ROUTES)
            and bearer_token(request) is not None)


class BrowserMiddleware:
    """BROWSER_MIDDLEWARE as one layer, built the way Django builds its own chain (each one
    converting exceptions to responses), their `process_view` hooks run in order; token requests
    go straight to the next layer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.direct = get_response
        handler: Any = get_response
        self.view_hooks: list[Callable[..., HttpResponse | None]] = []
        for path in reversed(BROWSER_MIDDLEWARE):
            instance = import_string(path)(handler)
            for hook in ("process_exception", "process_template_response"):
                if hasattr(instance, hook):  # none of them has these: no need to carry them
                    raise TypeError(f"{path}.{hook} would not run inside BrowserMiddleware")
            if hasattr(instance, "process_view"):
                self.view_hooks.insert(0, instance.process_view)
            handler = convert_exception_to_response(instance)
        self.browser = handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if token_request(request):
            setattr(request, _SCRIPT, True)
            return self.direct(request)
        return self.browser(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any
                     ) -> HttpResponse | None:
        if getattr(request, _SCRIPT, False):
            return None
        for hook in self.view_hooks:
            response = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None
