"""Drafts say what their scans are, `DraftLine.scans`: the units' own serials, or (receipt drafts)
the makers' serials.

SQLite adds a column with a default by rebuilding the table, and the rebuild cannot rename the new
table into place while migration 0008's triggers name the old one: they are dropped for the
rebuild and created again, unchanged. PostgreSQL adds the column in place."""

import importlib

from django.db import migrations, models

counts = importlib.import_module("serialtrack.inventory.migrations.0008_draft_scan_count")

# 0008's statement runner, with nothing to run on PostgreSQL
DROP_TRIGGERS = counts._run({"sqlite": counts.SQLITE_DROP, "postgresql": []})
CREATE_TRIGGERS = counts._run({"sqlite": counts.SQLITE, "postgresql": []})


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0008_draft_scan_count"),
    ]

    operations = [
        migrations.RunPython(DROP_TRIGGERS, CREATE_TRIGGERS),
        migrations.AddField(
            model_name="draftline",
            name="scans",
            field=models.CharField(default="serials", max_length=24),
        ),
        migrations.RunPython(CREATE_TRIGGERS, DROP_TRIGGERS),
    ]
