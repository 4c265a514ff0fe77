"""Generated serials: a per-product template and a sequence that never hands out a value twice,
even to two clerks receiving at the same moment; a preview before posting."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import Unit
from tests.conftest import Cli
from tests.helpers.concurrency import race
from tests.helpers.posting import refused


@pytest.fixture
def laptop(shop: dict) -> Any:
    return catalog.create_product("LTP", "Laptop", "serial", serial_template="LTP-{yyyy}-{seq:06}")


@pytest.mark.parametrize(("template", "needle"), [
    ("LTP-{yyyy}", "needs {seq}"),
    ("LTP-{seq}-{colour}", "unknown token {colour}"),
    ("LTP-{seq:x}{", "serial template"),
])
def test_bad_templates_are_refused(shop: dict, template: str, needle: str) -> None:
    with pytest.raises(errors.InvalidInput) as exc:
        catalog.create_product("BAD", "bad", "serial", serial_template=template)
    assert needle in exc.value.problems[0].message


def test_preview_then_receive_takes_the_next_values(laptop: Any, user: Any) -> None:
    year = timezone.localdate().year
    from serialtrack.posting.generated import preview

    assert preview(laptop, 3) == [f"LTP-{year}-00000{n}" for n in (1, 2, 3)]
    assert preview(laptop, 3) == [f"LTP-{year}-00000{n}" for n in (1, 2, 3)]  # nothing taken
    doc = posting.receive(warehouse="WH1", product="LTP", generate=3, user=user)
    assert doc.lines.get().quantity == 3
    posting.receive(warehouse="WH1", product="LTP", generate=2, user=user)
    assert sorted(Unit.objects.values_list("serial", flat=True)) == [
        f"LTP-{year}-00000{n}" for n in range(1, 6)]
    posting.reverse(number=doc.number, user=user)
    assert preview(laptop, 1) == [f"LTP-{year}-000006"]  # a reversal does not give values back


def test_generate_refusals(laptop: Any, user: Any) -> None:
    refused(errors.Refused, posting.receive, warehouse="WH1", product="LTP", generate=2,
            serials=["X1"], user=user)
    refused(errors.InvalidInput, posting.receive, warehouse="WH1", product="HT-1", generate=2,
            user=user)
    refused(errors.CountMismatch, posting.receive, warehouse="WH1", product="LTP", generate=2,
            quantity=3, user=user)


@pytest.mark.slow
def test_cli_template_preview_and_generated_receipt(cli: Cli) -> None:
    cli("product", "add", "LTP", "--tracking", "serial", "--serial-template", "L{yy}-{seq:04}")
    cli("warehouse", "add", "WH1")
    yy = f"{timezone.localdate().year % 100:02d}"
    assert cli.json("product", "preview-serials", "LTP", "--count", "2")["next"] == [
        f"L{yy}-0001", f"L{yy}-0002"]
    doc = cli.json("receive", "-w", "WH1", "-p", "LTP", "--generate", "4")
    assert doc["lines"][0]["quantity"] == 4
    assert cli.json("stock")["units"][0]["serials"] == [f"L{yy}-000{n}" for n in range(1, 5)]


@pytest.mark.slow
def test_concurrent_generated_receipts_never_share_a_serial(cli: Cli) -> None:
    cli("product", "add", "HT-1", "--tracking", "serial", "--serial-template", "G-{seq:07}")
    cli("warehouse", "add", "WH1")
    rounds = 15
    plans = {name: [[f"{name}{r}-{i}" for i in range(7)] for r in range(rounds)]
             for name in ("A", "B")}
    outcomes = race(cli.url, "generate", plans)
    assert all(o[2] == "posted" for o in outcomes), [o for o in outcomes if o[2] != "posted"]
    serials = cli.json("stock")["units"][0]["serials"]
    assert len(serials) == len(set(serials)) == 2 * rounds * 7
    assert sorted(serials) == [f"G-{n:07d}" for n in range(1, 2 * rounds * 7 + 1)]
