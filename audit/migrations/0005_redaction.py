"""A recorded redaction (audit.services.redact) is the only change the audit trail accepts.

On PostgreSQL the append-only trigger now lets one kind of UPDATE through, on audit events only:
inside a transaction that has set `audit.redaction` to the id of a "redact" event newer than the
row, the row's detail may lose keys (never gain or change one) and gain `redacted` = that id, and
its reason may be emptied; who, when, what kind, which record, the request and the address stay as
they were. Every other UPDATE and every DELETE is refused as before."""

from django.db import migrations, models

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
DECLARE
    redaction text := coalesce(current_setting('audit.redaction', true), '');
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_auditevent' AND redaction <> '' THEN
        IF NOT (OLD.detail ? 'redacted')
           AND NEW.detail ->> 'redacted' = redaction
           AND (NEW.detail - 'redacted') <@ OLD.detail
           AND NEW.reason = ''
           AND (NEW.id, NEW.at, NEW.user_id, NEW.username, NEW.agency_id, NEW.role, NEW.action,
                NEW.object_type, NEW.object_id, NEW.request_id, NEW.ip_address, NEW.path)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.user_id, OLD.username, OLD.agency_id, OLD.role, OLD.action,
                OLD.object_type, OLD.object_id, OLD.request_id, OLD.ip_address, OLD.path)
           AND OLD.id < redaction::bigint
           AND EXISTS (SELECT 1 FROM audit_auditevent r WHERE r.id = redaction::bigint AND r.action = 'redact')
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_two_factor_actions"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "Viewed a record"),
                    ("list", "Viewed a list"),
                    ("search", "Searched"),
                    ("export", "Exported"),
                    ("create", "Created"),
                    ("update", "Changed"),
                    ("delete", "Deleted"),
                    ("denied", "Refused access"),
                    ("break_glass", "Broke the glass"),
                    ("grant", "Granted access"),
                    ("grant_ended", "Ended access"),
                    ("login", "Signed in"),
                    ("login_failed", "Failed sign-in"),
                    ("logout", "Signed out"),
                    ("two_factor_enrolled", "Set up two-factor sign-in"),
                    ("two_factor_reset", "Reset two-factor sign-in"),
                    ("redact", "Removed content from the audit trail"),
                ],
                max_length=20,
            ),
        ),
    ]
