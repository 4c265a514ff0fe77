"""The ledger's references hold on both databases (migration 0021): a movement naming a row
that does not exist is refused, and a row a movement names cannot be deleted. On PostgreSQL
statement triggers check them set-based, at the INSERT / DELETE itself; SQLite keeps its
deferred foreign keys (checked here with `check_constraints`, as its COMMIT would)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from serialtrack.inventory.models import Movement, Party
from tests.helpers.posting import receive, ship

MISSING = 987_654_321


def _committed(statement: str, params: list[Any]) -> None:
    """Run `statement` as a COMMIT would judge it (rolled back either way)."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(statement, params)
        if connection.vendor == "sqlite":
            connection.check_constraints()
        transaction.set_rollback(True)


def _copy_of_a_movement(column: str, value: int) -> tuple[str, list[Any]]:
    """An INSERT … SELECT of the first movement with `column` set to `value`."""
    from serialtrack.posting.engine import MOVEMENT_COLUMNS

    columns = MOVEMENT_COLUMNS.split(", ")
    chosen = ", ".join("%s" if c == column else c for c in columns)
    return (f"INSERT INTO inventory_movement ({', '.join(columns)}) SELECT {chosen} "
            "FROM inventory_movement ORDER BY id LIMIT 1", [value])


@pytest.mark.parametrize("column", ["document_id", "line_id", "unit_id", "product_id",
                                    "to_location_id", "to_party_id", "user_id"])
def test_a_movement_naming_a_missing_row_is_refused(shop: dict, user: Any, column: str) -> None:
    receive(user, ["REF-1", "REF-2"])
    before = Movement.objects.count()
    with pytest.raises(IntegrityError) as info:
        _committed(*_copy_of_a_movement(column, MISSING))
    if connection.vendor == "postgresql":
        assert column in str(info.value) and str(MISSING) in str(info.value)
    assert Movement.objects.count() == before
    _committed(*_copy_of_a_movement("note", "a copy naming rows that exist"))  # type: ignore[arg-type]


def test_a_row_a_movement_names_cannot_be_deleted(shop: dict, user: Any) -> None:
    receive(user, ["REF-1"])
    ship(user, ["REF-1"], customer="Customer A")
    customer = Party.objects.get(name="Customer A")
    with pytest.raises(IntegrityError) as info:
        _committed("DELETE FROM inventory_party WHERE id = %s", [customer.pk])
    if connection.vendor == "postgresql":
        assert "to_party_id" in str(info.value)
    assert Party.objects.filter(pk=customer.pk).exists()
    unused = Party.objects.get(name="Customer B")
    _committed("DELETE FROM inventory_party WHERE id = %s", [unused.pk])  # nothing names it
