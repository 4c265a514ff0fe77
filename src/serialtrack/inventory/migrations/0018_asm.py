"""The components installed in a unit are found by `parent`: index it (the units installed
somewhere only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0017_stations"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="unit",
            index=models.Index(condition=models.Q(("parent__isnull", False)), fields=["parent"],
                               name="unit_parent"),
        ),
    ]
