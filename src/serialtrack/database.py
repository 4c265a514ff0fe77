"""Database selection: `SERIALTRACK_DATABASE_URL`, default a SQLite file in the current folder."""

from __future__ import annotations

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
