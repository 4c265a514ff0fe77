"""`serialtrack serve` runs the API under uWSGI: health without login, the first start on an
empty database prints a one-time admin password that then works, a second start prints none.
The server's own settings (serialtrack.server): one access log line per request, a worker that
does not wait for a client to close its end, and an upload refused unread still answered."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cli: Cli, port: int, log: bool = False, workers: int = 1, **env: str
          ) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """`serve` on `port`; its log (standard error) kept in a pipe when `log`, else dropped."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "serialtrack", "serve", "--port", str(port), "--workers",
         str(workers),
         "--json"], cwd=cli.cwd, env={**cli.env(), **env}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if log else subprocess.DEVNULL, text=True)
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


def raw_exchange(port: int, request: bytes) -> tuple[socket.socket, bytes]:
    """Send `request` on a new connection and read one whole response (headers and the body up
    to its Content-Length); the connection is left as the server left it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the response headers: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed inside the body: {head!r}"
        body += chunk
    return sock, head + b"\r\n\r\n" + body


def test_serve_settings_log_close_and_refused_upload(cli: Cli) -> None:
    port = free_port()
    proc, _info = start(cli, port, log=True, SERIALTRACK_MAX_BODY_BYTES="1000")
    try:
        # A client that keeps its connection open after its answer (a scanner on a slow link)
        # does not hold the only worker: the worker closes its end at once.
        held, first = raw_exchange(port, b"GET /api/health HTTP/1.1\r\nHost: t\r\n"
                                         b"User-Agent: held/1\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 200") and b"Connection: close" in first
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1.5) as r:
                assert r.status == 200
            assert held.recv(1) == b""  # the server closed its end (FIN), nothing else came
        finally:
            held.close()

        # A body over the limit is refused unread: the answer still arrives whole and the
        # connection ends cleanly (the worker drains what it did not read before closing: a
        # close with unread bytes would reset the connection, which can cost the client the
        # answer). 200,000 bytes sent: more than the server reads along with the headers.
        token = json.loads(cli("token", "create", "admin", "--json").stdout)["token"]
        sock, answer = raw_exchange(port, b"POST /api/drafts HTTP/1.1\r\nHost: t\r\n"
                                          b"Authorization: Bearer " + token.encode() + b"\r\n"
                                          b"Content-Type: application/json\r\n"
                                          b"Content-Length: 400000\r\n\r\n" + b"[" * 200_000)
        try:
            assert sock.recv(1) == b""  # the server's clean end (FIN), not a reset
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"request bodies are limited to 1,000 bytes" in answer

        status, body = request(port, "/api/health?probe=1")
        assert (status, body) == (200, {"status": "ok"})
    finally:
        proc.terminate()
        _, out = proc.communicate(timeout=20)
    # One combined-format line per request on standard error, its time in microseconds last.
    lines = [line for line in out.splitlines() if '"GET /api/health' in line]
    held_line = next(line for line in lines if line.endswith(tuple("0123456789"))
                     and '"held/1"' in line)
    assert held_line.startswith("127.0.0.1 - - [")
    assert '"GET /api/health HTTP/1.1" 200 16 "-" "held/1" ' in held_line
    assert int(held_line.rsplit(" ", 1)[1]) > 0
    assert any('"GET /api/health?probe=1 HTTP/1.1" 200 16 "-" "Python-urllib/' in line
               for line in lines)
    assert any('"POST /api/drafts HTTP/1.1" 413 ' in line for line in out.splitlines())


def wal_backlog(database: Path) -> tuple[int, int]:
    """(frames in the write-ahead log, frames of them already copied into the database): the
    WAL index's mxFrame and nBackfill, read from the -shm file (sqlite.org/walformat.html)."""
    head = (database.parent / f"{database.name}-shm").read_bytes()[:100]
    return (int.from_bytes(head[16:20], sys.byteorder), int.from_bytes(head[96:100], sys.byteorder))


def test_serve_checkpoints_the_wal_off_the_request_path(cli: Cli) -> None:
    if not cli.url.startswith("sqlite:"):
        pytest.skip("SQLite's write-ahead log")
    database = Path(cli.url.removeprefix("sqlite:///"))
    cli("product", "add", "CK-1", "--name", "Checkpoint probe", user="admin")
    cli("warehouse", "add", "CKW", "--name", "Checkpoint store", user="admin")
    port = free_port()
    proc, _info = start(cli, port)
    try:
        token = json.loads(cli("token", "create", "admin", "--json").stdout)["token"]
        status, draft = request(port, "/api/drafts", {"kind": "receipt", "product": "CK-1",
                                                      "warehouse": "CKW"}, token=token)
        assert status == 201
        for n in range(40):  # a scan is one commit: a few pages each, far below 1,000
            status, body = request(port, f"/api/drafts/{draft['id']}/serials",
                                   {"serials": [f"CK-{n:03d}"]}, token=token)
            assert status == 200 and body["verdicts"][0]["accepted"]
        # No commit reached an automatic checkpoint, yet the worker's checkpoint thread has
        # copied every frame into the database file.
        deadline = time.monotonic() + 10
        while True:
            frames, copied = wal_backlog(database)
            if (frames and copied == frames) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert frames > 0 and copied == frames, (frames, copied)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_worker_takes_what_it_loaded_out_of_garbage_collection() -> None:
    """A server worker freezes the objects it loaded (Django, the API, its schemas) before its
    first request: a full collection would otherwise walk all of them (~50 ms) while the
    requests queued behind that worker wait."""
    import gc

    from serialtrack.server import start_worker

    gc.unfreeze()
    try:
        application = start_worker()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000, frozen
        assert len(gc.get_objects()) < frozen
        assert callable(application)
    finally:
        gc.unfreeze()
