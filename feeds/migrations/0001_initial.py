"""The data feed models move here from the cohorts app, keeping their tables.

FeedImport, FeedRow, Household and MatchReview were created by the cohorts migrations (tables
cohorts_feedimport, cohorts_feedrow, cohorts_household, cohorts_matchreview and
cohorts_matchreview_rows). This migration only tells Django that they now belong to feeds (state
only: no table, column, index or row changes); cohorts 0009_move_feeds_out removes them from the
cohorts state once its foreign keys point here.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The tables are the cohorts app's (made by its 0001, last changed by its 0006).
        ("cohorts", "0007_compact_explanations"),
        ("accounts", "0001_initial"),
        ("cases", "0003_child_looked_after_police_information"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="FeedImport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("file", models.FileField(upload_to="feeds/%Y/%m/")),
                        ("original_name", models.CharField(max_length=255)),
                        ("size_bytes", models.PositiveBigIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Waiting to start"),
                                    ("staging", "Reading the file"),
                                    ("validating", "Checking every row"),
                                    ("needs_decision", "Some rows have errors"),
                                    ("matching", "Matching people"),
                                    ("applied", "Applied"),
                                    ("rejected", "Not applied"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=20,
                            ),
                        ),
                        ("rows_total", models.PositiveIntegerField(default=0)),
                        ("rows_done", models.PositiveIntegerField(default=0)),
                        ("rows_valid", models.PositiveIntegerField(default=0)),
                        ("rows_invalid", models.PositiveIntegerField(default=0)),
                        ("rows_applied", models.PositiveIntegerField(default=0)),
                        (
                            "rows_already_known",
                            models.PositiveIntegerField(default=0, help_text="Rows imported before (same source id)."),
                        ),
                        ("rows_in_review", models.PositiveIntegerField(default=0)),
                        ("people_matched", models.PositiveIntegerField(default=0)),
                        ("people_created", models.PositiveIntegerField(default=0)),
                        (
                            "apply_valid_rows",
                            models.BooleanField(default=False, help_text="The uploader chose to apply the valid rows."),
                        ),
                        (
                            "message",
                            models.CharField(
                                blank=True, help_text="What went wrong with the file as a whole.", max_length=1000
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "progress_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                help_text="When the import job last reported progress.",
                            ),
                        ),
                        ("abandoned_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "abandoned_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.agency"
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cohorts_feedimport",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="FeedRow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "line_number",
                            models.PositiveIntegerField(help_text="Line in the file, counting the header as line 1."),
                        ),
                        ("source_system", models.CharField(max_length=100)),
                        ("source_record_id", models.CharField(max_length=100)),
                        ("given_name", models.CharField(max_length=100)),
                        ("family_name", models.CharField(max_length=100)),
                        ("date_of_birth", models.CharField(max_length=30)),
                        ("postcode", models.CharField(max_length=10)),
                        ("household_ref", models.CharField(max_length=100)),
                        ("upn", models.CharField(max_length=20)),
                        ("nhs_number", models.CharField(max_length=20)),
                        ("police_id", models.CharField(max_length=30)),
                        ("indicator_code", models.CharField(max_length=50)),
                        ("observed_on", models.CharField(max_length=30)),
                        ("note", models.CharField(max_length=500)),
                        (
                            "errors",
                            models.TextField(blank=True, help_text="One message per line, naming the column at fault."),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("invalid", "Has errors"),
                                    ("valid", "Valid"),
                                    ("applied", "Applied"),
                                    ("already_known", "Imported before"),
                                    ("in_review", "Waiting for a match decision"),
                                    ("skipped", "Not applied"),
                                ],
                                default="valid",
                                max_length=15,
                            ),
                        ),
                        (
                            "adult",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="cases.adult",
                            ),
                        ),
                        (
                            "child",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="cases.child",
                            ),
                        ),
                        (
                            "feed",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rows",
                                to="feeds.feedimport",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cohorts_feedrow",
                        "ordering": ["feed", "line_number"],
                    },
                ),
                migrations.CreateModel(
                    name="Household",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("source_system", models.CharField(max_length=100)),
                        ("household_ref", models.CharField(max_length=100)),
                        (
                            "family",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="source_households",
                                to="cases.family",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cohorts_household",
                    },
                ),
                migrations.CreateModel(
                    name="MatchReview",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(help_text="Why the match is uncertain, in plain words.", max_length=300),
                        ),
                        ("given_name", models.CharField(max_length=100)),
                        ("family_name", models.CharField(max_length=100)),
                        ("date_of_birth", models.DateField()),
                        ("postcode", models.CharField(blank=True, max_length=10)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Waiting for a decision"),
                                    ("matched", "Same person"),
                                    ("new_person", "A different person"),
                                    ("dismissed", "Rows not applied"),
                                ],
                                default="open",
                                max_length=12,
                            ),
                        ),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "candidate",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.child"
                            ),
                        ),
                        (
                            "feed",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reviews",
                                to="feeds.feedimport",
                            ),
                        ),
                        (
                            "resolved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        ("rows", models.ManyToManyField(related_name="reviews", to="feeds.feedrow")),
                    ],
                    options={
                        "db_table": "cohorts_matchreview",
                        "ordering": ["created_at", "id"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="feedimport",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ["rejected", "failed"]), _negated=True),
                        fields=("sha256",),
                        name="unique_live_feed_file",
                    ),
                ),
                migrations.AddIndex(
                    model_name="feedrow",
                    index=models.Index(fields=["feed", "status"], name="feed_row_status_idx"),
                ),
                migrations.AddConstraint(
                    model_name="feedrow",
                    constraint=models.UniqueConstraint(fields=("feed", "line_number"), name="unique_feed_line"),
                ),
                migrations.AddConstraint(
                    model_name="household",
                    constraint=models.UniqueConstraint(
                        fields=("source_system", "household_ref"), name="unique_source_household"
                    ),
                ),
                migrations.AddIndex(
                    model_name="matchreview",
                    index=models.Index(fields=["status", "created_at"], name="cohorts_mat_status_3daab4_idx"),
                ),
            ],
        ),
    ]
