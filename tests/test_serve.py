"""`serialtrack serve` runs the API under gunicorn: health without login, the first start on an
empty database prints a one-time admin password that then works, a second start prints none."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cli: Cli, port: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "serialtrack", "serve", "--port", str(port), "--workers", "1",
         "--json"], cwd=cli.cwd, env=cli.env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                assert json.loads(r.read()) == {"status": "ok"}
                return proc, info
        except OSError:  # refused, reset, or slow to answer while the server starts
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not answer within 30 s")


def request(port: int, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_serve_first_admin_and_api(cli: Cli) -> None:
    port = free_port()
    proc, info = start(cli, port)
    try:
        admin = info["admin"]
        assert admin["username"] == "admin" and len(admin["password"]) >= 12
        assert request(port, "/api/products")[0] == 401
        status, body = request(port, "/api/auth/login", admin)
        assert status == 200 and body["role"] == "admin"
        status, body = request(port, "/api/auth/login", {"username": "admin", "password": "admin"})
        assert status == 401
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    token = json.loads(cli("token", "create", "admin", "--json").stdout)["token"]
    proc, info = start(cli, port)
    try:
        assert info["admin"] is None  # never printed again
        assert request(port, "/api/products", token=token) == (200, [])
        docs = urllib.request.Request(f"http://127.0.0.1:{port}/api/docs",
                                      headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(docs, timeout=10) as r:
            page = r.read().decode()
        assert r.status == 200 and "/static/ninja/swagger-ui-bundle.js" in page  # no CDN
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/ninja/swagger-ui-bundle.js",
                                    timeout=10) as r:
            assert r.status == 200 and len(r.read()) > 100_000  # served by whitenoise
    finally:
        proc.terminate()
        proc.wait(timeout=20)
