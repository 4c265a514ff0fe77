"""One serial policy at every door (README: serial policy), through HTTP: NFC before storing and
comparing; invisible characters refused naming them; look-alikes (mixed scripts, fullwidth)
refused unless the product allows Unicode serials; and the check that reports old units."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from typing import Any

from serialtrack.inventory.models import Movement, Unit
from tests.conftest import Cli
from tests.helpers.api import Api, setup_shop

NFC_E = "\u00e9"  # é as one character
NFD_E = "e\u0301"  # é as e + combining acute accent


def receive(clerk: Api, serials: list[str], product: str = "HT-200") -> Any:
    return clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": product,
                                           "serials": serials})


def refusal(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, (response.status_code, response.content)
    return [(e["serial"], e["message"]) for e in response.json()["errors"]]


def test_look_alikes_and_invisibles_are_refused_naming_the_character(
        users: dict[str, Api]) -> None:
    """Each look-alike of `LKa-3` the probe posted as a new unit beside it is refused (422),
    naming the serial and the character; nothing is posted."""
    setup_shop(users["manager"])
    clerk = users["clerk"]
    assert receive(clerk, ["LKa-3"]).status_code == 201
    before = Movement.objects.count()
    cases = {
        "LK\u0430-3": ("U+0430", "CYRILLIC SMALL LETTER A", "is Cyrillic among Latin"),
        "\uff2c\uff2ba-\uff13": ("U+FF2C", "FULLWIDTH LATIN CAPITAL LETTER L", "fullwidth"),
        "LK\u2066a-3\u2069": ("U+2066", "LEFT-TO-RIGHT ISOLATE", "format character"),
        "LKa-3\ufe0f": ("U+FE0F", "VARIATION SELECTOR-16", "invisible character"),
        "LKa\u00a0-3": ("U+00A0", "NO-BREAK SPACE", "non-ASCII space"),
        "LKa-3\ue000": ("U+E000", "private-use character", ""),
        "LKa-3\u0378": ("U+0378", "unassigned code point", ""),
        "LKa\u2028-3": ("U+2028", "LINE SEPARATOR", "line separator"),
        f"LK{NFC_E}-3": ("U+00E9", "not printable ASCII", "unicode_serials is off"),
    }
    for serial, words in cases.items():
        [(named, message)] = refusal(receive(clerk, [serial]))
        assert named == unicodedata.normalize("NFC", serial), (serial, named)
        assert all(w in message for w in words), (serial, message)
    assert Movement.objects.count() == before
    # The same judgement for a draft's scan (the web station's door), a correction's new serial
    # and a shipment of a look-alike (not found: never taken for the unit it mimics).
    draft = clerk("POST", "/api/drafts", {"kind": "receipt", "product": "HT-200",
                                          "warehouse": "WH1"}).json()["id"]
    verdict = clerk("POST", f"/api/drafts/{draft}/serials",
                    {"serials": ["LK\u0430-4", "LKb-4"]}).json()["verdicts"]
    assert [(v["accepted"], "U+0430" in (v["message"] or "")) for v in verdict] == [
        (False, True), (True, False)]
    fix = users["manager"]("POST", "/api/serial-corrections", {
        "product": "HT-200", "old": "LKa-3", "new": "\uff2c\uff2ba-3", "reason": "typo"})
    assert "fullwidth" in refusal(fix)[0][1]
    ship = clerk("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                            "customer": "Customer A", "serials": ["LK\u0430-3"]})
    assert ship.status_code == 404 and Unit.objects.get(serial="LKa-3").status == "in_stock"


def test_nfc_before_storing_and_comparing(users: dict[str, Api]) -> None:
    """`é` as one character and as e + U+0301 are one serial: listed twice in one request they
    are a duplicate; stored NFC; shipped by either spelling."""
    manager, clerk = users["manager"], users["clerk"]
    setup_shop(manager)
    made = manager("POST", "/api/products", {"sku": "CAFE", "unicode_serials": True})
    assert made.status_code == 201 and made.json()["unicode_serials"] is True
    twice = receive(clerk, [f"caf{NFC_E}-1", f"caf{NFD_E}-1"], "CAFE")
    assert twice.status_code == 422
    assert [e["code"] for e in twice.json()["errors"]] == ["duplicate_serial"]
    assert receive(clerk, [f"caf{NFD_E}-1", "кафе-2", "カフェ-3"], "CAFE").status_code == 201
    assert sorted(Unit.objects.filter(product__sku="CAFE").values_list("serial", flat=True)) == \
        sorted([f"caf{NFC_E}-1", "кафе-2", "カフェ-3"])
    again = receive(clerk, [f"caf{NFC_E}-1"], "CAFE")
    assert [e["code"] for e in again.json()["errors"]] == ["duplicate_serial"]
    ship = clerk("POST", "/api/shipments", {"warehouse": "WH1", "product": "CAFE",
                                            "customer": "Customer A",
                                            "serials": [f"caf{NFD_E}-1"]})
    assert ship.status_code == 201, ship.content
    # Invisible characters stay refused even where Unicode serials are allowed.
    assert "U+2066" in refusal(receive(clerk, ["caf\u2066-4"], "CAFE"))[0][1]


def test_the_pattern_names_the_characters_beyond_ascii_it_allows(
        users: dict[str, Api]) -> None:
    manager, clerk = users["manager"], users["clerk"]
    setup_shop(manager)
    assert manager("POST", "/api/products", {"sku": "MU", "serial_pattern": r"µ-\d+"}
                   ).status_code == 201
    assert receive(clerk, ["µ-12"], "MU").status_code == 201
    assert "U+00B5" not in refusal(receive(clerk, ["µ-x"], "MU"))[0][1]  # the pattern's refusal


def _legacy(url: str, sql: str, params: tuple[Any, ...]) -> None:
    """Write a unit's serial behind the policy's back (as a database from before it holds)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as conn:
            conn.execute(sql.replace("%s", "?"), params)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)


