"""`serialtrack rma …`: the real process on a fresh database — open a claim by scanning, the
flag for a unit sold to another customer, notes, a photo, a return naming its case and linking
the documents, close with an outcome;
`--json` on each, exit 3 for a refusal naming the field."""

from __future__ import annotations

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def test_rma_round_trip(cli: Cli) -> None:
    cli("init")
    cli("product", "add", "HT-200", "--name", "Handheld terminal", "--warranty-days", "365")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Scanners Wholesale", "--supplier")
    cli("party", "add", "Customer A", "--customer")
    cli("party", "add", "Customer B", "--customer")
    cli("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale", "D1", "D2")
    shp = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200", "D1")

    case = cli.json("rma", "open", "D1", "--claimant", "Customer B", "--fault", "no power")
    assert case["number"] == "RMA-000001" and case["sold_on"] == shp["document"]
    assert case["sold_to"] == "Customer A" and case["other_customer"] is True
    assert [f["code"] for f in case["flags"]] == ["other_customer"]
    assert case["warranty"]["under_warranty"] is True
    text = cli("rma", "show", "RMA-000001").stdout
    assert "flag:" in text and "sold to Customer A, not to Customer B" in text

    # refusals: exit 3, the field named, nothing changed
    bad = cli.json("rma", "open", "D1", "--claimant", "Customer B", "--fault", "x", check=3)
    assert bad["errors"][0]["field"] == "scan" and "RMA-000001" in bad["errors"][0]["message"]
    bad = cli.json("rma", "close", "RMA-000001", "--outcome", "repair", "--reason", "fixed",
                   check=3, user="boss")
    assert [e["field"] for e in bad["errors"]] == ["documents"]
    cli("rma", "close", "RMA-000001", "--outcome", "sideways", "--reason", "x", check=3)

    note = cli.json("rma", "note", "RMA-000001", "customer is a reseller of Customer A")
    assert note["user"] == "clerk"
    # a photo from a file: kept with the case; a file that is not an image is refused
    (cli.cwd / "crack.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (cli.cwd / "notes.txt").write_text("not a photo")
    shown = cli.json("rma", "photo", "RMA-000001", "crack.png")
    assert [(p["name"], p["content_type"]) for p in shown["photos"]] == [("crack.png",
                                                                          "image/png")]
    bad = cli.json("rma", "photo", "RMA-000001", "notes.txt", check=3)
    assert [e["field"] for e in bad["errors"]] == ["photo"]
    assert "photo 1: crack.png" in cli("rma", "show", "RMA-000001").stdout
    # a posting naming its case is linked as it posts; one the case cannot take is refused
    wrong = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200",
                     "--case", "RMA-000001", "D2", check=3)
    assert [e["field"] for e in wrong["errors"]] == ["case"]
    ret = cli.json("return", "--shipment", shp["document"], "--disposition", "repair",
                   "--case", "RMA-000001", "D1")
    linked = cli.json("rma", "show", "RMA-000001")["documents"]
    assert [d["number"] for d in linked] == [ret["document"]]
    done = cli.json("repair", "done", "-p", "HT-200", "D1", user="boss")
    cli.json("rma", "link", "RMA-000001", done["document"])
    closed = cli.json("rma", "close", "RMA-000001", "--outcome", "repair", "--reason",
                      "new battery", user="boss")
    assert closed["status"] == "closed" and closed["outcome"] == "repair"
    assert [d["role"] for d in closed["documents"]] == ["customer return", "repair done"]
    assert closed["notes"][0]["text"] == "customer is a reseller of Customer A"
    assert cli.json("rma", "list", "--open") == []
    assert cli.json("rma", "list")[0]["outcome"] == "repair"
    assert cli("rma", "show", "RMA-000002", check=3).returncode == 3

    # a serial that is not ours: opened, flagged, rejected
    other = cli.json("rma", "open", "]d20109506000134352" + "21X9", "--claimant", "Customer A",
                     "--fault", "dead")
    assert other["not_ours"] is True and other["serial"] == "X9"
    cli.json("rma", "close", other["number"], "--outcome", "reject", "--reason", "not ours",
             user="boss")
