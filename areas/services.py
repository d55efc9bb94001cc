"""Writes about areas and codes that other apps make (the administrator edits the lists in the
administration site)."""

from django.db.models import F

from areas.models import UnmappedValue


def note_unmapped(field: str, value: str, source: str, records: int = 1, example: str = "") -> None:
    """List a value that could not be mapped for review (again unreviewed if it turns up again)."""
    value = value.strip()[:200]
    row, created = UnmappedValue.objects.get_or_create(
        field=field, value=value, source=source[:100], defaults={"records": records, "example": example[:50]}
    )
    if not created:
        UnmappedValue.objects.filter(pk=row.pk).update(records=F("records") + records, reviewed=False)
