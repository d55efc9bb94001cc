"""Version 1 of the scoring: the indicator definitions and thresholds agreed for issue 5.

The six social-factor codes of the source document (each at individual and family level) and the
exploitation indicators (individual level). The ScoringModel snapshot written here has exactly the
shape cohorts.services.scoring.snapshot() builds, so the first run uses version 1."""

from django.db import migrations

# code: (label, domain, individual weight, family weight or None, window days, event kinds, sources, description)
DEFAULTS = {
    "crime": (
        "Offending or arrest",
        "crime",
        3,
        2,
        365,
        "arrest",
        "Police records, youth justice case management",
        "The young person (individual) or an adult in the household (family) was arrested, charged or cautioned.",
    ),
    "school_attendance": (
        "Poor school attendance",
        "education",
        2,
        1,
        180,
        "school_attendance",
        "School information management system, education welfare",
        "Attendance below 90% in a term, or a school attendance concern recorded (family: for a brother or "
        "sister, or a parent prosecuted for non-attendance).",
    ),
    "children_needing_help": (
        "Child in need or on a child protection plan",
        "social_care",
        3,
        2,
        365,
        "",
        "Children's social care case management",
        "The young person (individual) or a brother or sister (family) is a child in need, on a child "
        "protection plan or looked after.",
    ),
    "financial_exclusion": (
        "Money worries or worklessness",
        "finance",
        1,
        1,
        365,
        "",
        "Department for Work and Pensions extract, council tax and housing benefit",
        "Out of work benefits, rent arrears, debt or eviction notice.",
    ),
    "domestic_abuse": (
        "Domestic abuse",
        "family",
        3,
        3,
        365,
        "",
        "Police domestic abuse notifications, MARAC",
        "A domestic abuse incident involving the young person or the household.",
    ),
    "health": (
        "Health or mental health need",
        "health",
        1,
        1,
        365,
        "health",
        "NHS community health, child and adolescent mental health services",
        "A health or mental health need (individual) or a parent with a mental health or substance need (family).",
    ),
    "missing_episode": (
        "Missing from home or care",
        "exploitation",
        4,
        None,
        180,
        "missing_episode",
        "Police missing persons records, children's social care",
        "The young person was reported missing or absent.",
    ),
    "school_exclusion": (
        "Excluded from school",
        "education",
        3,
        None,
        365,
        "exclusion",
        "School information management system, pupil referral unit",
        "A suspension or permanent exclusion from school.",
    ),
    "neet": (
        "Not in education, employment or training",
        "education",
        2,
        None,
        365,
        "",
        "Careers and participation service",
        "Aged 16 or over and not in education, employment or training.",
    ),
    "weapon_offence": (
        "Weapon-related offence",
        "exploitation",
        5,
        None,
        365,
        "weapon_offence",
        "Police records",
        "Arrested, charged or found carrying a knife or another weapon.",
    ),
    "substance_misuse": (
        "Drug or alcohol misuse",
        "health",
        2,
        None,
        365,
        "",
        "Young people's substance misuse service, police",
        "Referred for or found with drugs or alcohol.",
    ),
    "association_with_person_of_concern": (
        "Seen with an adult or young person of concern",
        "exploitation",
        4,
        None,
        365,
        "",
        "Police intelligence, youth justice",
        "Seen repeatedly with a person suspected of exploiting or harming young people.",
    ),
    "exploitation_concern": (
        "Concern about exploitation",
        "exploitation",
        5,
        None,
        365,
        "",
        "Children's social care, police, National Referral Mechanism",
        "A recorded concern of criminal or sexual exploitation, or a National Referral Mechanism referral.",
    ),
}

SUMMARY = (
    "A child's score is the sum of the weights of the indicators seen about them (individual) and about "
    "their household (family) within each indicator's look-back window, plus a fixed amount for each "
    "current link to a place or group where harm is recorded or where another child scores at least the "
    "'cause for concern' threshold. The score only suggests a tier: a person decides."
)


def definitions():
    for code, (label, domain, individual, family, window, kinds, sources, description) in DEFAULTS.items():
        for level, weight in (("individual", individual), ("family", family)):
            if weight is None:
                continue
            yield {
                "code": code,
                "level": level,
                "label": label if level == "individual" else f"{label} in the family",
                "domain": domain,
                "weight": weight,
                "window_days": window,
                "event_kinds": kinds,
                "source_systems": sources,
                "description": description,
            }


def snapshot(rows):
    """The same shape as cohorts.services.scoring.snapshot()."""
    return sorted(
        (
            {
                "code": row["code"],
                "level": row["level"],
                "label": row["label"],
                "domain": row["domain"],
                "weight": row["weight"],
                "window_days": row["window_days"],
                "event_kinds": sorted(kind.strip() for kind in row["event_kinds"].split(",") if kind.strip()),
            }
            for row in rows
        ),
        key=lambda entry: (entry["code"], entry["level"]),
    )


def forwards(apps, schema_editor):
    IndicatorDefinition = apps.get_model("cohorts", "IndicatorDefinition")
    ScoringModel = apps.get_model("cohorts", "ScoringModel")
    rows = list(definitions())
    IndicatorDefinition.objects.bulk_create(IndicatorDefinition(**row) for row in rows)
    ScoringModel.objects.create(
        version=1,
        most_vulnerable_threshold=12,
        vulnerable_threshold=8,
        concern_threshold=4,
        context_weight=2,
        context_max_links=3,
        context_window_days=365,
        indicators=snapshot(rows),
        summary=SUMMARY,
    )


def backwards(apps, schema_editor):
    apps.get_model("cohorts", "ScoringModel").objects.filter(version=1, runs__isnull=True).delete()
    codes = list(DEFAULTS)
    apps.get_model("cohorts", "IndicatorDefinition").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
