"""The ledger's references are checked once per statement, set-based, on PostgreSQL.

A foreign key is checked row by row: PostgreSQL queues one check per key per inserted row (Django
makes them DEFERRABLE INITIALLY DEFERRED, so they all run at COMMIT) — about eight per movement
(document, line, unit, product, lot, locations, user). The ledger is written set-based (one
INSERT … SELECT of 75,000 movements for a recall's hold, 100,000 for a receipt), so its COMMIT
ran 600,000 single-row look-ups: 8–10 s of a 75,000-unit hold (docs/benchmarks.md, "Recall hold
on PostgreSQL"). `SET CONSTRAINTS ALL IMMEDIATE` only moves that time into the INSERT.

Here, on PostgreSQL, the movement table's foreign keys are replaced by two kinds of statement
triggers that keep what they guaranteed:

- after every INSERT into inventory_movement (its new rows as a transition table): each
  referenced row is locked `FOR KEY SHARE` (as a foreign key check locks it: it cannot be
  deleted before this commits) and every non-NULL reference must find its row, else the
  statement fails with SQLSTATE 23503 (foreign_key_violation: an IntegrityError) naming the
  column and the value — one lock statement and one anti-join per column, whatever the number
  of rows;
- after every DELETE from a referenced table (document, line, unit, product, lot, location,
  party, user): a deleted row that a movement names fails the statement the same way (the
  ORM refuses it earlier anyway: the fields are `on_delete=PROTECT`).

Immediate, per statement (a movement must name rows that already exist, as the ledger writer
always does). The model's fields say `db_constraint=False` (the database holds no foreign key
constraint for them on PostgreSQL). SQLite keeps its foreign keys as created by 0001: nothing
changes there (its checks are in-process and cheap; the hold takes 6 s there)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# movement column -> the table it references
REFERENCES = {
    "document_id": "inventory_document",
    "line_id": "inventory_documentline",
    "unit_id": "inventory_unit",
    "product_id": "inventory_product",
    "lot_id": "inventory_lot",
    "from_location_id": "inventory_location",
    "to_location_id": "inventory_location",
    "from_party_id": "inventory_party",
    "to_party_id": "inventory_party",
    "user_id": "auth_user",
}


def _insert_check(column: str, table: str) -> str:
    """Lock the rows `column` names (as a foreign key check does) and count them: fewer than
    its distinct values -> the first value missing, named."""
    return f"""
  SELECT count(*) INTO found FROM (SELECT 1 FROM {table} t WHERE t.id = ANY(ids.{column})
    FOR KEY SHARE OF t) x;
  IF found < coalesce(cardinality(ids.{column}), 0) THEN
    SELECT k INTO missing FROM unnest(ids.{column}) k
      WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = k) LIMIT 1;
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = format(
      'insert into inventory_movement: {column} %s is not in {table}', missing);
  END IF;"""


def _delete_function(table: str) -> str:
    checks = "".join(f"""
  SELECT o.id INTO gone FROM old_rows o WHERE EXISTS (SELECT 1 FROM inventory_movement m
    WHERE m.{column} = o.id) LIMIT 1;
  IF gone IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = format(
      'delete from {table}: id %s is still named by inventory_movement.{column}', gone);
  END IF;""" for column, target in REFERENCES.items() if target == table)
    return f"""CREATE FUNCTION {table}_movement_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE gone bigint;
BEGIN{checks}
  RETURN NULL;
END $$"""


def _postgres_forward() -> list[str]:
    # one pass over the new rows: the distinct values of every reference column (sorted)
    gather = ", ".join(f"array_agg(DISTINCT {c}) FILTER (WHERE {c} IS NOT NULL) AS {c}"
                       for c in REFERENCES)
    checks = "".join(_insert_check(c, t) for c, t in REFERENCES.items())
    statements = [
        f"""CREATE FUNCTION inventory_movement_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids record; found bigint; missing bigint;
BEGIN
  SELECT {gather} INTO ids FROM new_rows;{checks}
  RETURN NULL;
END $$""",
        "CREATE TRIGGER movement_references AFTER INSERT ON inventory_movement "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION inventory_movement_references()",
    ]
    for table in dict.fromkeys(REFERENCES.values()):
        statements += [
            _delete_function(table),
            f"CREATE TRIGGER {table}_movement_refs AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_movement_refs()",
        ]
    return statements


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
            "AND a.attnum = c.conkey[1] WHERE c.conrelid = 'inventory_movement'::regclass "
            "AND c.contype = 'f' AND a.attname = ANY(%s)", [list(REFERENCES)])
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'ALTER TABLE inventory_movement DROP CONSTRAINT "{name}"')
    for sql in _postgres_forward():
        schema_editor.execute(sql, None)  # no parameters: format()'s %s is plpgsql's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER movement_references ON inventory_movement")
    schema_editor.execute("DROP FUNCTION inventory_movement_references()")
    for table in dict.fromkeys(REFERENCES.values()):
        schema_editor.execute(f"DROP TRIGGER {table}_movement_refs ON {table}")
        schema_editor.execute(f"DROP FUNCTION {table}_movement_refs()")
    for column, table in REFERENCES.items():
        schema_editor.execute(
            f"ALTER TABLE inventory_movement ADD CONSTRAINT movement_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED")


def _fk(to: str, *, null: bool = True, db_index: bool = False, related_name: str = "+"
        ) -> models.ForeignKey:
    return models.ForeignKey(null=null, on_delete=django.db.models.deletion.PROTECT, to=to,
                             db_constraint=False, db_index=db_index, related_name=related_name)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0020_perf"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField("movement", "document", _fk(
                    "inventory.document", null=False, db_index=True, related_name="movements")),
                migrations.AlterField("movement", "line", _fk("inventory.documentline")),
                migrations.AlterField("movement", "unit", models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.PROTECT,
                    to="inventory.unit", db_constraint=False, db_index=False)),
                migrations.AlterField("movement", "product", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, to="inventory.product",
                    db_constraint=False, db_index=False)),
                migrations.AlterField("movement", "lot", models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.PROTECT,
                    to="inventory.lot", db_constraint=False, db_index=False)),
                migrations.AlterField("movement", "from_location", _fk("inventory.location")),
                migrations.AlterField("movement", "to_location", _fk("inventory.location")),
                migrations.AlterField("movement", "from_party", _fk("inventory.party")),
                migrations.AlterField("movement", "to_party", _fk("inventory.party")),
                migrations.AlterField("movement", "user", _fk(settings.AUTH_USER_MODEL)),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
