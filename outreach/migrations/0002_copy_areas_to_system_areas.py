"""Outreach's own list of areas moves to the system-wide managed areas: each area becomes a
neighbourhood with the same id (so the records' area columns stay as they are), in a local authority
and police area named "Not yet assigned" that the system administrator then corrects."""

from django.core.management.color import no_style
from django.db import migrations

UNASSIGNED = "Not yet assigned"


def copy_areas(apps, schema_editor):
    Area = apps.get_model("outreach", "Area")
    Neighbourhood = apps.get_model("areas", "Neighbourhood")
    areas = list(Area.objects.order_by("pk"))
    if not areas:
        return
    authority, _ = apps.get_model("areas", "LocalAuthority").objects.get_or_create(name=UNASSIGNED)
    police_area, _ = apps.get_model("areas", "PoliceArea").objects.get_or_create(name=UNASSIGNED)
    Neighbourhood.objects.bulk_create(
        Neighbourhood(
            pk=area.pk, name=area.name, local_authority=authority, police_area=police_area, is_active=area.is_active
        )
        for area in areas
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Neighbourhood]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial"), ("areas", "0001_initial")]
    run_before = [("cases", "0007_map_free_text_demographics_and_areas")]

    operations = [migrations.RunPython(copy_areas, migrations.RunPython.noop)]
