"""Unit lookups over HTTP by a scanned GS1 label, and a transfer refused for a contradicting one."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from serialtrack import catalog, posting
from serialtrack.api import routes  # noqa: F401 - registers the routes
from tests.conftest import snapshot
from tests.helpers.api import Api
from tests.helpers.scans import GTIN, datamatrix


def _shop(user: Any) -> None:
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN)
    posting.receive(warehouse="WH1", product="PUMP-1", user=user,
                    serials=[datamatrix("SN-1", "L77", "280131")])


def test_lookups_by_each_scan_form(shop: dict, user: Any, users: dict[str, Api]) -> None:
    _shop(user)
    for scan in (datamatrix("SN-1", "L77", "280131"), f"(01){GTIN}(21)SN-1(10)L77",
                 f"https://id.gs1.org/01/{GTIN}/10/L77/21/SN-1?17=280131"):
        answer = users["viewer"]("GET", f"/api/units/by-scan?scan={quote(scan, safe='')}")
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        assert (body["product"], body["serial"], body["scan"]["disagreements"]) == (
            "PUMP-1", "SN-1", [])
    history = users["viewer"]("GET", "/api/history/" + quote(datamatrix("SN-1"), safe=""))
    assert history.status_code == 200
    assert history.json()["unit"]["serial"] == "SN-1"
    fake = users["viewer"]("GET", "/api/units/by-scan?scan="
                           + quote(f"(01){GTIN}(21)SN-1(10)FAKE(17)290101", safe=""))
    assert fake.json()["scan"]["disagreements"] == [
        {"field": "lot", "recorded": "L77", "scanned": "FAKE"},
        {"field": "expiry", "recorded": "2028-01-31", "scanned": "2029-01-01"}]


def test_transfer_with_a_contradicting_label_is_refused(shop: dict, user: Any,
                                                        users: dict[str, Api]) -> None:
    _shop(user)
    before = snapshot()
    answer = users["clerk"]("POST", "/api/transfers", {
        "from": "WH1", "to": "WH2", "product": "PUMP-1",
        "serials": [f"(01){GTIN}(21)SN-1(10)FAKE(17)290101"]})
    assert answer.status_code == 422
    assert [(e["field"], e["recorded"], e["scanned"]) for e in answer.json()["errors"]] == [
        ("lot", "L77", "FAKE"), ("expiry", "2028-01-31", "2029-01-01")]
    assert snapshot() == before
