"""Indexes for the list's sortable columns on PostgreSQL (issue 13: keyset
pagination stays an index range scan at a million rows in every sort).
SQLite, at its scale, sorts without them."""

from django.db import migrations

from core.dbops import btree_indexes

INDEXES = {
    "job_start_asc_sort": "start, id",
    "job_start_desc_sort": "start DESC NULLS LAST, id DESC",
    "job_tech_start_asc_sort": "technician_id, start, id",
    "job_tech_start_desc_sort": "technician_id, start DESC NULLS LAST, id DESC",
    "job_tech_created_sort": "technician_id, created_at DESC, id DESC",
}


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_invoiceline_kind")]

    operations = [btree_indexes("jobs_job", INDEXES)]
