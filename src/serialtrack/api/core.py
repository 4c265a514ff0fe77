"""The API object: authentication (personal tokens, browser sessions with CSRF), role checks,
and every error as RFC 9457 problem details. Routes live in the sibling modules."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.utils import check_csrf

from serialtrack.api.guards import CheckedParser
from serialtrack.errors import Refused
from serialtrack.fastpath import bearer_token

log = logging.getLogger("serialtrack.api")
PROBLEM = "application/problem+json"
ROLE_ATTR = "serialtrack_role"


class Forbidden(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def _check_role(request: HttpRequest, user: Any, role: str) -> Any:
    from serialtrack.accounts.roles import has_role

    if user is None:
        return None
    if not has_role(user, role):
        raise Forbidden(f"this needs the {role} role")
    request.user = user
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer st_…` — personal API tokens for scripts and scanners."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def __call__(self, request: HttpRequest) -> Any:
        """The header as `bearer_token` reads it, not through `request.headers` (HttpBearer's
        way, which copies every header of the request on every API call)."""
        token = bearer_token(request)
        return None if token is None else self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from serialtrack.accounts.services import authenticate_token

        return _check_role(request, authenticate_token(token), self.role)


class BrowserSession(SessionAuth):
    """A logged-in browser: Django's session cookie, CSRF-checked on writes.

    Authentication comes first: a request without a signed-in session (anonymous, or one that
    sends a bearer token, which is judged by its token alone) is not this callback's, and so ends
    in 401 — never in a CSRF refusal for a session it does not have. A signed-in session's write
    without its CSRF token is 403, and so is a role it lacks."""

    def __init__(self, role: str) -> None:
        super().__init__(csrf=True)
        self.role = role

    def __call__(self, request: HttpRequest) -> Any:
        if bearer_token(request) is not None:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise Forbidden("CSRF check failed: a signed-in browser session sends its csrftoken "
                            "cookie back as the X-CSRFToken header on writes")
        return self.authenticate(request, None)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _check_role(request, request.user, self.role)


def role(name: str) -> list[Any]:
    """The `auth=` of a route that needs role `name` (viewer < clerk < manager < admin)."""
    callbacks = [TokenAuth(name), BrowserSession(name)]
    for cb in callbacks:
        setattr(cb, ROLE_ATTR, name)
    return callbacks


def signed_in(view: Any) -> Any:
    """The schema and the interactive docs are for signed-in users too (any role): a token, or
    a browser session — a browser without one is sent to the login page."""
    import functools

    from django.http import HttpResponseRedirect

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from serialtrack.accounts.roles import has_role
        from serialtrack.accounts.services import authenticate_token

        token = bearer_token(request)
        user = authenticate_token(token) if token is not None else getattr(request, "user", None)
        if user is not None and has_role(user, "viewer"):
            return view(request, *args, **kwargs)
        if "text/html" in request.headers.get("Accept", ""):
            return HttpResponseRedirect(f"/login/?next={request.path}")
        return problem(request, 401, "Not authenticated",
                       "log in or send Authorization: Bearer <token>")

    return wrapper


api = NinjaAPI(
    title="serialtrack",
    version="1",
    description=(
        "Serial-number inventory tracking. Authenticate with a personal token "
        "(`Authorization: Bearer …`, see `serialtrack token create`) or a browser session. "
        "Errors are RFC 9457 problem details; POSTs accept an `Idempotency-Key` header."
    ),
    urls_namespace="api",
    docs_decorator=signed_in,
    parser=CheckedParser(),
)


def problem(request: HttpRequest, status: int, title: str, detail: str,
            errors: list[dict[str, Any]] | None = None, type_: str = "about:blank") -> HttpResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body["errors"] = errors or []
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    if status == 401:
        response["WWW-Authenticate"] = www_authenticate(request)
    return response


def www_authenticate(request: HttpRequest) -> str:
    """The challenge of every 401 (RFC 9110 §11.6.1, RFC 6750 §3): a bearer token is what the
    API takes; a token that was sent and not accepted is named `invalid_token`."""
    if bearer_token(request) is not None:
        return 'Bearer realm="serialtrack", error="invalid_token"'
    return 'Bearer realm="serialtrack"'


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    errors = [
        {"serial": p.serial, "line": p.line, "field": p.field, "code": p.code,
         "message": p.message, **p.extra}
        for p in exc.problems
    ]
    return problem(request, exc.http_status, exc.title, exc.summary(), errors,
                   type_=f"https://serialtrack.dev/problems/{exc.code}")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append({"serial": None, "line": None, "field": ".".join(loc) or None,
                       "code": err.get("type", "invalid"), "message": err.get("msg", "invalid")})
    return problem(request, 422, "Invalid request", f"{len(errors)} invalid field(s)", errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "Not authenticated",
                   "log in or send Authorization: Bearer <token>")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, Refused):  # the body parser's refusal (guards.CheckedParser)
        return _refused(request, exc.__cause__)
    titles = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
              409: "Conflict", 413: "Request too large", 429: "Too many requests"}
    return problem(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    from django.conf import settings

    return problem(request, 413, "Request too large",
                   f"request bodies are limited to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes; "
                   "send large serial lists to a draft in chunks")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return problem(request, 500, "Internal error", "unexpected failure; nothing was posted")
