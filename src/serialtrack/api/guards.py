"""Input no database can store: a NUL character (U+0000) in the path, the query string or a
JSON body is refused up front with a problem-details 400 (PostgreSQL text cannot hold NUL, so it
would otherwise surface as a server error deep inside a lookup)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and self._has_nul(request):
            body = {"type": "about:blank", "title": "Bad request", "status": 400,
                    "detail": "the request contains a NUL character (U+0000)", "errors": []}
            return HttpResponse(json.dumps(body), status=400,
                                content_type="application/problem+json")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        # the query string decodes to a NUL only from `%00` or a raw NUL: no need to parse it
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                body = request.body
            except Exception:  # too large: the API answers 413
                return False
            return b"\x00" in body or b"\\u0000" in body
        return False
