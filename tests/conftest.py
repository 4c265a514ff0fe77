"""Every test runs against the database `SERIALTRACK_DATABASE_URL` selects: `make test` runs the
suite once on SQLite and once on PostgreSQL. When PostgreSQL is selected but unreachable, the
PostgreSQL run is skipped with the reason shown — except under CI=true, where it fails."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from tests.helpers.api import Api
    from tests.helpers.web import Site

# Property tests check what the parser says, not how fast: no per-example time limit (a loaded
# machine — CI beside other work — made a 200 ms deadline fail a correct example).
settings.register_profile("serialtrack", deadline=None)
settings.load_profile("serialtrack")

PG_PROBLEM: str | None = None


def _pg_reachable(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(_admin_url(url), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "not reachable"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


def _admin_url(url: str) -> str:
    """The same server, database `postgres` (to create and drop test databases)."""
    base, _, _name = url.rpartition("/")
    return f"{base}/postgres"


def pytest_configure(config: pytest.Config) -> None:
    global PG_PROBLEM
    url = os.environ.get("SERIALTRACK_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        PG_PROBLEM = _pg_reachable(url)
        if PG_PROBLEM and os.environ.get("CI", "").lower() == "true":
            raise pytest.UsageError(f"CI=true but PostgreSQL is not reachable at {url}: "
                                    f"{PG_PROBLEM}")


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("SERIALTRACK_DATABASE_URL") or "sqlite (default)"
    return f"serialtrack database: {url}" + (f" — SKIPPED: {PG_PROBLEM}" if PG_PROBLEM else "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_PROBLEM:
        skip = pytest.mark.skip(reason=f"PostgreSQL not reachable: {PG_PROBLEM}")
        for item in items:
            item.add_marker(skip)


def backend() -> str:
    url = os.environ.get("SERIALTRACK_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


# -- in-process fixtures ----------------------------------------------------------------------

@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Files kept for good (service cases' photos) go to a temporary folder, never into the
    checkout (the default is ./serialtrack-media)."""
    from django.conf import settings as django_settings

    django_settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _unit_counts_agree(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test on the in-process database: the ledger's unit counts per (bin, product,
    status) equal a GROUP BY of the units (tests/helpers/tally.py), whatever was posted."""
    if "db" not in request.fixturenames or PG_PROBLEM:
        yield
        return
    request.getfixturevalue("db")
    yield
    from tests.helpers.tally import assert_counts_agree

    assert_counts_agree()


@pytest.fixture
def user(db: Any) -> Any:
    from serialtrack.posting import system_user

    return system_user("clerk")


@pytest.fixture
def shop(db: Any, user: Any) -> dict[str, Any]:
    """A small business: a serial product, a lot product, a plain product, two warehouses with
    a bin, a supplier and two customers."""
    from serialtrack import catalog

    return {
        "ht": catalog.create_product("HT-1", "Handheld terminal", "serial", warranty_days=365),
        "med": catalog.create_product("SAL-1", "Saline 500 ml", "lot"),
        "cable": catalog.create_product("CBL-1", "USB cable", "none"),
        "wh1": catalog.create_warehouse("WH1"),
        "wh2": catalog.create_warehouse("WH2"),
        "bin": catalog.create_bin("WH1", "A-01"),
        "supplier": catalog.create_party("Supplier S", supplier=True),
        "a": catalog.create_party("Customer A", customer=True),
        "b": catalog.create_party("Customer B", customer=True),
    }


def table_counts() -> dict[str, int]:
    """Row count of every serialtrack table and the user table: "nothing changed" means equal."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models = [*list(apps.get_app_config("inventory").get_models()), get_user_model()]
    return {m._meta.db_table: m.objects.count() for m in models}


def snapshot() -> dict[str, Any]:
    """Counts plus the full state of every unit, quantity and cost layer row."""
    from serialtrack.inventory.models import CostLayer, StockQuantity, Unit

    return {
        "counts": table_counts(),
        "units": list(Unit.objects.order_by("id").values_list(
            "id", "serial", "status", "location_id", "holder_id", "warranty_start",
            "last_document_id", "cost")),
        "quantities": list(StockQuantity.objects.order_by("id").values_list(
            "id", "lot_id", "location_id", "status", "quantity")),
        "layers": list(CostLayer.objects.order_by("id").values_list(
            "id", "remaining_quantity", "remaining_value")),
    }


# -- out-of-process fixtures: a fresh database and the real `serialtrack` command ---------------

