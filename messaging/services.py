"""Texting rules (API.md v1.1 "Texting"): who may be texted and from which
number, incoming texts joining or capturing leads once, delivery statuses, and
the consent ledger every outgoing text consults."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration, Provider, Role
from accounts.roles import Perm
from accounts.services import public_base_url
from calls.models import Call
from catalog.models import TrackingNumber
from catalog.services import campaign_for_number
from core.errors import FieldError, conflict, invalid
from core.phones import try_normalize_phone
from leads.models import Lead, LeadActivity
from leads.services import Contact, lead_add_activity, lead_capture, record_first_response
from messaging import backends
from messaging.models import ConsentEvent, Message, OptOut
from notifications.services import notify, notify_roles

BODY_MAX = 1600  # Twilio's limit for one message's body
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}
# A status never goes back: a late "sent" after "delivered" changes nothing.
STATUS_RANK = {"queued": 0, "sending": 0, "sent": 1, "delivered": 2, "undelivered": 3, "failed": 3}
TWILIO_STATUS = {
    "queued": "queued",
    "accepted": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}


# --- consent ---------------------------------------------------------------------------


def is_opted_out(phone: str) -> bool:
    return OptOut.objects.filter(phone=phone).exists()


def consent_keyword(body: str) -> str | None:
    """``opt_out`` / ``opt_in`` when the whole text is one of the carrier keywords."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return ConsentEvent.Action.OPT_OUT
    if word in START_WORDS:
        return ConsentEvent.Action.OPT_IN
    return None


def consent_record(*, phone: str, action: str, keyword: str = "", message: Message | None = None) -> None:
    """Add to the ledger and bring the current state in line with it."""
    ConsentEvent.objects.create(phone=phone, action=action, keyword=keyword, message=message)
    if action == ConsentEvent.Action.OPT_OUT:
        OptOut.objects.update_or_create(
            phone=phone, defaults={"keyword": keyword, "opted_out_at": timezone.now()}
        )
    else:
        OptOut.objects.filter(phone=phone).delete()


# --- templates -------------------------------------------------------------------------

MERGE_FIELDS = ("first_name", "company", "booking_link")
TEMPLATE_MAX = 480


def template_check(template: str, *, field: str) -> list[FieldError]:
    """A template may use only the merge fields Leadline fills."""
    errors: list[FieldError] = []
    if len(template) > TEMPLATE_MAX:
        errors.append(FieldError(field, f"is longer than {TEMPLATE_MAX} characters"))
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return [*errors, FieldError(field, "has an unbalanced '{' or '}'")]
    unknown = sorted(n for n in names if n not in MERGE_FIELDS)
    if unknown:
        errors.append(
            FieldError(
                field,
                f"unknown merge field {{{unknown[0]}}}; use {', '.join('{' + m + '}' for m in MERGE_FIELDS)}",
            )
        )
    return errors


def booking_link() -> str:
    integration = Integration.objects.filter(booking_form_enabled=True, active=True).order_by("pk").first()
    if integration is None:
        return ""
    return f"{public_base_url()}/book/{integration.slug}/"


def render_template(template: str, *, lead: Lead | None = None, name: str = "") -> str:
    """Fill {first_name}, {company} and {booking_link}; anything else stays as typed."""
    first = (name or (lead.display_name if lead is not None else "")).strip().split(" ")[0] or "there"
    values = {
        "first_name": first,
        "company": getattr(settings, "LEADLINE_COMPANY_NAME", ""),
        "booking_link": booking_link(),
    }

    class _Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return string.Formatter().vformat(template, (), _Keep(values)).strip()
    except (ValueError, IndexError):
        return template.strip()


# --- sending ---------------------------------------------------------------------------


def texting_integration(lead: Lead | None = None, call: Call | None = None) -> Integration | None:
    """The Twilio account a text leaves through: the call's provider, else the first active Twilio one."""
    for source in (call, lead.call if lead is not None else None):
        if source is not None and source.provider.provider == Provider.TWILIO:
            return source.provider
    return Integration.objects.filter(provider=Provider.TWILIO, active=True).order_by("pk").first()


def sending_number(*, lead: Lead | None, call: Call | None, integration: Integration | None) -> str:
    """The number the lead reached the company on (its call's or its campaign's
    tracking number), else the integration's default number."""
    for source in (call, lead.call if lead is not None else None):
        if source is not None and source.to_number:
            return source.to_number
    if lead is not None and lead.campaign_id is not None:
        number = (
            TrackingNumber.objects.filter(campaign_id=lead.campaign_id, active=True)
            .order_by("pk")
            .values_list("number", flat=True)
            .first()
        )
        if number:
            return number
    return integration.default_number if integration is not None else ""


