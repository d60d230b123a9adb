"""Booking workflows (DESIGN.md rule 9).

Every channel (partner API, the public form, email) arrives through
``booking_receive``, so "each arrives once" and the campaign rules live here
once. ``booking_accept`` / ``booking_convert`` / ``booking_dismiss`` are a CSR's
three answers; each locks the booking and happens once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration
from accounts.roles import Perm
from bookings.models import ATTRIBUTION_FIELDS, Booking, CampaignRule, PublicFormHit
from bookings.tasks import webhook_notify
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from catalog.services import dismiss_reason_check, job_type_check
from core.choices import Priority
from core.errors import DomainError, FieldError, collect, conflict, invalid
from core.models import AuditEntry
from core.pagination import Sorting, SortOption
from core.prepared import Prepared
from core.refs import resolve
from customers.models import ContactPoint, Customer, Location
from customers.services import NewCustomer, customer_location_for_job
from jobs.models import Job
from jobs.services import job_book
from leads.models import Lead, LeadActivity
from leads.services import CaptureResult, Contact, lead_add_activity, lead_capture, normalize_contact
from notifications.services import QUEUE_ROLES, insert_and_notify_roles
from scheduling.services import Slot, next_open_slots, slot_from_key, slot_matching, window_full_error

# The Bookings screen's sortable columns (indexes on PostgreSQL: bookings migration 0003).
BOOKING_SORTING = Sorting(
    options={
        "received": SortOption(fields=("created_at",), descending_first=True),
        "wanted": SortOption(fields=("requested_start",)),
    },
    default="-received",
)

CONTACT_FIELDS = ("name", "phone", "email", "street", "unit", "city", "state", "zip")


@dataclass
class Received:
    booking: Booking
    created: bool


# The two lookups every booking a partner posts makes, compiled once (core.prepared):
# a re-send by its external id, and the partner's campaign rules in order (by
# position alone: the model's default ordering joins the integration).
_SENT = Prepared(
    lambda integration_id, external_id: Booking.objects.filter(
        integration_id=integration_id, external_id=external_id
    ).order_by()[:1],
    integration_id=int,
    external_id=str,
)
_RULES = Prepared(
    lambda integration_id: (
        CampaignRule.objects.filter(integration_id=integration_id)
        .order_by("position", "id")
        .only("utm_source", "utm_medium", "utm_campaign", "campaign_id")
    ),
    kept=True,
    integration_id=int,
)


def _campaign_from_rules(integration: Integration, attribution: Mapping[str, str]) -> int | None:
    for rule in _RULES.all(integration_id=integration.pk):
        if rule.matches(dict(attribution)):
            return rule.campaign_id
    return None


# Not atomic as a whole: everything but the INSERT and its notice (atomic below)
# is a read, so a re-send costs one lookup and never takes SQLite's write lock.
def booking_receive(
    *,
    integration: Integration,
    external_id: str,
    channel: str,
    contact: Contact,
    customer_type: str = Customer.Type.RESIDENTIAL,
    requested_start: datetime | None = None,
    requested_window: str = "",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    summary: str = "",
    campaign_id: int | None = None,
    business_unit_id: int | None = None,
    job_type_id: int | None = None,
    priority: str | None = None,
    attribution: Mapping[str, str] | None = None,
    raw_payload: dict[str, Any] | None = None,
) -> Received:
    """Record a booking once per (integration, external id).

    ``window_start`` (and ``window_end``) name an arrival window of the booking's
    business unit (given, or the job type's only one): it must be one, not over,
    with a place left (409 ``window_full`` with the next open ones otherwise). The
    booking takes no place: the job does, when a CSR accepts the booking.

    A new booking is written without looking for an earlier one first (a round
    trip that nearly every booking would pay for nothing): a re-sent one meets
    the unique constraint, and is answered from the stored row, as is the loser
    of two identical requests racing each other. A re-sent request that no
    longer passes validation (a campaign switched off since, a window now
    over) is answered from the stored row too: a partner retrying an old
    request never trips over what changed since it was first accepted.
    """
    external_id = external_id.strip()
    if not external_id:
        raise invalid("external_id", "is required")
    try:
        booking = _validated(
            integration=integration,
            external_id=external_id,
            channel=channel,
            contact=contact,
            customer_type=customer_type,
            requested_start=requested_start,
            requested_window=requested_window,
            window_start=window_start,
            window_end=window_end,
            summary=summary,
            campaign_id=campaign_id,
            business_unit_id=business_unit_id,
            job_type_id=job_type_id,
            priority=priority,
            attribution=attribution,
            raw_payload=raw_payload,
        )
    except DomainError:
        existing = _SENT.first(integration_id=integration.pk, external_id=external_id)
        if existing is not None:
            return Received(existing, created=False)
        raise
    try:
        # The booking and its notice are written together (one statement on
        # PostgreSQL, needing no transaction): no booking the queue was not told
        # about. Inside a caller's transaction, a savepoint keeps it usable when
        # the external_id turns out taken.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            _insert_and_notify(booking)
    except IntegrityError:
        winner = _SENT.first(integration_id=integration.pk, external_id=external_id)
        if winner is None:
            raise
        return Received(winner, created=False)
    return Received(booking, created=True)


def _validated(
    *,
    integration: Integration,
    external_id: str,
    channel: str,
    contact: Contact,
    customer_type: str,
    requested_start: datetime | None,
    requested_window: str,
    window_start: datetime | None,
    window_end: datetime | None,
    summary: str,
    campaign_id: int | None,
    business_unit_id: int | None,
    job_type_id: int | None,
    priority: str | None,
    attribution: Mapping[str, str] | None,
    raw_payload: dict[str, Any] | None,
) -> Booking:
    """The new booking a partner's request describes, unsaved; a ``DomainError``
    naming each field that is wrong."""
    attribution = {name: (attribution or {}).get(name, "") or "" for name in ATTRIBUTION_FIELDS}
    errors: list[FieldError] = []
    if channel not in Booking.Channel.values:
        errors.append(FieldError("channel", f"must be one of {', '.join(Booking.Channel.values)}"))
    if customer_type not in Customer.Type.values:
        errors.append(FieldError("customer_type", f"must be one of {', '.join(Customer.Type.values)}"))
    if priority is not None and priority not in Priority.values:
        errors.append(FieldError("priority", f"must be one of {', '.join(Priority.values)}"))
    if len(requested_window.strip()) > 60:
        errors.append(FieldError("requested_window", "must be at most 60 characters"))
    cleaned: dict[str, str] = {}
    try:
        cleaned = normalize_contact(contact)
    except DomainError as exc:
        errors.extend(exc.errors)
    else:
        if not cleaned["phone"] and not cleaned["email"]:
            message = "a phone or an email is required to answer a booking"
            errors += [FieldError("contact.phone", message), FieldError("contact.email", message)]
    collect(errors)

    campaign = resolve(Campaign, campaign_id, "campaign_id")
    business_unit = resolve(BusinessUnit, business_unit_id, "business_unit_id")
    job_type = resolve(JobType, job_type_id, "job_type_id")
    job_type_check(job_type=job_type, business_unit=business_unit)
    resolved_campaign_id = campaign.pk if campaign else _campaign_from_rules(integration, attribution)
    requested_end = None
    if window_start is not None:
        slot = requested_slot(
            business_unit=business_unit, job_type=job_type, start=window_start, end=window_end
        )
        business_unit = BusinessUnit.objects.get(pk=slot.business_unit_id)
        requested_start, requested_end = slot.start, slot.end
        requested_window = slot.time_label

    fields: dict[str, Any] = {
        "integration": integration,
        "external_id": external_id,
        "channel": channel,
        **cleaned,
        "customer_type": customer_type,
        "requested_start": requested_start,
        "requested_end": requested_end,
        "requested_window": requested_window.strip(),
        "summary": summary.strip(),
        "campaign_id": resolved_campaign_id,
        "business_unit": business_unit,
        "job_type": job_type,
        "priority": priority or (job_type.default_priority if job_type else Priority.NORMAL),
        **attribution,
        "raw_payload": raw_payload or {},
    }
    return Booking(**fields)


def _insert_and_notify(booking: Booking) -> None:
    """Write the new booking and tell the people who work the queue, once per booking."""
    who = booking.name or booking.phone or booking.email
    insert_and_notify_roles(
        booking,
        roles=QUEUE_ROLES,
        kind="booking_new",
        text=f"New {booking.get_channel_display().lower()} booking: {who}",
        url=lambda pk: reverse("booking_detail", args=[pk]),
        key=lambda pk: f"booking_new:{pk}",
    )


def _unit_for(business_unit: BusinessUnit | None, job_type: JobType | None) -> BusinessUnit | None:
    """The business unit a booking is for: the one given, else the job type's only one."""
    if business_unit is not None or job_type is None:
        return business_unit
    units = list(job_type.business_units.filter(active=True)[:2])
    return units[0] if len(units) == 1 else None


def slot_check(slot: Slot, *, field_name: str) -> Slot:
    """A window a visitor or partner asks for must not be over and must have a place."""
    if slot.end <= timezone.now():
        raise invalid(field_name, f"the window {slot.label} is over; pick a later one", code="window_past")
    if slot.open <= 0:
        raise window_full_error(slot, field_name=field_name)
    return slot


def requested_slot(
    *, business_unit: BusinessUnit | None, job_type: JobType | None, start: datetime, end: datetime | None
) -> Slot:
    """The open arrival window ``POST /bookings`` names as ``requested_window: {start, end}``."""
    unit = _unit_for(business_unit, job_type)
    if unit is None:
        raise invalid(
            "business_unit_id",
            "is required with a requested window (or a job type offered by one business unit)",
        )
    if timezone.is_naive(start) or (end is not None and timezone.is_naive(end)):
        raise invalid("requested_window.start", "must carry a UTC offset")
    slot = slot_matching(business_unit_ids=[unit.pk], start=start, end=end)
    if slot is None:
        raise invalid(
            "requested_window.start",
            f"is not one of {unit.name}'s arrival windows (GET /availability lists them)",
            code="window_unknown",
        )
    return slot_check(slot, field_name="requested_window")


def bookings_mark_matches(bookings: Sequence[Booking]) -> None:
    """Set ``customer_matched`` on each booking with one query for the whole
    page, so the queue shows the Lead marker without a query per row."""
    values = {v for b in bookings for v in (b.phone, b.email) if v}
    known = (
        set(ContactPoint.objects.filter(value__in=values).values_list("value", flat=True))
        if values
        else set()
    )
    for b in bookings:
        b.customer_matched = bool({b.phone, b.email} & known)


# --- a CSR's answers ---------------------------------------------------------


def _lock_new(booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().select_related("integration").get(pk=booking.pk)
    if locked.status != Booking.Status.NEW:
        raise conflict(
            f"Booking {locked.pk} is already {locked.get_status_display().lower()}.", code="booking_not_new"
        )
    return locked


def _handled(locked: Booking, actor: Actor, status: str) -> None:
    locked.status = status
    locked.handled_by = actor.employee
    locked.handled_at = timezone.now()


@transaction.atomic
def booking_accept(
    *,
    actor: Actor,
    booking: Booking,
    customer: Customer | None = None,
    new_customer: NewCustomer | None = None,
    location: Location | None = None,
    new_location: Mapping[str, str | None] | None = None,
    business_unit: BusinessUnit | None = None,
    job_type: JobType | None = None,
    priority: str | None = None,
    start: datetime | None = None,
    technician: Employee | None = None,
    overbook: bool = False,
) -> Job:
    """Book a job from a new booking, with the conversion rules of a lead
    (``customer_location_for_job``). Unless the CSR picks one, the person who
    asked is a new customer at the address they gave."""
    actor.require(Perm.WORK_LEADS)
    actor.require(Perm.BOOK_JOBS)
    locked = _lock_new(booking)
    business_unit = business_unit or locked.business_unit
    job_type = job_type or locked.job_type
    errors: list[FieldError] = []
    if business_unit is None:
        errors.append(FieldError("business_unit_id", "is required to book a job"))
    if job_type is None:
        errors.append(FieldError("job_type_id", "is required to book a job"))
    if customer is None and location is None and new_customer is None:
        new_customer = NewCustomer()
    if location is None and new_location is None:
        new_location = {}
    customer, location = customer_location_for_job(
        contact=locked,
        customer=customer,
        new_customer=new_customer,
        location=location,
        new_location=new_location,
        customer_type=locked.customer_type,
        errors=errors,
    )
    assert business_unit is not None and job_type is not None
    job = job_book(
        actor=actor,
        customer=customer,
        location=location,
        business_unit=business_unit,
        job_type=job_type,
        priority=priority or locked.priority,
        start=start or locked.requested_start,
        technician=technician,
        campaign=locked.campaign,
        summary=locked.summary,
        overbook=overbook,
    )
    locked.job = job
    _handled(locked, actor, Booking.Status.ACCEPTED)
    locked.save(update_fields=["job", "status", "handled_by", "handled_at", "updated_at"])
    AuditEntry.record(
        actor=actor, entity="booking", entity_id=locked.pk, action="accepted", changes={"job": job.pk}
    )
    webhook_notify(
        integration=locked.integration, event="booking.accepted", payload=booking_event_payload(locked)
    )
    return job


@transaction.atomic
def booking_convert(
    *,
    actor: Actor,
    booking: Booking,
    campaign: Campaign | None = None,
    assignee: Employee | None = None,
    follow_up_on: date | None = None,
    contact: Contact | None = None,
    summary: str = "",
    business_unit: BusinessUnit | None = None,
    job_type: JobType | None = None,
    priority: str | None = None,
    tags: Sequence[Tag] = (),
    customer: Customer | None = None,
    location: Location | None = None,
    with_matches: bool = False,
) -> CaptureResult:
    """Turn a booking into an open marketing lead for follow-up.

    The one way a booking becomes a lead (``POST /bookings/{id}/convert``, the
    booking page, and ``POST /leads`` with a ``booking_id``): the booking is
    marked ``converted`` and linked to the lead, once. What the caller types
    wins; blanks come from the booking.
    """
    actor.require(Perm.WORK_LEADS)
    locked = _lock_new(booking)
    campaign = campaign or locked.campaign
    if campaign is None:
        raise invalid(
            "campaign_id",
            "the booking names no campaign; pick one (or add a campaign rule to its integration)",
        )
    typed = contact or Contact()
    result = lead_capture(
        actor=actor,
        type=Lead.Type.MARKETING,
        contact=Contact(**{name: getattr(typed, name) or getattr(locked, name) for name in CONTACT_FIELDS}),
        campaign=campaign,
        booking=locked,
        customer=customer,
        location=location,
        summary=summary or locked.summary,
        business_unit=business_unit or locked.business_unit,
        job_type=job_type or locked.job_type,
        priority=priority or locked.priority,
        tags=tags,
        assignee=assignee,
        follow_up_on=follow_up_on,
        with_matches=with_matches,
    )
    if locked.campaign_id is None:
        locked.campaign = campaign
    _handled(locked, actor, Booking.Status.CONVERTED)
    locked.save(update_fields=["campaign", "status", "handled_by", "handled_at", "updated_at"])
    AuditEntry.record(
        actor=actor,
        entity="booking",
        entity_id=locked.pk,
        action="converted",
        changes={"lead": result.lead.pk},
    )
    webhook_notify(
        integration=locked.integration,
        event="booking.converted",
        payload=booking_event_payload(locked, lead=result.lead),
    )
    return result


@transaction.atomic
def booking_dismiss(*, actor: Actor, booking: Booking, reason: CallReason | None, note: str = "") -> Booking:
    """Close a booking without work, naming why (DESIGN.md rule 2)."""
    actor.require(Perm.WORK_LEADS)
    reason = dismiss_reason_check(reason, what="a booking")
    locked = _lock_new(booking)
    locked.dismiss_reason = reason
    locked.dismiss_note = note.strip()
    _handled(locked, actor, Booking.Status.DISMISSED)
    locked.save(
        update_fields=["dismiss_reason", "dismiss_note", "status", "handled_by", "handled_at", "updated_at"]
    )
    AuditEntry.record(
        actor=actor,
        entity="booking",
        entity_id=locked.pk,
        action="dismissed",
        changes={"reason": reason.name, "note": locked.dismiss_note},
    )
    webhook_notify(
        integration=locked.integration, event="booking.dismissed", payload=booking_event_payload(locked)
    )
    return locked


# --- status webhooks ---------------------------------------------------------


def booking_event_payload(booking: Booking, *, lead: Lead | None = None) -> dict[str, Any]:
    """What a partner learns about its booking: ids and outcome, no internals."""
    job = booking.job
    return {
        "booking": {
            "id": booking.pk,
            "external_id": booking.external_id,
            "channel": booking.channel,
            "status": booking.status,
            "job": {"id": job.pk, "number": job.number, "start": job.start.isoformat() if job.start else None}
            if job is not None
            else None,
            "lead_id": lead.pk if lead is not None else None,
            "dismiss_reason": booking.dismiss_reason.name if booking.dismiss_reason else None,
            "dismiss_note": booking.dismiss_note,
        }
    }


# --- the public form's rate limit -------------------------------------------

FORM_RATE_LIMIT = 10
FORM_RATE_WINDOW = timedelta(hours=1)


def _client_key(ip: str) -> str:
    # The raw address is personal data we do not need; a keyed hash still counts it.
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def public_form_throttle(*, client_ip: str) -> None:
    """Count a submission from this client; 429 past the limit per window
    (``LEADLINE_BOOKING_FORM_RATE`` = (submissions, seconds))."""
    limit, seconds = getattr(
        settings, "LEADLINE_BOOKING_FORM_RATE", (FORM_RATE_LIMIT, int(FORM_RATE_WINDOW.total_seconds()))
    )
    now = timezone.now()
    client = _client_key(client_ip)
    PublicFormHit.objects.filter(at__lt=now - timedelta(days=1)).delete()
    recent = PublicFormHit.objects.filter(client=client, at__gte=now - timedelta(seconds=seconds)).count()
    if recent >= limit:
        raise DomainError(
            "Too many booking requests from this address. Please call us or try again later.",
            code="rate_limited",
            status=429,
        )
    PublicFormHit.objects.create(client=client)


# --- the public online booking form ----------------------------------------

PUBLIC_REQUIRED = ("name", "phone", "street", "city", "zip")
PUBLIC_WINDOWS_SHOWN = 12


@dataclass(frozen=True)
class PublicRequest:
    """What a member of the public typed into the booking form."""

    token: str
    job_type_id: int | None
    description: str
    name: str
    phone: str
    email: str
    street: str
    unit: str
    city: str
    state: str
    zip: str
    # The business unit, when the service is offered by several; the window as
    # "<window id>:<YYYY-MM-DD>" (``scheduling.services.Slot.key``).
    business_unit_id: int | None = None
    window: str = ""


@dataclass(frozen=True)
class PublicWindows:
    """What the form offers for a service: the units to choose from (when several),
    the unit chosen, and that unit's next open windows (full ones are never offered)."""

    job_type: JobType | None
    units: list[BusinessUnit]
    unit: BusinessUnit | None
    slots: list[Slot]


def public_windows(*, job_type_id: int | None, business_unit_id: int | None) -> PublicWindows:
    job_type = JobType.objects.filter(pk=job_type_id, active=True).first() if job_type_id else None
    if job_type is None:
        return PublicWindows(None, [], None, [])
    units = list(job_type.business_units.filter(active=True).order_by("name"))
    unit = units[0] if len(units) == 1 else next((u for u in units if u.pk == business_unit_id), None)
    slots = (
        next_open_slots(business_unit_ids=[unit.pk], count=PUBLIC_WINDOWS_SHOWN) if unit is not None else []
    )
    return PublicWindows(job_type, units, unit, slots)


def booking_public_submit(
    *, integration: Integration, client_ip: str, request: PublicRequest, attribution: Mapping[str, str]
) -> Received:
    """Rate-limit, check what a visitor must give us to call back and visit,
    and record the booking. The form's token is its external id, so a double
    click or a refresh makes one booking. The visit time is one of the open
    arrival windows the form offered for the service (never typed): a window
    that filled meanwhile is a 409 ``window_full`` naming the next open ones."""
    public_form_throttle(client_ip=client_ip)
    resent = Booking.objects.filter(integration=integration, external_id=f"form:{request.token}").first()
    if resent is not None and not _foldable(resent):
        return Received(resent, created=False)  # a double click or a refresh: the booking made the first time
    errors = [
        FieldError(name, "is required") for name in PUBLIC_REQUIRED if not str(getattr(request, name)).strip()
    ]
    job_type = None
    if request.job_type_id is not None:
        job_type = JobType.objects.filter(pk=request.job_type_id, active=True).first()
        if job_type is None:
            errors.append(FieldError("job_type_id", "pick a service from the list"))
    offered = public_windows(
        job_type_id=job_type.pk if job_type else None, business_unit_id=request.business_unit_id
    )
    slot: Slot | None = None
    if job_type is not None and offered.unit is None:
        errors.append(FieldError("business_unit_id", "pick who should come"))
    elif request.window:
        slot = slot_from_key(request.window)
        if slot is None or offered.unit is None or slot.business_unit_id != offered.unit.pk:
            errors.append(FieldError("window", "pick one of the times offered"))
            slot = None
    elif offered.slots:
        errors.append(FieldError("window", "pick a time for the visit"))
    collect(errors)
    if slot is not None:
        slot_check(slot, field_name="window")
    if resent is not None:
        # The visitor left the form, its draft became a lead (``formdrafts``), and now
        # they came back and sent it: it folds into that booking and lead.
        return Received(
            _fold(resent, request, slot=slot, job_type=job_type, unit=offered.unit), created=False
        )

    return booking_receive(
        integration=integration,
        external_id=f"form:{request.token}",
        channel=Booking.Channel.ONLINE,
        contact=Contact(
            name=request.name,
            phone=request.phone,
            email=request.email,
            street=request.street,
            unit=request.unit,
            city=request.city,
            state=request.state,
            zip=request.zip,
        ),
        window_start=slot.start if slot else None,
        window_end=slot.end if slot else None,
        summary=request.description,
        business_unit_id=offered.unit.pk if offered.unit else None,
        job_type_id=job_type.pk if job_type else None,
        attribution=attribution,
        raw_payload={
            "form": {k: str(v) if v is not None else None for k, v in request.__dict__.items()},
            "attribution": dict(attribution),
        },
    )


# --- abandoned online bookings (the ``formdrafts`` app) ------------------------

ABANDONED_SUMMARY = "Started an online booking and left"


@transaction.atomic
def booking_abandoned_lead(*, booking: Booking) -> Lead:
    """An online booking the visitor started and left: a marketing lead with the
    form's campaign and the booking's attribution (the booking is the lead's
    source), captured through ``lead_capture`` so it is assigned like any lead.
    The booking is marked converted to it: a later submit folds into both."""
    locked = _lock_new(booking)
    if locked.campaign is None:
        raise invalid(
            "campaign_id",
            "the form's booking names no campaign; add a campaign rule to the integration",
        )
    actor = Actor(integration=locked.integration)
    result = lead_capture(
        actor=actor,
        type=Lead.Type.MARKETING,
        contact=Contact(**{name: getattr(locked, name) for name in CONTACT_FIELDS}),
        campaign=locked.campaign,
        booking=locked,
        summary=locked.summary,
        business_unit=locked.business_unit,
        job_type=locked.job_type,
        priority=locked.priority,
        start=locked.requested_start,
        channel=Lead.Channel.ONLINE,
        with_matches=False,
    )
    _handled(locked, actor, Booking.Status.CONVERTED)
    locked.save(update_fields=["status", "handled_by", "handled_at", "updated_at"])
    AuditEntry.record(
        actor=actor,
        entity="booking",
        entity_id=locked.pk,
        action="abandoned",
        changes={"lead": result.lead.pk},
    )
    return result.lead


def _foldable(booking: Booking) -> bool:
    return bool(booking.raw_payload.get("abandoned")) and not booking.raw_payload.get("folded")


@transaction.atomic
def _fold(
    booking: Booking,
    request: PublicRequest,
    *,
    slot: Slot | None,
    job_type: JobType | None,
    unit: BusinessUnit | None,
) -> Booking:
    """What the visitor finally sent replaces the draft on the booking and fills
    the lead, with one timeline line saying so: no second booking, no second lead."""
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if not _foldable(locked):
        return locked
    contact = normalize_contact(Contact(**{name: getattr(request, name) for name in CONTACT_FIELDS}))
    for name, value in contact.items():
        if value:
            setattr(locked, name, value)
    locked.summary = request.description.strip() or locked.summary
    locked.job_type = job_type or locked.job_type
    locked.business_unit = unit or locked.business_unit
    if slot is not None:
        locked.requested_start, locked.requested_end, locked.requested_window = (
            slot.start,
            slot.end,
            slot.time_label,
        )
    locked.raw_payload = {
        **locked.raw_payload,
        "folded": True,
        "submitted": {k: str(v) if v is not None else None for k, v in request.__dict__.items()},
    }
    locked.save()
    lead = Lead.objects.filter(booking=locked).first()
    if lead is not None:
        changed: dict[str, Any] = {
            name: getattr(locked, name)
            for name in CONTACT_FIELDS
            if getattr(locked, name) and not getattr(lead, name)
        }
        if lead.status == Lead.Status.OPEN:
            changed.update(
                {
                    "business_unit": lead.business_unit or locked.business_unit,
                    "job_type": lead.job_type or locked.job_type,
                    "start": locked.requested_start or lead.start,
                    "summary": locked.summary if lead.summary in ("", ABANDONED_SUMMARY) else lead.summary,
                }
            )
        for name, value in changed.items():
            setattr(lead, name, value)
        lead.save()
        when = f", {slot.label}" if slot is not None else ""
        where = locked.contact_one_line or locked.phone
        what = f" for {locked.job_type.name}" if locked.job_type else ""
        lead_add_activity(
            actor=Actor(integration=locked.integration),
            lead=lead,
            kind=LeadActivity.Kind.SYSTEM,
            text=f"Came back and sent the online booking{what}{when}: {where}",
        )
    AuditEntry.record(
        actor=Actor(integration=locked.integration),
        entity="booking",
        entity_id=locked.pk,
        action="folded",
        changes={"lead": lead.pk if lead else None},
    )
    return locked
