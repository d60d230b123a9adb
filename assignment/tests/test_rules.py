import itertools
import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import EmployeeFactory
from assignment.models import AssignmentRule
from assignment.services import LeadFacts, matching_rule, rule_matches
from assignment.tests.helpers import capture, csrs, rule
from bookings.services import booking_convert
from bookings.tests.factories import BookingFactory
from calls.services import LeadDetails, call_accept, call_close
from calls.tests.factories import play_call, provider_actor, ring
from catalog.tests.factories import BusinessUnitFactory, CallReasonFactory, CampaignFactory
from core.models import AuditEntry
from customers.tests.factories import LocationFactory
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.services import Contact, lead_capture, lead_capture_from_job, lead_update, leads_bulk_assign
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def facts(**kw):
    base = {"type": "marketing", "channel": "manual", "campaign_id": 1, "business_unit_id": 2, "zip": "78701"}
    return LeadFacts(**{**base, **kw})


def test_it_matches_each_field_and_ands_them():
    r = AssignmentRule(name="r")
    assert rule_matches(r, facts())  # empty lists match anything
    r.lead_types = ["abandoned_call"]
    assert not rule_matches(r, facts()) and rule_matches(r, facts(type="abandoned_call"))
    r.lead_types = []
    r.channels = ["text", "call"]
    assert not rule_matches(r, facts()) and rule_matches(r, facts(channel="text"))
    r.channels = []
    r.campaign_ids = [5]
    assert not rule_matches(r, facts()) and rule_matches(r, facts(campaign_id=5))
    assert not rule_matches(r, facts(campaign_id=None))
    r.campaign_ids = []
    r.business_unit_ids = [7]
    assert not rule_matches(r, facts()) and rule_matches(r, facts(business_unit_id=7))
    r.business_unit_ids = []
    r.zip_prefixes = ["786", "78704"]
    assert not rule_matches(r, facts()) and rule_matches(r, facts(zip="78613"))
    assert rule_matches(r, facts(zip="78704")) and not rule_matches(r, facts(zip=""))
    # ANDed: the ZIP fits but the channel does not.
    r.channels = ["online"]
    assert not rule_matches(r, facts(zip="78613")) and rule_matches(r, facts(zip="78613", channel="online"))


def test_it_takes_the_first_active_rule_by_position():
    a, b, c = csrs(3)
    late = rule([a], name="late", position=5)
    rule([b], name="inactive", position=0, active=False)
    early = rule([c], name="early", position=1, lead_types=["abandoned_call"])
    assert matching_rule(facts()) == late
    assert matching_rule(facts(type="abandoned_call")) == early
    lead = capture()
    assert lead.assignee == a and lead.assigned_by == "rule"
    assert AssignmentRule.objects.get(pk=late.pk).last_employee == a


def test_it_leaves_a_lead_unassigned_when_no_rule_matches():
    a = csrs(1)[0]
    rule([a], channels=["text"])
    lead = capture()
    assert lead.assignee is None and lead.assigned_by == ""
    assert "assigned_by" not in AuditEntry.objects.get(entity="lead", entity_id=lead.pk).changes


def test_it_goes_round_robin_in_turn_and_fair_over_100_leads():
    people = csrs(3)
    rule(people)
    campaign = CampaignFactory()
    got = [capture(campaign=campaign).assignee_id for _ in range(100)]
    ids = [p.pk for p in people]
    assert got[:6] == ids + ids  # in the rule's order, in turn
    counts = Counter(got)
    assert sorted(counts.values()) == [33, 33, 34]
    # Never the same person twice in a row.
    assert all(x != y for x, y in itertools.pairwise(got))


def test_it_skips_away_and_inactive_employees_with_available_only():
    a, b, c = csrs(3)
    rule([a, b, c], available_only=True)
    b.available = False
    b.save()
    c.active = False
    c.save()
    got = [capture().assignee_id for _ in range(4)]
    assert got == [a.pk] * 4
    a.available = False
    a.save()
    assert capture().assignee is None  # nobody available: unassigned, not out of the rule


def test_it_ignores_availability_without_available_only():
    a, b = csrs(2)
    b.available = False
    b.save()
    rule([a, b])
    assert [capture().assignee_id for _ in range(2)] == [a.pk, b.pk]


