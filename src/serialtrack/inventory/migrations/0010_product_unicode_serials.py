from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0009_draft_scans"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="unicode_serials",
            field=models.BooleanField(default=False),
        ),
    ]
