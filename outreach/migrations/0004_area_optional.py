"""An outreach record's area is optional, as a child's, family's or context's neighbourhood is: the
required area was outreach's own list before 0002-0003 moved it to the system-wide neighbourhoods."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("outreach", "0003_areas_from_system_list"),
    ]

    operations = [
        migrations.AlterField(
            model_name="doortodoorcampaign",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.neighbourhood",
            ),
        ),
        migrations.AlterField(
            model_name="establishment",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.neighbourhood",
            ),
        ),
        migrations.AlterField(
            model_name="group",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.neighbourhood",
            ),
        ),
        migrations.AlterField(
            model_name="outreachevent",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.neighbourhood",
            ),
        ),
    ]
