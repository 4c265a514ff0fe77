"""What each speed trick (a bypass of Django, django-ninja or the ORM) pays on the hot paths it
serves: `python -m benchmarks.bypasses` (`--help` for the sizes and the database).

One process, no server: a fresh database seeded with `--units` units through `posting.receive`,
a clerk with a personal token, then WSGI calls straight into Django's handler, as a server's
worker makes them:

* scan: `POST /api/drafts/{id}/serials` with one new serial, into a receipt draft;
* by-serial: `GET /api/units/by-serial/{serial}`;
* by-product: `GET /api/products/{sku}/units/{serial}`.

For each bypass and each path it serves, rounds of `--requests` requests with the bypass on and
with it off (the plain Django/ninja/ORM way) alternate, the order flipping every round; the
figure is the process's CPU time (`time.process_time`, SQLite working in the same process) per
request, the median over `--rounds` rounds. CPU time and alternation because the machine is
shared: wall time and a block of one variant after the other would measure the neighbours.

A bypass pays its keep (docs/benchmarks.md, "Bypasses") when turning it off costs at least 10%
of the path's time: saving = (off - on) / off."""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import SKU, WAREHOUSE, Backend, cpu_model, serial, setup_django

USER = "bypass-clerk"
PATHS = ("scan", "by-serial", "by-product")
SCANS_PER_DRAFT = 1_000


# -- the bypasses, each with how to turn it off ----------------------------------------------------

@dataclass
class Bypass:
    name: str
    where: str
    paths: tuple[str, ...]
    off: Callable[[], contextlib.AbstractContextManager[Any]]
    plain_handler: bool = False  # off = a handler built with the plain middleware list


@contextlib.contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    old = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


def _nothing() -> contextlib.AbstractContextManager[Any]:
    return contextlib.nullcontext()


# The plain ways, as the code would read without the bypass.

def _through_django(sql: str, params: Any, result: Callable[[Any], Any]) -> Any:
    """fastpath's statement through Django's cursor."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return result(cursor)


def _orm_authenticate_token(raw: str) -> Any:
    """authenticate_token with the ORM: the token and its user, then the user's role."""
    from django.utils import timezone

    from serialtrack.accounts import services
    from serialtrack.accounts.models import ApiToken
    from serialtrack.accounts.roles import role_of

    if not services._well_formed(raw):
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=services.hash_token(raw), revoked_at__isnull=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active:
        return None
    role_of(user)
    if token.last_used_at is None or now - token.last_used_at >= services.LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def _orm_get_draft(draft_id: int) -> Any:
    """drafts.get_draft with the ORM: the line with its draft, product, party and related
    document (one select_related query)."""
    from serialtrack.errors import InvalidInput, NotFound, Problem
    from serialtrack.inventory.models import DocumentStatus, DraftLine

    line = (DraftLine.objects.select_related("document", "document__party", "document__related",
                                             "product")
            .filter(document_id=draft_id).first() if 0 < draft_id < 2**63 else None)
    if line is None:
        raise NotFound([Problem("not_found", f"unknown draft {draft_id}", field="draft")])
    doc = line.document
    if doc.status != DocumentStatus.DRAFT:
        raise InvalidInput([Problem("invalid", f"{doc.number} is posted: drafts only",
                                    field="draft")])
    doc.draft = line
    return doc


def bypasses() -> list[Bypass]:
    """The bypasses this revision keeps (serialtrack/fastpath.py), each with the plain way it
    replaces. Those dropped were measured at commit e13c8b3 (docs/benchmarks.md, "Bypasses")."""
    from serialtrack import fastpath
    from serialtrack.accounts import services
    from serialtrack.api import routes
    from serialtrack.posting import drafts

    return [
        Bypass("driver cursor", "fastpath.fetch/execute", PATHS,
               lambda: _patched(fastpath, "_direct", _through_django)),
        Bypass("token requests skip the browser middleware", "fastpath.BrowserMiddleware",
               PATHS, _nothing, plain_handler=True),
        Bypass("hand-written token join", "accounts.services.authenticate_token", PATHS,
               lambda: _patched(services, "authenticate_token", _orm_authenticate_token)),
        Bypass("hand-written draft join", "posting.drafts.get_draft", ("scan",),
               lambda: _patched(drafts, "get_draft", _orm_get_draft)),
        Bypass("scan answer not checked by ninja", "fastpath.json_response", ("scan",),
               lambda: _patched(routes, "json_response", lambda data: data)),
    ]


# -- the measurement -------------------------------------------------------------------------------

