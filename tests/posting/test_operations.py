"""What can be posted is declared once (`serialtrack.posting.operations`), and every interface
offers exactly what is declared: the API a route per operation under its role, the command line
a command per operation, the web a station per drafted operation, the drafts their kinds and
operations. A new declaration reaches them all without touching them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from django.urls import resolve

from serialtrack.api.schemas import DraftIn
from serialtrack.posting import operations
from tests.conftest import routes_table


def test_every_operation_has_its_api_route_under_its_role() -> None:
    posts = {(path, role) for method, path, role in routes_table() if method == "POST"}
    for op in operations.declared():
        assert ("/api" + op.api_path, op.role) in posts, op.name


def test_every_operation_has_its_command() -> None:
    from typer.main import get_command

    from serialtrack.cli.app import add_posting_commands, app

    add_posting_commands()
    cli = get_command(app)
    for op in operations.declared():
        group = cli
        for word in op.cli:
            group = group.commands[word]  # type: ignore[attr-defined]
        assert group.help and op.help.split(":")[0] in group.help, op.name


def test_every_drafted_operation_has_its_station_and_draft() -> None:
    stations = operations.stations()
    assert {op.name for op in stations} >= {"receipt", "shipment", "return", "transfer", "hold",
                                            "release", "write_off", "repair_start"}
    for op in stations:
        assert op.station is not None
        match = resolve(op.station.url)
        assert match.url_name == op.name and match.kwargs == {"name": op.name}
        assert operations.drafted(op.kind, "" if op.name == op.kind else op.name) is op
    kinds = DraftIn.model_json_schema()["properties"]["kind"]["enum"]
    assert kinds == operations.draft_kinds()


def test_a_new_declaration_reaches_every_interface(tmp_path: Any) -> None:
    """Declare one more operation (a stock count's recount hold, say) before the interfaces
    load, in a fresh process: the API, the command line and the web offer it, with nothing
    else changed."""
    script = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "serialtrack.settings"
django.setup()
from serialtrack.inventory.models import DocumentKind
from serialtrack.posting import adjustments, operations
from serialtrack.posting.operations import Operation, SerialsIn, Station, register, unit_arguments

register(Operation(
    name="recount_hold", kind=DocumentKind.ADJUSTMENT, entry=adjustments.hold, role="manager",
    title="Hold for recount", help="Hold units until they are counted again.", body=SerialsIn,
    api_path="/recount-holds", cli=("recount-hold",),
    station=Station(url="/recount-hold/", post_label="Post recount hold", needs=("product",),
                    arguments=unit_arguments, lead="Units to count again."),
))
from typer.main import get_command
from django.urls import resolve
from serialtrack.api.core import api
import serialtrack.api.routes
from serialtrack.cli.app import add_posting_commands, app
from serialtrack.api.schemas import DraftIn
add_posting_commands()
schema = api.get_openapi_schema(path_prefix="/api")
print(json.dumps({
    "api": "post" in schema["paths"].get("/api/recount-holds", {}),
    "cli": "recount-hold" in get_command(app).commands,
    "web": resolve("/recount-hold/").url_name,
    "draft": "recount_hold" in DraftIn.model_json_schema()["properties"]["operation"]["enum"],
}))
"""
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "api": True, "cli": True, "web": "recount_hold", "draft": True}
