"""Indexes for the web pages at size (docs/benchmarks.md, "Web pages at size — after"): the
home page's worklists, a sales order's pick list and margin, the stock report's groups, a
document line's serials. `unit_stock_group` leads with the location, so it replaces the location FK's own index:
that is dropped by name here rather than by altering the field, which on SQLite would rebuild
the unit table and lose the expression indexes of migration 0011."""

import django.db.models.deletion
from django.db import migrations, models

LOCATION_FK_INDEX = "inventory_unit_location_id_ad8ad567"


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0019_rma"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(fields=["line", "id"], name="movement_line"),
        ),
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(condition=models.Q(("from_location__isnull", True),
                                                  ("from_status", "shipped")),
                               fields=["document"], name="movement_returned"),
        ),
        migrations.AddIndex(
            model_name="unit",
            index=models.Index(fields=["status", "moved_at", "id"], name="unit_status_moved"),
        ),
        migrations.AddIndex(
            model_name="unit",
            index=models.Index(fields=["product", "status", "received_at", "id"],
                               name="unit_product_status_fifo"),
        ),
        migrations.AddIndex(
            model_name="unit",
            index=models.Index(fields=["location", "product", "status", "serial"],
                               name="unit_stock_group"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="unit",
                    name="location",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            to="inventory.location"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {LOCATION_FK_INDEX}",
                    f'CREATE INDEX {LOCATION_FK_INDEX} ON "inventory_unit" ("location_id")',
                ),
            ],
        ),
    ]
