"""Middleware a browser needs and a script's API request does not.

Static files, sessions, CSRF, the signed-in user and htmx serve the web pages and browser
sessions. A scanner or script calls the API with a personal token (`Authorization: Bearer …`):
it has no session, no CSRF cookie and no static file to fetch, and its user comes from the
token. Those five middlewares cost about a tenth of the server's CPU per API request (measured
on the benchmark's scans), so `BrowserMiddleware` runs them as one layer that token requests
under /api/ go around. Everything else (security headers, the NUL guard, idempotency, the API's
own checks) runs for every request as before.

A token request that also carries a session cookie is judged by its token alone: a wrong token
is refused, not rescued by the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

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
