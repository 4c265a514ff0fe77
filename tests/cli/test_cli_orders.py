"""`serialtrack po|so|pick` and `receive --po` / `ship --so`: the real process on a fresh
database, its JSON, exit codes (0 done, 2 bad usage, 3 refused) and the purchase order PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.helpers.orders import pdf_text

pytestmark = pytest.mark.slow


def test_purchase_and_sales_orders_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    cli("product", "add", "HT-200", "--name", "Handheld terminal")
    cli("product", "add", "CBL-1", "--name", "USB cable", "--tracking", "none")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Scanners Wholesale", "--supplier")
    cli("party", "add", "Customer A", "--customer")
    cli("party", "add", "Customer B", "--customer")

    po = cli.json("po", "create", "--supplier", "Scanners Wholesale", "--expected", "2026-12-24",
                  "--line", "HT-200:4:199.90", "--line", "CBL-1:50:1.25", user="manager")
    assert po["number"] == "PO-000001" and po["status"] == "open"
    assert [(r["product"], r["ordered"], r["unit_price"]) for r in po["lines"]] == [
        ("HT-200", 4, "199.90"), ("CBL-1", 50, "1.25")]
    rcv = cli.json("receive", "--po", "PO-000001", "-p", "HT-200", "-w", "WH1", "D1", "D2", "D3")
    assert rcv["party"] == "Scanners Wholesale"
    shown = cli.json("po", "show", "PO-000001")
    assert [(r["received"], r["open"]) for r in shown["lines"]] == [(3, 1), (0, 50)]
    assert shown["status"] == "partial" and shown["documents"][0]["number"] == rcv["document"]
    # over-receipt: exit 3, naming the order line and its open quantity; nothing posted
    over = cli("receive", "--po", "PO-000001", "-p", "HT-200", "-w", "WH1", "D4", "D5", check=3)
    assert "PO-000001 line 1" in over.stderr + over.stdout and "1 open" in over.stderr + over.stdout
    assert cli.json("po", "list", "--open")[0]["open"] == 51
    assert cli.json("po", "expected", "--supplier", "Scanners Wholesale")[1]["open"] == 50
    pdf = tmp_path / "po.pdf"
    cli("po", "pdf", "PO-000001", "-o", str(pdf))
    text = pdf_text(pdf.read_bytes())
    for needle in ("PO-000001", "Scanners Wholesale", "HT-200", "Handheld terminal", "CBL-1",
                   "USB cable", "199.90", "1.25", "62.50"):
        assert needle in text, needle
    closed = cli.json("po", "close", "PO-000001", "--reason", "late", user="manager")
    assert closed["status"] == "closed" and [r["short"] for r in closed["lines"]] == [1, 50]

    so = cli.json("so", "create", "--customer", "Customer A", "--line", "HT-200:2",
                  user="manager")
    picked = cli.json("pick", so["number"])
    assert [p["serial"] for p in picked["lines"][0]["picks"]] == ["D1", "D2"]
    wrong = cli("ship", "--so", so["number"], "--customer", "Customer B", "-p", "HT-200",
                "-w", "WH1", "D1", check=3)
    assert "Customer A" in wrong.stderr and "Customer B" in wrong.stderr
    cli.json("ship", "--so", so["number"], "-p", "HT-200", "-w", "WH1", "D1")
    assert cli.json("so", "show", so["number"])["lines"][0]["open"] == 1
    # gross margin: D2 (received on the PO at 199.90) sold at 350.00 on a priced line
    priced = cli.json("so", "create", "--customer", "Customer B", "--line", "HT-200:1:350.00",
                      user="manager")
    cli.json("ship", "--so", priced["number"], "-p", "HT-200", "-w", "WH1", "D2")
    shown = cli.json("so", "show", priced["number"])
    assert shown["gross_margin"] == {"sold": 1, "revenue": "350.00", "cogs": "199.90",
                                     "margin": "150.10", "margin_percent": "42.89",
                                     "unpriced_sold": 0}
    assert "150.10" in cli("so", "show", priced["number"]).stdout
    unpriced = cli.json("so", "show", so["number"])["gross_margin"]
    assert (unpriced["revenue"], unpriced["cogs"], unpriced["unpriced_sold"]) == (
        None, "199.90", 1)
    sale = cli.json("history", "D2", "-p", "HT-200")["sale"]
    assert (sale["price"], sale["cost"], sale["margin"]) == ("350.0000", "199.9000", "150.1000")
    assert "sold for 350.0000" in cli("history", "D2", "-p", "HT-200").stdout
    report = cli.json("cogs", "--from", "2000-01-01", "--to", "2999-12-31")
    assert (report["revenue"], report["margin"], report["unpriced"]["quantity"]) == (
        "350.0000", "150.1000", 1)
    text = cli("cogs", "--from", "2000-01-01", "--to", "2999-12-31").stdout
    assert "Customer B" in text and "gross margin" in text
    assert cli.json("so", "cancel", so["number"], check=3, user="manager")["code"]
    cli("so", "create", "--customer", "Customer A", "--line", "HT-200", check=3)
    cli("so", "create", "--customer", "Customer A", check=2)
    cli("po", "show", "PO-000404", check=3)
