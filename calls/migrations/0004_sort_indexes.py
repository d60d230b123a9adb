"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

from core.dbops import btree_indexes

INDEXES = {
    "call_duration_asc_sort": "duration_seconds, id",
    "call_duration_desc_sort": "duration_seconds DESC NULLS LAST, id DESC",
}


class Migration(migrations.Migration):
    dependencies = [("calls", "0003_call_last_callback_outcome")]

    operations = [btree_indexes("calls_call", INDEXES)]
