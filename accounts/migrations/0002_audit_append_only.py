"""On PostgreSQL, refuse UPDATE and DELETE of audit records at the database (SPEC R1)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_auditrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditrecord
    FOR EACH ROW EXECUTE FUNCTION accounts_auditrecord_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_auditrecord_append_only ON accounts_auditrecord;
DROP FUNCTION IF EXISTS accounts_auditrecord_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
