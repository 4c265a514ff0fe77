"""`serialtrack serve` started on a free port, waited for until it answers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import Cli

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
