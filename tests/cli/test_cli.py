"""The command line is the contract scripts use: the real `serialtrack` process on a fresh
database, its exit codes, its JSON, its serial inputs, and the trade's walkthrough end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow


def setup_shop(cli: Cli) -> None:
    cli("init")
    cli("product", "add", "HT-200", "--name", "Handheld terminal", "--tracking", "serial",
        "--warranty-days", "365", "--serial-pattern", r"device-\d{5}")
    cli("warehouse", "add", "WH1", "--name", "Main")
    cli("party", "add", "Scanners Wholesale", "--supplier")
    cli("party", "add", "Customer A", "--customer")


def test_walkthrough(cli: Cli) -> None:
    """Receive five handheld terminals; ship device-00123 to Customer A; it comes back for
    repair; it is repaired and shipped back; history, warranty and stock tell the story."""
    setup_shop(cli)
    rcv = cli.json("receive", "--warehouse", "WH1", "--product", "HT-200", "--supplier",
                   "Scanners Wholesale", "device-00121..device-00125")
    assert rcv["lines"][0]["quantity"] == 5
    shp = cli.json("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product",
                   "HT-200", "device-00123")
    ret = cli.json("return", "--shipment", shp["document"], "--disposition", "repair",
                   "device-00123")
    assert ret["related"] == shp["document"]
    rpr = cli.json("repair", "ship-back", "--product", "HT-200", "device-00123")
    assert rpr["party"] == "Customer A"

    history = cli.json("history", "device-00123")
    steps = [(m["document"], m["kind"], m["to_status"]) for m in history["movements"]]
    assert steps == [
        (rcv["document"], "receipt", "in_stock"),
        (shp["document"], "shipment", "shipped"),
        (ret["document"], "return", "in_repair"),
        (rpr["document"], "repair", "shipped"),
    ]
    text = cli("history", "device-00123").stdout
    for number in (rcv["document"], shp["document"], ret["document"], rpr["document"]):
        assert number in text

    warranty = cli.json("warranty", "device-00123")
    assert warranty["sold_to"] == "Customer A" and warranty["under_warranty"] is True
    assert "Customer A" in cli("warranty", "device-00123").stdout

    stock = cli.json("stock")
    assert [(g["warehouse"], g["count"], g["serials"]) for g in stock["units"]] == [
        ("WH1", 4, ["device-00121", "device-00122", "device-00124", "device-00125"])]
    out = cli.json("stock", "--out-of-storage")["out_of_storage"]
    assert [(r["serial"], r["holder"]) for r in out] == [("device-00123", "Customer A")]


def test_stock_without_serials_prints_none(cli: Cli) -> None:
    """`--no-serials` leaves the serials out of the JSON and the table alike; counts stay."""
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00121..device-00123")
    stock = cli.json("stock", "--no-serials")
    assert stock["units"] == [{"warehouse": "WH1", "bin": "MAIN", "product": "HT-200",
                               "product_name": "Handheld terminal", "status": "in_stock",
                               "count": 3}]
    text = cli("stock", "--no-serials").stdout
    assert "device-0012" not in text and "HT-200" in text
    assert "device-00121" in cli("stock").stdout


def test_posting_prints_the_document_number(cli: Cli) -> None:
    setup_shop(cli)
    proc = cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001")
    assert "RCV-000001" in proc.stdout


def test_exit_codes(cli: Cli) -> None:
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001", "device-00002")
    assert cli("ship", "--nonsense", check=2).returncode == 2
    # a required option missing (the warehouse; the customer may come from a sales order)
    assert cli("ship", "--customer", "Customer A", "-p", "HT-200", "device-00001",
               check=2).returncode == 2
    refused = cli("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200",
                  "device-00009", check=3)
    assert "device-00009" in refused.stderr and "nothing was changed" in refused.stderr
    # An unexpected failure (the database cannot be opened) is exit 1, without a traceback.
    broken = Cli(f"sqlite:///{cli.cwd / 'missing-dir' / 'x.sqlite3'}", cli.cwd)
    proc = broken("stock", check=1)
    assert "Traceback" not in proc.stderr and "failed" in proc.stderr


def test_refusal_lists_every_offender_as_json(cli: Cli) -> None:
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001..device-00003")
    body = cli.json("receive", "-w", "WH1", "-p", "HT-200", "device-00003", "device-00004",
                    "device-00004", "devic-00005", "", check=3)
    assert body["status"] == 422
    assert sorted((e["code"], e.get("serial")) for e in body["errors"]) == [
        ("duplicate_serial", "device-00003"),
        ("duplicate_serial", "device-00004"),
        ("invalid_serial", ""),
        ("invalid_serial", "devic-00005"),
    ]
    assert cli.json("stock")["units"][0]["count"] == 3  # nothing changed


def test_every_command_speaks_json(cli: Cli) -> None:
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001")
    for args in (["init"], ["product", "list"], ["warehouse", "list"], ["party", "list"],
                 ["stock"], ["stock", "--out-of-storage"], ["history", "device-00001"],
                 ["warranty", "device-00001"], ["show", "RCV-000001"]):
        proc = cli(*args, "--json")
        json.loads(proc.stdout)  # exactly one JSON document


def test_serials_file_and_quantity(cli: Cli, tmp_path: Path) -> None:
    setup_shop(cli)
    listing = tmp_path / "serials.txt"
    listing.write_text("\n".join(f"device-{n:05d}" for n in range(1, 1001)) + "\n")
    cli("receive", "-w", "WH1", "-p", "HT-200", "--serials-file", str(listing), "--qty", "1000")
    packing = tmp_path / "packing.csv"
    packing.write_text("order,serial\nSO-1,device-00007\nSO-1,device-00008\n")
    shp = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200",
                   "--serials-file", str(packing))
    assert shp["lines"][0]["quantity"] == 2
    mismatch = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200",
                        "--qty", "3", "device-00010", "device-00011", check=3)
    assert mismatch["errors"][0]["code"] == "count_mismatch"
    assert cli.json("stock")["units"][0]["count"] == 998


def test_serial_on_two_products_needs_the_product(cli: Cli) -> None:
    setup_shop(cli)
    cli("product", "add", "HT-300", "--tracking", "serial")
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001")
    cli("receive", "-w", "WH1", "-p", "HT-300", "device-00001")
    proc = cli("history", "device-00001", check=3)
    assert "HT-200" in proc.stderr and "HT-300" in proc.stderr
    assert cli.json("history", "device-00001", "--product", "HT-300")["unit"]["product"] == "HT-300"


def test_reverse_and_correct_serial(cli: Cli) -> None:
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001", "device-00002")
    shp = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200", "device-00001")
    rev = cli.json("reverse", shp["document"])
    assert rev["document"].startswith("REV-") and rev["related"] == shp["document"]
    cli("correct-serial", "--product", "HT-200", "device-00002", "device-00020", "--reason",
        "typo")
    history = cli.json("history", "device-00002")  # the old text stays findable
    assert history["unit"]["serial"] == "device-00020"
    assert history["movements"][-1]["kind"] == "correction"


def test_lot_receipt_and_fefo_shipment(cli: Cli) -> None:
    setup_shop(cli)
    cli("product", "add", "SAL", "--tracking", "lot")
    cli("receive", "-w", "WH1", "-p", "SAL", "--qty", "10", "--lot", "L-LATE", "--expiry",
        "2027-06-30")
    cli("receive", "-w", "WH1", "-p", "SAL", "--qty", "10", "--lot", "L-SOON", "--expiry",
        "2027-01-31")
    shp = cli.json("ship", "-w", "WH1", "--customer", "Customer A", "-p", "SAL", "--qty", "12")
    assert shp["document"].startswith("SHP-")
    left = {q["lot"]: q["quantity"] for q in cli.json("stock")["quantities"]}
    assert left == {"L-LATE": 8}
    bad_date = cli("receive", "-w", "WH1", "-p", "SAL", "--qty", "1", "--lot", "L3", "--expiry",
                   "31/01/2027", check=2)
    assert "--expiry" in bad_date.stderr


def test_bytes_that_are_not_utf8_are_refused_naming_the_serial_or_line(cli: Cli,
                                                                        tmp_path: Path) -> None:
    """An argument or a serials-file line that is not UTF-8: exit 3 naming the serial (the bad
    byte shown as its escape) or the line, nothing posted — never exit 1."""
    setup_shop(cli)
    # "\udcff" is how Python hands over the byte 0xFF of an argument (surrogateescape).
    proc = cli("receive", "-w", "WH1", "-p", "HT-200", "device-00001", "device-0000\udcff",
               "--json", check=3)
    refusal = json.loads(proc.stdout)
    assert [(e["code"], e["serial"], e["field"]) for e in refusal["errors"]] == [
        ("invalid_text", "device-0000\\udcff", "serials")]
    assert "0xFF" in refusal["errors"][0]["message"]
    text = cli("found", "-w", "WH1", "-p", "HT-200", "--reason", "bad \udce9", "device-00002",
               check=3)
    assert "reason" in text.stderr and "0xE9" in text.stderr
    listing = tmp_path / "units.txt"
    listing.write_bytes(b"device-00003\ndevice-0000\xff4\ndevice-00005\nde\x00vice\n")
    proc = cli("receive", "-w", "WH1", "-p", "HT-200", "--serials-file", str(listing), "--json",
               check=3)
    errors = json.loads(proc.stdout)["errors"]
    assert [(e["line"], e["code"]) for e in errors] == [(2, "invalid_text"),
                                                        (4, "control_character")]
    assert "units.txt line 2" in errors[0]["message"]
    sheet = tmp_path / "units.csv"
    sheet.write_bytes(b"serial,colour\ndevice-00006,red\ndevice-\xe900007,blue\n")
    proc = cli("receive", "-w", "WH1", "-p", "HT-200", "--serials-file", str(sheet), "--json",
               check=3)
    assert [(e["line"], e["field"]) for e in json.loads(proc.stdout)["errors"]] == [(3, "serial")]
    assert cli.json("stock")["units"] == []


def test_expired_lot_shipment_override_and_expiring_report(cli: Cli) -> None:
    setup_shop(cli)
    cli("product", "add", "SAL-1", "--name", "Saline", "--tracking", "lot")
    cli("user", "add", "boss", "--role", "manager", user="admin")
    cli("receive", "--warehouse", "WH1", "--product", "SAL-1", "--supplier",
        "Scanners Wholesale", "--qty", "10", "--lot", "OLD", "--expiry", "2020-01-01")
    refused = cli.json("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product",
                       "SAL-1", "--qty", "2", "--lot", "OLD", check=3)
    assert refused["errors"][0]["expiry"] == "2020-01-01"
    clerk = cli.json("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product",
                     "SAL-1", "--qty", "2", "--lot", "OLD", "--allow-expired", "--reason", "ok",
                     check=3)
    assert clerk["errors"][0]["role_needed"] == "manager"
    shipped = cli.json("ship", "--warehouse", "WH1", "--customer", "Customer A", "--product",
                       "SAL-1", "--qty", "2", "--lot", "OLD", "--allow-expired", "--reason",
                       "customer accepted short-dated", user="boss")
    assert shipped["reason"] == "customer accepted short-dated"
    report = cli.json("expiring", "--days", "30", "--product", "SAL-1")
    assert [(q["lot"], q["quantity"], q["expired"]) for q in report["quantities"]] == [
        ("OLD", 8, True)]


def test_lookups_take_a_scan(cli: Cli) -> None:
    setup_shop(cli)
    cli("product", "add", "PUMP-1", "--name", "Pump", "--tracking", "serial", "--gtin",
        "09506000134352")
    scan = "]d20109506000134352" "21PX-0001\x1d10LOT-A\x1d17270630"
    cli("receive", "--warehouse", "WH1", "--product", "PUMP-1", scan)
    history = cli.json("history", scan)
    assert (history["unit"]["serial"], history["unit"]["lot"]) == ("PX-0001", "LOT-A")
    assert cli.json("warranty", "(01)09506000134352(21)PX-0001")["unit"]["serial"] == "PX-0001"
    shown = cli.json("show", "https://id.gs1.org/01/09506000134352/10/FAKE/21/PX-0001")
    assert shown["unit"]["scan"]["disagreements"] == [
        {"field": "lot", "recorded": "LOT-A", "scanned": "FAKE"}]
    text = cli("show", "(01)09506000134352(21)PX-0001(10)FAKE").stdout
    assert "label contradicts the record: lot recorded LOT-A, scanned FAKE" in text
    cli("warehouse", "add", "WH2")
    refused = cli.json("transfer", "--from", "WH1", "--to", "WH2", "--product", "PUMP-1",
                       "(01)09506000134352(21)PX-0001(10)FAKE", check=3)
    assert refused["errors"][0]["field"] == "lot"
    assert cli.json("verify-genuine", scan) == {
        "genuine": True, "answer": "genuine, not yet sold", "sold": None, "warranty_until": None}
    assert cli.json("verify-genuine", "--product", "PUMP-1", "PX-9")["answer"] == "not one of ours"
    probes = cli.json("genuine-probes")["probes"]
    assert [(p["product"], p["serial"], p["failures"]) for p in probes] == [("PUMP-1", "PX-9", 1)]


def test_money_commands(cli: Cli) -> None:
    """Costs in, a landed cost, then valuation now and before it, COGS, stock and a unit at a
    past moment — JSON with exact decimal strings, refusals with exit 3 naming the field."""
    setup_shop(cli)
    cli("receive", "-w", "WH1", "-p", "HT-200", "--supplier", "Scanners Wholesale", "--cost",
        "129.99", "device-00121..device-00123")
    cli("receive", "-w", "WH1", "-p", "HT-200", "--cost", "99.0050", "device-00124")
    before = cli.json("valuation")
    assert before["value"] == "488.9750" and before["currency"] == "EUR"
    at = before["at"]
    cli("ship", "-w", "WH1", "--customer", "Customer A", "-p", "HT-200", "device-00121",
        "device-00124")
    lc = cli.json("landed-cost", "RCV-000001", "--amount", "30.00", "--reason", "freight",
                  user="manager")
    assert lc["document"] == "LC-000001"
    assert cli.json("valuation", "--at", at) == before
    assert cli.json("valuation", "--product", "HT-200")["value"] == "279.9800"  # 2 × 139.99
    cogs = cli.json("cogs", "--from", "2000-01-01", "--to", "2999-12-31")
    assert cogs["total"] == "238.9950"  # 129.99 + 99.005 + 10.00 expensed for device-00121
    assert cli.json("stock", "--at", at)["units"][0]["count"] == 4
    assert cli.json("history", "device-00121", "--at", at)["at"]["status"] == "in_stock"
    text = cli("valuation").stdout
    assert "279.98 EUR" in text
    refused = cli.json("landed-cost", "RCV-000001", "--amount", "-5", "--reason", "x",
                       user="manager", check=3)
    assert refused["errors"][0]["field"] == "amount"
    assert cli.json("landed-cost", "RCV-000077", "--amount", "5", "--reason", "x",
                    user="manager", check=3)["errors"][0]["field"] == "receipt"
    assert cli.json("valuation", "--at", "soon", check=3)["errors"][0]["field"] == "at"
    # the landed cost reversed: the stock's cost back, device-00121's 10.00 given back
    rev = cli.json("reverse", "LC-000001", "--reason", "wrong invoice", user="manager")
    assert rev["document"].startswith("REV-")
    assert cli.json("valuation", "--product", "HT-200")["value"] == "259.9800"  # 2 × 129.99
    assert cli.json("cogs", "--from", "2000-01-01", "--to", "2999-12-31")["total"] == "228.9950"
    again = cli.json("reverse", "LC-000001", user="manager", check=3)
    assert again["errors"][0]["code"] == "not_reversible"
