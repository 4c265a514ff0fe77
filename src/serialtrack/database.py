"""Database selection: `SERIALTRACK_DATABASE_URL`, default a SQLite file in the current folder."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dj_database_url

DEFAULT_SQLITE_FILE = "serialtrack.sqlite3"

# WAL lets readers work while one clerk posts; writes take the lock up front (BEGIN IMMEDIATE)
# so two writers never deadlock on a lock upgrade; a busy writer waits instead of failing.
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-65536;"
)
SQLITE_BUSY_TIMEOUT_S = 60


def database_settings(url: str | None) -> dict[str, Any]:
    if not url:
        url = "sqlite:///" + str(Path.cwd() / DEFAULT_SQLITE_FILE)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    config = dj_database_url.parse(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": SQLITE_INIT,
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_S,
        }
        config["TEST"] = {"NAME": None}
    elif engine == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].setdefault("connect_timeout", 5)
    else:
        raise ValueError(f"SERIALTRACK_DATABASE_URL: unsupported database {url.split(':', 1)[0]!r}")
    return config


def describe(config: dict[str, Any]) -> str:
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    return f"PostgreSQL {config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}/{config['NAME']}"


# -- hot statements ------------------------------------------------------------------------------
# A few statements run on every scan and lookup (the token check, the open draft, the serial
# seeks, the scan's insert). Django's cursor wrapper costs about 30 µs per statement on top of
# the driver (on SQLite it rewrites the placeholders of the SQL text with a regular expression
# every time); these statements go to the driver's cursor directly, their SQL converted once.
# When Django records statements (DEBUG, or a test counting queries) they go through its
# cursor, so they are seen and counted like any other.


@functools.lru_cache(maxsize=4096)
def _driver_sql(sql: str, vendor: str) -> str:
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
    from django.db import DEFAULT_DB_ALIAS, connections

    conn = connections[DEFAULT_DB_ALIAS]  # one look-up (each `connection.x` costs one)
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
