"""The data feed models now belong to the feeds app (feeds 0001_initial), in the same tables.

State only, as feeds 0001_initial: the foreign keys of Observation.feed and CohortRun.feed point at
feeds.FeedImport (the same table, cohorts_feedimport, so the same columns and constraint), and
FeedImport, FeedRow, Household and MatchReview leave the cohorts state. Nothing changes in the
database.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0008_cohort_settings_row"),
        ("feeds", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="observation",
                    name="feed",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="feeds.feedimport",
                    ),
                ),
                migrations.AlterField(
                    model_name="cohortrun",
                    name="feed",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="feeds.feedimport",
                    ),
                ),
                migrations.DeleteModel(name="MatchReview"),
                migrations.DeleteModel(name="FeedRow"),
                migrations.DeleteModel(name="Household"),
                migrations.DeleteModel(name="FeedImport"),
            ],
        ),
    ]