@dataclass
class Bench:
    handler: Any
    plain_handler: Any
    token: str
    units: int
    drafts: list[int] = field(default_factory=list)
    scans_in_draft: int = SCANS_PER_DRAFT
    next_scan: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(20_240_601))

    def environ(self, method: str, path: str, body: bytes = b"") -> dict[str, Any]:
        return {
            "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {self.token}", "HTTP_ACCEPT": "application/json",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }

    def request(self, handler: Any, kind: str) -> bytes:
        if kind == "scan":
            if self.scans_in_draft >= SCANS_PER_DRAFT:
                self.drafts.append(open_draft())
                self.scans_in_draft = 0
            self.scans_in_draft += 1
            self.next_scan += 1
            body = json.dumps({"serials": [f"NEW-{self.next_scan:09d}"]}).encode()
            env = self.environ("POST", f"/api/drafts/{self.drafts[-1]}/serials", body)
        else:
            wanted = serial(self.rng.randint(1, self.units))
            path = (f"/api/units/by-serial/{wanted}" if kind == "by-serial"
                    else f"/api/products/{SKU}/units/{wanted}")
            env = self.environ("GET", path)
        status: list[str] = []
        response = handler(env, lambda s, headers, exc_info=None: status.append(s))
        try:
            data = b"".join(response)
        finally:
            response.close()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{kind}: {status[0]} {data[:300]!r}")
        if kind == "scan" and b'"accepted": true' not in data:
            raise RuntimeError(f"scan refused: {data[:300]!r}")
        return data

    def block(self, handler: Any, kind: str, count: int) -> float:
        """CPU seconds per request over `count` requests (after a few untimed ones)."""
        for _ in range(5):
            self.request(handler, kind)
        if kind == "scan" and self.scans_in_draft + count > SCANS_PER_DRAFT:
            self.scans_in_draft = SCANS_PER_DRAFT  # a fresh draft, opened before the clock starts
            self.request(handler, kind)
        gc.collect()  # each block starts from the same collector state
        started = time.process_time()
        for _ in range(count):
            self.request(handler, kind)
        return (time.process_time() - started) / count


def open_draft() -> int:
    from django.contrib.auth import get_user_model

    from serialtrack.posting import drafts

    user = get_user_model().objects.get(username=USER)
    return drafts.create_draft(kind="receipt", user=user, product=SKU, warehouse=WAREHOUSE).pk


def seed(units: int) -> str:
    """Migrate, the benchmark's master data, `units` units received, a clerk and its token."""
    from benchmarks.common import task_prepare
    from serialtrack.accounts.services import create_token, create_user
    from serialtrack.posting import receive, system_user

    task_prepare({})
    receive(warehouse=WAREHOUSE, product=SKU, serials=[serial(n) for n in range(1, units + 1)],
            user=system_user("bench"))
    create_user(USER, "clerk")
    _token, raw = create_token(USER, "bypasses")
    return raw


def handlers() -> tuple[Any, Any]:
    """Django's WSGI handler as configured, and one with the plain middleware list (the
    browser layer's five middlewares in its place, as Django would run them)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    configured = WSGIHandler()
    from serialtrack.fastpath import BROWSER_MIDDLEWARE

    plain = []
    for name in settings.MIDDLEWARE:
        plain.extend(BROWSER_MIDDLEWARE if name == "serialtrack.fastpath.BrowserMiddleware"
                     else [name])
    with override_settings(MIDDLEWARE=plain):
        return configured, WSGIHandler()


def measure(bench: Bench, bypass: Bypass, kind: str, rounds: int, count: int
            ) -> tuple[float, float]:
    """Median CPU seconds per request with the bypass on and off."""
    on: list[float] = []
    off: list[float] = []
    for index in range(rounds):
        for turned_off in ((False, True) if index % 2 == 0 else (True, False)):
            handler = bench.plain_handler if (turned_off and bypass.plain_handler) else bench.handler
            with bypass.off() if turned_off else contextlib.nullcontext():
                (off if turned_off else on).append(bench.block(handler, kind, count))
    return statistics.median(on), statistics.median(off)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bypasses", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400, help="per round and variant")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--only", action="append", default=[], help="a bypass's name (repeatable)")
    args = parser.parse_args(argv)
    backend = Backend(args.database)
    with backend.fresh_database() as url:
        setup_django(url)
        import django

        print(f"python -m benchmarks.bypasses {' '.join(argv or sys.argv[1:])}".strip())
        print(f"{cpu_model()}; Python {sys.version.split()[0]}; Django {django.get_version()}; "
              f"{backend.describe()}")
        started = time.perf_counter()
        token = seed(args.units)
        backend.analyze(url)
        print(f"seeded {args.units:,} units in {time.perf_counter() - started:.0f} s; "
              f"{args.rounds} rounds x {args.requests} requests per variant")
        configured, plain = handlers()
        gc.freeze()  # as `serialtrack serve` does after start-up
        bench = Bench(configured, plain, token, args.units)
        print("| bypass | path | on (µs CPU/request) | off | saving |")
        print("|---|---|---:|---:|---:|")
        for bypass in bypasses():
            if args.only and bypass.name not in args.only:
                continue
            for kind in bypass.paths:
                on, off = measure(bench, bypass, kind, args.rounds, args.requests)
                print(f"| {bypass.name} (`{bypass.where}`) | {kind} | {on * 1e6:,.0f} | {off * 1e6:,.0f} | "
                      f"{(off - on) / off:.1%} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
