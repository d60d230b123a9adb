from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.actor import Actor
from accounts.tests.factories import EmployeeFactory
from calls.models import Call
from catalog.tests.factories import TrackingNumberFactory
from hours.services import business_hours_set
from leads.models import Lead
from messaging import backends
from messaging.models import Message, OptOut, TextBack
from messaging.tests.test_texting import sms_params
from messaging.textback import text_back_send
from telephony.tests.support import status_params, twilio_integration, twilio_post, voice_params

pytestmark = pytest.mark.django_db
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def set_hours(days, closures=()):
    admin = Actor(employee=EmployeeFactory(role="admin"))
    business_hours_set(actor=admin, timezone="America/Chicago", days=days, closures=list(closures))


@pytest.fixture
def twilio():
    TrackingNumberFactory(number="+15125550100")
    return twilio_integration(
        forward_numbers=["+15125550111"],
        text_back_enabled=True,
        text_back_template="Sorry we missed you, {first_name}! Book: {booking_link}",
    )


def missed_call(twilio, sid, *, duration=95, frm="+15125550123", capture=None):
    client = Client()
    with capture(execute=True):
        twilio_post(client, twilio, "voice", voice_params(sid, frm=frm))
        twilio_post(client, twilio, "status", status_params(sid, duration=duration, From=frm))
    return Call.objects.get(provider_call_id=sid)


def queued_tasks():
    return DBTaskResult.objects.filter(task_path="messaging.textback.text_back_send")


def test_an_abandoned_caller_is_texted_back_once_by_the_worker_within_60_s(
    twilio, django_capture_on_commit_callbacks
):
    set_hours(ALL_WEEK)
    call = missed_call(twilio, "CA" + "1" * 32, capture=django_capture_on_commit_callbacks)
    row = TextBack.objects.get()
    assert (row.call, row.phone, row.status) == (call, "+15125550123", "scheduled")
    task = queued_tasks().get()
    assert task.args_kwargs["args"] == [row.pk]
    assert task.run_after.year == 9999 or task.run_after <= timezone.now()  # runs at once (9999: no delay)
    assert backends.outbox == []  # the worker sends it, not the webhook
    assert text_back_send.call(row.pk) == "sent"
    assert text_back_send.call(row.pk) == "skipped"  # a re-run sends nothing twice
    assert [o.to_number for o in backends.outbox] == ["+15125550123"]
    assert backends.outbox[0].from_number == "+15125550100"
    assert backends.outbox[0].body.startswith("Sorry we missed you, there!")
    row.refresh_from_db()
    message = Message.objects.get()
    assert (row.status, row.message, message.kind) == ("sent", message, "text_back")
    assert message.sent_at is not None and (message.sent_at - row.created_at) < timedelta(seconds=60)
    lead = Lead.objects.get()
    assert message.lead == lead and lead.first_response_at == message.sent_at


def test_a_second_missed_call_minutes_later_is_not_texted_again(twilio, django_capture_on_commit_callbacks):
    set_hours(ALL_WEEK)
    missed_call(twilio, "CA" + "2" * 32, capture=django_capture_on_commit_callbacks)
    text_back_send.call(TextBack.objects.get().pk)
    missed_call(twilio, "CA" + "3" * 32, capture=django_capture_on_commit_callbacks)
    second = TextBack.objects.get(call__provider_call_id="CA" + "3" * 32)
    assert (second.status, second.reason) == ("skipped", "texted back recently")
    assert queued_tasks().count() == 1 and len(backends.outbox) == 1


def test_an_opted_out_caller_is_not_texted_back(twilio, django_capture_on_commit_callbacks):
    set_hours(ALL_WEEK)
    OptOut.objects.create(phone="+15125550123", keyword="STOP", opted_out_at=timezone.now())
    missed_call(twilio, "CA" + "4" * 32, capture=django_capture_on_commit_callbacks)
    assert TextBack.objects.get().status == "skipped" and not queued_tasks().exists()


def test_opting_out_after_it_was_scheduled_still_stops_it(twilio, django_capture_on_commit_callbacks):
    set_hours(ALL_WEEK)
    missed_call(twilio, "CA" + "5" * 32, capture=django_capture_on_commit_callbacks)
    OptOut.objects.create(phone="+15125550123", keyword="STOP", opted_out_at=timezone.now())
    assert text_back_send.call(TextBack.objects.get().pk) == "skipped"
    assert backends.outbox == []


def test_inside_quiet_hours_it_waits_for_the_next_allowed_time(twilio, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    week = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    set_hours(week, closures=[str(today), str(today + timedelta(days=1))])
    missed_call(twilio, "CA" + "6" * 32, capture=django_capture_on_commit_callbacks)
    row = TextBack.objects.get()
    local = timezone.localtime(row.scheduled_for)
    assert (local.date(), local.hour, local.minute) == (today + timedelta(days=2), 8, 0)
    assert queued_tasks().get().run_after == row.scheduled_for
    # Run early by a misconfigured worker: it defers again rather than texting at night.
    assert text_back_send.call(row.pk) == "deferred"
    assert backends.outbox == []


def test_a_short_answered_or_untoggled_call_gets_no_text_back(twilio, django_capture_on_commit_callbacks):
    set_hours(ALL_WEEK)
    twilio.text_back_enabled = False
    twilio.save()
    missed_call(twilio, "CA" + "7" * 32, capture=django_capture_on_commit_callbacks)
    assert not TextBack.objects.exists()


def test_a_short_abandoned_call_is_texted_and_the_reply_makes_a_lead_whose_first_response_is_the_text(
    twilio, django_capture_on_commit_callbacks
):
    set_hours(ALL_WEEK)
    missed_call(twilio, "CA" + "8" * 32, duration=20, capture=django_capture_on_commit_callbacks)
    assert not Lead.objects.exists()  # 20 s of waiting makes no abandoned-call lead
    text_back_send.call(TextBack.objects.get().pk)
    sent = Message.objects.get()
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "8" * 32, "Yes please call me"))
    lead = Lead.objects.get()
    assert (lead.type, lead.phone) == ("marketing", "+15125550123")
    assert lead.first_response_at == sent.sent_at
    assert Message.objects.filter(lead=lead, direction="inbound").count() == 1


def test_the_reply_joins_the_abandoned_call_lead(twilio, django_capture_on_commit_callbacks):
    set_hours(ALL_WEEK)
    missed_call(twilio, "CA" + "9" * 32, capture=django_capture_on_commit_callbacks)
    text_back_send.call(TextBack.objects.get().pk)
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "9" * 32, "hi"))
    lead = Lead.objects.get()
    assert lead.type == "abandoned_call"
    assert list(lead.messages.values_list("direction", flat=True)) == ["outbound", "inbound"]
