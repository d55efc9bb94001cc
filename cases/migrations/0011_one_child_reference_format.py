"""Demo young people had references like SO-00004; the partnership's one format is CH-000301 (the
row's id, cases.services.children.child_reference). Renames any SO- reference to that format."""

from django.db import migrations


def one_format(apps, schema_editor):
    Child = apps.get_model("cases", "Child")
    renamed = [
        Child(pk=pk, reference=f"CH-{pk:06d}")
        for pk in Child.objects.filter(reference__startswith="SO-").values_list("pk", flat=True)
    ]
    Child.objects.bulk_update(renamed, ["reference"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_adult_identifiers")]

    operations = [migrations.RunPython(one_format, migrations.RunPython.noop)]
