"""The production server's configuration: `serialtrack serve` runs gunicorn with this module
(`gunicorn -c python:serialtrack.server`, the application `serialtrack.wsgi:application`), which
can also be run as it is under a supervisor.

* Sync workers (`SERIALTRACK_WORKERS`, default 2): forked processes taking connections from one
  listening socket, one request per connection (`Connection: close`), so a free worker takes the
  next connection and a client keeping its connection open holds no worker. Slow clients and
  over-size uploads are the reverse proxy's business in production (deploy/).
* `SERIALTRACK_REQUEST_TIMEOUT` seconds per request (default 600): a worker silent for longer is
  replaced (the request's transaction rolls back). SIGTERM stops gracefully: requests in
  progress finish (10 s at most).
* The log on standard error: gunicorn's lines, and one access line per request in the combined
  log format with the request's time in microseconds at the end (the benchmark reads it).
* One task worker (`serialtrack worker`, Django's tasks API) started beside the web workers once
  they listen, and stopped when the server stops: web imports run there.

Each web worker, once it has loaded Django (`post_worker_init`), loads the URL map (else the first
request would), then moves the objects loaded so far out of the garbage collector's sight
(`gc.freeze()`): they live as long as the worker, and a full collection walking them all would
hold the requests queued behind it. On a SQLite file each worker also copies the write-ahead log
into the database from a thread of its own (a passive checkpoint every 0.2 s), so that no request
commits into a log long enough to be checkpointed on its way (the request connections' automatic
checkpoint stays as a safety net, for a log ten times longer).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
from typing import Any

wsgi_app = "serialtrack.wsgi:application"
bind = "127.0.0.1:8000"
workers = int(os.environ.get("SERIALTRACK_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("SERIALTRACK_REQUEST_TIMEOUT", "600"))
graceful_timeout = 10
# Each worker signs of life by touching a file, on every turn of its loop: in memory, not on disk
# (gunicorn's own advice where /tmp is a disk).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True  # gunicorn's control socket: one path per user, not per server
limit_request_line = 8190  # gunicorn's largest; the proxy in front has its own limits
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s')
logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["log"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["log"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
    "handlers": {
        "log": {"class": "logging.StreamHandler", "formatter": "log", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access",
                   "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "log": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
                "datefmt": "[%Y-%m-%d %H:%M:%S %z]"},
        "access": {"format": "%(message)s"},
    },
}

TASK_WORKER_STOP_S = 10
CHECKPOINT_EVERY_S = 0.2
SAFETY_AUTOCHECKPOINT = 10_000  # pages (SQLite's default: 1,000)
_task_worker: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:
    global _task_worker
    # its standard output too goes to the log: `serve --json` prints one JSON document
    _task_worker = subprocess.Popen([sys.executable, "-m", "serialtrack", "worker"],
                                    stdout=sys.stderr)
    server.log.info("Started the task worker (pid %s)", _task_worker.pid)


def on_exit(server: Any) -> None:
    if _task_worker is None:
        return
    _task_worker.terminate()
    try:
        _task_worker.wait(TASK_WORKER_STOP_S)
    except subprocess.TimeoutExpired:
        _task_worker.kill()
        _task_worker.wait()


def post_worker_init(worker: Any) -> None:
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL map
    database = connections["default"]
    path = str(database.settings_dict["NAME"])
    if database.vendor == "sqlite" and path not in ("", ":memory:") and not path.startswith("file:"):
        checkpoint_off_the_request_path(database, path)
    gc.collect()
    gc.freeze()


def checkpoint_off_the_request_path(database: Any, path: str) -> None:
    from django.db.backends.signals import connection_created

    def longer_log(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_AUTOCHECKPOINT}")

    connection_created.connect(longer_log, weak=False)
    if database.connection is not None:  # opened while the application loaded
        longer_log(None, database)
    threading.Thread(target=_checkpoints, args=(path,), name="wal-checkpoint", daemon=True).start()


def _checkpoints(path: str) -> None:
    con = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    while True:
        time.sleep(CHECKPOINT_EVERY_S)
        with contextlib.suppress(sqlite3.OperationalError):  # busy: the other worker's
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
