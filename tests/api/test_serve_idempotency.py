"""An `Idempotency-Key` against a real `serialtrack serve`: the worker running the first request
is killed (SIGKILL) in the middle of a large receipt; the receipt rolls back, a duplicate sent
while it ran was told 409 with `Retry-After`, and a retry after the kill posts — once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import Cli
from tests.helpers.serve import free_port, start

pytestmark = pytest.mark.slow
SERIALS = 200_000
KEY = "receipt-killed-1"


def post(port: int, path: str, body: Any, token: str, key: str | None = None,
         timeout: float = 120) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the server's database directly (placeholders `%s`)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):], timeout=30) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_killed_request_leaves_its_key_free_for_a_retry(cli: Cli) -> None:
    port = free_port()
    proc, _info = start(cli, port, workers=2)
    try:
        token = json.loads(cli("token", "create", "admin", "--json").stdout)["token"]
        assert post(port, "/api/products", {"sku": "HT-200"}, token)[0] == 201
        assert post(port, "/api/warehouses", {"code": "WH1"}, token)[0] == 201
        body = {"warehouse": "WH1", "product": "HT-200",
                "serials": [f"K{n:07d}" for n in range(SERIALS)]}
        first: dict[str, Any] = {}

        def send_first() -> None:
            try:
                first["answer"] = post(port, "/api/receipts", body, token, KEY)
            except OSError as exc:  # the worker died with the connection open
                first["error"] = exc

        sender = threading.Thread(target=send_first)
        sender.start()
        claim = "SELECT owner FROM api_idempotencyrecord WHERE key = %s AND status_code IS NULL"
        deadline = time.monotonic() + 60
        while not (rows := query(cli.url, claim, (KEY,))):
            assert time.monotonic() < deadline and sender.is_alive(), first
            time.sleep(0.02)
        worker = int(rows[0][0].split("|")[2])

        # A duplicate while the first runs: busy, with when to come back.
        status, headers, problem = post(port, "/api/receipts", body, token, KEY)
        assert status == 409, problem
        assert int(headers["Retry-After"]) >= 1 and "still running" in problem["detail"]

        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=120)
        assert "answer" not in first, "the receipt finished before its worker was killed"
        assert query(cli.url, "SELECT COUNT(*) FROM inventory_unit") == [(0,)]

        # The retry posts (PostgreSQL lets the key go once it sees the dead connection's
        # statement end; until then the answer is 409 with Retry-After, honoured here).
        deadline = time.monotonic() + 60
        while True:
            status, headers, answer = post(port, "/api/receipts", body, token, KEY)
            if status != 409 or time.monotonic() > deadline:
                break
            time.sleep(int(headers["Retry-After"]))
        assert status == 201, answer
        assert answer["lines"][0]["quantity"] == SERIALS
        again = post(port, "/api/receipts", body, token, KEY)
        assert again[0] == 201 and again[1]["Idempotent-Replayed"] == "true"
        assert again[2]["document"] == answer["document"]
        assert query(cli.url, "SELECT COUNT(*) FROM inventory_unit") == [(SERIALS,)]
        assert query(cli.url, "SELECT COUNT(*) FROM inventory_document") == [(1,)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
