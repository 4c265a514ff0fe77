"""The production server's configuration: `serialtrack serve` runs gunicorn's sync workers with
this module as its config (`-c python:serialtrack.server`). Settings from GUNICORN_CMD_ARGS or the
command line still apply on top of it.

What a request costs besides the application, each measured on the benchmark's one-serial
scans (`make bench`, docs/benchmarks.md) and cut here:

* The access log. gunicorn's logger builds a dictionary of every request and response header
  for each line and formats it through `logging`. `AccessLog` writes the same combined-format
  line, with the request's time in microseconds at the end, from the few values it needs. Any
  other `--access-logformat` goes through gunicorn's own code, as before.
* The close. gunicorn 27 closes every connection of a sync worker "gracefully": it half-closes,
  then waits (up to 2 s) for the client to close its side, reading whatever arrives, so that
  request bytes the application never read cannot make the kernel reset the connection and
  truncate the response. When the whole request was read (gunicorn's body reader reached its
  Content-Length) and no byte is waiting, there is nothing to reset: the worker closes at once
  and takes the next connection instead of waiting for this client. Otherwise (a refused
  upload whose body still streams in, a pipelined request) gunicorn's lingering close runs.
* Two packets per response. gunicorn sends the headers, then the body, in two writes; the
  socket is corked while the response is written and uncorked right after it, so both leave
  in one segment (Linux TCP_CORK; a no-op elsewhere).
* SQLite's WAL checkpoint. By default the request whose commit takes the write-ahead log past
  1,000 pages copies them into the database file and syncs it (5-15 ms here, about once every
  300 scans), while the requests queued behind that worker wait. On SQLite each worker runs a
  checkpoint thread instead (`PRAGMA wal_checkpoint(PASSIVE)` every 0.2 s on a connection of
  its own, never waiting for a lock), and its request connections leave the automatic
  checkpoint for a log ten times longer, as a safety net.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from typing import Any

from gunicorn import glogging, util
from gunicorn.http.body import LengthReader

# gunicorn's default access log format, and the request time in microseconds (%(D)s) after it.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
_CORK = getattr(socket, "TCP_CORK", None)


class AccessLog(glogging.Logger):
    """gunicorn's logger with a cheap access line for `access_log_format` above."""

    _second = -1
    _stamp = ""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        _uncork(getattr(resp, "sock", None))  # the response is written: send it now
        if self.cfg.access_log_format != access_log_format:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        now = int(time.time())
        if now != AccessLog._second:
            AccessLog._second = now
            AccessLog._stamp = time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(now))
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        sent = getattr(resp, "sent", None)
        request = (f'{environ["REQUEST_METHOD"]} {environ["RAW_URI"]} '
                   f'{environ["SERVER_PROTOCOL"]}')
        fields = (environ.get("REMOTE_ADDR", "-"), "-", self._get_user(environ) or "-",
                  AccessLog._stamp, _quoted(request), status,
                  str(sent) if sent is not None else "-",
                  _quoted(environ.get("HTTP_REFERER", "-")),
                  _quoted(environ.get("HTTP_USER_AGENT", "-")),
                  request_time.seconds * 1_000_000 + request_time.microseconds)
        try:
            self.access_log.info('{} {} {} {} "{}" {} {} "{}" "{}" {}'.format(*fields))
        except Exception:
            self.exception("access log")


def _quoted(value: str) -> str:
    """What gunicorn does to a value inside double quotes."""
    return value.replace('"', '\\"')


logger_class = AccessLog


def _cork(sock: socket.socket | None, on: int = 1) -> None:
    if _CORK is not None and sock is not None:
        with contextlib.suppress(OSError):  # not TCP (a Unix socket): nothing to cork
            sock.setsockopt(socket.IPPROTO_TCP, _CORK, on)


def _uncork(sock: socket.socket | None) -> None:
    _cork(sock, 0)


def _socket(req: Any) -> socket.socket | None:
    return getattr(getattr(req, "unreader", None), "sock", None)


# The connection whose request was read to its end, if the one now closing is it (a sync worker
# serves one connection at a time; any other worker falls back to gunicorn's close).
_read_whole: socket.socket | None = None


def pre_request(worker: Any, req: Any) -> None:
    global _read_whole
    worker.log.debug("%s %s", req.method, req.path)  # what gunicorn's own pre_request does
    _read_whole = None
    _cork(_socket(req))


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    global _read_whole
    reader = getattr(getattr(req, "body", None), "reader", None)
    _read_whole = _socket(req) if isinstance(reader, LengthReader) and reader.length == 0 else None


_lingering_close = util.close_graceful


def close_after_response(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
    """Close at once when the request was read whole and no byte waits; else linger."""
    global _read_whole
    whole, _read_whole = sock is _read_whole, None
    if whole:
        try:
            waiting = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:  # nothing has arrived since the request
            waiting = b""
        except OSError:
            waiting = None  # a broken socket: gunicorn's close deals with it
        if waiting == b"":  # nothing, or the client's own close
            sock.close()
            return
    _lingering_close(sock, *args, **kwargs)


util.close_graceful = close_after_response


CHECKPOINT_EVERY_S = 0.2
SAFETY_AUTOCHECKPOINT = 10_000  # pages (SQLite's default: 1,000)


def post_worker_init(worker: Any) -> None:
    """The URL map loaded before the first request (Django imports it, and with it every API
    route and schema, on the first request otherwise: a first scan after a restart waited for
    that). On SQLite: the worker's checkpoint thread, and its request connections' longer log."""
    from django.db import connections
    from django.db.backends.signals import connection_created
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL map

    database = connections["default"]
    if database.vendor != "sqlite":
        return
    path = str(database.settings_dict["NAME"])
    if path in ("", ":memory:") or path.startswith("file:"):
        return

    def longer_log(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_AUTOCHECKPOINT}")

    connection_created.connect(longer_log, weak=False)
    if database.connection is not None:  # opened while the application loaded
        longer_log(None, database)
    threading.Thread(target=_checkpoints, args=(path, worker.log), name="wal-checkpoint",
                     daemon=True).start()


def _checkpoints(path: str, log: Any) -> None:
    con = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    while True:
        time.sleep(CHECKPOINT_EVERY_S)
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError as exc:  # busy: the other worker is checkpointing
            log.debug("WAL checkpoint: %s", exc)
