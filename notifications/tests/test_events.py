"""Who is told of what (API.md v1.1 "Notifications"): each event is told where it
happens, in the domain layer, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from assignment.services import sla_breach_notify
from assignment.tests.helpers import capture, policy, rule
from bookings.services import booking_receive
from calls.tests.factories import play_call
from catalog.tests.factories import TrackingNumberFactory
from leads.models import Lead
from leads.services import Contact, lead_update, leads_bulk_assign
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("employee_id", "url"))


def test_it_tells_the_queue_of_a_new_booking_once():
    csr, office = EmployeeFactory(role=Role.CSR), EmployeeFactory(role=Role.OFFICE)
    EmployeeFactory(role=Role.TECHNICIAN)
    integration = IntegrationFactory()
    ann = Contact(name="Ann", phone="5125550142")
    first = booking_receive(integration=integration, external_id="b-1", channel="online", contact=ann)
    again = booking_receive(integration=integration, external_id="b-1", channel="online", contact=ann)
    assert first.created and not again.created
    url = f"/bookings/{first.booking.pk}/"
    assert told("booking_new") == sorted([(csr.pk, url), (office.pk, url)])
    assert Notification.objects.get(employee=csr).text == "New online booking: Ann"


def test_it_tells_the_queue_of_an_abandoned_call_lead_but_not_of_a_repeat_hang_up():
    csr = EmployeeFactory(role=Role.CSR)
    TrackingNumberFactory(number="+15125550100")
    play_call(seconds=90)
    lead = Lead.objects.get(type="abandoned_call")
    assert told("abandoned_call") == [(csr.pk, f"/leads/{lead.pk}/")]
    assert "(512) 867-5309" in Notification.objects.get().text
    play_call(seconds=75)  # the same caller again: the same lead, nobody told twice
    assert Lead.objects.count() == 1 and Notification.objects.count() == 1


def test_it_tells_only_the_owner_of_an_abandoned_call_lead_a_rule_assigned():
    owner, other = EmployeeFactory(role=Role.CSR), EmployeeFactory(role=Role.CSR)
    rule([owner], lead_types=["abandoned_call"])
    TrackingNumberFactory(number="+15125550100")
    play_call(seconds=90)
    assert [e for e, _ in told("abandoned_call")] == [owner.pk]
    assert [e for e, _ in told("lead_assigned")] == [owner.pk]
    assert not Notification.objects.filter(employee=other).exists()


def test_it_tells_the_new_assignee_when_someone_edits_the_lead():
    boss, csr = EmployeeFactory(role=Role.OFFICE, name="Linda Okafor"), EmployeeFactory(role=Role.CSR)
    lead = capture(actor=Actor(employee=boss))
    lead_update(actor=Actor(employee=boss), lead=lead, changes={"summary": "No heat"})
    assert not Notification.objects.exists()
    lead_update(actor=Actor(employee=boss), lead=lead, changes={"assignee": csr})
    note = Notification.objects.get()
    assert (note.employee, note.kind, note.url) == (csr, "lead_assigned", f"/leads/{lead.pk}/")
    assert note.text == "Lead assigned to you by Linda Okafor: Pat"


def test_it_tells_a_bulk_assignment_in_one_notice():
    boss, csr = EmployeeFactory(role=Role.OFFICE), EmployeeFactory(role=Role.CSR)
    leads = [capture(actor=Actor(employee=boss)) for _ in range(3)]
    assert leads_bulk_assign(actor=Actor(employee=boss), leads=leads, assignee=csr) == 3
    note = Notification.objects.get()
    assert note.employee == csr and note.text.startswith("3 leads assigned to you")
    assert note.url == f"/leads/?assignee_id={csr.pk}"


def test_it_has_the_worker_look_at_a_lead_when_its_first_response_is_due():
    policy(minutes=30)
    lead = capture()
    job = DBTaskResult.objects.get(task_path="assignment.tasks.sla_breach_check")
    assert job.run_after == lead.first_response_due_at
    assert job.args_kwargs["args"] == [lead.pk]


def test_it_tells_a_breach_to_the_assignee_and_the_managers_once():
    csr, manager = EmployeeFactory(role=Role.CSR), EmployeeFactory(role=Role.MANAGER)
    EmployeeFactory(role=Role.MANAGER, active=False)
    policy(minutes=30)
    lead = capture(assignee=csr)
    Notification.objects.all().delete()
    due = lead.first_response_due_at
    assert due is not None
    assert not sla_breach_notify(lead.pk, now=due - timedelta(seconds=1))
    assert sla_breach_notify(lead.pk, now=due + timedelta(seconds=5))
    assert not sla_breach_notify(lead.pk, now=due + timedelta(minutes=5))  # a re-run task
    assert [e for e, _ in told("sla_breached")] == sorted([csr.pk, manager.pk])
    assert Lead.objects.get(pk=lead.pk).sla_breach_notified_at == due + timedelta(seconds=5)


def test_it_tells_no_breach_for_a_lead_answered_in_time():
    EmployeeFactory(role=Role.MANAGER)
    policy(minutes=30)
    lead = capture()
    Lead.objects.filter(pk=lead.pk).update(first_response_at=timezone.now())
    assert lead.first_response_due_at is not None
    assert not sla_breach_notify(lead.pk, now=lead.first_response_due_at + timedelta(minutes=1))
    assert not Notification.objects.filter(kind="sla_breached").exists()
