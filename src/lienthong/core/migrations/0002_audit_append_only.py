from django.db import migrations


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON "
            "core_auditentry BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON "
            "core_auditentry FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();"
        )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update;")
    elif vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditentry_append_only();")


class Migration(migrations.Migration):
    """Refuse UPDATE of audit entries in the database itself (and DELETE on PostgreSQL;
    SQLite's flush in tests deletes rows, and verify() catches deletions anyway)."""

    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
