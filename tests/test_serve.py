"""`serialtrack serve` runs the API under gunicorn: health without login, the first start on an
empty database prints a one-time admin password that then works, a second start prints none.
The server's own settings (serialtrack.server): one access log line per request, a worker that
ends every connection after its answer, an upload over the size limit refused before its body is
read, and the task worker that runs web imports, started and stopped with the server."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.helpers.serve import free_port, start

pytestmark = pytest.mark.slow


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
        # gets the server's end of it (FIN) and does not hold the only worker for long:
        # gunicorn waits for the client's end at most 2 s (slow clients are the reverse
        # proxy's business in production: deploy/).
        held, first = raw_exchange(port, b"GET /api/health HTTP/1.1\r\nHost: t\r\n"
                                         b"User-Agent: held/1\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 200") and b"Connection: close" in first
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as r:
                assert r.status == 200
            assert held.recv(1) == b""  # the server closed its end (FIN), nothing else came
        finally:
            held.close()

        # A body over the limit is refused before it is read: a client that sends its headers
        # and waits (announcing 400,000 bytes, sending 2,000) gets the 413 problem at once, and
        # the connection ends cleanly (FIN).
        token = json.loads(cli("token", "create", "admin", "--json").stdout)["token"]
        sock, answer = raw_exchange(port, b"POST /api/drafts HTTP/1.1\r\nHost: t\r\n"
                                          b"Authorization: Bearer " + token.encode() + b"\r\n"
                                          b"Content-Type: application/json\r\n"
                                          b"Content-Length: 400000\r\n\r\n" + b"[" * 2_000)
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

    from serialtrack import server
    from serialtrack.wsgi import application

    gc.unfreeze()
    try:
        server.post_worker_init(None)  # gunicorn's hook, once the worker has loaded the app
        frozen = gc.get_freeze_count()
        assert frozen > 10_000, frozen
        assert len(gc.get_objects()) < frozen
        assert callable(application)
    finally:
        gc.unfreeze()


def children(pid: int) -> dict[int, str]:
    """The processes `pid` started: their ids and command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(
                    b"\0", b" ").decode()
        except (OSError, ValueError):  # gone meanwhile
            continue
    return found


def test_serve_runs_web_imports_in_its_task_worker(cli: Cli, tmp_path: Path) -> None:
    """One command: `serve` starts a task worker beside its web workers; an import uploaded on
    the web page is queued, run there and posted; stopping the server stops the worker."""
    cli("product", "add", "IM-1", "--name", "Imported", user="admin")
    cli("warehouse", "add", "IMW", "--name", "Import store", user="admin")
    port = free_port()
    proc, info = start(cli, port, SERIALTRACK_UPLOAD_DIR=str(tmp_path / "uploads"))
    try:
        task_workers = [pid for pid, cmd in children(proc.pid).items()
                        if cmd.endswith("-m serialtrack worker ")]
        assert len(task_workers) == 1, children(proc.pid)
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"
        login = urllib.request.Request(f"{base}/api/auth/login", data=json.dumps(
            info["admin"]).encode(), headers={"Content-Type": "application/json"})
        with browser.open(login, timeout=10) as r:
            csrf = json.loads(r.read())["csrf_token"]
        boundary = "serialtrack-test-boundary"
        rows = "product,serial,warehouse\n" + "".join(f"IM-1,IM-{n:03d},IMW\n" for n in range(50))
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"delivery.csv\"\r\nContent-Type: text/csv\r\n\r\n{rows}\r\n"
                f"--{boundary}--\r\n").encode()
        upload = urllib.request.Request(f"{base}/import/", data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": csrf})
        with browser.open(upload, timeout=10) as r:  # 303 to the import's page, followed
            assert re.fullmatch(rf"{base}/imports/\d+/", r.url), r.url
        deadline = time.monotonic() + 60
        while True:
            with browser.open(f"{r.url}status", timeout=10) as status:
                html = status.read().decode()
            state = re.search(r'data-status="(\w+)"', html).group(1)
            if state not in ("queued", "running") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state == "posted", html
        assert "50 rows as 1 document" in html
        unit = request(port, "/api/units/by-serial/IM-049",
                       token=json.loads(cli("token", "create", "admin", "--json").stdout)["token"])
        assert unit[0] == 200 and unit[1][0]["status"] == "in_stock", unit
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not Path(f"/proc/{task_workers[0]}").exists(), "the task worker outlived the server"
