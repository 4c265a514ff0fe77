"""Drafts say what their scans are, `DraftLine.scans`: the units' own serials, or (receipt drafts)
the makers' serials.

SQLite adds a column with a default by rebuilding the table, and the rebuild cannot rename the new
table into place while migration 0008's triggers name the old one: they are dropped for the
rebuild and created again, unchanged. PostgreSQL adds the column in place."""

import importlib
from typing import Any

from django.db import migrations, models

counts = importlib.import_module("serialtrack.inventory.migrations.0008_draft_scan_count")


def _on_sqlite(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0008_draft_scan_count"),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(counts.SQLITE_DROP), _on_sqlite(counts.SQLITE)),
        migrations.AddField(
            model_name="draftline",
            name="scans",
            field=models.CharField(default="serials", max_length=24),
        ),
        migrations.RunPython(_on_sqlite(counts.SQLITE), _on_sqlite(counts.SQLITE_DROP)),
    ]
