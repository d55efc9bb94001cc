"""Object-level grants and emergency access now live in the access layer (access 0001 copied the
grants); django-guardian's table for children goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_child_looked_after_police_information"),
        ("access", "0001_initial"),
    ]

    operations = [
        # The table now belongs to access.BreakGlassGrant (access 0001).
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="BreakGlassGrant")]),
        migrations.DeleteModel(
            name="ChildUserObjectPermission",
        ),
    ]
