"""The stock report's counts per (bin, product, status) (`UnitCount`, kept by the ledger),
filled from the units already in storage so an upgraded database reads right."""

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "INSERT INTO inventory_unitcount (location_id, product_id, status, units) "
    "SELECT location_id, product_id, status, COUNT(*) FROM inventory_unit "
    "WHERE location_id IS NOT NULL GROUP BY location_id, product_id, status"
)


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0022_ux"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("status", models.CharField(choices=[
                    ("in_stock", "in stock"), ("on_hold", "on hold"), ("in_repair", "in repair"),
                    ("shipped", "shipped"), ("returned_to_supplier", "returned to supplier"),
                    ("scrapped", "scrapped"), ("installed", "installed"),
                    ("voided", "voided (receipt reversed)")], max_length=24)),
                ("units", models.IntegerField(default=0)),
                ("location", models.ForeignKey(db_index=False,
                                               on_delete=django.db.models.deletion.PROTECT,
                                               to="inventory.location")),
                ("product", models.ForeignKey(db_index=False,
                                              on_delete=django.db.models.deletion.PROTECT,
                                              to="inventory.product")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("location", "product", "status"),
                                            name="unit_count_key"),
                ],
            },
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
