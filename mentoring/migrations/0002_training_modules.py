"""The training every new mentor completes before they can be active."""

from django.db import migrations

MODULES = (
    "Safeguarding and child protection",
    "The mentor's role and its boundaries",
    "Exploitation and contextual safeguarding",
    "Recording sessions and raising concerns",
)


def add_modules(apps, schema_editor):
    module = apps.get_model("mentoring", "TrainingModule")
    for order, name in enumerate(MODULES, start=1):
        module.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0001_initial")]
    operations = [migrations.RunPython(add_modules, migrations.RunPython.noop)]
