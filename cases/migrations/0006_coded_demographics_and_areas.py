"""Children, families and contexts placed in the managed areas (the free text is mapped in 0007)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("cases", "0005_child_over_18_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="neighbourhood",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="areas.neighbourhood",
            ),
        ),
        migrations.AddField(
            model_name="context",
            name="neighbourhood",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contexts",
                to="areas.neighbourhood",
            ),
        ),
        migrations.AddField(
            model_name="family",
            name="neighbourhood",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="families",
                to="areas.neighbourhood",
            ),
        ),
    ]
