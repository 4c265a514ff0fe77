"""The drafts' scan log (a time per kept scan, refused scans kept until dismissed), and the
search box's indexes (queries/search.py, docs/benchmarks.md "Search"):

- both databases: a B-tree on the case-folded serial (and on the case-folded manufacturer serial,
  of the units that have one), in byte order, so a case-insensitive exact or prefix search is
  one range seek: `lower(serial) >= lower(q) AND lower(serial) < lower(q) || U+10FFFF`;
- PostgreSQL only: the pg_trgm extension and trigram GIN indexes on the serials, so a
  contains-search (`serial ILIKE '%q%'`) reads the index, not a million rows. SQLite has no
  such index: there a contains-search scans the table, and the search box runs it on its own
  only while the shop is small (see queries/search.py)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "sqlite": [
        "CREATE INDEX unit_serial_folded ON inventory_unit (lower(serial))",
        "CREATE INDEX unit_mfr_serial_folded ON inventory_unit (lower(manufacturer_serial)) "
        "WHERE manufacturer_serial IS NOT NULL",
    ],
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        'CREATE INDEX unit_serial_folded ON inventory_unit ((lower(serial) COLLATE "C"))',
        'CREATE INDEX unit_mfr_serial_folded ON inventory_unit '
        '((lower(manufacturer_serial) COLLATE "C")) WHERE manufacturer_serial IS NOT NULL',
        "CREATE INDEX unit_serial_trgm ON inventory_unit USING gin (serial gin_trgm_ops)",
        "CREATE INDEX unit_mfr_serial_trgm ON inventory_unit "
        "USING gin (manufacturer_serial gin_trgm_ops) WHERE manufacturer_serial IS NOT NULL",
    ],
}
DROP = {
    "sqlite": ["DROP INDEX unit_serial_folded", "DROP INDEX unit_mfr_serial_folded"],
    "postgresql": ["DROP INDEX unit_serial_folded", "DROP INDEX unit_mfr_serial_folded",
                   "DROP INDEX unit_serial_trgm", "DROP INDEX unit_mfr_serial_trgm"],
}


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0016_recall'),
    ]

    operations = [
        migrations.AddField(
            model_name='draftserial',
            name='scanned_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.CreateModel(
            name='DraftRefusal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('serial', models.TextField()),
                ('code', models.CharField(blank=True, default='', max_length=40)),
                ('message', models.TextField(blank=True, default='')),
                ('scanned_at', models.DateTimeField()),
                ('line', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refusals', to='inventory.draftline')),
            ],
        ),
        migrations.RunPython(_run(INDEXES), _run(DROP)),
    ]
