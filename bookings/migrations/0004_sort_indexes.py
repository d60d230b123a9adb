"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

from core.dbops import btree_indexes

INDEXES = {
    "booking_wanted_asc_sort": "requested_start, id",
    "booking_status_wanted_asc_sort": "status, requested_start, id",
    "booking_status_wanted_desc_sort": "status, requested_start DESC NULLS LAST, id DESC",
}


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_booking_requested_end")]

    operations = [btree_indexes("bookings_booking", INDEXES)]
