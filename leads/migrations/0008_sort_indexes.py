"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

INDEXES = {
    "lead_status_name_sort": "status, name, id",
    "lead_assignee_follow_up_sort": "assignee_id, status, follow_up_on, id",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads_lead ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_savedfilter")]

    operations = [migrations.RunPython(create, drop)]
