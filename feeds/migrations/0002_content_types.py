"""The content types of the moved models follow them: cohorts.feedimport becomes feeds.feedimport
(and the same for feedrow, household and matchreview), keeping their ids, so the permissions and
admin history that point at them stay attached. Nothing to do in a new database (content types are
made after migrating); a content type the feeds app already has is left as it is."""

from django.db import migrations

MODELS = ("feedimport", "feedrow", "household", "matchreview")


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "cohorts", "feeds")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "feeds", "cohorts")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("feeds", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