def status_callback_url(integration: Integration | None) -> str:
    if integration is None or integration.provider != Provider.TWILIO:
        return ""
    return f"{public_base_url()}/api/v1/telephony/twilio/{integration.pk}/status"


def _deliver(message: Message) -> Message:
    """Hand the text to the backend, outside any transaction, and record its answer."""
    result = backends.deliver(
        backends.Outgoing(
            from_number=message.from_number,
            to_number=message.to_number,
            body=message.body,
            integration=message.integration,
            status_callback=status_callback_url(message.integration),
        )
    )
    message.provider_message_id = result.provider_message_id
    message.status = result.status
    message.error = result.error
    message.sent_at = timezone.now() if result.status != Message.Status.FAILED else None
    try:
        message.save(update_fields=["provider_message_id", "status", "error", "sent_at"])
    except IntegrityError:
        # The provider reused an id (a fake or console backend restarted): keep the message, drop the id.
        message.provider_message_id = ""
        message.save(update_fields=["provider_message_id", "status", "error", "sent_at"])
    return message


def mark_first_response(lead: Lead, at: datetime, by: Employee | None = None) -> None:
    """An outgoing text (a CSR's, or the missed-call text-back) is the lead's
    first response when nothing came before it: the SLA clock's one door."""
    record_first_response(lead=lead, at=at, by=by)


def message_send(
    *,
    actor: Actor,
    lead: Lead | None,
    body: str,
    call: Call | None = None,
    kind: str = Message.Kind.MANUAL,
) -> Message:
    """A CSR texts a lead (or, from the active-call panel, a caller with no lead
    yet): 409 ``opted_out`` for an opted-out number, 422 without a phone."""
    actor.require(Perm.WORK_LEADS)
    phone = lead.phone if lead is not None else (call.from_number if call is not None else "")
    body = (body or "").strip()
    if not body:
        raise invalid("body", "is required")
    if len(body) > BODY_MAX:
        raise invalid("body", f"is longer than {BODY_MAX} characters")
    if not phone:
        raise invalid("phone", "this lead has no phone number to text", code="no_phone")
    if is_opted_out(phone):
        raise conflict(
            f"{phone} has opted out of texts (replied STOP); they can text START to opt back in.",
            code="opted_out",
        )
    integration = texting_integration(lead, call)
    from_number = sending_number(lead=lead, call=call, integration=integration)
    if not from_number and backends.backend_name() == "twilio":
        raise conflict(
            "No number to text from: the lead reached no tracking number and no Twilio "
            "integration has a default number.",
            code="no_sending_number",
        )
    with transaction.atomic():
        message = Message.objects.create(
            integration=integration,
            lead=lead,
            call=call or (lead.call if lead is not None else None),
            direction=Message.Direction.OUTBOUND,
            kind=kind,
            from_number=from_number,
            to_number=phone,
            body=body,
            created_by=actor.employee,
        )
        if lead is not None:
            lead_add_activity(
                actor=actor, lead=lead, kind=LeadActivity.Kind.SYSTEM, text=f"Text to {phone}: {body}"
            )
    message = _deliver(message)
    if message.status != Message.Status.FAILED and lead is not None:
        mark_first_response(lead, message.sent_at or timezone.now(), actor.employee)
    return message


# --- receiving -------------------------------------------------------------------------


@dataclass
class Received:
    message: Message
    created: bool