def test_it_gives_least_open_to_the_fewest_open_leads_in_turn_on_ties():
    a, b = csrs(2)
    campaign = CampaignFactory()
    for _ in range(3):
        Lead.objects.create(type="marketing", campaign=campaign, phone="+15128675309", assignee=a)
    Lead.objects.create(type="marketing", campaign=campaign, phone="+15128675309", assignee=b)
    Lead.objects.create(
        type="marketing",
        campaign=campaign,
        phone="+15128675309",
        assignee=b,
        status="dismissed",
        dismiss_reason=CallReasonFactory(),
    )
    rule([a, b], strategy="least_open")
    got = [capture(campaign=campaign).assignee_id for _ in range(4)]
    # b has 1 open (the dismissed one does not count): b, b, then tie 3:3 in turn → a, then b.
    assert got == [b.pk, b.pk, a.pk, b.pk]


def test_it_keeps_the_assignee_a_person_picked():
    a, b = csrs(2)
    rule([a])
    lead = capture(assignee=b)
    assert lead.assignee == b and lead.assigned_by == "person"
    assert AuditEntry.objects.get(entity="lead", entity_id=lead.pk).changes["assigned_by"] == "person"
    # Not the rule's pick: the person chosen is told once, that someone gave it to them.
    note = Notification.objects.get()
    assert note.employee == b and note.text.startswith("Lead assigned to you by")
    assert not Notification.objects.filter(employee=a).exists()


def test_it_tells_nobody_who_assigned_a_lead_to_themselves():
    a = csrs(1)[0]
    capture(actor=Actor(employee=a), assignee=a)
    assert not Notification.objects.exists()


def test_it_notifies_whoever_a_rule_assigned():
    a = csrs(1)[0]
    rule([a])
    lead = capture()
    note = Notification.objects.get()
    assert note.employee == a and note.kind == "lead_assigned" and note.url == f"/leads/{lead.pk}/"
    audit = AuditEntry.objects.get(entity="lead", entity_id=lead.pk, action="captured")
    assert audit.changes["assigned_by"] == "rule" and audit.changes["assignee"] == a.pk


def test_it_keeps_a_call_captured_lead_with_the_csr_who_took_the_call():
    taker, other = csrs(2)
    rule([other])
    call = ring()
    call_accept(actor=Actor(employee=taker), call=call)
    reason = CallReasonFactory(is_lead=True)
    CampaignFactory()
    result = call_close(
        actor=Actor(employee=taker),
        call=call,
        call_reason=reason,
        lead=LeadDetails(contact=Contact(name="Pat", phone="5128675309"), campaign=CampaignFactory()),
    )
    lead = result.lead
    assert lead.assignee == taker and lead.assigned_by == "call" and lead.channel == "call"


def test_it_assigns_abandoned_call_leads_by_the_rules():
    a = csrs(1)[0]
    rule([a], lead_types=["abandoned_call"], channels=["call"])
    play_call(seconds=90)
    lead = Lead.objects.get()
    assert lead.type == "abandoned_call" and lead.assignee == a and lead.assigned_by == "rule"


def test_it_assigns_bookings_converted_to_leads_by_channel_and_zip():
    a, b = csrs(2)
    rule([a], channels=["email"])
    rule([b], channels=["online"], zip_prefixes=["787"])
    csr = Actor(employee=EmployeeFactory(role=Role.CSR))
    lead = booking_convert(actor=csr, booking=BookingFactory(zip="78702")).lead
    assert lead.channel == "online" and lead.assignee == b
    other = booking_convert(actor=csr, booking=BookingFactory(zip="90210")).lead
    assert other.assignee is None


def test_it_assigns_job_generated_leads_saved_for_follow_up():
    a = csrs(1)[0]
    unit = BusinessUnitFactory()
    rule([a], lead_types=["job_generated"], business_unit_ids=[unit.pk])
    job = book_job(location=LocationFactory(zip="78613"))
    tech = EmployeeFactory(role=Role.TECHNICIAN)
    type(job).objects.filter(pk=job.pk).update(technician=tech)
    job.refresh_from_db()
    lead, _ = lead_capture_from_job(actor=Actor(employee=tech), job=job, business_unit=unit)
    assert lead.channel == "job" and lead.assignee == a


