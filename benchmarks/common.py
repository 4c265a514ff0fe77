"""What every part of the benchmark shares: the names and sizes it measures with, the machine's
description, the child process each measurement runs in, and the fresh databases it runs on."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKU = "BENCH-1"
WAREHOUSE = "BENCH"
CUSTOMER = "Bench Customer"
USER = "bench"
SEED = 20_240_601
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")

# The repository root: the worker processes import `benchmarks` from here, wherever the
# command was started from.
ROOT = Path(__file__).resolve().parent.parent

Json = dict[str, Any]


class BenchError(Exception):
    pass


def serial(n: int) -> str:
    return f"SN-{n:09d}"


def serials_for(count: int) -> list[str]:
    """The serials of a receipt of `count` units (the same list for every path and backend)."""
    return [serial(n) for n in range(1, count + 1)]


def cpu_model() -> str:
    """The processor (Linux: /proc/cpuinfo): virtual machines of one size can sit on different
    processors, and the figures of two runs compare only on the same one."""
    info: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().split("\n\n", 1)[0].splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    if "model name" not in info:
        return platform.processor() or "processor unknown"
    mhz = info.get("cpu MHz", "")
    return (f"{info['model name']}, family {info.get('cpu family', '?')} model "
            f"{info.get('model', '?')}" + (f", {float(mhz):,.0f} MHz" if mhz else ""))


def peak_mb() -> float:
    """This process's RSS high-water mark in MB. Read from VmHWM, not ru_maxrss: Linux carries the
    high-water mark of the process that started us across fork+exec into ru_maxrss (a child of a
    300 MB parent reports 300 MB), while VmHWM belongs to this program image alone."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def percentile(values: Sequence[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def setup_django(url: str) -> None:
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
    import django

    django.setup()


def worker(task: str, **spec: Any) -> Json:
    """Run one measurement in a fresh `python -m benchmarks --worker` process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--worker", json.dumps({"task": task, **spec})],
        capture_output=True, text=True, env=env,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"worker {task!r} failed (exit {done.returncode}):\n"
                         f"{done.stderr.strip()[-3000:]}")
    return json.loads(lines[-1])


def task_prepare(spec: Json) -> Json:
    """Migrate the fresh database and create the master data every measurement uses."""
    from django.core.management import call_command

    from serialtrack import catalog
    from serialtrack.posting import system_user

    call_command("migrate", verbosity=0, interactive=False)
    product = catalog.create_product(SKU, "Benchmark device", "serial", warranty_days=365)
    catalog.create_warehouse(WAREHOUSE, "Benchmark warehouse")
    catalog.create_party(CUSTOMER, customer=True)
    location = catalog.get_location(WAREHOUSE)
    return {"product_id": product.pk, "location_id": location.pk, "user_id": system_user(USER).pk}


@dataclass
class Backend:
    name: str  # "sqlite" | "postgresql"
    admin_url: str = PG_ADMIN_URL

    @property
    def label(self) -> str:
        return "SQLite" if self.name == "sqlite" else "PostgreSQL"

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new empty database, dropped afterwards whatever happens; yields its URL."""
        if self.name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="st_bench_") as tmp:
                yield f"sqlite:///{tmp}/bench.sqlite3"
            return
        import psycopg

        name = f"st_bench_{secrets.token_hex(4)}"
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{self.admin_url.rpartition('/')[0]}/{name}"
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def prepared_database(self) -> Iterator[tuple[str, Json]]:
        """A fresh database, migrated, with the benchmark's product, warehouse and customer."""
        with self.fresh_database() as url:
            yield url, worker("prepare", url=url)

    def analyze(self, url: str) -> None:
        """PostgreSQL: gather the statistics autovacuum would gather about a minute after a bulk
        load (when it is on); without them the planner hashes the whole unit table to find 10,000
        serials and plans the ORM's joins 3× slower. SQLite has no automatic statistics: left as is."""
        if self.name == "postgresql":
            import psycopg

            with psycopg.connect(url, autocommit=True) as con:
                con.execute("ANALYZE")

    def unreachable(self) -> str | None:
        if self.name == "sqlite":
            return None
        import psycopg

        try:
            with psycopg.connect(self.admin_url, connect_timeout=3):
                return None
        except Exception as exc:  # any failure to connect means "skip PostgreSQL"
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    def describe(self) -> str:
        if self.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        import psycopg

        with psycopg.connect(self.admin_url) as con:
            shown = {name: str((con.execute(f"SHOW {name}").fetchone() or ("?",))[0])
                     for name in ("server_version", "autovacuum", "shared_buffers", "random_page_cost")}
        return (f"PostgreSQL {shown['server_version'].split()[0]} on {self.admin_url.rpartition('@')[2]} "
                f"(autovacuum {shown['autovacuum']}, shared_buffers {shown['shared_buffers']}, "
                f"random_page_cost {shown['random_page_cost']})")
