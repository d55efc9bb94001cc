# ruff: noqa: S608 -- statements are built from fixed SQL and %s placeholders only.
"""The stored current suggestions (issue 14, item 6): each child's suggestion in the published chain
and the chain's tier counts, kept by publication (cohorts.services.runs.publish_current) so the cohort
pages read them instead of recomputing an anti-join over every suggestion. Filled here, set-based,
from the runs already published (the same rows as Suggestion.objects.current())."""

import django.db.models.deletion
from django.db import migrations, models


def chain(CohortRun):
    full = CohortRun.objects.filter(kind="full", status="published").order_by("-published_at", "-id").first()
    if full is None:
        return []
    later = CohortRun.objects.filter(kind="incremental", status="published", base_run=full).order_by("id")
    return [full.pk, *later.values_list("pk", flat=True)]


def fill(apps, schema_editor):
    CohortRun = apps.get_model("cohorts", "CohortRun")
    runs = chain(CohortRun)
    if not runs:
        return
    marks = ", ".join(["%s"] * len(runs))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cohorts_currentsuggestion (child_id, suggestion_id, score, tier) "
            "SELECT s.child_id, s.id, s.score, s.tier FROM cohorts_suggestion s "
            f"WHERE s.run_id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM cohorts_suggestion n "
            f"WHERE n.child_id = s.child_id AND n.run_id IN ({marks}) AND n.run_id > s.run_id)",
            [*runs, *runs],
        )
        cursor.execute("SELECT tier, COUNT(*) FROM cohorts_currentsuggestion WHERE score > 0 GROUP BY tier")
        counts = {tier or "below_threshold": total for tier, total in cursor.fetchall()}
    CohortRun.objects.filter(pk=runs[-1]).update(current_counts=counts)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_grants_move_to_access"),
        ("cohorts", "0009_move_feeds_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="cohortrun",
            name="current_counts",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Suggested children per tier in the whole published state this run left (its chain), kept at publication so pages need not count them.",
            ),
        ),
        migrations.CreateModel(
            name="CurrentSuggestion",
            fields=[
                (
                    "child",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="current_cohort_suggestion",
                        serialize=False,
                        to="cases.child",
                    ),
                ),
                ("score", models.PositiveIntegerField()),
                (
                    "tier",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("most_vulnerable", "Most vulnerable"),
                            ("vulnerable_cohort", "Vulnerable cohort"),
                            ("cause_for_concern", "Cause for concern"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "suggestion",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="current_row",
                        to="cohorts.suggestion",
                    ),
                ),
            ],
            options={
                "ordering": ["-score", "child_id"],
                "indexes": [models.Index(fields=["-score", "child"], name="current_suggestion_score_idx")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
