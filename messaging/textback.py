"""Missed-call text-back: a caller whose call ends abandoned is texted the
integration's template once, by the worker, within 60 s of the end.

The call's end sends ``calls.services.call_abandoned`` after its transaction
commits; ``text_back_schedule`` writes one ``TextBack`` row for the call (a
unique constraint: retries and races make one) and enqueues the task, at once
or, inside quiet hours (``hours.services.texting_allowed_at``), at the next
allowed time. The task decides again when it runs (the call may have turned
out answered, the number may have opted out, another call's text-back may
have gone out since) and sends at most once: the row is marked sent, with its
message, before the backend is called.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from accounts.actor import Actor
from accounts.models import Integration
from calls.models import Call
from core.prepared import Prepared
from hours.services import texting_allowed_at
from leads.models import Lead, LeadActivity
from leads.services import lead_add_activity
from messaging.models import Message, TextBack
from messaging.services import (
    _deliver,
    is_opted_out,
    mark_first_response,
    render_template,
    sending_number,
    texting_integration,
)

log = logging.getLogger("leadline.textback")
# The task may run a little early or late against the clock: within this it is "now".
SLACK = timedelta(seconds=5)


def cooldown() -> timedelta:
    return timedelta(hours=int(getattr(settings, "LEADLINE_TEXT_BACK_COOLDOWN_HOURS", 12)))


# Every abandoned call's end reads it again here, after its commit: compiled once (core.prepared).
_CALL = Prepared(lambda pk: Call.objects.select_related("provider").filter(pk=pk)[:1], pk=int)


def on_call_abandoned(sender: Any, call_id: int, **kwargs: Any) -> None:
    call = _CALL.first(pk=call_id)
    if call is not None:
        text_back_schedule(call=call)


def _recently_texted(phone: str, *, exclude_pk: int | None = None) -> bool:
    since = timezone.now() - cooldown()
    qs = TextBack.objects.filter(phone=phone).filter(
        status__in=[TextBack.Status.SENT, TextBack.Status.SCHEDULED], created_at__gte=since
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def text_back_schedule(*, call: Call) -> TextBack | None:
    """The text-back for an abandoned call, when its integration has text-back on."""
    integration: Integration = call.provider
    if not integration.text_back_enabled or not integration.active or not call.from_number:
        return None
    if call.classification != Call.Classification.ABANDONED:
        return None
    now = timezone.now()
    status, reason = TextBack.Status.SCHEDULED, ""
    if is_opted_out(call.from_number):
        status, reason = TextBack.Status.SKIPPED, "opted out"
    elif _recently_texted(call.from_number):
        status, reason = TextBack.Status.SKIPPED, "texted back recently"
    when = max(now, texting_allowed_at(now))
    try:
        with transaction.atomic():
            row = TextBack.objects.create(
                call=call,
                integration=integration,
                phone=call.from_number,
                status=status,
                reason=reason,
                scheduled_for=when,
            )
            if status == TextBack.Status.SCHEDULED:
                task_def = text_back_send.using(run_after=when) if when > now + SLACK else text_back_send
                task_def.enqueue(row.pk)
    except IntegrityError:
        return TextBack.objects.filter(call=call).first()  # already scheduled for this call
    return row


@task()
def text_back_send(text_back_id: int) -> str:
    """Send one scheduled text-back (the worker runs it); at most once."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            TextBack.objects.select_for_update(of=("self",))
            .select_related("call", "integration", "call__lead")
            .filter(pk=text_back_id)
            .first()
        )
        if row is None or row.status != TextBack.Status.SCHEDULED:
            return "skipped"
        call = row.call
        skip = ""
        if call.classification != Call.Classification.ABANDONED:
            skip = "the call turned out answered"
        elif not row.integration.text_back_enabled:
            skip = "text-back was switched off"
        elif is_opted_out(row.phone):
            skip = "opted out"
        elif _recently_texted_sent(row):
            skip = "texted back recently"
        if skip:
            row.status, row.reason = TextBack.Status.SKIPPED, skip
            row.save(update_fields=["status", "reason"])
            return "skipped"
        allowed = texting_allowed_at(now)
        if allowed > now + SLACK:
            # Quiet hours began since it was scheduled: wait for the next allowed time.
            row.scheduled_for = allowed
            row.save(update_fields=["scheduled_for"])
            text_back_send.using(run_after=allowed).enqueue(row.pk)
            return "deferred"
        lead = call.lead
        message = Message.objects.create(
            integration=row.integration,
            lead=lead,
            call=call,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.TEXT_BACK,
            from_number=sending_number(lead=lead, call=call, integration=row.integration),
            to_number=row.phone,
            body=render_template(row.integration.text_back_template, lead=lead),
        )
        row.status, row.message, row.sent_at = TextBack.Status.SENT, message, now
        row.save(update_fields=["status", "message", "sent_at"])
        if lead is not None:
            lead_add_activity(
                actor=Actor(integration=row.integration),
                lead=lead,
                kind=LeadActivity.Kind.SYSTEM,
                text=f"Missed-call text-back to {row.phone}: {message.body}",
            )
    message = _deliver(message)
    if message.status != Message.Status.FAILED and call.lead is not None:
        mark_first_response(call.lead, message.sent_at or now)
    if message.sent_at is not None:
        TextBack.objects.filter(pk=row.pk).update(sent_at=message.sent_at)
        # From the moment Leadline learned the call ended (the row was written then) to the send.
        log.info(
            "text-back %s: %s %.1f s after the call ended",
            row.pk,
            message.status,
            (message.sent_at - row.created_at).total_seconds(),
        )
    return message.status


