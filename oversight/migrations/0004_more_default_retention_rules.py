"""Starting retention periods for the record types added in 0003 (feeds, mentoring matches, outreach
and group work). As with 0002, each partnership's DPO checks them against its own retention schedule
and changes them on the Retention rules page (audited)."""

from django.db import migrations

DEFAULTS = [
    (
        "mentoring_match",
        6,
        "last_activity",
        "The record of a mentoring relationship and its sessions: six years after it ended or its last "
        "session (the partnership's decision; limitation period for claims). A concern raised in it stays "
        "with the young person's record.",
    ),
    (
        "feed",
        1,
        "last_activity",
        "A feed's file, staged rows and match reviews are a copy of what the source system sent; what was "
        "applied lives on in the records. Kept one year after the import finished, to answer questions "
        "about it (the partnership's decision).",
    ),
    (
        "outreach_event",
        6,
        "last_activity",
        "Outreach events name organisations and staff and may hold notes about people: six years from "
        "the date held (the partnership's decision, in line with service delivery records).",
    ),
    (
        "door_to_door",
        6,
        "last_activity",
        "Concerns raised on the doorstep and what was done with them: six years from the campaign's end "
        "(the partnership's decision).",
    ),
    (
        "engagement",
        6,
        "last_activity",
        "Engagement with a venue, hotel, children's home or school: six years from the contact or its "
        "follow-up date (the partnership's decision).",
    ),
    (
        "group_session",
        6,
        "last_activity",
        "A group work session and its register (the young people who attended): six years from the "
        "session. Each attendance's chronology entry stays with the young person's record.",
    ),
    (
        "group",
        6,
        "last_activity",
        "A group work group, once none of its sessions is kept: six years from when it was set up "
        "(the partnership's decision).",
    ),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("oversight", "RetentionRule")
    for record_type, years, basis, authority in DEFAULTS:
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"years": years, "basis": basis, "authority": authority}
        )


class Migration(migrations.Migration):
    dependencies = [("oversight", "0003_more_record_types")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
