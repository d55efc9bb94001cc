"""Suggestions keep their explanation as integer rows (see Suggestion and cohorts.models.fields):
existing explanations are converted, then the JSON column is dropped. A panel decision's link to
the suggestion it decided on loses its database constraint (see TierDecision.suggestion), and
PostgreSQL samples fewer suggestion rows for its statistics."""

from datetime import date

import django.db.models.deletion
from django.db import migrations, models

import cohorts.models.fields

REASON_CODES = {"other_children": 1, "harm": 2}


def compact(apps, schema_editor):
    Suggestion = apps.get_model("cohorts", "Suggestion")
    rows = Suggestion.objects.select_related("run__scoring_model").order_by("pk")
    batch = []
    for suggestion in rows.iterator(chunk_size=5000):
        run = suggestion.run
        ordered = sorted(run.scoring_model.indicators, key=lambda e: (e["level"] != "individual", e["code"]))
        slots = {(e["code"], e["level"]): slot for slot, e in enumerate(ordered)}
        indicators, contexts = [], []
        for entry in suggestion.contributions:
            if "context_id" in entry:
                contexts.append([entry["context_id"], REASON_CODES[entry["reason"]]])
            elif (entry["code"], entry["level"]) in slots:
                last = date.fromisoformat(str(entry["last_observed_on"])[:10])
                indicators.append([slots[(entry["code"], entry["level"])], entry["count"], (run.as_of - last).days])
        suggestion.indicator_entries, suggestion.context_entries = indicators, contexts
        batch.append(suggestion)
        if len(batch) == 5000:
            Suggestion.objects.bulk_update(batch, ["indicator_entries", "context_entries"])
            batch = []
    Suggestion.objects.bulk_update(batch, ["indicator_entries", "context_entries"])


def small_statistics_sample(apps, schema_editor):
    """Each run ends with ANALYZE of the suggestions (see cohorts.services.runs). A few runs and
    tiers need no 30,000-row sample: 3,000 rows (statistics target 10) describe them as well, at a
    tenth of the cost."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("run_id", "child_id", "score", "tier"):
        schema_editor.execute(f"ALTER TABLE cohorts_suggestion ALTER COLUMN {column} SET STATISTICS 10")


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0006_feed_recovery_and_withdrawals")]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="context_entries",
            field=cohorts.models.fields.IntRowsField(
                blank=True, default=list, help_text="[context id, reason code] per context counted."
            ),
        ),
        migrations.AddField(
            model_name="suggestion",
            name="indicator_entries",
            field=cohorts.models.fields.IntRowsField(
                blank=True, default=list, help_text="[slot, count, days before as_of] per indicator present."
            ),
        ),
        migrations.RunPython(compact, migrations.RunPython.noop),
        migrations.RemoveField(model_name="suggestion", name="contributions"),
        migrations.RunPython(small_statistics_sample, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tierdecision",
            name="suggestion",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="cohorts.suggestion",
            ),
        ),
    ]
