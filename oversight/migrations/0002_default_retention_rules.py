"""Starting retention periods, from UK guidance for children's social care and policing. Each
partnership's DPO checks them against its own retention schedule and changes them on the
Retention rules page (audited)."""

from django.db import migrations

DEFAULTS = [
    (
        "child",
        25,
        "birth",
        "Children's social care case records are kept until the young person's 25th birthday, and only "
        "once no agency works with them (IRMS retention guidelines for local government, children's "
        "social care).",
    ),
    (
        "child_looked_after",
        75,
        "birth",
        "Records of a child in care are kept for 75 years from their date of birth (Care Planning, "
        "Placement and Case Review (England) Regulations 2010, regulation 50).",
    ),
    (
        "adult",
        6,
        "last_activity",
        "An adult recorded as a family member and no longer linked to any family: six years from when "
        "they were recorded (the partnership's decision; no longer needed for any young person's case).",
    ),
    (
        "intelligence",
        6,
        "last_activity",
        "Police intelligence is reviewed after a clear period of six years from the last activity, "
        "under the College of Policing's Authorised Professional Practice on Management of Police "
        "Information (MoPI, group 3).",
    ),
    (
        "person_of_concern",
        6,
        "last_activity",
        "Reviewed after six years without new intelligence, disruption or change (MoPI, group 3). "
        "Records about serious sexual or violent offending (MoPI groups 1 and 2) must be held instead.",
    ),
    (
        "disruption",
        6,
        "last_activity",
        "Six years from the date the action was taken (MoPI, group 3).",
    ),
    (
        "mentor",
        6,
        "last_activity",
        "A volunteer's application, vetting and supervision records: six years after they left "
        "(safer recruitment guidance; limitation period for claims).",
    ),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("oversight", "RetentionRule")
    for record_type, years, basis, authority in DEFAULTS:
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"years": years, "basis": basis, "authority": authority}
        )


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_retention_and_subject_access")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
