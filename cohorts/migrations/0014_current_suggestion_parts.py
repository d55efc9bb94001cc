"""The stored current suggestions keep each suggestion's individual and family parts
(`individual_family_score`): an incremental run's context check reads them there instead of probing
the suggestions, which PostgreSQL now keeps in one partition per full run (0013). Filled from the
suggestions the stored rows point at."""

from django.db import migrations, models

FILL = (
    "UPDATE cohorts_currentsuggestion SET individual_family_score = ("
    "SELECT s.individual_score + s.family_score FROM cohorts_suggestion s "
    "WHERE s.id = cohorts_currentsuggestion.suggestion_id) "
    "WHERE EXISTS (SELECT 1 FROM cohorts_suggestion s WHERE s.id = cohorts_currentsuggestion.suggestion_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0013_suggestion_partitions"),
    ]

    operations = [
        migrations.AddField(
            model_name="currentsuggestion",
            name="individual_family_score",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=True),
    ]
