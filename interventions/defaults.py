"""The intervention types every install starts with; the partnership adds its own in the admin."""

from __future__ import annotations

DEFAULT_INTERVENTION_TYPES = (
    ("education_offer", "Education offer"),
    ("diversionary_activity", "Diversionary activity"),
    ("mentoring", "Mentoring"),
    ("trauma_informed_support", "Trauma-informed support"),
    ("whole_family_work", "Whole-family work"),
    ("team_around_the_family", "Team around the family"),
    ("targeted_group_work", "Targeted group work"),
    ("community_led_response", "Community-led response"),
    ("police_enforcement_disruption", "Police enforcement or disruption"),
)


def ensure_intervention_types(model=None) -> int:
    """Create any missing default types (by code); labels and switches already set are kept.
    Idempotent. Pass `model` (apps.get_model(...)) when calling from a data migration.
    Returns how many types were created."""
    if model is None:
        from interventions.models import InterventionType as model
    existing = set(
        model.objects.filter(code__in=[code for code, _ in DEFAULT_INTERVENTION_TYPES]).values_list("code", flat=True)
    )
    missing = [model(code=code, label=label) for code, label in DEFAULT_INTERVENTION_TYPES if code not in existing]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
