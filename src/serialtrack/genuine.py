"""The public genuineness check: answer (`queries.genuine`), throttle each client address to
`GENUINE_CHECK_PER_MINUTE` checks a minute, and count the failed checks per serial asked about
(`GenuineProbe`) so a manager sees serials being probed. Off unless `SERIALTRACK_GENUINE_CHECK=1`
(`settings.GENUINE_CHECK`). The counters live in the database: application servers hold no
state, so every server behind the load balancer counts the same."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from serialtrack.errors import NotFound, Problem, Throttled
from serialtrack.queries.genuine import asked, genuineness

WINDOW = "genuine:"


def enabled() -> bool:
    return bool(getattr(settings, "GENUINE_CHECK", False))


def check_enabled() -> None:
    if not enabled():
        raise NotFound([Problem("not_found", "the genuineness check is not switched on here")])


def throttle(client: str) -> None:
    """Count this request against the client address's minute; refuse past the limit. The
    counters of earlier minutes are cleared on the way (a range of the primary key: usually
    nothing)."""
    minute = int(timezone.now().timestamp() // 60)
    prefix = f"{WINDOW}{minute:010d}:"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM inventory_counter WHERE name >= %s AND name < %s",
                       [WINDOW, prefix])
        cursor.execute(
            "INSERT INTO inventory_counter (name, value) VALUES (%s, 1) ON CONFLICT (name) "
            "DO UPDATE SET value = inventory_counter.value + 1 RETURNING value",
            [(prefix + (client or "?"))[:64]])
        (count,) = cursor.fetchone()
    if count > settings.GENUINE_CHECK_PER_MINUTE:
        raise Throttled([Problem("throttled", "too many checks from this address; try again in "
                                 "a minute", extra={"retry_after": 60})])


def record_failure(product: str, serial: str) -> None:
    """One more failed check of this serial (upserted: concurrent checks both count)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_genuineprobe (product_ref, serial, failures, first_at, "
            "last_at) VALUES (%s, %s, 1, %s, %s) ON CONFLICT (product_ref, serial) DO UPDATE "
            "SET failures = inventory_genuineprobe.failures + 1, last_at = EXCLUDED.last_at",
            [product, serial, now, now])


def verify(code: str, product: str | None = None, client: str | None = None
           ) -> dict[str, Any]:
    """The answer for a serial or scanned label; `client` (the request's address) is throttled;
    a check that is not genuine is counted against the serial asked about."""
    if client is not None:
        throttle(client)
    result = genuineness(code, product)
    if not result["genuine"]:
        ref, serial, _scan = asked(code, product)
        record_failure(ref, serial)
    return result
