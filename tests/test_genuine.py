"""The public genuineness check: its three answers and nothing more (whole bodies), a scanned
label or Digital Link, signed out, switched off by default, throttled per client address, and
failed checks counted per serial for a manager to see."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from serialtrack import catalog, genuine, posting
from serialtrack.api import routes  # noqa: F401 - registers the routes
from serialtrack.inventory.models import GenuineProbe
from tests.helpers.api import Api
from tests.helpers.scans import GTIN, datamatrix


@pytest.fixture
def sold(shop: dict, user: Any, settings: Any) -> str:
    """PUMP-1 SN-1 sold today to Customer A (for a price), SN-2 in stock; the check on."""
    settings.GENUINE_CHECK = True
    settings.GENUINE_CHECK_PER_MINUTE = 1000
    catalog.create_product("PUMP-1", "Infusion pump", "serial", gtin=GTIN, warranty_days=730)
    posting.receive(warehouse="WH1", product="PUMP-1", user=user, supplier="Supplier S",
                    cost=999, serials=[datamatrix("SN-1", "L77", "280131"),
                                       datamatrix("SN-2", "L77", "280131")])
    posting.ship(warehouse="WH1", customer="Customer A", product="PUMP-1", serials=["SN-1"],
                 user=user)
    today = timezone.localdate()
    return (today + dt.timedelta(days=730)).isoformat()


def month() -> str:
    today = timezone.localdate()
    return today.strftime("%B %Y")


def test_the_three_answers_signed_out_whole_bodies(sold: str) -> None:
    client = Client()  # nobody signed in
    def ask(query: str) -> Any:
        answer = client.get("/api/genuine?" + query)
        assert answer.status_code == 200, answer.content
        return answer.json()

    assert ask("product=PUMP-1&code=SN-1") == {
        "genuine": True, "answer": f"genuine, sold {month()}, under warranty until {sold}",
        "sold": month(), "warranty_until": sold}
    assert ask(f"product={GTIN}&code=SN-2") == {
        "genuine": True, "answer": "genuine, not yet sold", "sold": None, "warranty_until": None}
    not_ours = {"genuine": False, "answer": "not one of ours", "sold": None,
                "warranty_until": None}
    assert ask("product=PUMP-1&code=SN-404") == not_ours
    assert ask("code=" + quote(datamatrix("SN-1", "L77", "280131"), safe=""))["genuine"] is True
    assert ask("code=" + quote(f"https://id.gs1.org/01/{GTIN}/21/SN-2", safe="")
               )["answer"] == "genuine, not yet sold"
    assert ask("code=" + quote(f"(01){GTIN}(21)SN-1(10)FAKE", safe="")) == not_ours
    page = client.get("/genuine/?product=PUMP-1&code=SN-1")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"genuine, sold {month()}, under warranty until {sold}" in text
    for secret in ("Customer A", "999", "WH1", "L77", "Supplier S"):
        assert secret not in text


def test_failed_checks_are_counted_per_serial_for_a_manager(sold: str,
                                                            users: dict[str, Api]) -> None:
    client = Client()
    for _ in range(3):
        client.get("/api/genuine?product=PUMP-1&code=SN-404")
    client.get("/api/genuine?code=" + quote(f"(01){GTIN}(21)SN-1(10)FAKE", safe=""))
    assert list(GenuineProbe.objects.order_by("-failures").values_list(
        "product_ref", "serial", "failures")) == [("PUMP-1", "SN-404", 3), (GTIN, "SN-1", 1)]
    probes = users["manager"]("GET", "/api/genuine/probes")
    assert [(p["serial"], p["failures"]) for p in probes.json()] == [("SN-404", 3), ("SN-1", 1)]
    assert users["clerk"]("GET", "/api/genuine/probes").status_code == 403


def test_throttled_per_client_address(sold: str, settings: Any) -> None:
    settings.GENUINE_CHECK_PER_MINUTE = 3
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    codes = [one.get("/api/genuine?product=PUMP-1&code=SN-2").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert one.get("/api/genuine?product=PUMP-1&code=SN-2").json()["errors"][0]["code"] == (
        "throttled")
    assert one.get("/genuine/?product=PUMP-1&code=SN-2").status_code == 429
    assert other.get("/api/genuine?product=PUMP-1&code=SN-2").status_code == 200


def test_off_unless_switched_on(sold: str, settings: Any) -> None:
    settings.GENUINE_CHECK = False
    assert Client().get("/api/genuine?product=PUMP-1&code=SN-1").status_code == 404
    assert Client().get("/genuine/").status_code == 404
    assert genuine.verify("SN-1", "PUMP-1")["genuine"] is True  # the CLI asks directly
