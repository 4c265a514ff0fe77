"""`serialtrack assemble`, `disassemble`, `repair install|remove`, and the tree in `history`
and `show`, through the real command: exit codes and JSON per the CLI contract."""

from __future__ import annotations

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def test_assemble_and_take_apart_on_the_command_line(cli: Cli) -> None:
    cli("init")
    for sku in ("BIKE", "FRAME", "WHEEL"):
        cli("product", "add", sku, "--name", sku.title())
    cli("warehouse", "add", "WH1")
    cli("warehouse", "add-bin", "WH1", "A-01")
    cli("party", "add", "Sup", "--supplier")
    cli("receive", "-w", "WH1", "-p", "FRAME", "--supplier", "Sup", "--cost", "100", "FRAME-1")
    cli("receive", "-w", "WH1", "-p", "WHEEL", "--supplier", "Sup", "--cost", "25",
        "WHEEL-1..WHEEL-3")
    built = cli("assemble", "--product", "BIKE", "--warehouse", "WH1", "BIKE-1",
                "FRAME-1", "WHEEL-1", "WHEEL-2")
    assert "ASM-000001" in built.stdout
    history = cli("history", "BIKE-1").stdout
    assert "components:" in history and "FRAME FRAME-1" in history
    assert "assembled from FRAME-1, WHEEL-1, WHEEL-2" in history
    shown = cli("show", "WHEEL-1").stdout
    assert "inside: BIKE BIKE-1" in shown
    unit = cli.json("show", "BIKE-1")["unit"]
    assert unit["cost"] == "150.0000" and len(unit["components"]) == 3
    refused = cli.json("assemble", "-p", "BIKE", "-w", "WH1", "BIKE-2", "WHEEL-1",
                       check=3)
    assert refused["errors"][0]["serial"] == "WHEEL-1"

    start = cli.json("repair", "start", "-p", "BIKE", "BIKE-1", user="admin")["document"]
    assert cli.json("repair", "install", start, "WHEEL-3", "--product", "WHEEL",
                    user="admin")["document"].startswith("RPR-")
    cli("repair", "remove", start, "WHEEL-1", "--scrap", "--reason", "bent", user="admin")
    assert "scrapped" in cli("history", "WHEEL-1").stdout
    cli("repair", "done", "-p", "BIKE", "BIKE-1", user="admin")
    apart = cli.json("disassemble", "BIKE-1", "--to", "WH1/A-01")
    assert apart["document"] == "ASM-000002"
    wheel = cli.json("history", "WHEEL-3")
    assert wheel["unit"]["location"] == "WH1/A-01" and wheel["unit"]["inside"] == []
    assert cli.json("history", "BIKE-1")["unit"]["status"] == "scrapped"
    assert cli.json("reverse", apart["document"], check=3, user="admin")["errors"][0][
        "code"] == "not_reversible"
