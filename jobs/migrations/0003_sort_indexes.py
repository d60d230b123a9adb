"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

INDEXES = {
    "job_start_asc_sort": "start, id",
    "job_start_desc_sort": "start DESC NULLS LAST, id DESC",
    "job_tech_start_asc_sort": "technician_id, start, id",
    "job_tech_start_desc_sort": "technician_id, start DESC NULLS LAST, id DESC",
    "job_tech_created_sort": "technician_id, created_at DESC, id DESC",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON jobs_job ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_invoiceline_kind")]

    operations = [migrations.RunPython(create, drop)]
