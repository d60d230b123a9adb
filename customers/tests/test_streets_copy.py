"""The street copy on PostgreSQL (customers migrations 0004–0006): each
customer's ``search_streets`` is its locations' streets, kept exact by
triggers through every way a location is written, and the one-table search
that reads it answers what the UNION over locations answers, in the same order."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.actor import Actor
from core.pagination import no_index_walks
from core.phones import try_normalize_phone
from customers.models import Customer, Location
from customers.services import (
    STREETS_COPY_COLUMN,
    STREETS_SEPARATOR,
    _union_of_matches,
    customer_create,
    customer_merge,
    customers_search,
    location_add,
)
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

ADDRESS = {"city": "Austin", "state": "TX", "zip": "78701"}


def _copies() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {STREETS_COPY_COLUMN} FROM customers_customer")
        return dict(cursor.fetchall())


def _recomputed() -> dict[int, str]:
    """What the copy must be, from the locations (the streets in location order)."""
    streets: dict[int, list[str]] = {pk: [] for pk in Customer.objects.values_list("pk", flat=True)}
    for customer_id, street in Location.objects.order_by("id").values_list("customer_id", "street"):
        streets[customer_id].append(street)
    return {pk: STREETS_SEPARATOR.join(s) for pk, s in streets.items()}


def _assert_exact() -> None:
    assert _copies() == _recomputed()


def test_it_copies_the_streets_of_new_locations():
    ann = customer_create(
        name="Ann Lee", locations=[{"street": "1 Cedar Ln", **ADDRESS}, {"street": "2 Elm Dr", **ADDRESS}]
    )
    bo = CustomerFactory(name="Bo Diaz")
    _assert_exact()
    assert _copies()[ann.pk] == "1 Cedar Ln\n2 Elm Dr" and _copies()[bo.pk] == ""
    location_add(customer=bo, address={"street": "9 Oak St", **ADDRESS})
    LocationFactory(customer=bo, street="10 Pine Ct")
    Location.objects.bulk_create([Location(customer=ann, street="3 Ash Way", **ADDRESS)])
    _assert_exact()
    assert _copies()[bo.pk] == "9 Oak St\n10 Pine Ct"


def test_it_follows_a_street_corrected_moved_or_deleted():
    ann, bo = CustomerFactory(), CustomerFactory()
    first = Location.objects.create(customer=ann, street="1 Cedar Ln", **ADDRESS)
    second = Location.objects.create(customer=ann, street="2 Elm Dr", **ADDRESS)
    LocationFactory(customer=bo, street="3 Oak St")

    first.street = "1 Cedar Lane"
    first.save()  # save() writes every column; only the street changed
    _assert_exact()
    first.unit = "Apt 2"
    first.save()  # no street change: nothing to copy
    _assert_exact()
    Location.objects.filter(pk=second.pk).update(customer=bo)  # moved by QuerySet.update()
    _assert_exact()
    assert _copies()[bo.pk] == "2 Elm Dr\n3 Oak St"
    Location.objects.filter(customer=bo).update(street="4 Maple Ave")
    _assert_exact()
    first.delete()
    _assert_exact()
    assert _copies()[ann.pk] == ""
    Location.objects.filter(customer=bo).delete()
    _assert_exact()


def test_it_follows_a_merge_and_a_deleted_customer():
    keep = customer_create(name="Anh Smith", locations=[{"street": "1 Cedar Ln", **ADDRESS}])
    gone = customer_create(
        name="Anh Smyth", locations=[{"street": "5 Birch Rd", **ADDRESS}, {"street": "6 Elm Dr", **ADDRESS}]
    )
    customer_merge(actor=Actor(), customer=keep, other=gone)
    _assert_exact()
    assert _copies()[keep.pk] == "1 Cedar Ln\n5 Birch Rd\n6 Elm Dr"
    assert list(customers_search(q="birch")) == [keep]
    keep.name = "Anh Smith-Jones"
    keep.save()  # a save() with the copy read before cannot write over it: Django does not know it
    _assert_exact()
    keep.delete()
    _assert_exact()


def test_it_gives_a_customer_the_locations_written_before_it():
    # Foreign keys are checked at commit: a fixture or restore may write a location first.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_location (id, customer_id, street, unit, city, state, zip, created_at) "
            "VALUES (900001, 900001, '7 Cedar Ln', '', 'Austin', 'TX', '78701', now())"
        )
        Customer.objects.create(pk=900001, name="Early Bird")
    _assert_exact()
    assert _copies()[900001] == "7 Cedar Ln"


def test_it_empties_the_copies_when_locations_are_truncated():
    LocationFactory(street="1 Cedar Ln")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending foreign-key checks
        cursor.execute("TRUNCATE customers_location CASCADE")
    _assert_exact()


def test_it_fills_the_copy_the_way_the_migration_and_the_generator_do():
    ann = CustomerFactory()
    LocationFactory(customer=ann, street="1 Cedar Ln")
    LocationFactory(customer=ann, street="2 Elm Dr")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE customers_customer SET {STREETS_COPY_COLUMN} = ''")
        cursor.execute(
            f"UPDATE customers_customer SET {STREETS_COPY_COLUMN} = customers_location_streets(id)"
        )
    _assert_exact()


FRAGMENTS = [
    "ann",  # names only
    "ced",  # streets only
    "oak",  # both
    "qzx",  # nothing
    "ln 1",  # a fragment with a space
    "100%",  # LIKE's wildcard, escaped
    "O_k",  # LIKE's other wildcard
    "512-555-0100",  # a phone
    "ann@example.com",  # an email
]


@pytest.fixture
def people():
    ann = customer_create(name="Joanna Oakley", locations=[{"street": "1 Cedar Ln", **ADDRESS}])
    PhoneFactory(customer=ann, value="+15125550100")
    customer_create(name="Ann Bell", emails=["ann@example.com"])
    customer_create(name="Bo Diaz", locations=[{"street": "17 Oak St", **ADDRESS}])
    customer_create(
        name="Cy Young",
        locations=[{"street": "100% Cedar Ln", **ADDRESS}, {"street": "2 Oak St", **ADDRESS}],
    )
    for i in range(30):
        customer_create(name=f"Oak Customer {i:02}", locations=[{"street": f"{i} Elm Dr", **ADDRESS}])
    # Equal names: the id decides the order.
    for _ in range(3):
        customer_create(name="Joanna Oakley", locations=[{"street": "3 Cedar Ln", **ADDRESS}])


@pytest.mark.parametrize("q", FRAGMENTS)
def test_it_finds_what_the_union_over_locations_finds_in_the_same_order(people, q):
    text = q.strip()
    as_phone = try_normalize_phone(text) if any(ch.isdigit() for ch in text) else None
    before = Customer.objects.filter(pk__in=_union_of_matches(text, as_phone)).order_by("name", "id")
    assert list(customers_search(q=q).order_by("name", "id")) == list(before)
    assert list(customers_search(q=q).order_by("-created_at", "-id")[:5]) == list(
        before.order_by("-created_at", "-id")[:5]
    )


def test_it_does_not_match_across_two_streets(people):
    # "Ln\n2" spans Cy Young's two streets in the copy: the search reads the locations then.
    assert list(customers_search(q="Ln\n2")) == []
    assert STREETS_SEPARATOR not in "Ln 2" and list(customers_search(q="Ln 2")) == []


def _plan(sql: str, params: list[object]) -> str:
    with no_index_walks(), connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
        # Small tables are cheaper to scan; forbid that so the plan shows what
        # the query can use, as the planner picks at real sizes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_it_reads_a_page_through_both_trigram_indexes_without_a_join():
    customers = Customer.objects.bulk_create(Customer(name=f"Customer {i:05}") for i in range(3000))
    Location.objects.bulk_create(
        Location(customer=c, street=f"{i} Oak St", **ADDRESS) for i, c in enumerate(customers)
    )
    sql, params = customers_search(q="ann").order_by("name", "id")[:26].query.sql_with_params()
    plan = _plan(sql, list(params))
    assert "BitmapOr" in plan and "customer_name_trgm" in plan and "customer_streets_trgm" in plan, plan
    assert "customers_location" not in plan and "Join" not in plan, plan


def _index_scans() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan')")
        return str(cursor.fetchone()[0])


def test_it_turns_index_walks_off_for_the_page_only():
    CustomerFactory(name="Ann Lee")
    with CaptureQueriesContext(connection) as queries:
        assert [c.name for c in customers_search(q="ann").prefetch_related("locations")] == ["Ann Lee"]
    sqls = [q["sql"] for q in queries.captured_queries]
    assert "'enable_indexscan', 'off'" in sqls[0], sqls
    assert "customers_customer" in sqls[1] and "enable_indexscan" in sqls[2], sqls
    assert "customers_location" in sqls[3] and len(sqls) == 4, sqls
    assert _index_scans() == "on"  # set back: the test's transaction goes on


@pytest.mark.django_db(transaction=True)
def test_it_turns_index_walks_off_in_a_transaction_of_its_own_outside_one():
    CustomerFactory(name="Ann Lee")
    with CaptureQueriesContext(connection) as queries:
        assert [c.name for c in customers_search(q="ann")] == ["Ann Lee"]
    sqls = [q["sql"] for q in queries.captured_queries]
    assert sqls[:2] == ["BEGIN", "SET LOCAL enable_indexscan = off"] and sqls[-1] == "COMMIT", sqls
    assert _index_scans() == "on" and not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_street_when_many_add_locations_to_one_customer_at_once():
    # Each writer's trigger waits for the others' (a lock on the customer) and then
    # reads the streets anew, so none stores a copy without another's street.
    ann = CustomerFactory(name="Ann Lee")
    n = 8
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                location_add(customer=ann, address={"street": f"{i} Cedar Ln", **ADDRESS})
                time.sleep(0.05)  # hold the transaction open while the others queue
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    _assert_exact()
    assert len(_copies()[ann.pk].split(STREETS_SEPARATOR)) == n
