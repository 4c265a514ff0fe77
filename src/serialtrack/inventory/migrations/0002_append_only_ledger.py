"""History is append-only: the database itself refuses UPDATE and DELETE on the ledger."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER movement_append_only_update BEFORE UPDATE ON inventory_movement
       BEGIN SELECT RAISE(ABORT, 'inventory_movement is append-only'); END""",
    """CREATE TRIGGER movement_append_only_delete BEFORE DELETE ON inventory_movement
       BEGIN SELECT RAISE(ABORT, 'inventory_movement is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER movement_append_only_update",
    "DROP TRIGGER movement_append_only_delete",
]
POSTGRES = [
    """CREATE FUNCTION inventory_movement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'inventory_movement is append-only'; END $$""",
    """CREATE TRIGGER movement_append_only BEFORE UPDATE OR DELETE ON inventory_movement
       FOR EACH ROW EXECUTE FUNCTION inventory_movement_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER movement_append_only ON inventory_movement",
    "DROP FUNCTION inventory_movement_append_only()",
]


def forward(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
