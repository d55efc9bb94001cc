"""Outreach records point at the system-wide neighbourhoods (0002 copied the areas with their ids)."""

import django.db.models.deletion
from django.db import migrations, models


def to_neighbourhood():
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="areas.neighbourhood")


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_copy_areas_to_system_areas")]

    operations = [
        migrations.AlterField(model_name="outreachevent", name="area", field=to_neighbourhood()),
        migrations.AlterField(model_name="establishment", name="area", field=to_neighbourhood()),
        migrations.AlterField(model_name="doortodoorcampaign", name="area", field=to_neighbourhood()),
        migrations.AlterField(model_name="group", name="area", field=to_neighbourhood()),
        migrations.DeleteModel(name="Area"),
    ]
