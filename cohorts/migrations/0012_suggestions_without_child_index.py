"""Suggestions lose their (child, run) index (issue 14): every full run wrote an entry into each of its
leaf pages, most of the run's write-ahead log, for one reader, the incremental run's check of another
child's published score, which now goes through the stored current suggestions (two primary keys)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0011_source_system_labels"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="suggestion",
            name="suggestion_child_run_idx",
        ),
    ]
