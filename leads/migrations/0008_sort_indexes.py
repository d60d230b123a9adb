"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

from core.dbops import btree_indexes

INDEXES = {
    "lead_status_name_sort": "status, name, id",
    "lead_assignee_follow_up_sort": "assignee_id, status, follow_up_on, id",
}


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_savedfilter")]

    operations = [btree_indexes("leads_lead", INDEXES)]
