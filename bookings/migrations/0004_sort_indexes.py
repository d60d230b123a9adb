"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

INDEXES = {
    "booking_wanted_asc_sort": "requested_start, id",
    "booking_status_wanted_asc_sort": "status, requested_start, id",
    "booking_status_wanted_desc_sort": "status, requested_start DESC NULLS LAST, id DESC",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON bookings_booking ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_booking_requested_end")]

    operations = [migrations.RunPython(create, drop)]