def _recently_texted_sent(row: TextBack) -> bool:
    since = timezone.now() - cooldown()
    return (
        TextBack.objects.filter(phone=row.phone, status=TextBack.Status.SENT, sent_at__gte=since)
        .exclude(pk=row.pk)
        .exists()
    )


# --- a lead from a form the visitor left (``formdrafts``) -----------------------------


def lead_text_back_schedule(*, lead: Lead, integration: Integration) -> bool:
    """With the form integration's text-back on, the lead of a booking the visitor
    started and left is texted its template once, by the worker, at once or at
    the next time texting is allowed (quiet hours)."""
    if not integration.text_back_enabled or not integration.active or not lead.phone:
        return False
    now = timezone.now()
    when = max(now, texting_allowed_at(now))
    task_def = lead_text_back_send.using(run_after=when) if when > now + SLACK else lead_text_back_send
    task_def.enqueue(lead.pk, integration.pk)
    return True


@task()
def lead_text_back_send(lead_id: int, integration_id: int) -> str:
    """Send one lead text-back; at most once a lead, never to an opted-out number or
    one texted back within the cooldown, never after someone already texted the lead."""
    now = timezone.now()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        integration = Integration.objects.filter(pk=integration_id).first()
        if lead is None or integration is None or not lead.phone:
            return "skipped"
        if not integration.text_back_enabled:
            return "skipped"
        if is_opted_out(lead.phone):
            return "skipped"
        if Message.objects.filter(lead=lead, direction=Message.Direction.OUTBOUND).exists():
            return "skipped"  # a CSR (or an earlier run) texted them already
        since = now - cooldown()
        if (
            _recently_texted(lead.phone)
            or Message.objects.filter(
                to_number=lead.phone, kind=Message.Kind.TEXT_BACK, created_at__gte=since
            ).exists()
        ):
            return "skipped"
        allowed = texting_allowed_at(now)
        if allowed > now + SLACK:
            lead_text_back_send.using(run_after=allowed).enqueue(lead.pk, integration.pk)
            return "deferred"
        sender = texting_integration(lead)
        message = Message.objects.create(
            integration=sender,
            lead=lead,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.TEXT_BACK,
            from_number=sending_number(lead=lead, call=None, integration=sender),
            to_number=lead.phone,
            body=render_template(integration.text_back_template, lead=lead),
        )
        lead_add_activity(
            actor=Actor(integration=integration),
            lead=lead,
            kind=LeadActivity.Kind.SYSTEM,
            text=f"Text-back to {lead.phone}: {message.body}",
        )
    message = _deliver(message)
    if message.status != Message.Status.FAILED:
        mark_first_response(lead, message.sent_at or now)
    return message.status
