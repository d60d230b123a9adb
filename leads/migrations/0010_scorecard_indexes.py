"""Indexes for the CSR scorecard's two live reads on PostgreSQL (reports.selectors;
the rest of it reads daily rollups). SQLite, at its scale, reads without them.

* ``lead_response_time``: per first responder, the time to first response
  (``first_response_at - created_at``, the very expression the report orders
  by), carrying ``created_at`` and ``first_response_at`` so the median — the
  middle one or two of the range's times — is an index-only walk in time order.
* ``lead_sla_running``: open, never answered leads with a due time, by creation,
  carrying assignee and due time: the leads whose SLA the clock alone decides.
"""

from django.db import migrations

from core.dbops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_dashboard_indexes")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE INDEX IF NOT EXISTS lead_response_time ON leads_lead "
                "(first_response_by_id, (first_response_at - created_at)) "
                "INCLUDE (created_at, first_response_at) "
                "WHERE first_response_at IS NOT NULL AND first_response_by_id IS NOT NULL "
                "AND merged_into_id IS NULL",
                "CREATE INDEX IF NOT EXISTS lead_sla_running ON leads_lead (created_at) "
                "INCLUDE (assignee_id, first_response_due_at) "
                "WHERE status = 'open' AND first_response_at IS NULL "
                "AND first_response_due_at IS NOT NULL AND merged_into_id IS NULL",
            ],
            reverse_sql=["DROP INDEX IF EXISTS lead_response_time", "DROP INDEX IF EXISTS lead_sla_running"],
        )
    ]
