"""`serialtrack recall create|show|hold|export` and holds of lots and quantities, through the
real command: exit codes and JSON per the CLI contract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def test_recall_round_trip(cli: Cli) -> None:
    cli("init")
    cli("product", "add", "HT-1", "--name", "Terminal", "--tracking", "serial")
    cli("product", "add", "SAL-1", "--name", "Saline", "--tracking", "lot")
    cli("warehouse", "add", "WH1")
    cli("warehouse", "add-bin", "WH1", "A-01")
    cli("party", "add", "Sup", "--supplier")
    cli("party", "add", "Acme", "--customer", "--contact", "Ann Lee", "--email", "ann@acme.test",
        "--phone", "+1 555 0100", "--address", "1 Main St")
    cli("receive", "-w", "WH1", "-p", "HT-1", "--supplier", "Sup", "--lot", "L77",
        "D-001..D-004")
    cli("receive", "-w", "WH1/A-01", "-p", "SAL-1", "--supplier", "Sup", "--lot", "L77",
        "--qty", "40")
    cli("ship", "-w", "WH1", "--customer", "Acme", "-p", "HT-1", "D-001")
    shp = cli.json("ship", "-w", "WH1", "--customer", "Acme", "-p", "SAL-1", "--qty", "7")
    assert shp["lines"][0]["lot"] == "L77"  # a lot quantity shipped names its lot
    assert "lot L77" in cli("show", shp["document"]).stdout

    # a quantity held in a bin, released the same way; a serial given for a lot product
    held = cli.json("hold", "--product", "SAL-1", "--qty", "5", "--warehouse", "WH1/A-01",
                    "--lot", "L77")
    assert held["lines"][0]["quantity"] == 5
    wrong = cli.json("hold", "-p", "SAL-1", "OLD", check=3)
    assert wrong["errors"][0]["field"] == "serials" and "--lot" in wrong["errors"][0]["message"]
    cli("release", "--product", "SAL-1", "--qty", "5", "--warehouse", "WH1/A-01")

    rcl = cli.json("recall", "create", "--lot", "L77", "--reason", "capacitor", user="manager")
    assert rcl["document"] == "RCL-000001" and rcl["kind"] == "recall"
    report = cli.json("recall", "show", "RCL-000001")
    assert report["progress"]["found"] == {"units": 4, "quantity": 40}
    assert [(u["serial"], u["customer"]) for u in report["units"]][:1] == [("D-001", "Acme")]
    text = cli("recall", "show", "RCL-000001").stdout
    assert "D-004" in text and "Acme" in text
    hold = cli.json("recall", "hold", "RCL-000001", user="manager")
    assert hold["related"] == "RCL-000001"
    assert cli.json("recall", "show", "RCL-000001")["progress"]["held"] == {
        "units": 3, "quantity": 33}
    again = cli.json("recall", "hold", "RCL-000001", user="manager", check=3)
    assert again["errors"][0]["code"] == "nothing_to_hold"
    out = cli.cwd / "customers.csv"
    done = cli.json("recall", "export", "RCL-000001", "--format", "csv", "-o", str(out))
    assert done["customers"] == 1
    rows = list(csv.DictReader(out.open()))
    # the party's contact details, to send the notice to
    assert rows == [{"customer": "Acme", "contact": "Ann Lee", "email": "ann@acme.test",
                     "phone": "+1 555 0100", "address": "1 Main St", "units": "1",
                     "serials": "HT-1 D-001", "lot_quantities": "SAL-1 lot L77: 7"}]
    cli("recall", "export", "RCL-000001", "--format", "xlsx", "-o", str(cli.cwd / "c.xlsx"))
    assert Path(cli.cwd / "c.xlsx").read_bytes()[:2] == b"PK"
    missing = cli.json("recall", "show", "RCL-000009", check=3)
    assert missing["status"] == 404
    assert cli("recall", "create", "--lot", "NOPE", "--reason", "x", check=3).returncode == 3
    assert json.loads(cli("recall", "export", "RCL-000001", "-o", str(out), "--format", "pdf",
                          "--json", check=3).stdout)["status"] == 422
