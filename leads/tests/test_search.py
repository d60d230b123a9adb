"""The Follow Up search: name and street fragments, city, phone, email; on
PostgreSQL through the trigram indexes of migration 0005."""

import pytest
from django.db import connection, transaction

from leads.models import Lead
from leads.selectors import LeadFilters, leads_filtered
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _found(q: str) -> set[Lead]:
    return set(leads_filtered(Lead.objects.all(), LeadFilters(status="any", q=q)))


def test_it_finds_leads_by_a_fragment_of_name_or_street():
    ann = LeadFactory(name="Joanna Kowalski", street="", city="Round Rock")
    maple = LeadFactory(name="Bo Diaz", street="17 Maplewood Dr", city="Round Rock")
    LeadFactory(name="Carl Young", street="9 Elm St", city="Austin")
    assert _found("ann") == {ann}
    assert _found("EWO") == {maple}
    assert _found("austin") == {Lead.objects.get(name="Carl Young")}
    assert _found("zzq") == set()


@pytest.mark.postgres_only
def test_it_searches_leads_through_the_trigram_indexes():
    # Enough rows that the planner prefers an index to a scan, as at real sizes.
    model = LeadFactory()
    fields = {f.attname: getattr(model, f.attname) for f in Lead._meta.concrete_fields if not f.primary_key}
    Lead.objects.bulk_create(
        Lead(**{**fields, "name": f"Caller {i:05}", "phone": f"+1512{3000000 + i}", "street": f"{i} Oak St"})
        for i in range(3000)
    )
    found = leads_filtered(Lead.objects.all(), LeadFilters(status="any", q="ann")).order_by()
    sql, params = found.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
        # Small tables are cheaper to scan; forbid that so the plan shows what
        # the query can use, as the planner picks at real sizes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("lead_name_trgm", "lead_street_trgm", "lead_city_trgm"):
        assert index in plan, plan