def test_it_assigns_texts_by_their_channel():
    a = csrs(1)[0]
    rule([a], channels=["text"])
    lead = capture(actor=provider_actor(), channel="text")
    assert lead.channel == "text" and lead.assignee == a


def test_it_refuses_an_unknown_channel():
    with pytest.raises(Exception) as exc:
        capture(channel="pigeon")
    assert exc.value.errors[0].field == "channel"


def test_it_says_a_person_reassigned_in_the_audit():
    a, b, c = csrs(3)
    rule([a])
    lead = capture()
    manager = Actor(employee=EmployeeFactory(role=Role.MANAGER))
    lead_update(actor=manager, lead=lead, changes={"assignee": b})
    lead.refresh_from_db()
    assert lead.assignee == b and lead.assigned_by == "person"
    entry = AuditEntry.objects.filter(entity="lead", entity_id=lead.pk, action="updated").get()
    assert entry.changes["assignee"] == [a.pk, b.pk] and entry.changes["assigned_by"] == ["rule", "person"]
    assert leads_bulk_assign(actor=manager, leads=[lead], assignee=c) == 1
    lead.refresh_from_db()
    assert lead.assignee == c and lead.assigned_by == "person"
    bulk = AuditEntry.objects.filter(entity="lead", entity_id=lead.pk, action="assigned").get()
    assert bulk.changes == {"assignee": [b.pk, c.pk], "assigned_by": ["person", "person"]}


def test_it_pins_the_statements_a_rule_adds_to_capture(django_assert_max_num_queries):
    a, b = csrs(2)
    rule([a, b], available_only=True)
    campaign = CampaignFactory()
    csr = Actor(employee=EmployeeFactory(role=Role.CSR))
    # Lead and audit INSERTs (one statement on PostgreSQL) in a transaction, which a hook
    # that writes needs; the hooks read the rules and the SLA policies, lock the rule, read
    # who is eligible, move the cursor, and notify the assignee (read who is active, INSERT).
    with django_assert_max_num_queries(10 if connection.vendor == "postgresql" else 11):
        lead_capture(
            actor=csr,
            type="marketing",
            campaign=campaign,
            contact=Contact(phone="5128675309"),
            with_matches=False,
        )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_stays_in_turn_under_concurrent_captures():
    """Ten leads captured at the same instant on ten connections: the rule's row
    lock makes them take turns, so two CSRs get exactly five each."""
    a, b = csrs(2)
    rule([a, b])
    campaign = CampaignFactory()
    csr = EmployeeFactory(role=Role.CSR)
    n = 10
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                lead_capture(
                    actor=Actor(employee=csr),
                    type="marketing",
                    campaign=campaign,
                    contact=Contact(phone=f"+1512867{i:04d}"),
                    with_matches=False,
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert connection.vendor == "postgresql"
    order = list(Lead.objects.order_by("id").values_list("assignee_id", flat=True))
    assert Counter(order) == {a.pk: 5, b.pk: 5}
    # Commit order is id order here (the lock serialises the inserts): strictly alternating.
    assert all(x != y for x, y in itertools.pairwise(order))


@pytest.mark.django_db(transaction=True)
def test_a_capture_whose_rule_takes_a_turn_writes_everything_in_one_transaction(monkeypatch):
    """The hooks said they write (a rule matched), so the capture runs in a
    transaction: when the lead cannot be written, the rule's turn is not taken
    either. (A capture whose hooks write nothing needs none: pinned above.)"""
    import leads.services

    a, b = csrs(2)
    r = rule([a, b])
    campaign = CampaignFactory()
    csr = Actor(employee=EmployeeFactory(role=Role.CSR))

    def refuse(*args, **kwargs):
        raise RuntimeError("the lead could not be written")

    monkeypatch.setattr(leads.services, "insert_together", refuse)
    with pytest.raises(RuntimeError):
        lead_capture(actor=csr, type="marketing", campaign=campaign, contact=Contact(phone="5128675309"))
    r.refresh_from_db()
    assert r.last_employee_id is None and not Lead.objects.exists()
    monkeypatch.undo()
    phone = Contact(phone="5128675309")
    lead = lead_capture(actor=csr, type="marketing", campaign=campaign, contact=phone).lead
    r.refresh_from_db()
    assert lead.assignee_id == r.last_employee_id == a.pk
