"""core.prepared: a lookup compiled once answers exactly what the ORM answers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Count, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey, Employee, Integration, Role
from catalog.tests.factories import CampaignFactory, DismissReasonFactory
from core.models import AuditEntry
from core.prepared import (
    Prepared,
    PreparedIn,
    PreparedShapes,
    by_pk,
    insert,
    insert_together,
    insert_unless_conflict,
    native,
    set_prefetched_children,
    statement_cursor,
    update,
)
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


KEY = Prepared(
    lambda key_hash: ApiKey.objects.select_related("employee", "integration").filter(
        key_hash=key_hash, revoked_at__isnull=True
    )[:2],
    key_hash=str,
)


def test_it_answers_what_the_orm_answers_with_select_related_and_datetimes():
    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    partner = Integration.objects.create(name="Partner", slug="partner")
    staff_key, _ = ApiKey.issue(employee=csr)
    partner_key, _ = ApiKey.issue(integration=partner)
    ApiKey.objects.filter(pk=staff_key.pk).update(last_used_at=timezone.now() - timedelta(hours=1))

    for key in (staff_key, partner_key):
        expected = ApiKey.objects.select_related("employee", "integration").get(pk=key.pk)
        (got,) = KEY.all(key_hash=key.key_hash)
        assert _fields(got) == _fields(expected)
        # The related rows came with it, converted the same way (datetimes, booleans, JSON).
        with CaptureQueriesContext(connection) as ctx:
            owner, related = (
                (got.employee, expected.employee)
                if key == staff_key
                else (got.integration, expected.integration)
            )
        assert len(ctx) == 0
        assert _fields(owner) == _fields(related)
        assert got._state.adding is False and got._state.db == "default"
    assert KEY.all(key_hash="no such hash") == []
    staff_key.revoke()
    assert KEY.first(key_hash=staff_key.key_hash) is None


def test_it_sends_one_statement_each_time_and_keeps_the_querysets_constants():
    leads = [
        LeadFactory(phone="+15125550111"),
        LeadFactory(phone="+15125550111"),
        LeadFactory(phone="+15125550122"),
    ]
    Lead.objects.filter(pk=leads[1].pk).update(
        status=Lead.Status.DISMISSED, dismiss_reason=DismissReasonFactory(), dismissed_at=timezone.now()
    )
    open_at = Prepared(
        lambda phone: Lead.objects.filter(status=Lead.Status.OPEN, phone=phone).order_by("-id"), phone=str
    )
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            found = open_at.all(phone="+15125550111")
        assert [lead.pk for lead in found] == [leads[0].pk]
        assert len(ctx) == 1 and "status" in ctx.captured_queries[0]["sql"]
    assert [lead.pk for lead in open_at.all(phone="+15125550122")] == [leads[2].pk]


def test_annotations_and_integer_arguments():
    lead = LeadFactory()
    counted = Prepared(lambda pk: Lead.objects.filter(pk=pk).annotate(n_tags=Count("tags")), pk=int)
    (got,) = counted.all(pk=lead.pk)
    assert got.pk == lead.pk and got.n_tags == 0
    assert by_pk(Lead).first(pk=lead.pk) == lead
    assert by_pk(Lead).first(pk=lead.pk + 1000) is None
    assert by_pk(Lead) is by_pk(Lead)


def test_it_refuses_what_it_cannot_prepare_when_the_plan_is_made():
    wrapped = Prepared(lambda name: Lead.objects.filter(name__icontains=name), name=str)
    with pytest.raises(ValueError, match="argument 'name' reaches the SQL 0 times"):
        wrapped.all(name="gar")
    with pytest.raises(ValueError, match="prefetch_related"):
        Prepared(lambda pk: Lead.objects.filter(pk=pk).prefetch_related("tags"), pk=int).all(pk=1)
    with pytest.raises(ValueError, match="values"):
        Prepared(lambda pk: Lead.objects.filter(pk=pk).values("id"), pk=int).all(pk=1)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="str or int"):
        Prepared(lambda at: Lead.objects.filter(created_at=at), at=float)
    lookup = by_pk(Lead)
    with pytest.raises(TypeError, match="must be int"):
        lookup.all(pk="1")
    with pytest.raises(TypeError, match="arguments are"):
        lookup.all(id=1)


@pytest.mark.django_db(transaction=True)
def test_each_thread_uses_its_own_connection():
    lead = LeadFactory()
    lookup = by_pk(Lead)
    assert lookup.first(pk=lead.pk) == lead
    seen: list[object] = []

    def other_thread() -> None:
        try:
            seen.append(lookup.first(pk=lead.pk))
            seen.append(lookup._local.plans["default"].connection is connection)
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [lead, False]


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_runs_only_inside_a_transaction():
    lead = LeadFactory()
    locked = Prepared(lambda pk: Lead.objects.select_for_update().filter(pk=pk)[:1], pk=int)
    with transaction.atomic():
        assert locked.first(pk=lead.pk) == lead
    with pytest.raises(TransactionManagementError):
        locked.first(pk=lead.pk)


def test_in_lists_and_children_answer_what_prefetch_related_answers():
    from customers.models import ContactPoint, Customer, Location
    from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory

    customers = [CustomerFactory(name=f"Customer {n}") for n in range(3)]
    for customer in customers[:2]:
        LocationFactory.create_batch(2, customer=customer)
        PhoneFactory(customer=customer)
    locations_of = PreparedIn(lambda ids: Location.objects.filter(customer_id__in=ids), most=3)
    contacts_of = PreparedIn(lambda ids: ContactPoint.objects.filter(customer_id__in=ids), most=3)
    ids = [c.pk for c in customers]
    expected = list(
        Customer.objects.filter(pk__in=ids).order_by("id").prefetch_related("locations", "contacts")
    )
    got = list(Customer.objects.filter(pk__in=ids).order_by("id"))
    set_prefetched_children(got, "locations", locations_of.all(ids))
    set_prefetched_children(got, "contacts", contacts_of.all(ids))
    with CaptureQueriesContext(connection) as ctx:
        for mine, theirs in zip(got, expected, strict=True):
            assert [_fields(x) for x in mine.locations.all()] == [_fields(x) for x in theirs.locations.all()]
            assert [_fields(x) for x in mine.contacts.all()] == [_fields(x) for x in theirs.contacts.all()]
            assert all(location.customer is mine for location in mine.locations.all())
    assert len(ctx) == 0
    assert got[2].locations.all()[:] == [] and locations_of.all([]) == []
    with pytest.raises(ValueError, match="at most 3 ids"):
        locations_of.all([1, 2, 3, 4])
    # A change drops the answer, as it drops a prefetch.
    LocationFactory(customer=got[2])
    got[2].locations.add(LocationFactory(customer=got[0]))
    assert len(got[2].locations.all()) == 2


def test_shapes_plan_once_per_combination_of_given_arguments():
    at_phone = LeadFactory(phone="+15125550133", email="")
    at_email = LeadFactory(phone="+15125550144", email="pat@example.com")
    open_at = PreparedShapes(
        lambda phone="", email="": Lead.objects.filter(
            *([Q(phone=phone)] if phone else []), *([Q(email=email)] if email else [])
        ).order_by("id"),
        phone=str,
        email=str,
    )
    assert open_at.all(phone="+15125550133", email=None) == [at_phone]
    assert open_at.all(phone="", email="pat@example.com") == [at_email]
    assert open_at.all(phone="+15125550144", email="pat@example.com") == [at_email]
    assert open_at.all(phone="+15125550133", email="pat@example.com") == []
    assert len(open_at._plans) == 3
    with pytest.raises(TypeError, match="unknown arguments"):
        open_at.all(name="Pat")


def _row(model: type, pk: int) -> dict[str, object]:
    return _fields(model.objects.get(pk=pk))


def test_insert_writes_the_row_save_writes():
    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    campaign_lead = LeadFactory()
    made = []
    for way in ("save", "insert", "insert"):
        entry = AuditEntry(
            entity="lead",
            entity_id=campaign_lead.pk,
            action="captured",
            employee=csr,
            actor_label="Ana",
            changes={"type": "marketing", "nested": {"n": 1, "s": "é"}},
        )
        with CaptureQueriesContext(connection) as ctx:
            entry.save(force_insert=True) if way == "save" else insert(entry)
        assert len(ctx) == 1
        # The instance is what save() leaves: its id, its auto_now_add time, saved state.
        assert entry.pk is not None and entry.at is not None
        assert entry._state.adding is False and entry._state.db == "default"
        assert _row(AuditEntry, entry.pk) == _fields(entry)
        made.append(entry)
    saved, inserted, again = (_row(AuditEntry, e.pk) for e in made)
    for row in (inserted, again):
        for name in (
            "entity",
            "entity_id",
            "action",
            "employee_id",
            "integration_id",
            "actor_label",
            "changes",
        ):
            assert row[name] == saved[name]
    assert len({saved["id"], inserted["id"], again["id"]}) == 3

    # A lead: many fields, nulls, dates, auto_now and auto_now_add.
    lead = Lead(
        type="marketing",
        channel="api",
        name="Ana Ruiz",
        phone="+15125550123",
        campaign=campaign_lead.campaign,
        follow_up_on=timezone.localdate(),
        created_by=csr,
    )
    insert(lead)
    assert lead.created_at is not None and lead.updated_at is not None
    assert _row(Lead, lead.pk) == _fields(lead)


def test_insert_takes_the_orms_way_when_it_cannot_keep_it_exact():
    from django.db.models.signals import post_save

    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    # An id chosen by the caller is written, not replaced.
    chosen = AuditEntry(id=987654, entity="lead", entity_id=1, action="x", actor_label="Ana")
    insert(chosen)
    assert AuditEntry.objects.filter(pk=987654).exists()

    # Receivers of post_save still hear about the row.
    heard = []

    def receiver(sender: type, instance: AuditEntry, created: bool, **kwargs: object) -> None:
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=AuditEntry)
    try:
        entry = AuditEntry(entity="lead", entity_id=1, action="y", employee=csr, actor_label="Ana")
        insert(entry)
    finally:
        post_save.disconnect(receiver, sender=AuditEntry)
    assert heard == [(entry.pk, True)]

    # An unsaved related object is refused the way save() refuses it.
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(
            AuditEntry(entity="lead", entity_id=1, action="z", employee=Employee(name="new"), actor_label="x")
        )


def test_a_failed_insert_marks_the_transaction_for_rollback():
    from django.db import IntegrityError

    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert(AuditEntry(entity=None, entity_id=1, action="x", actor_label="x"))  # NOT NULL
        assert transaction.get_rollback()  # so leaving the block rolls back, as after save()


def _lead(csr: Employee) -> Lead:
    return Lead(
        type="marketing",
        channel="api",
        campaign=CampaignFactory(),
        name="Ana Ruiz",
        phone="+15125550123",
        follow_up_on=timezone.localdate(),
        created_by=csr,
    )


def test_insert_together_writes_both_rows_and_links_the_second_to_the_first():
    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    for _ in range(2):  # the second time from the statement kept for the pair
        lead = _lead(csr)
        entry = AuditEntry(
            entity="lead", action="captured", employee=csr, actor_label="Ana", changes={"a": [1]}
        )
        with CaptureQueriesContext(connection) as ctx:
            insert_together(lead, entry, link="entity_id")
        # One statement on PostgreSQL; elsewhere the two INSERTs (inside this test's transaction).
        assert len(ctx) == (1 if connection.vendor == "postgresql" else 2)
        assert lead.pk is not None and entry.pk is not None and entry.entity_id == lead.pk
        for obj in (lead, entry):
            assert obj._state.adding is False and obj._state.db == "default"
            assert _row(type(obj), obj.pk) == _fields(obj)
        assert lead.created_at is not None and entry.at is not None


@pytest.mark.django_db(transaction=True)
def test_insert_together_writes_neither_when_the_second_fails_even_without_a_transaction():
    from django.db import IntegrityError

    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    assert connection.get_autocommit()
    with pytest.raises(IntegrityError):
        # NOT NULL: the audit entry cannot be written, so the lead is not either.
        insert_together(_lead(csr), AuditEntry(entity=None, action="x", actor_label="x"), link="entity_id")
    assert not Lead.objects.exists() and not AuditEntry.objects.exists()
    # And the connection is usable afterwards.
    insert_together(_lead(csr), AuditEntry(entity="lead", action="x", actor_label="x"), link="entity_id")
    assert Lead.objects.count() == 1 and AuditEntry.objects.get().entity_id == Lead.objects.get().pk


def test_insert_together_takes_two_inserts_when_it_cannot_keep_it_exact():
    from django.db.models.signals import post_save

    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    heard = []

    def receiver(sender: type, instance: AuditEntry, created: bool, **kwargs: object) -> None:
        heard.append(instance.entity_id)

    post_save.connect(receiver, sender=AuditEntry)
    try:
        lead = _lead(csr)
        insert_together(lead, AuditEntry(entity="lead", action="x", actor_label="x"), link="entity_id")
    finally:
        post_save.disconnect(receiver, sender=AuditEntry)
    assert heard == [lead.pk]


def _server_prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL")
def test_only_what_core_prepared_sends_is_prepared_on_the_server():
    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    key, _ = ApiKey.issue(employee=csr)
    with CaptureQueriesContext(connection) as ctx:
        (found,) = KEY.all(key_hash=key.key_hash)
        insert(AuditEntry(entity="lead", entity_id=1, action="x", actor_label="Ana"))
    # Counted and logged like any statement.
    assert found.pk == key.pk
    assert len(ctx) == 2 and "accounts_apikey" in ctx[0]["sql"] and "core_auditentry" in ctx[1]["sql"]
    prepared = _server_prepared()
    assert any("accounts_apikey" in s and "key_hash" in s for s in prepared)
    assert any(s.startswith('INSERT INTO "core_auditentry"') for s in prepared)
    # An ordinary query is planned with its values every time, however often it runs:
    # a generic plan for a LIKE would ignore the pattern.
    for _ in range(10):
        list(Lead.objects.filter(name__icontains="zzq"))
    assert not any("leads_lead" in s and "LIKE" in s for s in _server_prepared())


def test_native_numbers_the_placeholders_and_unescapes_percent():
    assert native("SELECT %s, '100%%', %s WHERE a LIKE '%%s' AND b = %s") == (
        "SELECT $1, '100%', $2 WHERE a LIKE '%s' AND b = $3"
    )
    assert native("SELECT 1") == "SELECT 1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL")
def test_a_long_statement_reaches_the_server_in_its_own_form_with_values_and_times_intact():
    from psycopg import RawCursor

    from core.prepared import send

    # Over psycopg's own limits for what it keeps parsed (4 KB, 50 parameters).
    width = 80
    columns = ", ".join(f"%s::int AS c{n}" for n in range(width))
    sql = f"SELECT {columns}, %s::timestamptz AS at, '50%%' AS pct, {'0' * 4096} AS pad"
    at = timezone.now().replace(microsecond=0)
    with statement_cursor(connection) as cursor:
        assert isinstance(cursor.cursor, RawCursor)
        # Given django.db.connection's proxy, it works on the connection behind it.
        assert cursor.db is connections[DEFAULT_DB_ALIAS]
        send(cursor, sql, [*range(width), at])
        row = cursor.fetchone()
    assert list(row[:width]) == list(range(width))
    assert row[width] == at and row[width].utcoffset() == timedelta(0)
    assert row[width + 1] == "50%"
    assert any(s.startswith("SELECT $1::int AS c0, $2::int") for s in _server_prepared())


def test_a_prepared_statement_is_still_seen_by_execute_wrappers():
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    key, _ = ApiKey.issue(employee=csr)
    with connection.execute_wrapper(wrapper):
        assert KEY.first(key_hash=key.key_hash) is not None
    assert len(seen) == 1 and "accounts_apikey" in seen[0]


def test_insert_unless_conflict_writes_nothing_when_a_row_holds_its_unique_values():
    from accounts.tests.factories import IntegrationFactory
    from calls.models import Call

    provider = IntegrationFactory()
    first = Call(provider=provider, provider_call_id="same", from_number="+15125550100")
    assert insert_unless_conflict(first) is True
    assert first.pk is not None and first._state.adding is False
    second = Call(provider=provider, provider_call_id="same", from_number="+15125550199")
    with CaptureQueriesContext(connection) as ctx:
        assert insert_unless_conflict(second) is False
    assert len(ctx) == 1  # no savepoint around it
    assert second.pk is None
    # The transaction is still usable, and the first row is untouched.
    assert list(Call.objects.filter(provider_call_id="same").values_list("pk", "from_number")) == [
        (first.pk, "+15125550100")
    ]
    other = Call(provider=provider, provider_call_id="other")
    assert insert_unless_conflict(other) is True
    assert _row(Call, other.pk) == _fields(other)


# --- insert_together's reads: answered as the database was before the two rows ------------------------

AT_PHONE = Prepared(
    lambda phone: (
        Lead.objects.select_related("created_by").filter(phone=phone).order_by("-created_at", "-id")[:5]
    ),
    phone=str,
)


def _same(found: list[object], expected: list[object]) -> None:
    assert [_fields(x) for x in found] == [_fields(x) for x in expected]


@pytest.mark.parametrize("listening", [False, True], ids=["one statement", "the ORM's way"])
def test_insert_together_answers_its_reads_as_before_the_rows_it_writes(listening):
    from django.db.models.signals import post_save

    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    key, _ = ApiKey.issue(employee=csr)
    now = timezone.now()
    earlier = []
    for n in range(3):
        lead = _lead(csr)
        lead.phone = "+15125550100"
        lead.save()
        Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(hours=n))
        earlier.append(lead)
    expected_leads = AT_PHONE.all(phone="+15125550100")
    expected_keys = KEY.all(key_hash=key.key_hash)
    assert [x.pk for x in expected_leads] == [x.pk for x in earlier]  # newest first

    def receiver(**kwargs: object) -> None:
        pass

    if listening:
        post_save.connect(receiver, sender=AuditEntry)
    try:
        new = _lead(csr)
        new.phone = "+15125550100"
        with CaptureQueriesContext(connection) as ctx:
            found = insert_together(
                new,
                AuditEntry(entity="lead", action="x", actor_label="x"),
                link="entity_id",
                reads=[
                    AT_PHONE.bound(phone="+15125550100"),
                    KEY.bound(key_hash=key.key_hash),
                    KEY.bound(key_hash="-"),
                ],
            )
    finally:
        post_save.disconnect(receiver, sender=AuditEntry)
    one = connection.vendor == "postgresql" and not listening
    assert len(ctx) == (1 if one else 5)  # else three reads, then the two INSERTs
    leads, keys, none = found
    # The rows the ORM reads (datetimes converted, select_related filled), not the new lead.
    _same(leads, expected_leads)
    assert [x.created_by.name for x in leads] == ["Ana"] * 3
    _same(keys, expected_keys)
    _same([keys[0].employee], [expected_keys[0].employee])
    assert none == []
    assert AuditEntry.objects.get(action="x").entity_id == new.pk
    assert AT_PHONE.all(phone="+15125550100")[0].pk == new.pk


def test_a_read_that_may_need_no_statement_or_locks_is_not_bound():
    kept = Prepared(lambda pk: Employee.objects.filter(pk=pk)[:1], kept=True, pk=int)
    with pytest.raises(TypeError, match="kept"):
        kept.bound(pk=1)
    locking = Prepared(lambda pk: Lead.objects.select_for_update().filter(pk=pk)[:1], pk=int)
    with pytest.raises(TypeError, match="locking"):
        locking.bound(pk=1)
    with pytest.raises(TypeError, match="must be str"):
        KEY.bound(key_hash=1)


def test_update_writes_what_save_with_update_fields_writes_and_nothing_else():
    csr = Employee.objects.create(name="Ana", role=Role.CSR)
    other = Employee.objects.create(name="Bo", role=Role.CSR)
    by_save, by_update = LeadFactory(assignee=None), LeadFactory(assignee=None)
    stamp = {lead.pk: lead.updated_at for lead in (by_save, by_update)}
    for lead, way in ((by_save, "save"), (by_update, "update")):
        lead.assignee = csr  # by field name
        lead.technician_id = other.pk  # by attname
        lead.first_response_at = timezone.now() - timedelta(minutes=3)
        lead.summary = "changed but not named: not written"
        named = ["assignee", "technician_id", "first_response_at", "priority", "updated_at"]
        lead.priority = "urgent"
        with CaptureQueriesContext(connection) as ctx:
            lead.save(update_fields=named) if way == "save" else update(lead, named)
        assert len(ctx) == 1
        # auto_now bumped on the instance, as save() bumps it.
        assert lead.updated_at > stamp[lead.pk]
    saved, updated = _row(Lead, by_save.pk), _row(Lead, by_update.pk)
    for name in ("assignee_id", "technician_id", "priority"):
        assert updated[name] == saved[name]
    assert updated["first_response_at"] == by_update.first_response_at
    assert updated["updated_at"] == by_update.updated_at
    # What was changed on the instance but not named stays as stored.
    assert updated["summary"] != "changed but not named: not written"
    assert saved["summary"] != "changed but not named: not written"
    # None is written as NULL, and the same compiled statement serves it.
    by_update.first_response_at = None
    update(by_update, ["assignee", "technician_id", "first_response_at", "priority", "updated_at"])
    assert _row(Lead, by_update.pk)["first_response_at"] is None


def test_update_raises_as_save_does_when_the_row_is_gone_and_takes_the_orms_way_otherwise():
    from django.db.models import F
    from django.db.models.signals import pre_save

    lead = LeadFactory()
    gone = Lead.objects.get(pk=lead.pk)
    Lead.objects.filter(pk=lead.pk).delete()
    gone.summary = "x"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update(gone, ["summary"])

    # An expression as a value is the ORM's to compile.
    kept = LeadFactory(summary="before")
    kept.summary = F("name")
    update(kept, ["summary"])
    assert _row(Lead, kept.pk)["summary"] == _row(Lead, kept.pk)["name"]

    # Receivers of pre_save still hear about the row.
    heard: list[tuple[int, list[str]]] = []

    def receiver(
        sender: type, instance: Lead, update_fields: frozenset[str] | None, **kwargs: object
    ) -> None:
        heard.append((instance.pk, sorted(update_fields or ())))

    pre_save.connect(receiver, sender=Lead)
    try:
        kept.summary = "heard"
        update(kept, ["summary"])
    finally:
        pre_save.disconnect(receiver, sender=Lead)
    assert heard == [(kept.pk, ["summary"])]
    assert _row(Lead, kept.pk)["summary"] == "heard"

    # An object never stored is refused as save() refuses it.
    with pytest.raises(ValueError, match="no primary key"):
        update(Lead(name="never stored"), ["name"])

    # A name that is no field is refused as save() refuses it.
    with pytest.raises(ValueError, match="do not exist"):
        update(kept, ["no_such_field"])
