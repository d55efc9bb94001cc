from django.db import migrations


def add_defaults(apps, schema_editor):
    from interventions.defaults import ensure_intervention_types

    ensure_intervention_types(apps.get_model("interventions", "InterventionType"))


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