def test_check_serials_reports_old_units_and_changes_nothing(cli: Cli) -> None:
    cli("init")
    cli("product", "add", "HT-200", "--tracking", "serial")
    cli("product", "add", "CAFE", "--tracking", "serial", "--unicode-serials")
    cli("warehouse", "add", "WH1")
    cli("receive", "-w", "WH1", "-p", "HT-200", "LK-1", "LK-2", "LK-3")
    cli("receive", "-w", "WH1", "-p", "CAFE", "cafe-1", "кафе-2")
    assert cli.json("check-serials") == {"count": 0, "units": []}
    # The command line's and an import's doors judge new serials alike.
    fullwidth = cli.json("receive", "-w", "WH1", "-p", "HT-200", "\uff2c\uff2b-9", check=3)
    assert "fullwidth form U+FF2C" in fullwidth["errors"][0]["message"]
    sheet = cli.cwd / "units.csv"
    sheet.write_text("product,serial,warehouse\nHT-200,LK-8,WH1\nHT-200,LK\u0430-9,WH1\n",
                     encoding="utf-8")
    imported = cli.json("import", str(sheet), check=3)
    assert [(e["line"], e["serial"]) for e in imported["errors"]] == [(3, "LK\u0430-9")]
    assert "U+0430" in imported["errors"][0]["message"]
    rename = "UPDATE inventory_unit SET serial = %s WHERE serial = %s"
    _legacy(cli.url, rename, ("LK\u2066-2", "LK-2"))
    _legacy(cli.url, rename, ("L\u041a-3", "LK-3"))  # Cyrillic К among Latin
    _legacy(cli.url, rename, (f"caf{NFD_E}-1", "cafe-1"))  # stored before NFC
    report = cli.json("check-serials")
    assert report["count"] == 3
    whys = {u["serial"]: (u["product"], u["message"]) for u in report["units"]}
    assert {u["field"] for u in report["units"]} == {"serial"}
    assert sorted(whys) == sorted(["LK\u2066-2", "L\u041a-3", f"caf{NFD_E}-1"])
    assert "U+2066" in whys["LK\u2066-2"][1] and "U+041A" in whys["L\u041a-3"][1]
    assert whys[f"caf{NFD_E}-1"] == ("CAFE", f"serial 'caf{NFD_E}-1' is not in NFC form (NFC: "
                                             f"'caf{NFC_E}-1'); new serials are stored normalised")
    text = cli("check-serials").stdout
    assert "3 unit(s) break the serial policy" in text
    stock = json.dumps(cli.json("stock"))
    assert "LK\\u2066-2" in stock  # reported, not rewritten
    assert cli.json("check-serials", "--product", "HT-200")["count"] == 2


def test_lookups_compare_in_nfc(users: dict[str, Api]) -> None:
    setup_shop(users["manager"])
    users["manager"]("POST", "/api/products", {"sku": "CAFE", "unicode_serials": True})
    assert receive(users["clerk"], [f"caf{NFC_E}-9"], "CAFE").status_code == 201
    found = users["viewer"]("GET", f"/api/units/by-serial/caf{NFD_E}-9")
    assert found.status_code == 200 and [u["serial"] for u in found.json()] == [f"caf{NFC_E}-9"]
    history = users["viewer"]("GET", f"/api/history/caf{NFD_E}-9")
    assert history.status_code == 200, history.content
