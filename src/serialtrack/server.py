"""The production server: `serialtrack serve` runs uWSGI (the `pyuwsgi` wheel: uWSGI built as a
Python extension, nothing to compile) with `command()` below, and each of its workers loads
`serialtrack.served`, which calls `start_worker()`.

Why uWSGI. Its HTTP parser, request loop and access log are C; gunicorn's are Python. On the
benchmark's one-serial scans (`make bench`, docs/benchmarks.md) the workers spent 1.47-1.59 ms
of CPU per scan under gunicorn 27 and 1.14-1.25 ms under uWSGI, the same application behind
both: at 16 clients on 2 cores that is the difference between a p99 around 20-22 ms and one of
16-20 ms. Like gunicorn's sync workers, its workers are forked processes taking connections from
one shared listening socket, so a free worker takes the next connection (a server that pins a
kept-alive connection to one worker, as granian does, made clients wait behind a busy worker).

The configuration, as `command()` gives it:

* One request per connection, answered with `Connection: close`: a worker serves one
  connection at a time, so a client keeping its connection open would hold a worker.
* The server's log on standard error: start-up lines, then one access line per request in the
  combined log format with the request's time in microseconds at the end (the benchmark reads
  it), written by the worker itself (a log routed through the master process could lose the
  last lines at a stop).
* `--timeout` seconds per request (uWSGI's harakiri: the worker is replaced; the request's
  transaction rolls back). SIGTERM stops gracefully: requests in progress finish (10 s at most).
* Threads enabled in the workers (the WAL checkpoint below, and web imports, run in threads).

What each worker adds around Django (`start_worker`):

* The URL map loaded before the first request (Django imports it, and with it every API route
  and schema, on the first request otherwise: a first scan after a restart waited for that).
* The objects loaded so far (Django, the API, its schemas: about 100,000) moved out of the
  garbage collector's sight (`gc.freeze()`). They live as long as the worker, and a full
  collection went through all of them: about 50 ms, every few tens of thousands of requests,
  while the requests queued behind that worker waited. It now takes under 1 ms.
* A refused upload answered whole. When the application answers without reading the whole
  request body (a body over the size limit is refused unread), closing the connection with
  those bytes unread would make the kernel reset it, which can cost the client the answer. The
  worker then ends its side (FIN) after the answer and reads what the client still sends, up to
  2 s, before closing. When the body was read whole (every ordinary request) it closes at once.
* SQLite's WAL checkpoint off the request path. By default the request whose commit takes the
  write-ahead log past 1,000 pages copies them into the database file and syncs it (5-15 ms
  here, about once every 300 scans), while the requests queued behind that worker wait. Each
  worker runs a checkpoint thread instead (`PRAGMA wal_checkpoint(PASSIVE)` every 0.2 s on a
  connection of its own, never waiting for a lock), and its request connections leave the
  automatic checkpoint for a log ten times longer, as a safety net.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("serialtrack.server")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The combined log format (what gunicorn and nginx write) and the request's microseconds last.
ACCESS_LOG_FORMAT = ('%(addr) - %(user) [%(ltime)] "%(method) %(uri) %(proto)" %(status) '
                     '%(rsize) "%(referer)" "%(uagent)" %(micros)')
GRACEFUL_STOP_S = 10
LINGER_S = 2.0
BACKLOG = 1024  # pending connections; at most the kernel's somaxconn (uWSGI refuses more)
MAX_HEADER_BYTES = 65535  # the request line and headers together (uWSGI's default: 4,096)


def command(host: str, port: int, workers: int, timeout: int) -> list[str]:
    """The command line `serialtrack serve` runs (it replaces its own process with it)."""
    return [
        sys.executable, "-c", "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
        "--strict",  # an unknown option is an error, not a warning
        "--master", "--processes", str(workers),
        "--http-socket", f"{host}:{port}", "--listen", str(_backlog()),
        "--buffer-size", str(MAX_HEADER_BYTES),
        "--module", "serialtrack.served:application",
        "--lazy-apps", "--need-app", "--single-interpreter", "--enable-threads",
        "--add-header", "Connection: close",
        "--harakiri", str(timeout),
        "--hook-master-start", "unix_signal:15 gracefully_kill_them_all",
        "--worker-reload-mercy", str(GRACEFUL_STOP_S),
        "--log-format", ACCESS_LOG_FORMAT,
        # a client that went away mid-answer is a line in the log, not a traceback
        "--ignore-sigpipe", "--ignore-write-errors", "--disable-write-exception",
    ]


def _backlog() -> int:
    try:
        return min(BACKLOG, int(Path("/proc/sys/net/core/somaxconn").read_text()))
    except (OSError, ValueError):
        return 128


def start_worker() -> WSGIApp:
    """Django's WSGI application for one server worker, as the module docstring describes."""
    from django.db import connections
    from django.urls import get_resolver

    from serialtrack.wsgi import application

    get_resolver().url_patterns  # noqa: B018 - imports the URL map
    database = connections["default"]
    if database.vendor == "sqlite":
        path = str(database.settings_dict["NAME"])
        if path not in ("", ":memory:") and not path.startswith("file:"):
            _checkpoint_off_the_request_path(database, path)
    gc.collect()
    gc.freeze()
    return answered_whole(application)


def answered_whole(app: WSGIApp) -> WSGIApp:
    """`app`, whose answers reach the client whole when it left part of a request body unread."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = app(environ, start_response)
        if environ.get("CONTENT_LENGTH") in (None, "", "0"):
            return response  # no body (a GET): uWSGI keeps its own handling, e.g. sendfile
        return _Answer(response, environ)

    return wrapped


class _Answer:
    """The application's response; once it is sent (the server calls `close`), the unread rest
    of the request body, if any, is drained."""

    __slots__ = ("environ", "response")

    def __init__(self, response: Iterable[bytes], environ: dict[str, Any]) -> None:
        self.response = response
        self.environ = environ

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def close(self) -> None:
        try:
            close = getattr(self.response, "close", None)
            if close is not None:
                close()
        finally:
            if _body_unread(self.environ):
                _linger()


def _body_unread(environ: dict[str, Any]) -> bool:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if length <= 0:
        return False
    body = environ.get("wsgi.input")
    try:
        return int(body.tell()) < length  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return False


def _linger() -> None:
    """End our side of the connection after the answer, then read (and drop) what the client
    still sends until it closes its side or LINGER_S pass; the server closes the socket next."""
    try:
        import uwsgi  # the uWSGI worker's own module
    except ImportError:  # another WSGI server: it deals with its connections itself
        return
    try:
        sock = socket.socket(fileno=os.dup(uwsgi.connection_fd()))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + LINGER_S
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            if not sock.recv(65536):  # the client's close
                break
    except OSError:
        pass  # time is up, or the client reset or vanished: nothing more to do
    finally:
        sock.close()


CHECKPOINT_EVERY_S = 0.2
SAFETY_AUTOCHECKPOINT = 10_000  # pages (SQLite's default: 1,000)


def _checkpoint_off_the_request_path(database: Any, path: str) -> None:
    from django.db.backends.signals import connection_created

    def longer_log(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_AUTOCHECKPOINT}")

    connection_created.connect(longer_log, weak=False)
    if database.connection is not None:  # opened while the application loaded
        longer_log(None, database)
    threading.Thread(target=_checkpoints, args=(path,), name="wal-checkpoint",
                     daemon=True).start()


def _checkpoints(path: str) -> None:
    con = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    while True:
        time.sleep(CHECKPOINT_EVERY_S)
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError as exc:  # busy: the other worker is checkpointing
            log.debug("WAL checkpoint: %s", exc)
