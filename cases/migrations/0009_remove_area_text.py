"""The free-text areas give way to the managed neighbourhoods (0007 mapped them; the rest is listed for review)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_coded_demographics_choices"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="child",
            name="area",
        ),
        migrations.RemoveField(
            model_name="context",
            name="area",
        ),
        migrations.RemoveField(
            model_name="family",
            name="area",
        ),
    ]
