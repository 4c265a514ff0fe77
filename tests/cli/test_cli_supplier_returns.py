"""Returns to supplier and packing slips from the real `serialtrack` command: return, replace,
record a credit, the awaiting-credit report, the packing slip PDF, and refusals (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.helpers.pdf_text import pdf_words

pytestmark = pytest.mark.slow


def test_return_replace_credit_and_report(cli: Cli) -> None:
    cli("init")
    cli("product", "add", "HT-200", "--name", "Handheld terminal")
    cli("product", "add", "SAL-1", "--tracking", "lot")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Scanners Wholesale", "--supplier")
    cli("party", "add", "Other Supplier", "--supplier")
    rcv = cli.json("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale",
                   "--cost", "120.50", "D-1", "D-2", "D-3")["document"]
    other = cli.json("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Other Supplier",
                     "E-1")["document"]
    lot_rcv = cli.json("receive", "-w", "WH1", "-p", "SAL-1", "--supplier", "Scanners Wholesale",
                       "--lot", "L1", "--qty", "10", "--cost", "2")["document"]

    refusal = cli.json("return-to-supplier", "--receipt", rcv, "--reason", "DOA", "D-1", "E-1",
                       check=3)
    assert refusal["code"] == "not_from_supplier"
    assert [e["serial"] for e in refusal["errors"]] == ["E-1"]
    assert other in refusal["errors"][0]["message"]
    assert "E-1" in cli("return-to-supplier", "--receipt", rcv, "--reason", "DOA", "E-1",
                        check=3).stderr

    rts = cli.json("return-to-supplier", "--receipt", rcv, "--reason", "dead on arrival",
                   "--reference", "RMA-9", "D-1", "D-2")
    assert (rts["document"], rts["kind"], rts["related"], rts["party"]) == (
        "RTS-000001", "supplier_return", rcv, "Scanners Wholesale")
    unit = cli.json("show", "D-1")["unit"]
    assert (unit["status"], unit["holder"]) == ("returned_to_supplier", "Scanners Wholesale")
    lot_rts = cli.json("return-to-supplier", "--receipt", lot_rcv, "--reason", "recall",
                       "--product", "SAL-1", "--qty", "4", "--credit", "7.5")
    assert lot_rts["lines"][0]["quantity"] == 4

    back = cli.json("supplier-replacement", "RTS-000001", "-w", "WH1", "D-1-NEW", "D-2",
                    "--replaces", "D-1", "--replaces", "D-2")
    assert back["related"] == "RTS-000001" and back["kind"] == "receipt"
    assert cli.json("show", "D-1-NEW")["unit"]["status"] == "in_stock"
    assert cli.json("show", "D-2")["unit"]["status"] == "in_stock"
    history = cli("history", "D-1").stdout
    assert "D-1-NEW" in history and back["document"] in history

    report = {r["document"]: r for r in cli.json("supplier-returns")}
    assert report["RTS-000001"]["credit_expected"] == "241.00"
    assert report["RTS-000001"]["replaced_value"] == "241.00"
    assert report["RTS-000001"]["awaiting_credit"] == "0.00"
    assert report["RTS-000002"]["awaiting_credit"] == "7.50"
    credit = cli.json("supplier-credit", "RTS-000002", "--amount", "5", "--reference", "CN-1")
    assert credit["awaiting_credit"] == "2.50"
    awaiting = cli.json("supplier-returns", "--awaiting-credit", "--supplier",
                        "Scanners Wholesale")
    assert [r["document"] for r in awaiting] == ["RTS-000002"]
    assert "RTS-000002" in cli("supplier-returns", "--awaiting-credit").stdout
    too_much = cli.json("supplier-credit", "RTS-000002", "--amount", "3", check=3)
    assert too_much["errors"][0]["field"] == "amount"


def test_packing_slip_pdf(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    cli("product", "add", "HT-200")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Customer A", "--customer")
    cli("receive", "-w", "WH1", "-p", "HT-200", "S-001..S-120")
    shp = cli.json("ship", "-w", "WH1", "-p", "HT-200", "--customer", "Customer A",
                   "--reference", "SO-1", "S-001..S-120")["document"]
    slip = tmp_path / "slip.pdf"
    result = cli.json("packing-slip", shp, "-o", str(slip))
    assert result["serials"] == 120
    words = pdf_words(slip.read_bytes())
    assert {f"S-{n:03d}" for n in range(1, 121)} <= words
    assert {"SO-1", shp} <= words
    assert cli.json("packing-slip", "RCV-000001", "-o", str(tmp_path / "x.pdf"),
                    check=3)["code"] == "invalid"
