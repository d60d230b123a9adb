"""The open-lead match's plan on PostgreSQL, as a prepared statement's generic
plan made on a new table (no statistics yet: a new company, or autovacuum off)."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg import sql

from core.prepared import native
from leads.services import _open_leads_at

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL"),
]


def _generic_plan(statement: str, params: list[object]) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE match_plan AS {native(statement)}")
        try:
            values = sql.SQL(", ").join(sql.Literal(p) for p in params)
            cursor.execute(sql.SQL("EXPLAIN EXECUTE match_plan({})").format(values))
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE match_plan")


@pytest.mark.parametrize(
    ("known", "index"),
    [({"phone": "+15128675309"}, "leads_lead_phone"), ({"email": "pat@example.com"}, "leads_lead_email")],
)
def test_the_match_reads_its_index_in_order_without_statistics(known, index):
    statement, params = _open_leads_at(**known).query.sql_with_params()
    plan = _generic_plan(statement, list(params))
    # One probe of the (contact, status, -created_at, -id) index, rows already in order:
    # not a walk of every open lead by date, and no sort.
    assert index in plan, plan
    assert "Sort" not in plan and "leads_lead_status" not in plan, plan


def test_the_match_on_a_phone_or_an_email_probes_both_indexes_without_statistics():
    statement, params = _open_leads_at(phone="+15128675309", email="pat@example.com").query.sql_with_params()
    plan = _generic_plan(statement, list(params))
    assert "leads_lead_phone" in plan and "leads_lead_email" in plan, plan
    assert "leads_lead_status" not in plan, plan
