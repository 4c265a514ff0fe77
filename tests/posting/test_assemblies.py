"""Assemblies and parts (issue 18): an assembly built from components in stock, taken apart and
built again, with both sides' histories and the cost moving through the ledger; refusals that
name the serial and change nothing; spare parts installed into and removed from a unit in
repair; recalls reaching the assemblies built here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from serialtrack import catalog, errors, posting
from serialtrack.inventory.models import Movement, Unit, ValuationEntry
from serialtrack.queries import unit_history
from serialtrack.queries.assemblies import unit_tree
from serialtrack.queries.recalls import recall_report
from tests.helpers.posting import refused


def _unit(serial: str) -> Unit:
    return Unit.objects.select_related("location", "parent").get(serial=serial)


def _value() -> Decimal:
    """Stock value now: the sum of every valuation entry."""
    return sum((e.value or Decimal(0) for e in ValuationEntry.objects.all()), Decimal(0))


@pytest.fixture
def parts(shop: dict, user: Any) -> dict[str, Any]:
    """Frames, wheels and bells in stock in WH1 (at a cost each), one wheel in WH2."""
    catalog.create_product("BIKE", "Bicycle", "serial")
    catalog.create_product("FRAME", "Frame", "serial")
    catalog.create_product("WHEEL", "Wheel", "serial")
    catalog.create_product("BELL", "Bell", "serial")
    for sku, serials, cost in (("FRAME", ["FR-1", "FR-2"], "100.00"),
                               ("WHEEL", ["WH-1", "WH-2", "WH-3", "WH-4"], "30.50"),
                               ("BELL", ["BL-1", "BL-2"], "5.00")):
        posting.receive(warehouse="WH1", product=sku, supplier="Supplier S", serials=serials,
                        cost=Decimal(cost), user=user)
    posting.receive(warehouse="WH2", product="WHEEL", supplier="Supplier S", serials=["WH-9"],
                    cost=Decimal("30.50"), user=user)
    return shop


def _build(user: Any, serial: str = "BK-1", components: tuple[str, ...] = ("FR-1", "WH-1", "WH-2"),
           warehouse: str = "WH1") -> Any:
    return posting.assemble(product="BIKE", serial=serial, warehouse=warehouse,
                            serials=list(components), user=user)


def test_build_disassemble_and_build_again_with_history_on_both_sides(parts: dict,
                                                                      user: Any) -> None:
    value = _value()
    doc = _build(user)
    assert doc.number == "ASM-000001" and doc.kind == "assembly"
    bike = _unit("BK-1")
    assert (bike.status, bike.location.code, bike.cost) == ("in_stock", "MAIN", Decimal("161"))
    for serial in ("FR-1", "WH-1", "WH-2"):
        part = _unit(serial)
        assert (part.status, part.location, part.parent) == ("installed", None, bike)
    assert _value() == value  # the components' value is now the bike's
    tree = unit_tree(bike.pk)
    assert [c["serial"] for c in tree["components"]] == ["FR-1", "WH-1", "WH-2"]
    assert tree["inside"] == []
    history = unit_history("FR-1")
    assert history["unit"]["inside"][0]["serial"] == "BK-1"
    last = history["movements"][-1]
    assert (last["document"], last["to_status"], last["note"]) == (
        doc.number, "installed", "installed in BK-1")
    bike_history = unit_history("BK-1", "BIKE")
    assert bike_history["movements"][0]["note"] == "assembled from FR-1, WH-1, WH-2"
    assert [c["serial"] for c in bike_history["unit"]["components"]] == ["FR-1", "WH-1", "WH-2"]

    apart = posting.disassemble(serial="BK-1", to="WH1/A-01", user=user)
    assert apart.number == "ASM-000002"
    bike = _unit("BK-1")
    assert (bike.status, bike.location, bike.cost) == ("scrapped", None, Decimal(0))
    for serial in ("FR-1", "WH-1", "WH-2"):
        part = _unit(serial)
        assert (part.status, part.location.code, part.parent) == ("in_stock", "A-01", None)
    assert _unit("WH-1").cost == Decimal("30.50")
    assert _value() == value
    assert unit_history("WH-1")["movements"][-1]["note"] == "removed from BK-1 (disassembled)"
    notes = [m["note"] for m in unit_history("BK-1")["movements"]]
    assert notes[-2:] == ["disassembled: FR-1, WH-1, WH-2 taken out",
                          "disassembled into FR-1, WH-1, WH-2"]
    assert unit_tree(bike.pk)["components"] == []

    # built again, with the same serial: the bike comes back, its history continuing
    again = _build(user, components=("FR-1", "WH-1", "WH-3"))
    bike = _unit("BK-1")
    assert (bike.status, bike.cost) == ("in_stock", Decimal("161"))
    assert Unit.objects.filter(parent=bike).count() == 3
    assert unit_history("BK-1")["movements"][-1]["document"] == again.number
    assert _value() == value


def test_build_into_an_existing_unit_and_keep_the_shell(parts: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="BIKE", supplier="Supplier S", serials=["BK-5"],
                    cost=Decimal("20"), user=user)
    _build(user, "BK-5", ("FR-2", "BL-1"))
    bike = _unit("BK-5")
    assert bike.cost == Decimal("125")
    posting.disassemble(serial="BK-5", keep_shell=True, user=user)
    bike = _unit("BK-5")
    assert (bike.status, bike.cost, bike.location.code) == ("in_stock", Decimal("20"), "MAIN")


def test_nested_assemblies_show_the_whole_tree_and_the_chain_up(parts: dict, user: Any) -> None:
    catalog.create_product("TRIKE", "Tricycle", "serial")
    posting.assemble(product="WHEEL", serial="WH-1", warehouse="WH1", serials=["BL-1"],
                     user=user)
    _build(user, "BK-1", ("FR-1", "WH-1", "WH-2"))
    tree = unit_tree(_unit("BK-1").pk)
    wheel = next(c for c in tree["components"] if c["serial"] == "WH-1")
    assert [c["serial"] for c in wheel["components"]] == ["BL-1"]
    assert [u["serial"] for u in unit_tree(_unit("BL-1").pk)["inside"]] == ["WH-1", "BK-1"]
    assert _unit("WH-1").cost == Decimal("35.50") and _unit("BK-1").cost == Decimal("166")


def test_refusals_name_the_serial_and_change_nothing(parts: dict, user: Any) -> None:
    _build(user)
    problems = refused(errors.Refused, _build, user, "BK-2", ("FR-1", "WH-3", "WH-9", "NOPE"))
    by_serial = {p.serial: p.message for p in problems.problems}
    assert "already installed in BK-1" in by_serial["FR-1"]
    assert "not in the warehouse of BK-2" in by_serial["WH-9"]
    assert "NOPE" in by_serial and "WH-3" not in by_serial
    # the assembly among its own components; a component of the assembly's own product
    posting.receive(warehouse="WH1", product="BIKE", supplier="Supplier S",
                    serials=["BK-7", "BK-8"], user=user)
    problem = refused(errors.Refused, _build, user, "BK-7", ("BK-7", "WH-3")).problems[0]
    assert problem.serial == "BK-7" and "the assembly itself" in problem.message
    problem = refused(errors.Refused, _build, user, "BK-9", ("BK-9", "WH-3")).problems[0]
    assert problem.serial == "BK-9" and "the assembly itself" in problem.message  # a new one
    problem = refused(errors.Refused, _build, user, "BK-7", ("BK-8",)).problems[0]
    assert problem.serial == "BK-8" and "BIKE itself" in problem.message
    # a cycle (a state only a damaged database has: refused all the same)
    Unit.objects.filter(serial="BK-7").update(parent=_unit("FR-2"))
    problem = refused(errors.Refused, _build, user, "BK-7", ("FR-2",)).problems[0]
    assert problem.serial == "FR-2" and "cycle" in problem.message
    Unit.objects.filter(serial="BK-7").update(parent=None)
    # the assembly must be in stock where it is built; a shipped one is refused
    posting.ship(warehouse="WH1", customer="Customer A", product="BIKE", serials=["BK-1"],
                 user=user)
    problem = refused(errors.Refused, _build, user, "BK-1", ("FR-2",)).problems[0]
    assert problem.serial == "BK-1" and "shipped" in problem.message
    refused(errors.Refused, posting.disassemble, serial="BK-1", user=user)
    refused(errors.Refused, posting.disassemble, serial="BK-8", user=user)  # nothing inside
    # no reversal: it is refused, saying what to do instead
    problem = refused(errors.NotReversible, posting.reverse, number="ASM-000001",
                      user=user).problems[0]
    assert "disassemble" in problem.message


def test_repair_install_and_remove_parts(parts: dict, user: Any) -> None:
    _build(user)
    start = posting.start_repair(product="BIKE", serials=["BK-1"], user=user)
    installed = posting.install_parts(repair=start.number, serials=["BL-1"], product="BELL",
                                      user=user)
    assert installed.number.startswith("RPR-") and installed.related == start
    assert _unit("BL-1").parent == _unit("BK-1") and _unit("BK-1").cost == Decimal("166")
    assert unit_history("BL-1")["movements"][-1]["note"] == "installed in BK-1"
    # the wrong product, a part not in stock, one installed elsewhere
    problems = refused(errors.Refused, posting.install_parts, repair=start.number,
                       serials=["WH-3", "BL-1"], product="BELL", user=user).problems
    assert {p.serial for p in problems} == {"WH-3", "BL-1"}
    assert "is a unit of WHEEL" in problems[0].message
    # removed by the unit's serial: the old wheel to scrap, then the bell back to stock
    removed = posting.remove_parts(repair="BK-1", serials=["WH-2"], scrap=True, reason="bent",
                                   user=user)
    assert _unit("WH-2").status == "scrapped" and _unit("WH-2").parent is None
    assert unit_history("WH-2")["movements"][-1]["note"] == "removed from BK-1, scrapped: bent"
    assert _unit("BK-1").cost == Decimal("135.50")
    posting.install_parts(repair="BK-1", serials=["WH-3"], user=user)
    posting.remove_parts(repair=start.number, serials=["BL-1"], to="WH1/A-01", user=user)
    assert (_unit("BL-1").status, _unit("BL-1").location.code) == ("in_stock", "A-01")
    # a part not inside that unit
    problem = refused(errors.Refused, posting.remove_parts, repair="BK-1", serials=["BL-1"],
                      user=user).problems[0]
    assert problem.serial == "BL-1" and "not installed in BK-1" in problem.message
    refused(errors.NotReversible, posting.reverse, number=removed.number, user=user)
    # a unit not in repair takes no part
    posting.repair_done(product="BIKE", serials=["BK-1"], user=user)
    problem = refused(errors.Refused, posting.install_parts, repair="BK-1", serials=["BL-2"],
                      user=user).problems[0]
    assert problem.serial == "BK-1" and "not in repair" in problem.message
    assert [c["serial"] for c in unit_tree(_unit("BK-1").pk)["components"]] == [
        "FR-1", "WH-1", "WH-3"]


def test_recalls_reach_assemblies_built_here(parts: dict, user: Any) -> None:
    posting.receive(warehouse="WH1", product="WHEEL", supplier="Supplier S",
                    serials=["LW-1", "LW-2", "LW-3"], lot="L77", user=user)
    _build(user, "BK-1", ("FR-1", "LW-1", "WH-1"))
    _build(user, "BK-2", ("FR-2", "LW-2", "WH-2"))
    posting.ship(warehouse="WH1", customer="Customer A", product="BIKE", serials=["BK-2"],
                 user=user)
    # a recall of one lot whose serial units are inside two assemblies finds every one
    doc = posting.create_recall(lot="L77", reason="bad rims", user=user)
    units = {u["serial"]: u for u in recall_report(doc.number, limit=None)["units"]}  # type: ignore[arg-type]
    assert set(units) == {"LW-1", "LW-2", "LW-3", "BK-1", "BK-2"}
    assert units["LW-1"]["inside"] == "BK-1" and units["BK-2"]["customer"] == "Customer A"
    # a recall by component finds the assemblies
    doc = posting.create_recall(component="LW-2", reason="cracked", user=user)
    report = recall_report(doc.number)
    assert {u["serial"]: u["contains"] for u in report["units"]} == {"LW-2": None, "BK-2": "LW-2"}
    assert Movement.objects.filter(document__kind="assembly").count() == 8
