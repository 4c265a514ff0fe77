"""`Idempotency-Key` on POST: a retried request gets the first response and posts nothing twice.

Keys are scoped to the caller (token or session user). The first request claims the key before
it runs; a concurrent duplicate gets 409, a reuse of the key for a different request 422. Server
errors and conflicts release the key so the client can retry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from serialtrack.api.models import IdempotencyRecord
from serialtrack.middleware import bearer_token

HEADER = "Idempotency-Key"
RELEASE = {401, 403, 409, 429}


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "errors": []}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def _scope(request: HttpRequest) -> str | None:
    token = bearer_token(request)
    if token is not None:
        return "t:" + hashlib.sha256(token.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get("HTTP_IDEMPOTENCY_KEY")  # HEADER (request.headers copies them all)
        if not key or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)  # the API answers 401
        if len(key) > 200 or not key.isprintable():
            return _problem(422, "Invalid request", f"{HEADER} must be at most 200 printable characters")
        try:
            body = request.body
        except Exception:
            return self.get_response(request)  # too large: the API answers 413
        fingerprint = hashlib.sha256(request.method.encode() + b" " + request.path.encode()
                                     + b"\n" + body).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key,
                                                          fingerprint=fingerprint)
        except IntegrityError:
            first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if first is None:
                return _problem(409, "Conflict", f"{HEADER} {key!r} is being released; retry")
            if first.fingerprint != fingerprint:
                return _problem(422, "Invalid request",
                                f"{HEADER} {key!r} was used for a different request")
            if first.status_code is None:
                return _problem(409, "Conflict", f"a request with {HEADER} {key!r} is still running")
            replay = HttpResponse(bytes(first.body or b""), status=first.status_code,
                                  content_type=first.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.status_code in RELEASE or response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code, body=response.content,
                content_type=response.get("Content-Type", "application/json"))
        return response
