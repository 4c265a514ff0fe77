"""Drafts keep their scan count, `DraftLine.scanned`, so a scan never counts the whole draft.

The database keeps `DraftLine.scanned` as scans are added and removed, inside the statement
that adds or removes them: a scan at the bench is one autocommit INSERT, which on SQLite holds
the database-wide write lock for that one statement (a second statement in a transaction made
other workers wait longer for it: docs/benchmarks.md, section "Timing claims moved out of the
source").

SQLite has row triggers only (cheap there: an update of a page already in memory). PostgreSQL
counts per statement from the transition table, so a bulk insert of 500 rows updates the line
once, not 500 times."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "CREATE TRIGGER inventory_draft_scan_added AFTER INSERT ON inventory_draftserial "
    "BEGIN UPDATE inventory_draftline SET scanned = scanned + 1 WHERE id = NEW.line_id; END",
    "CREATE TRIGGER inventory_draft_scan_removed AFTER DELETE ON inventory_draftserial "
    "BEGIN UPDATE inventory_draftline SET scanned = scanned - 1 WHERE id = OLD.line_id; END",
]
SQLITE_DROP = ["DROP TRIGGER inventory_draft_scan_added", "DROP TRIGGER inventory_draft_scan_removed"]

POSTGRESQL = [
    """CREATE FUNCTION inventory_draft_scans_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE inventory_draftline l SET scanned = l.scanned + a.n
        FROM (SELECT line_id, COUNT(*) AS n FROM added GROUP BY line_id) a WHERE l.id = a.line_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION inventory_draft_scans_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE inventory_draftline l SET scanned = l.scanned - r.n
        FROM (SELECT line_id, COUNT(*) AS n FROM removed GROUP BY line_id) r WHERE l.id = r.line_id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER inventory_draft_scans_added AFTER INSERT ON inventory_draftserial "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION inventory_draft_scans_added()",
    "CREATE TRIGGER inventory_draft_scans_removed AFTER DELETE ON inventory_draftserial "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION inventory_draft_scans_removed()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER inventory_draft_scans_added ON inventory_draftserial",
    "DROP TRIGGER inventory_draft_scans_removed ON inventory_draftserial",
    "DROP FUNCTION inventory_draft_scans_added()",
    "DROP FUNCTION inventory_draft_scans_removed()",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0007_draft_operation"),
    ]

    operations = [
        migrations.AddField(
            model_name="draftline",
            name="scanned",
            field=models.PositiveIntegerField(default=0),
        ),
        # the unique (line, serial) index serves every lookup by line: one index page less
        # written per scan
        migrations.AlterField(
            model_name="draftserial",
            name="line",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="serials", to="inventory.draftline"),
        ),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})),
        # drafts open at the upgrade start with the count of the scans they hold
        migrations.RunSQL(
            "UPDATE inventory_draftline SET scanned = (SELECT COUNT(*) FROM inventory_draftserial s "
            "WHERE s.line_id = inventory_draftline.id)",
            migrations.RunSQL.noop,
        ),
    ]
