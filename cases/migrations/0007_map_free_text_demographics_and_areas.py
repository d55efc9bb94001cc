"""Maps the free text of gender, ethnicity and area to the codes and the managed neighbourhoods.
What cannot be mapped becomes "Not recorded" (or no neighbourhood) and is listed for an
administrator's review (areas.UnmappedValue), with how many records carried it and one reference."""

from django.db import migrations
from django.db.models import Count, F, Min
from django.db.models.functions import Lower

from areas.demographics import ethnicity_code, gender_code

SOURCES = (("Child", "cases.Child"), ("Family", "cases.Family"), ("Context", "cases.Context"))


def note(UnmappedValue, field, value, source, records, example):
    row, created = UnmappedValue.objects.get_or_create(
        field=field, value=value[:200], source=source, defaults={"records": records, "example": example[:50]}
    )
    if not created:
        UnmappedValue.objects.filter(pk=row.pk).update(records=F("records") + records, reviewed=False)


def map_free_text(apps, schema_editor):
    UnmappedValue = apps.get_model("areas", "UnmappedValue")
    Neighbourhood = apps.get_model("areas", "Neighbourhood")
    Child = apps.get_model("cases", "Child")
    for field, to_code in (("gender", gender_code), ("ethnicity", ethnicity_code)):
        for row in Child.objects.values(field).annotate(records=Count("id"), example=Min("reference")):
            value = row[field]
            code = to_code(value)
            if code is None:
                code = "not_recorded"
                note(UnmappedValue, field, value, "cases.Child", row["records"], row["example"])
            if code != value:
                Child.objects.filter(**{field: value}).update(**{field: code})

    by_name = {}
    for pk, name in Neighbourhood.objects.annotate(key=Lower("name")).values_list("pk", "key"):
        by_name[name.strip()] = None if name.strip() in by_name else pk  # a name in two authorities is unclear
    for model_name, source in SOURCES:
        model = apps.get_model("cases", model_name)
        rows = model.objects.exclude(area="").values("area").annotate(records=Count("id"), example=Min("reference"))
        for row in rows:
            pk = by_name.get(row["area"].strip().lower())
            if pk is None:
                note(UnmappedValue, "area", row["area"], source, row["records"], row["example"])
            else:
                model.objects.filter(area=row["area"], neighbourhood__isnull=True).update(neighbourhood_id=pk)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_coded_demographics_and_areas"), ("areas", "0001_initial")]

    operations = [migrations.RunPython(map_free_text, migrations.RunPython.noop)]
