"""One ledger writer: movement rows, unit state (and the stock report's unit counts), on-hand
quantities, cost layers and valuation entries are written by `serialtrack.posting.ledger`
alone, so "every change of a unit or quantity has its movement" is enforced in one place. Read
from the source, like the import graph test."""

from __future__ import annotations

import re
from pathlib import Path

import serialtrack

PACKAGE = Path(serialtrack.__file__).parent
WRITER = PACKAGE / "posting" / "ledger.py"
# Writes of the ledger's tables, in raw SQL or through the ORM.
WRITES = re.compile(
    r"INSERT INTO (\{MOVEMENT\}|\{UNIT\}|\{UNIT_COUNT\}|inventory_movement|inventory_unit"
    r"|inventory_stockquantity|inventory_costlayer|inventory_valuationentry)"
    r"|UPDATE (\{UNIT\}|\{UNIT_COUNT\}|inventory_unit|inventory_stockquantity|inventory_movement"
    r"|inventory_costlayer|inventory_valuationentry)"
    r"|(Movement|Unit|UnitCount|StockQuantity|CostLayer|ValuationEntry)\.objects\b[^\n]*"
    r"\.(create|update|bulk_create|get_or_create|update_or_create|delete)\(")


def writes_in(path: Path) -> list[str]:
    return [f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
            for n, line in enumerate(path.read_text().splitlines(), 1) if WRITES.search(line)]


def test_only_the_ledger_writes_movements_units_and_quantities() -> None:
    sources = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    outside = [hit for p in sources if p != WRITER for hit in writes_in(p)]
    assert outside == [], "ledger tables written outside posting/ledger.py"
    assert len(writes_in(WRITER)) >= 8  # the test still sees the writer's own writes


def test_the_pattern_catches_each_way_of_writing() -> None:
    for line in ('cursor.execute(f"INSERT INTO {MOVEMENT} (a) SELECT 1")',
                 'Movement.objects.create(document=doc)',
                 'Unit.objects.filter(pk=1).update(serial="x")',
                 'p.cursor.execute(f"UPDATE {UNIT} SET status = %s")',
                 'StockQuantity.objects.select_for_update().get_or_create(product=p)',
                 'CostLayer.objects.filter(pk=1).update(remaining_quantity=0)',
                 'ValuationEntry.objects.bulk_create(entries)'):
        assert WRITES.search(line), line
    assert not WRITES.search("Unit.objects.select_for_update().get(pk=unit.pk)")
