"""The open-lead match's plan on PostgreSQL: a prepared statement's generic plan
(the one every capture runs after its fifth) probes the contact's index, whose
order is the match's own, and sorts nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg import sql

from core.prepared import native
from leads.models import Lead
from leads.services import _open_leads_at
from leads.tests.factories import LeadFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL"),
]


@pytest.fixture
def company_leads():
    # Statistics as a company's table has them: every contact its own (the
    # test's transaction, ANALYZE's figures included, is rolled back after).
    LeadFactory.create_batch(3)
    template = Lead.objects.first()
    assert template is not None
    rows = []
    for n in range(300):
        template.pk = None
        template.phone = f"+1512555{n:04d}"
        template.email = f"person{n}@example.com"
        rows.append(Lead(**{f.attname: getattr(template, f.attname) for f in Lead._meta.concrete_fields}))
    Lead.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")


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
def test_the_match_reads_its_index_in_order(company_leads, known, index):
    statement, params = _open_leads_at(**known).query.sql_with_params()
    plan = _generic_plan(statement, list(params))
    # One probe of the (contact, status, -created_at, -id) index, rows already in order.
    assert index in plan, plan
    assert "Sort" not in plan and "leads_lead_status" not in plan, plan


def test_the_match_on_a_phone_and_an_email_probes_both_indexes(company_leads):
    statement, params = _open_leads_at(phone="+15128675309", email="pat@example.com").query.sql_with_params()
    plan = _generic_plan(statement, list(params))
    assert "leads_lead_phone" in plan and "leads_lead_email" in plan, plan
    assert "Seq Scan" not in plan and "leads_lead_status" not in plan, plan
