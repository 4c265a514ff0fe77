"""`Idempotency-Key` on POST: a retried request gets the first response and posts nothing twice.

Keys are scoped to the caller (token or session user). The first request claims the key before
it runs; a concurrent duplicate gets 409 with `Retry-After`, a reuse of the key for a different
request 422. Server errors and conflicts release the key so the client can retry.

A claim is a lease held by the process serving the request, so a request that can never finish
(its worker killed: SIGKILL, the server's per-request timeout, a crash) does not hold its key for
ever — its posting rolled back, and a retry takes the key over and posts:
- on PostgreSQL the claimant holds a session advisory lock on the key for the whole request; the
  database drops it with the connection of a process that dies, so a claim found without its
  lock is stale (this holds across application servers);
- on SQLite (one machine) the claim names its process (host, boot, pid and the process's start
  time); a claim whose process is gone, or that predates the machine's last boot, is stale.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse

from serialtrack.api.models import IdempotencyRecord
from serialtrack.fastpath import bearer_token

HEADER = "Idempotency-Key"
RELEASE = {401, 403, 409, 429}
RETRY_AFTER_S = 1


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "errors": []}
    response = HttpResponse(json.dumps(body), status=status,
                            content_type="application/problem+json")
    if status == 409:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


@functools.cache
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


@functools.cache
def _process(pid: int) -> str:
    return f"{socket.gethostname()}|{_boot_id()}|{pid}|{_start_ticks(pid)}"


def this_process() -> str:
    """The claim's owner: this process (computed per pid: workers are forked)."""
    return _process(os.getpid())


def process_gone(owner: str) -> bool:
    """Whether the process that made a claim has certainly ended. A claim from another host
    cannot be judged here (PostgreSQL's lock judges those)."""
    host, boot, pid_text, start = [*owner.split("|"), "", "", "", ""][:4]
    if not pid_text.isdigit():
        return True  # a claim from before owners were recorded
    if host != socket.gethostname():
        return False
    if boot and _boot_id() and boot != _boot_id():
        return True  # the machine restarted since
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    return bool(start) and _start_ticks(pid) not in ("", start)  # the pid was reused


def _lock_id(scope: str, key: str) -> int:
    digest = hashlib.sha256(f"idempotency\n{scope}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _advisory(function: str, lock: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [lock])
        return bool(cursor.fetchone()[0])


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
        lock = _lock_id(scope, key) if connection.vendor == "postgresql" else None
        if lock is not None and not _advisory("pg_try_advisory_lock", lock):
            return self._running(key)
        try:
            return self._claimed(request, scope, key, fingerprint, locked=lock is not None)
        finally:
            if lock is not None:
                _advisory("pg_advisory_unlock", lock)

    @staticmethod
    def _running(key: str) -> HttpResponse:
        return _problem(409, "Conflict", f"a request with {HEADER} {key!r} is still running; "
                        f"retry after {RETRY_AFTER_S} s")

    def _claimed(self, request: HttpRequest, scope: str, key: str, fingerprint: str, *,
                 locked: bool) -> HttpResponse:
        """Claim the key (taking over a stale claim), run the request, keep its answer.
        `locked`: this request holds the key's PostgreSQL lock, so any claim without an answer
        is a dead request's."""
        for _attempt in range(3):
            # Read first: on SQLite a claim's insert would wait behind a running posting's
            # write lock, where a duplicate is to be told at once that its key is busy.
            first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if first is not None:
                if first.fingerprint != fingerprint:
                    return _problem(422, "Invalid request",
                                    f"{HEADER} {key!r} was used for a different request")
                if first.status_code is not None:
                    replay = HttpResponse(bytes(first.body or b""), status=first.status_code,
                                          content_type=first.content_type)
                    replay["Idempotent-Replayed"] = "true"
                    return replay
                if not (locked or process_gone(first.owner)):
                    return self._running(key)
                # a stale claim: its request died before answering (its posting rolled back)
                IdempotencyRecord.objects.filter(pk=first.pk, owner=first.owner,
                                                 status_code=None).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        scope=scope, key=key, fingerprint=fingerprint, owner=this_process())
                break
            except IntegrityError:
                continue  # claimed meanwhile: judge that claim
        else:
            return self._running(key)
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
                content_type=response.get("Content-Type", "application/json"), owner="")
        return response