@contextlib.contextmanager
def new_database(folder: Path, prefix: str = "st_test", filename: str = "serialtrack.sqlite3"
                 ) -> Iterator[str]:
    """The URL of a new, empty database on the backend under test (a file in `folder` on
    SQLite; a database created here and dropped afterwards on PostgreSQL)."""
    if backend() == "sqlite":
        yield f"sqlite:///{folder / filename}"
        return
    import psycopg

    url = os.environ["SERIALTRACK_DATABASE_URL"]
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def fresh_db_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the backend under test, for subprocesses."""
    with new_database(tmp_path) as url:
        yield url


class Cli:
    def __init__(self, url: str, cwd: Path) -> None:
        self.url = url
        self.cwd = cwd

    def env(self, user: str = "clerk") -> dict[str, str]:
        env = dict(os.environ)
        env.update(SERIALTRACK_DATABASE_URL=self.url, SERIALTRACK_USER=user, COLUMNS="200")
        env.pop("SERIALTRACK_DEBUG", None)
        return env

    def __call__(self, *args: str, user: str = "clerk", check: int | None = 0
                 ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "serialtrack", *args], cwd=self.cwd, env=self.env(user),
            capture_output=True, text=True, timeout=600,
        )
        if check is not None and proc.returncode != check:
            raise AssertionError(
                f"serialtrack {' '.join(args)} exited {proc.returncode}, expected {check}\n"
                f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def json(self, *args: str, check: int | None = 0, user: str = "clerk") -> Any:
        import json

        proc = self(*args, "--json", check=check, user=user)
        return json.loads(proc.stdout)


@pytest.fixture
def cli(fresh_db_url: str, tmp_path: Path) -> Cli:
    return Cli(fresh_db_url, tmp_path)


def routes_table() -> list[tuple[str, str, str | None]]:
    """(method, path, role) for every operation the API serves, read from the API itself."""
    from serialtrack.api import routes  # noqa: F401 - registers the routes
    from serialtrack.api.core import ROLE_ATTR, api

    table = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                needed = {getattr(cb, ROLE_ATTR, None) for cb in (op.auth_callbacks or [])}
                assert len(needed) <= 1, (path, needed)
                for method in op.methods:
                    full = "/api/" + (prefix + path).lstrip("/")
                    table.append((method, full, needed.pop() if needed else None))
    return table


# -- the API: a client per role ---------------------------------------------------------------

@pytest.fixture
def users(db: Any) -> dict[str, Api]:
    """A bearer-token API client per role, and an anonymous one."""
    from serialtrack.accounts.services import create_token, create_user
    from tests.helpers.api import ROLES, Api

    clients = {}
    for name in ROLES:
        create_user(f"{name}-1", name, "correct horse battery")
        _token, raw = create_token(f"{name}-1")
        clients[name] = Api(raw)
    clients["anonymous"] = Api()
    return clients


# -- the browser tests: a live server on a module-wide database, and Chromium ------------------

@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, empty database for this module's server (like `fresh_db_url`, module-wide)."""
    with new_database(tmp_path_factory.mktemp("web"), prefix="st_web") as url:
        yield url


@pytest.fixture(scope="module")
def site(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`serialtrack serve` on the module's database with a small shop, one per test module."""
    from tests.helpers.serve import free_port
    from tests.helpers.web import Site

    cwd = tmp_path_factory.mktemp("site")
    port = free_port()
    s = Site(f"http://127.0.0.1:{port}", module_db_url, cwd)
    s.cli("init")
    s.cli("product", "add", "HT-200", "--name", "Handheld terminal", "--tracking", "serial",
          "--serial-pattern", r"device-\d{5}", "--warranty-days", "365")
    s.cli("warehouse", "add", "WH1", "--name", "Main")
    s.cli("warehouse", "add-bin", "WH1", "A-01")
    s.cli("party", "add", "Scanners Wholesale", "--supplier")
    s.cli("party", "add", "Customer A", "--customer")
    s.cli("party", "add", "Customer B", "--customer")
    env = dict(os.environ, SERIALTRACK_DATABASE_URL=module_db_url, SERIALTRACK_USER="setup")
    env.pop("SERIALTRACK_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "serialtrack", "serve", "--port", str(port), "--workers", "1",
         "--json"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        json.loads(proc.stdout.readline())
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{s.url}/api/health", timeout=2):
                    break
            except OSError:  # refused, reset, or slow to answer while the server starts
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("serialtrack serve did not answer within 30 s") from None
                time.sleep(0.2)
        yield s
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright; one per test module."""
    from tests.helpers.web import CHROMIUM, LAUNCH_ARGS

    if not CHROMIUM.exists():
        message = (f"Debian's chromium is not installed at {CHROMIUM}: the browser tests need it "
                   "(`make browser` installs it with apt-get)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
