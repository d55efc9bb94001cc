"""The single CohortSettings row (suggestions on), so that reading the settings never writes."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("cohorts", "CohortSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0007_compact_explanations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
