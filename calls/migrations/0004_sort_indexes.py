"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

INDEXES = {
    "call_duration_asc_sort": "duration_seconds, id",
    "call_duration_desc_sort": "duration_seconds DESC NULLS LAST, id DESC",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON calls_call ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("calls", "0003_call_last_callback_outcome")]

    operations = [migrations.RunPython(create, drop)]