def _open_lead(phone: str) -> Lead | None:
    return (
        Lead.objects.filter(status=Lead.Status.OPEN, phone=phone)
        .select_related("call", "assignee")
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def message_receive(
    *, integration: Integration, provider_message_id: str, from_number: str, to_number: str, body: str
) -> Received:
    """An incoming text: once per provider message id (retries change nothing).

    STOP-family words opt the number out and START/UNSTOP back in (and make no
    lead); any other text joins the number's open lead or captures a new
    marketing lead with the campaign of the number texted. Without a campaign
    it waits in the inbox with no lead.
    """
    sid = provider_message_id.strip()
    if not sid:
        raise invalid("MessageSid", "is required")
    existing = Message.objects.filter(integration=integration, provider_message_id=sid).first()
    if existing is not None:
        return Received(existing, False)
    phone = try_normalize_phone(from_number) or ""
    if not phone:
        raise invalid("From", f"'{from_number}' is not a phone number")
    to = try_normalize_phone(to_number) or to_number[:20]
    body = (body or "")[:BODY_MAX]
    consent = consent_keyword(body)
    actor = Actor(integration=integration)
    lead = _open_lead(phone)
    if lead is None and consent is None:
        campaign = campaign_for_number(to)
        if campaign is not None:
            lead = lead_capture(
                actor=actor,
                type=Lead.Type.MARKETING,
                contact=Contact(phone=phone),
                campaign=campaign,
                summary=f"Texted: {body}"[:500],
                with_matches=False,
            ).lead
    try:
        with transaction.atomic():
            message = Message.objects.create(
                integration=integration,
                lead=lead,
                call=lead.call if lead is not None else None,
                direction=Message.Direction.INBOUND,
                kind=Message.Kind.INCOMING,
                from_number=phone,
                to_number=to,
                body=body,
                status=Message.Status.RECEIVED,
                provider_message_id=sid,
            )
    except IntegrityError:
        # The same message raced in on another connection: that one is it.
        transaction.set_rollback(True)
        raise conflict(
            "This message is being recorded by another request; retry.", code="in_progress"
        ) from None
    if consent is not None:
        consent_record(phone=phone, action=consent, keyword=body.strip().upper()[:20], message=message)
    if lead is not None:
        lead_add_activity(
            actor=actor, lead=lead, kind=LeadActivity.Kind.SYSTEM, text=f"Text from {phone}: {body}"
        )
        _first_response_from_text_back(lead)
    _notify_received(message, lead)
    return Received(message, True)


def _first_response_from_text_back(lead: Lead) -> None:
    """A reply to a missed-call text-back: that text was the lead's first response."""
    if lead.first_response_at is not None:
        return
    sent = (
        Message.objects.filter(to_number=lead.phone, kind=Message.Kind.TEXT_BACK, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if sent is not None:
        mark_first_response(lead, sent)


def _notify_received(message: Message, lead: Lead | None) -> None:
    text = f"Text from {message.from_number}: {message.body}"
    url = f"/leads/{lead.pk}/#messages" if lead is not None else "/messages/"
    key = f"text_received:{message.pk}"
    if lead is not None and lead.assignee_id is not None:
        notify(employees=[lead.assignee_id], kind="text_received", text=text, url=url, key=key)
    else:
        notify_roles(roles=[Role.CSR], kind="text_received", text=text, url=url, key=key)


@transaction.atomic
def message_status_update(
    *, integration: Integration, provider_message_id: str, status: str, error_code: str = ""
) -> Message | None:
    """A delivery status callback; statuses only move forward, retries change nothing."""
    new = TWILIO_STATUS.get(status.strip().lower())
    if new is None:
        raise invalid("MessageStatus", f"'{status}' is not a message status")
    message = (
        Message.objects.select_for_update()
        .filter(integration=integration, provider_message_id=provider_message_id.strip())
        .first()
    )
    if message is None or message.direction != Message.Direction.OUTBOUND:
        return None
    if STATUS_RANK.get(new, 0) <= STATUS_RANK.get(message.status, 0) and message.status != "queued":
        return message
    message.status = new
    fields = ["status"]
    if new == Message.Status.DELIVERED:
        message.delivered_at = timezone.now()
        fields.append("delivered_at")
    if new == Message.Status.FAILED:
        message.error = f"Twilio error {error_code}".strip() if error_code else "Not delivered."
        fields.append("error")
    message.save(update_fields=fields)
    return message


# --- reads -------------------------------------------------------------------------------


def messages_filtered(
    *,
    phone: str | None = None,
    lead_id: int | None = None,
    call_id: int | None = None,
    direction: str | None = None,
    unread: bool | None = None,
) -> QuerySet[Message]:
    qs = Message.objects.all()
    if phone:
        e164 = try_normalize_phone(phone)
        if e164 is None:
            raise invalid("phone", f"'{phone}' is not a phone number")
        qs = qs.filter(Q(from_number=e164) | Q(to_number=e164))
    if lead_id is not None:
        qs = qs.filter(lead_id=lead_id)
    if call_id is not None:
        qs = qs.filter(call_id=call_id)
    if direction:
        if direction not in Message.Direction.values:
            raise invalid("direction", "must be inbound or outbound")
        qs = qs.filter(direction=direction)
    if unread is not None:
        qs = qs.filter(direction=Message.Direction.INBOUND, read_at__isnull=unread)
    return qs


def unread_texts_count() -> int:
    return Message.objects.filter(direction=Message.Direction.INBOUND, read_at__isnull=True).count()


def messages_mark_read(*, actor: Actor, lead: Lead) -> int:
    actor.require(Perm.WORK_LEADS)
    return Message.objects.filter(
        lead=lead, direction=Message.Direction.INBOUND, read_at__isnull=True
    ).update(read_at=timezone.now())


def message_mark_read(*, actor: Actor, message: Message) -> Message:
    actor.require(Perm.WORK_LEADS)
    if message.read_at is None and message.direction == Message.Direction.INBOUND:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
