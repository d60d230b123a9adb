"""Name and street fragments: the same answers on both databases, and on
PostgreSQL through the trigram indexes of migration 0003 (a fragment that is
an email or a phone) or of 0003 and 0006 (any other: test_streets_copy.py)."""

import pytest
from django.db import connection, transaction

from customers.models import Customer, Location
from customers.services import customers_search
from customers.tests.factories import CustomerFactory, LocationFactory

pytestmark = pytest.mark.django_db


def test_it_finds_customers_by_a_three_letter_fragment_of_name_or_street():
    ann = CustomerFactory(name="Joanna Kowalski")
    on_maple = LocationFactory(street="17 Maplewood Dr", customer=CustomerFactory(name="Bo Diaz")).customer
    CustomerFactory(name="Carl Young")
    assert set(customers_search(q="ann")) == {ann}
    assert set(customers_search(q="OAN")) == {ann}
    assert set(customers_search(q="ewo")) == {on_maple}
    assert list(customers_search(q="zzq")) == []


def _plan(sql: str, params: list[object]) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("ANALYZE customers_location")
        # Small tables are cheaper to scan; forbid that so the plan shows what
        # the query can use, as the planner picks at real sizes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # …and the (name, id) index, which a full index scan could read instead of
        # the table; the test's transaction rolls the drop back.
        cursor.execute(f"DROP INDEX {Customer._meta.indexes[0].name}")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
def test_it_searches_names_and_streets_through_the_trigram_indexes_with_a_contact():
    # Enough rows that the planner prefers an index to a scan, as at real sizes.
    customers = Customer.objects.bulk_create(Customer(name=f"Customer {i:05}") for i in range(3000))
    Location.objects.bulk_create(
        Location(customer=c, street=f"{i} Oak St", city="Austin", state="TX", zip="78701")
        for i, c in enumerate(customers)
    )
    # An email (or a phone) is also looked up in the contacts: a UNION of the three.
    sql, params = customers_search(q="ann@example.com").query.sql_with_params()
    plan = _plan(sql, list(params))
    assert "customer_name_trgm" in plan, plan
    assert "location_street_trgm" in plan, plan
