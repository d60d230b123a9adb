"""Lead workflows. Pages, the API, calls and bookings all capture through
``lead_capture``, so the rules of DESIGN.md 1–3 live here once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee
from accounts.roles import Perm
from bookings.models import Booking
from bookings.tasks import webhook_notify
from calls.models import Call
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from catalog.services import dismiss_reason_check, job_generated_campaign, job_type_check
from core.choices import Priority
from core.errors import DomainError, FieldError, collect, conflict, forbidden, invalid
from core.locks import transaction_lock
from core.models import AuditEntry
from core.phones import normalize_email, normalize_phone
from core.prepared import Bound, PreparedShapes, insert_together
from customers.models import Customer, Location
from customers.services import NewCustomer, customer_location_for_job, customers_reachable_read
from jobs.models import Job
from jobs.services import _check_technician as check_technician
from jobs.services import job_book
from leads.hooks import CaptureContext, run_captured, run_plan, run_prepare
from leads.models import Lead, LeadActivity
from notifications.services import notifications_withdraw, notify

MATCH_LIMIT = 5
LOCATION_UNCONFIRMED = "location_unconfirmed"


@dataclass(frozen=True)
class Contact:
    """Contact fields as typed (raw); ``lead_capture`` normalises them."""

    name: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    unit: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""


@dataclass
class Matches:
    customers: list[Customer] = field(default_factory=list)
    open_leads: list[Lead] = field(default_factory=list)


@dataclass
class CaptureResult:
    lead: Lead
    warnings: list[str]
    matches: Matches
    # The new lead's tags, known without asking (an answer shows them).
    tag_ids: list[int] = field(default_factory=list)


def normalize_contact(contact: Contact, *, prefix: str = "contact") -> dict[str, str]:
    """The contact fields cleaned for storage; every bad one named at once."""
    errors: list[FieldError] = []
    cleaned = {
        "name": contact.name.strip(),
        "phone": "",
        "email": "",
        "street": contact.street.strip(),
        "unit": contact.unit.strip(),
        "city": contact.city.strip(),
        "state": contact.state.strip(),
        "zip": contact.zip.strip(),
    }
    if contact.phone.strip():
        try:
            cleaned["phone"] = normalize_phone(contact.phone, field=f"{prefix}.phone")
        except DomainError as exc:
            errors.extend(exc.errors)
    if contact.email.strip():
        try:
            cleaned["email"] = normalize_email(contact.email, field=f"{prefix}.email")
        except DomainError as exc:
            errors.extend(exc.errors)
    collect(errors)
    return cleaned


def capture_warnings(
    *, contact: dict[str, str], customer: Customer | None, location: Location | None
) -> list[str]:
    """Nudges, never errors: name, phone and city, and a location record (rules 1 and 3)."""
    warnings = []
    if customer is None:
        for name in ("name", "phone", "city"):
            if not contact[name]:
                warnings.append(f"contact.{name} is missing: try to capture name, phone and city.")
    if location is None:
        warnings.append("No location record: the lead was captured without one.")
    return warnings


def _open_leads_at(phone: str = "", email: str = "", exclude_pk: int | None = None) -> QuerySet[Lead]:
    def at(**contact: str) -> QuerySet[Lead]:
        return Lead.objects.filter(status=Lead.Status.OPEN, **contact).order_by("-created_at", "-id")

    if phone and email and exclude_pk is None and connection.features.supports_slicing_ordering_in_compound:
        # A capture's match on PostgreSQL: each side from its own index, already
        # in order, then merged. An OR of the two is planned as a scan of the
        # table when a prepared statement's plan is made before the table has
        # statistics, and that plan is kept.
        return (
            at(phone=phone)[:MATCH_LIMIT]
            .union(at(email=email)[:MATCH_LIMIT])
            .order_by("-created_at", "-id")[:MATCH_LIMIT]
        )
    if phone and email:
        qs = at(phone=phone) | at(email=email)
    else:
        qs = at(phone=phone) if phone else at(email=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs[:MATCH_LIMIT]


# The open leads a capture shows as matches, compiled once per combination of
# what is known (core.prepared): every CSR capture asks.
_OPEN_LEADS_AT = PreparedShapes(_open_leads_at, phone=str, email=str, exclude_pk=int)


def lead_matches(*, phone: str, email: str, exclude_pk: int | None = None) -> Matches:
    """Customers reachable at this phone or email, and open leads that look like the same person."""
    reads = _match_reads(phone=phone, email=email, exclude_pk=exclude_pk)
    return _matches_from([read.all() for read in reads])


def _match_reads(*, phone: str, email: str, exclude_pk: int | None = None) -> list[Bound[Any]]:
    """``lead_matches``' two reads, to be sent by itself or inside a capture's write."""
    if not phone and not email:
        return []
    return [
        customers_reachable_read(phone=phone, email=email),
        _OPEN_LEADS_AT.bound(phone=phone, email=email, exclude_pk=exclude_pk),
    ]


def _matches_from(found: list[list[Any]]) -> Matches:
    if not found:
        return Matches()
    customers, open_leads = found
    customers = customers[:MATCH_LIMIT]
    prefetch_related_objects(customers, "contacts")
    return Matches(customers=customers, open_leads=open_leads)


def can_set_lead_on_job(actor: Actor, job: Job) -> bool:
    """The Job screen's "Lead" action: the office on any job, a technician on their own."""
    if actor.can(Perm.WORK_LEADS):
        return True
    return (
        actor.can(Perm.SET_LEADS_ON_OWN_JOBS)
        and actor.employee is not None
        and job.technician_id == actor.employee.pk
    )


def lead_visible(actor: Actor, lead: Lead) -> bool:
    """The office sees every lead; a technician sees the leads they set."""
    if actor.can(Perm.WORK_LEADS):
        return True
    return (
        actor.can(Perm.SET_LEADS_ON_OWN_JOBS)
        and actor.employee is not None
        and lead.lead_setting_employee_id == actor.employee.pk
    )


def _integration_reference_error(actor: Actor, *, call: Call | None, booking: Booking | None) -> None:
    """An integration refers only to its own calls and bookings; another party's
    is answered as if it did not exist, so ids cannot be probed."""
    integration = actor.integration
    assert integration is not None
    if call is not None and call.provider_id != integration.pk:
        raise invalid("call_id", f"call {call.pk} does not exist", code="unknown_reference")
    if booking is not None and booking.integration_id != integration.pk:
        raise invalid("booking_id", f"booking {booking.pk} does not exist", code="unknown_reference")


# What an integration may not link a lead to: another party's records (DESIGN.md
# "Who may do what": an integration posts its own intake and reads nothing).
INTEGRATION_MAY_NOT_LINK = (
    "customer_id",
    "location_id",
    "origin_job_id",
    "lead_setting_employee_id",
    "technician_id",
)


def _check_capture_permission(
    actor: Actor,
    *,
    type: str,
    origin_job: Job | None,
    call: Call | None = None,
    booking: Booking | None = None,
    links: Mapping[str, object] | None = None,
) -> None:
    """Who may capture what (DESIGN.md "Who may do what"), before anything is
    looked at or echoed back.

    - Office roles capture any lead.
    - A technician captures job-generated leads from their own jobs only,
      linked to nothing but that job (its customer and location).
    - An integration captures marketing leads with contact fields, a campaign
      and references to its own calls and bookings; it links no customer,
      location, job or employee. The system's own abandoned-call lead for a
      provider's call is made with ``Actor.system``.
    """
    links = links or {}
    if actor.system:
        return
    if actor.integration is not None:
        if type != Lead.Type.MARKETING:
            raise DomainError(
                "An integration key may capture marketing leads only.",
                code="forbidden",
                errors=[FieldError("type", "an integration may capture marketing leads only")],
                status=403,
            )
        refused = [name for name in INTEGRATION_MAY_NOT_LINK if links.get(name) is not None]
        if refused:
            raise DomainError(
                "An integration key may not link a lead to customers, locations, jobs or employees.",
                code="forbidden",
                errors=[FieldError(name, "an integration may not set this") for name in refused],
                status=403,
            )
        _integration_reference_error(actor, call=call, booking=booking)
        return
    if actor.can(Perm.WORK_LEADS):
        return
    if type == Lead.Type.JOB_GENERATED and actor.can(Perm.SET_LEADS_ON_OWN_JOBS):
        if origin_job is not None and can_set_lead_on_job(actor, origin_job):
            refused = [name for name in ("call_id", "booking_id") if links.get(name) is not None]
            if refused:
                raise DomainError(
                    "A technician's lead is linked to their job only.",
                    code="forbidden",
                    errors=[FieldError(name, "a technician may not set this") for name in refused],
                    status=403,
                )
            return
        raise forbidden("A technician may create leads only from jobs assigned to them.")
    raise forbidden("Your role may not capture leads.")


def _check_origin_job_links(
    *, origin_job: Job, customer: Customer | None, location: Location | None
) -> list[FieldError]:
    """A job-generated lead is for its origin job's customer and place."""
    errors = []
    if customer is not None and customer.pk != origin_job.customer_id:
        errors.append(
            FieldError("customer_id", f"must be the origin job's customer ({origin_job.customer_id})")
        )
    if location is not None and location.pk != origin_job.location_id:
        errors.append(
            FieldError("location_id", f"must be the origin job's location ({origin_job.location_id})")
        )
    return errors


def lead_capture(
    *,
    actor: Actor,
    type: str,
    contact: Contact = Contact(),
    campaign: Campaign | None = None,
    call: Call | None = None,
    booking: Booking | None = None,
    customer: Customer | None = None,
    location: Location | None = None,
    summary: str = "",
    business_unit: BusinessUnit | None = None,
    job_type: JobType | None = None,
    priority: str | None = None,
    tags: Sequence[Tag] = (),
    follow_up_on: date | None = None,
    call_reason: CallReason | None = None,
    assignee: Employee | None = None,
    origin_job: Job | None = None,
    lead_setting_employee: Employee | None = None,
    technician: Employee | None = None,
    start: datetime | None = None,
    confirm_without_location: bool = True,
    with_matches: bool = True,
    channel: str = "",
) -> CaptureResult:
    """Capture a lead with whatever is known (DESIGN.md rules 1–3).

    A way to reach the person (phone or email) is required unless a customer
    is linked; missing name/phone/city and a missing location are warnings.
    From a call, the call reason must be an active lead reason and the
    campaign defaults to the call's. A page passes
    ``confirm_without_location=False`` until the CSR has answered "proceed
    without a location record?": once everything else is valid, a missing
    location is then a 422 with code ``location_unconfirmed`` (rule 3); the
    API accepts it and warns.

    ``channel`` says how the lead arrived (``text`` from messaging, say); left
    blank it follows from the source (booking, call, job, integration, typed).
    The capture hooks (``leads.hooks``: assignment rules, the first-response
    clock) run on every lead captured here.

    Its writes are atomic: the lead and its audit entry are written together
    (``insert_together``), and when anything else is written (tags, a person's
    choice to tell, a hook that writes) everything runs in one transaction.
    """
    _check_capture_permission(
        actor,
        type=type,
        origin_job=origin_job,
        call=call,
        booking=booking,
        links={
            "customer_id": customer,
            "location_id": location,
            "origin_job_id": origin_job,
            "lead_setting_employee_id": lead_setting_employee,
            "technician_id": technician,
            "call_id": call,
            "booking_id": booking,
        },
    )
    if type not in Lead.Type.values:
        raise invalid("type", f"must be one of {', '.join(Lead.Type.values)}")
    if channel and channel not in Lead.Channel.values:
        raise invalid("channel", f"must be one of {', '.join(Lead.Channel.values)}")
    cleaned = normalize_contact(contact)

    errors: list[FieldError] = []
    if type == Lead.Type.JOB_GENERATED and origin_job is not None:
        # Checked before anything about the customer is used, so an unrelated
        # customer's name is never echoed back.
        collect(_check_origin_job_links(origin_job=origin_job, customer=customer, location=location))
    if origin_job is not None and (customer is None or type == Lead.Type.JOB_GENERATED):
        # A lead set on a job is for that job's customer and place.
        customer, location = origin_job.customer, location or origin_job.location
    if location is not None:
        if customer is None:
            customer = location.customer
        elif location.customer_id != customer.pk:
            errors.append(FieldError("location_id", f"location {location.pk} is not one of this customer's"))
    if customer is None and not cleaned["phone"] and not cleaned["email"]:
        message = "a phone or an email is required when no customer is linked"
        errors += [FieldError("contact.phone", message), FieldError("contact.email", message)]
    if call is not None:
        if type == Lead.Type.ABANDONED_CALL:
            pass  # made by the system from a call nobody answered: no CSR chose a reason
        elif call_reason is None:
            errors.append(FieldError("call_reason_id", "is required to capture a lead from a call"))
        elif not call_reason.is_lead or not call_reason.active:
            errors.append(
                FieldError(
                    "call_reason_id", f"'{call_reason}' is not an active call reason classified as a lead"
                )
            )
        if campaign is None:
            campaign = call.campaign
    if type == Lead.Type.MARKETING and campaign is None:
        errors.append(FieldError("campaign_id", "a marketing lead needs its campaign"))
    if type == Lead.Type.ABANDONED_CALL and call is None:
        errors.append(FieldError("call_id", "an abandoned-call lead needs its call"))
    if type == Lead.Type.JOB_GENERATED:
        if campaign is None:
            # Credited to the campaign chosen in Settings for technician leads, else the origin job's,
            # so reports do not pile them under "(no campaign)".
            campaign = job_generated_campaign() or (origin_job.campaign if origin_job else None)
        if origin_job is None:
            errors.append(FieldError("origin_job_id", "a job-generated lead needs the job it came from"))
        if lead_setting_employee is None:
            errors.append(
                FieldError("lead_setting_employee_id", "a job-generated lead needs its lead setter")
            )
    if priority is not None and priority not in Priority.values:
        errors.append(FieldError("priority", f"must be one of {', '.join(Priority.values)}"))
    collect(errors)
    job_type_check(job_type=job_type, business_unit=business_unit)
    if location is None and not confirm_without_location:
        raise DomainError(
            "Proceed without a location record?",
            code=LOCATION_UNCONFIRMED,
            errors=[FieldError("confirm_without_location", "Proceed without a location record?")],
        )
    if customer is not None and not cleaned["name"]:
        # The person is known: the lead shows their name wherever it is listed.
        cleaned["name"] = customer.name

    lead = Lead(
        type=type,
        channel=channel or _channel_of(booking=booking, call=call, origin_job=origin_job, actor=actor),
        **cleaned,
        summary=summary.strip(),
        campaign=campaign,
        call=call,
        booking=booking,
        origin_job=origin_job,
        lead_setting_employee=lead_setting_employee,
        customer=customer,
        location=location,
        business_unit=business_unit,
        job_type=job_type,
        priority=priority or (job_type.default_priority if job_type else Priority.NORMAL),
        assignee=assignee,
        follow_up_on=follow_up_on or timezone.localdate(),
        call_reason=call_reason,
        technician=technician,
        start=start,
        created_by=actor.employee,
        created_by_integration=actor.integration,
    )
    if assignee is not None:
        lead.assigned_by, lead.assigned_at = Lead.AssignedBy.PERSON, timezone.now()
    context = CaptureContext(actor=actor, chosen_assignee_id=assignee.pk if assignee else None)
    # Most captures write the lead and its audit entry and nothing else: one
    # statement on PostgreSQL, atomic by itself (core.prepared.insert_together),
    # so no transaction (BEGIN and COMMIT are two round trips of the three).
    # Tags, a person's choice to tell, or a hook that writes need one.
    writes_more = run_plan(lead, context) or bool(tags) or assignee is not None
    # Matches show customers and other leads: only to those who may read them all.
    # They are only shown, never written, and read as the database was just before
    # this lead (so it is not among them): on PostgreSQL inside the write's statement.
    reads = (
        _match_reads(phone=cleaned["phone"], email=cleaned["email"])
        if with_matches and actor.can(Perm.WORK_LEADS) and actor.can(Perm.WORK_CUSTOMERS)
        else []
    )
    with transaction.atomic() if writes_more else nullcontext():
        extra = run_prepare(lead, context)
        audit = AuditEntry.entry(
            actor=actor,
            entity="lead",
            entity_id=None,
            action="captured",
            changes={"type": type, "channel": lead.channel, **extra},
        )
        # Compiled once per shape of the reads: every capture sends the same.
        found = insert_together(lead, audit, link="entity_id", reads=reads)
        if tags:
            lead.tags.set(tags)
        run_captured(lead, context)
        if assignee is not None:
            _tell_assigned(actor, [lead], assignee.pk)
    return CaptureResult(
        lead=lead,
        warnings=capture_warnings(contact=cleaned, customer=customer, location=location),
        matches=_matches_from(found),
        tag_ids=sorted(t.pk for t in tags),
    )


def _channel_of(*, booking: Booking | None, call: Call | None, origin_job: Job | None, actor: Actor) -> str:
    if booking is not None:
        return booking.channel
    if call is not None:
        return Lead.Channel.CALL
    if origin_job is not None:
        return Lead.Channel.JOB
    if actor.integration is not None:
        return Lead.Channel.API
    return Lead.Channel.MANUAL


def lead_add_activity(
    *,
    actor: Actor,
    lead: Lead,
    kind: str,
    text: str = "",
    outcome: str = "",
    next_follow_up_on: date | None = None,
    pinned: bool = False,
    call: Call | None = None,
) -> LeadActivity:
    """Append to a lead's timeline (who and when are always recorded)."""
    return LeadActivity.objects.create(
        lead=lead,
        kind=kind,
        text=text.strip(),
        outcome=outcome,
        next_follow_up_on=next_follow_up_on,
        pinned=pinned,
        call=call,
        by=actor.employee,
        by_label=actor.label,
    )


# --- after capture: the follow-up life cycle (DESIGN.md rule 8) ---------------------------------


def _locked(lead: Lead) -> Lead:
    """The lead's row, locked until the transaction ends, so two CSRs acting on
    it at once are serialised and the second sees what the first did."""
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _require_open(lead: Lead, doing: str) -> None:
    if lead.status != Lead.Status.OPEN:
        where = f" (merged into lead {lead.merged_into_id})" if lead.merged_into_id else ""
        raise conflict(
            f"Lead {lead.pk} is {lead.status}{where}; only an open lead can be {doing}.", "lead_not_open"
        )


def _first_response(lead: Lead, by: Employee | None = None) -> list[str]:
    """Stamp the first response on a locked lead (its caller saves the fields returned)."""
    if lead.first_response_at is None:
        lead.first_response_at = timezone.now()
        lead.first_response_by = by
        return ["first_response_at", "first_response_by"]
    return []


def record_first_response(*, lead: Lead, at: datetime | None = None, by: Employee | None = None) -> bool:
    """The lead was answered: a logged follow-up, a call back, an outgoing text
    (messaging calls this) or a booking. Only the first one counts: it stops
    the first-response clock and is the CSR's on the scorecard. One UPDATE,
    safe under concurrency (the row already answered is left alone); returns
    whether this was the first."""
    at = at or timezone.now()
    done = Lead.objects.filter(pk=lead.pk, first_response_at__isnull=True).update(
        first_response_at=at, first_response_by=by, updated_at=timezone.now()
    )
    if done:
        lead.first_response_at, lead.first_response_by = at, by
    return bool(done)


def _system(actor: Actor, lead: Lead, text: str) -> LeadActivity:
    return lead_add_activity(actor=actor, lead=lead, kind=LeadActivity.Kind.SYSTEM, text=text)


@transaction.atomic
def lead_follow_up(
    *,
    actor: Actor,
    lead: Lead,
    note: str = "",
    outcome: str = "",
    next_follow_up_on: date | None = None,
    call: Call | None = None,
) -> LeadActivity:
    """Record a follow-up attempt (a call-back from the Leads tab names its ``call``);
    the first one stamps ``first_response_at``, the next date moves the lead in the
    Follow Up queue."""
    actor.require(Perm.WORK_LEADS)
    errors: list[FieldError] = []
    if outcome and outcome not in LeadActivity.Outcome.values:
        errors.append(FieldError("outcome", f"must be one of {', '.join(LeadActivity.Outcome.values)}"))
    if not note.strip() and not outcome:
        errors.append(FieldError("note", "write what happened or pick an outcome"))
    if next_follow_up_on is not None and next_follow_up_on < timezone.localdate():
        errors.append(FieldError("next_follow_up_on", "is in the past"))
    collect(errors)
    locked = _locked(lead)
    _require_open(locked, "followed up")
    fields = _first_response(locked, actor.employee)
    if next_follow_up_on is not None:
        locked.follow_up_on = next_follow_up_on
        fields.append("follow_up_on")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    AuditEntry.record(
        actor=actor,
        entity="lead",
        entity_id=locked.pk,
        action="followed_up",
        changes={"outcome": outcome, "next_follow_up_on": str(next_follow_up_on or "")},
    )
    return lead_add_activity(
        actor=actor,
        lead=locked,
        kind=LeadActivity.Kind.FOLLOW_UP,
        text=note,
        outcome=outcome,
        next_follow_up_on=next_follow_up_on,
        call=call,
    )


@transaction.atomic
def lead_add_note(*, actor: Actor, lead: Lead, text: str, pinned: bool = False) -> LeadActivity:
    """A note on the timeline; pinned notes stay on top (allowed on closed leads too)."""
    actor.require(Perm.WORK_LEADS)
    if not text.strip():
        raise invalid("text", "is required")
    AuditEntry.record(
        actor=actor, entity="lead", entity_id=lead.pk, action="noted", changes={"pinned": pinned}
    )
    return lead_add_activity(actor=actor, lead=lead, kind=LeadActivity.Kind.NOTE, text=text, pinned=pinned)


@transaction.atomic
def lead_pin_note(*, actor: Actor, note: LeadActivity, pinned: bool) -> LeadActivity:
    actor.require(Perm.WORK_LEADS)
    if note.kind != LeadActivity.Kind.NOTE:
        raise invalid("pinned", "only notes can be pinned")
    note.pinned = pinned
    note.save(update_fields=["pinned"])
    AuditEntry.record(
        actor=actor,
        entity="lead",
        entity_id=note.lead_id,
        action="pinned" if pinned else "unpinned",
        changes={"activity": note.pk},
    )
    return note


def lead_event_payload(lead: Lead) -> dict[str, Any]:
    """What an integration learns about a lead it sent: ids and outcome, no internals."""
    job = lead.converted_job
    return {
        "lead": {
            "id": lead.pk,
            "type": lead.type,
            "status": lead.status,
            "booking_id": lead.booking_id,
            "booking_external_id": lead.booking.external_id if lead.booking is not None else None,
            "job": {"id": job.pk, "number": job.number, "start": job.start.isoformat() if job.start else None}
            if job is not None
            else None,
            "dismiss_reason": lead.dismiss_reason.name if lead.dismiss_reason else None,
            "dismiss_note": lead.dismiss_note,
        }
    }


def _notify_source(lead: Lead, event: str) -> None:
    """Tell the integration a lead came from (its booking's, or the one that
    posted it) how it ended, in the caller's transaction (``webhook_notify``).
    Leads employees captured notify nobody."""
    integration = lead.booking.integration if lead.booking is not None else lead.created_by_integration
    if integration is not None:
        webhook_notify(integration=integration, event=event, payload=lead_event_payload(lead))


def _dismiss_reason_check(reason: CallReason | None) -> CallReason:
    return dismiss_reason_check(reason, what="a lead")


@transaction.atomic
def lead_dismiss(*, actor: Actor, lead: Lead, reason: CallReason | None, note: str = "") -> Lead:
    actor.require(Perm.WORK_LEADS)
    reason = _dismiss_reason_check(reason)
    locked = _locked(lead)
    _require_open(locked, "dismissed")
    locked.status = Lead.Status.DISMISSED
    locked.dismiss_reason = reason
    locked.dismiss_note = note.strip()
    locked.dismissed_at = timezone.now()
    locked.save(update_fields=["status", "dismiss_reason", "dismiss_note", "dismissed_at", "updated_at"])
    # Nobody should call back about a lead that is closed: its calls leave the Leads tab.
    Call.objects.filter(lead=locked).resolve_follow_ups(
        resolution="dismissed", note=f"Lead {locked.pk} dismissed: {reason.name}"
    )
    AuditEntry.record(
        actor=actor, entity="lead", entity_id=locked.pk, action="dismissed", changes={"reason": reason.name}
    )
    _notify_source(locked, "lead.dismissed")
    _system(
        actor,
        locked,
        f"Dismissed: {reason.name}" + (f" — {locked.dismiss_note}" if locked.dismiss_note else ""),
    )
    return locked


@transaction.atomic
def leads_bulk_dismiss(
    *, actor: Actor, leads: Iterable[Lead], reason: CallReason | None, note: str = ""
) -> int:
    """Dismiss every still-open lead of a selection; the others are left alone."""
    actor.require(Perm.WORK_LEADS)
    reason = _dismiss_reason_check(reason)
    done = 0
    for lead in leads:
        if lead.status == Lead.Status.OPEN:
            lead_dismiss(actor=actor, lead=lead, reason=reason, note=note)
            done += 1
    return done


@transaction.atomic
def leads_bulk_assign(*, actor: Actor, leads: Iterable[Lead], assignee: Employee | None) -> int:
    actor.require(Perm.WORK_LEADS)
    if assignee is not None and not assignee.active:
        raise invalid("assignee_id", f"employee '{assignee}' is inactive")
    open_leads = [lead for lead in leads if lead.status == Lead.Status.OPEN]
    leads = open_leads
    pks = [lead.pk for lead in open_leads]
    now = timezone.now()
    Lead.objects.filter(pk__in=pks).update(
        assignee=assignee,
        assigned_by=Lead.AssignedBy.PERSON if assignee else "",
        assigned_at=now if assignee else None,
        updated_at=now,
    )
    label = assignee.name if assignee else "nobody"
    new_by = Lead.AssignedBy.PERSON.value if assignee else ""
    for lead in open_leads:
        # Before and after, as every assignment's audit says (a person, a rule or the call).
        AuditEntry.record(
            actor=actor,
            entity="lead",
            entity_id=lead.pk,
            action="assigned",
            changes={
                "assignee": [lead.assignee_id, assignee.pk if assignee else None],
                "assigned_by": [lead.assigned_by, new_by],
            },
        )
    LeadActivity.objects.bulk_create(
        [
            LeadActivity(
                lead_id=pk,
                kind=LeadActivity.Kind.SYSTEM,
                text=f"Assigned to {label}",
                by=actor.employee,
                by_label=actor.label,
            )
            for pk in pks
        ]
    )
    if assignee is not None:
        _tell_assigned(actor, leads, assignee.pk)
    return len(pks)


def _tell_assigned(actor: Actor, leads: Sequence[Lead], assignee_id: int) -> None:
    """A person gave leads to someone else: tell that someone (one notice per lead)."""
    if actor.employee is not None and actor.employee.pk == assignee_id:
        return
    by = f" by {actor.label}" if actor.label else ""
    if len(leads) == 1:
        lead = leads[0]
        text = f"Lead assigned to you{by}: {lead.name or lead.phone or lead.email or f'lead {lead.pk}'}"
        url = reverse("lead_detail", args=[lead.pk])
    elif leads:
        # A bulk assignment is one notice, pointing at the person's own queue.
        text = f"{len(leads)} leads assigned to you{by}"
        url = f"{reverse('follow_up')}?assignee_id={assignee_id}"
    else:
        return
    notify(employees=[assignee_id], kind="lead_assigned", text=text, url=url)


# --- one open abandoned-call lead per number (DESIGN.md rule 3) --------------------------------


def open_abandoned_lead(phone: str, *, exclude_pk: int | None = None) -> Lead | None:
    """The caller's open abandoned-call lead, read under a lock on the number.

    Two abandoned calls from one number ending at the same moment would each
    find no open lead and each make one: the lock (held to the end of the
    caller's transaction) makes the second wait for the first to commit and
    then find its lead and fold into it. Every path that can make an
    abandoned-call lead open (the call's end, reopening) reads through here.
    """
    transaction_lock("abandoned-lead", phone)
    leads = Lead.objects.filter(type=Lead.Type.ABANDONED_CALL, status=Lead.Status.OPEN, phone=phone)
    if exclude_pk is not None:
        leads = leads.exclude(pk=exclude_pk)
    return leads.order_by("-created_at", "-id").first()


@transaction.atomic
def lead_withdraw_untouched(*, actor: Actor, lead: Lead, call: Call, reason: str) -> bool:
    """Delete a lead that a call's events made by mistake, if nobody has touched it.

    Telephony events may arrive out of order: ringing and ended first make an
    abandoned-call lead, then a late "accepted" shows the call was answered.
    The call must end in the same state whatever the order, so the lead it
    made is taken back: deleted with its timeline, its notifications
    withdrawn, an audit line kept. A lead someone has worked (a logged
    follow-up, a first response, a text, another call folded in, a merge) is
    a person's record now and stays; returns whether the lead was withdrawn.
    """
    locked = _locked(lead)
    untouched = (
        locked.status == Lead.Status.OPEN
        and locked.call_id == call.pk
        and locked.first_response_at is None
        and not LeadActivity.objects.filter(lead=locked, by__isnull=False).exists()
        and not Lead.objects.filter(merged_into=locked).exists()
        and not locked.messages.exists()
        and not Call.objects.filter(lead=locked).exclude(pk=call.pk).exists()
    )
    if not untouched:
        return False
    AuditEntry.record(
        actor=actor,
        entity="lead",
        entity_id=locked.pk,
        action="withdrawn",
        changes={"reason": reason, "call": call.pk, "type": locked.type, "phone": locked.phone},
    )
    notifications_withdraw(url=reverse("lead_detail", args=[locked.pk]))
    locked.delete()
    return True


@transaction.atomic
def lead_reopen(*, actor: Actor, lead: Lead) -> Lead:
    """A dismissed lead comes back to the queue, due today."""
    actor.require(Perm.WORK_LEADS)
    locked = _locked(lead)
    if locked.status != Lead.Status.DISMISSED:
        raise conflict(
            f"Lead {locked.pk} is {locked.status}; only a dismissed lead can be reopened.",
            "lead_not_dismissed",
        )
    if locked.merged_into_id is not None:
        raise conflict(
            f"Lead {locked.pk} was merged into lead {locked.merged_into_id}; work that one instead.",
            "lead_merged",
        )
    if locked.type == Lead.Type.ABANDONED_CALL and locked.phone:
        other = open_abandoned_lead(locked.phone, exclude_pk=locked.pk)
        if other is not None:
            raise conflict(
                f"Lead {other.pk} is already the open abandoned-call lead for {locked.phone}; "
                f"work that one (or merge this lead into it) instead.",
                "abandoned_lead_open",
            )
    locked.status = Lead.Status.OPEN
    locked.dismiss_reason = None
    locked.dismiss_note = ""
    locked.dismissed_at = None
    locked.follow_up_on = max(locked.follow_up_on, timezone.localdate())
    locked.save(
        update_fields=[
            "status",
            "dismiss_reason",
            "dismiss_note",
            "dismissed_at",
            "follow_up_on",
            "updated_at",
        ]
    )
    AuditEntry.record(actor=actor, entity="lead", entity_id=locked.pk, action="reopened")
    _system(actor, locked, "Reopened")
    return locked


def _check_link(customer: Customer | None, location: Location | None) -> Customer | None:
    if location is not None:
        if customer is None:
            return location.customer
        if location.customer_id != customer.pk:
            raise invalid("location_id", f"location {location.pk} is not one of this customer's")
    return customer


# Fields a CSR may edit on an open lead, by API name → model attribute.
EDITABLE = (
    "name",
    "phone",
    "email",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "summary",
    "campaign",
    "business_unit",
    "job_type",
    "priority",
    "assignee",
    "follow_up_on",
    "customer",
    "location",
    "technician",
    "start",
)


@transaction.atomic
def lead_update(
    *, actor: Actor, lead: Lead, changes: Mapping[str, Any], tags: Sequence[Tag] | None = None
) -> Lead:
    """Edit an open lead: contact, classification, assignment, or link it to a
    customer and location (rule 1 still holds after the change)."""
    actor.require(Perm.WORK_LEADS)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "cannot be changed")
    locked = _locked(lead)
    _require_open(locked, "changed")
    contact_keys = {"name", "phone", "email", "street", "unit", "city", "state", "zip"}
    if contact_keys & set(changes):
        current = {k: getattr(locked, k) for k in contact_keys}
        current.update({k: v or "" for k, v in changes.items() if k in contact_keys})
        cleaned = normalize_contact(Contact(**current))
        changes = {**changes, **{k: cleaned[k] for k in contact_keys if k in changes}}
    merged = {k: getattr(locked, k) for k in EDITABLE} | dict(changes)
    errors: list[FieldError] = []
    if merged["priority"] not in Priority.values:
        errors.append(FieldError("priority", f"must be one of {', '.join(Priority.values)}"))
    if merged["follow_up_on"] is None:
        errors.append(FieldError("follow_up_on", "an open lead needs a follow-up date"))
    if locked.type == Lead.Type.MARKETING and merged["campaign"] is None:
        errors.append(FieldError("campaign_id", "a marketing lead needs its campaign"))
    if "customer" in changes or "location" in changes:
        merged["customer"] = _check_link(merged["customer"], merged["location"])
    if merged["customer"] is None and not merged["phone"] and not merged["email"]:
        message = "a phone or an email is required when no customer is linked"
        errors += [FieldError("contact.phone", message), FieldError("contact.email", message)]
    collect(errors)
    job_type_check(job_type=merged["job_type"], business_unit=merged["business_unit"])
    before = {k: _plain(getattr(locked, k)) for k in EDITABLE}
    assigned_by_before = locked.assigned_by
    for k in EDITABLE:
        setattr(locked, k, merged[k])
    diff = {k: [before[k], _plain(merged[k])] for k in EDITABLE if before[k] != _plain(merged[k])}
    if "assignee" in diff:
        # Whoever edits the assignee is a person, whatever a rule chose before.
        locked.assigned_by = Lead.AssignedBy.PERSON if locked.assignee_id else ""
        locked.assigned_at = timezone.now() if locked.assignee_id else None
        diff["assigned_by"] = [assigned_by_before, locked.assigned_by]
    locked.save()
    if "assignee" in diff and locked.assignee_id is not None:
        _tell_assigned(actor, [locked], locked.assignee_id)
    if tags is not None:
        old = sorted(t.name for t in locked.tags.all())
        locked.tags.set(tags)
        if old != sorted(t.name for t in tags):
            diff["tags"] = [old, sorted(t.name for t in tags)]
    if diff:
        AuditEntry.record(actor=actor, entity="lead", entity_id=locked.pk, action="updated", changes=diff)
    if "customer" in diff and locked.customer is not None:
        _system(actor, locked, f"Linked to customer {locked.customer.name}")
    edited = [EDIT_LABELS.get(k, k.replace("_", " ")) for k in diff if k not in ("customer", "location")]
    if edited:
        # The timeline says who changed what; the audit entry keeps the before and after.
        _system(actor, locked, f"Changed {', '.join(edited)}")
    return locked


EDIT_LABELS = {"name": "name", "follow_up_on": "follow-up date", "zip": "ZIP", "start": "planned start"}


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


@transaction.atomic
def lead_merge(*, actor: Actor, lead: Lead, other: Lead) -> Lead:
    """Fold a duplicate into ``lead``: blanks are filled from the other, whose
    timeline stays readable from this one; the other is closed as merged."""
    actor.require(Perm.WORK_LEADS)
    if other.pk == lead.pk:
        raise invalid("other_lead_id", "a lead cannot be merged into itself")
    # Lock in id order so two CSRs merging the same pair both ways cannot deadlock.
    rows = {
        row.pk: row
        for row in Lead.objects.select_for_update().filter(pk__in=[lead.pk, other.pk]).order_by("pk")
    }
    keep, gone = rows[lead.pk], rows[other.pk]
    _require_open(keep, "merged")
    if gone.status != Lead.Status.OPEN:
        raise conflict(f"Lead {gone.pk} is {gone.status}; only an open lead can be merged.", "lead_not_open")
    filled = []
    names = ["name", "phone", "email", "street", "unit", "city", "state", "zip", "summary"]
    names += ["business_unit_id", "job_type_id", "assignee_id", "technician_id", "start"]
    if keep.customer_id is None:
        # Customer and location travel together, so a location never lands on another's customer.
        names += ["customer_id", "location_id"]
    for name in names:
        if not getattr(keep, name) and getattr(gone, name):
            setattr(keep, name, getattr(gone, name))
            filled.append(name)
    keep.follow_up_on = min(keep.follow_up_on, gone.follow_up_on)
    keep.save()
    keep.tags.add(*gone.tags.all())
    gone.status = Lead.Status.DISMISSED
    gone.merged_into = keep
    gone.dismissed_at = timezone.now()
    gone.save(update_fields=["status", "merged_into", "dismissed_at", "updated_at"])
    # Leads merged into the other earlier now live here too, so one hop finds every timeline.
    Lead.objects.filter(merged_into=gone).update(merged_into=keep)
    # The other's calls (and their Leads tab rows) now act on the lead that stays open.
    Call.objects.filter(lead=gone).update(lead=keep, updated_at=timezone.now())
    AuditEntry.record(
        actor=actor,
        entity="lead",
        entity_id=keep.pk,
        action="merged",
        changes={"other": gone.pk, "filled": filled},
    )
    AuditEntry.record(
        actor=actor, entity="lead", entity_id=gone.pk, action="merged_into", changes={"into": keep.pk}
    )
    _system(actor, keep, f"Merged lead {gone.pk} into this one")
    _system(actor, gone, f"Merged into lead {keep.pk}")
    return keep


def lead_timeline(lead: Lead) -> list[LeadActivity]:
    """The lead's entries and those of leads merged into it; pinned first, then newest."""
    return list(
        LeadActivity.objects.filter(Q(lead_id=lead.pk) | Q(lead__merged_into_id=lead.pk)).select_related(
            "lead"
        )
    )


# --- conversion (DESIGN.md rule 4) ----------------------------------------------------------------


def _convert(
    *,
    actor: Actor,
    lead: Lead,
    customer: Customer | None,
    location: Location | None,
    new_customer: NewCustomer | None,
    new_location: Mapping[str, str] | None,
    business_unit: BusinessUnit | None,
    job_type: JobType | None,
    priority: str | None,
    start: datetime | None,
    technician: Employee | None,
    summary: str = "",
    overbook: bool = False,
) -> Job:
    locked = _locked(lead)
    _require_open(locked, "converted")
    business_unit = business_unit or locked.business_unit
    job_type = job_type or locked.job_type
    # What the lead is already linked to stands unless the CSR picks or describes another.
    if customer is None and new_customer is None and location is None:
        customer = locked.customer
    if (
        location is None
        and new_location is None
        and customer is not None
        and customer.pk == locked.customer_id
    ):
        location = locked.location
    errors: list[FieldError] = []
    if business_unit is None:
        errors.append(FieldError("business_unit_id", "is required to book the job"))
    if job_type is None:
        errors.append(FieldError("job_type_id", "is required to book the job"))
    customer, location = customer_location_for_job(
        contact=locked,
        customer=customer,
        new_customer=new_customer,
        location=location,
        new_location=new_location,
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
        start=start or locked.start,
        technician=technician or locked.technician,
        campaign=locked.campaign,
        summary=summary.strip() or locked.summary,
        tags=list(locked.tags.all()),
        lead_setting_employee=locked.lead_setting_employee,
        overbook=overbook,
    )
    locked.status = Lead.Status.CONVERTED
    locked.converted_job = job
    locked.converted_at = timezone.now()
    locked.customer, locked.location = customer, location
    locked.business_unit, locked.job_type = business_unit, job_type
    _first_response(locked, actor.employee)
    locked.save()
    AuditEntry.record(
        actor=actor, entity="lead", entity_id=locked.pk, action="converted", changes={"job": job.pk}
    )
    _system(actor, locked, f"Converted to job {job.number}")
    Call.objects.filter(lead=locked).resolve_follow_ups(
        resolution="booked", note=f"Lead {locked.pk} converted to job {job.number}"
    )
    _notify_source(locked, "lead.converted")
    return job


@transaction.atomic
def lead_convert(
    *,
    actor: Actor,
    lead: Lead,
    customer: Customer | None = None,
    location: Location | None = None,
    new_customer: NewCustomer | None = None,
    new_location: Mapping[str, str] | None = None,
    business_unit: BusinessUnit | None = None,
    job_type: JobType | None = None,
    priority: str | None = None,
    start: datetime | None = None,
    technician: Employee | None = None,
    summary: str = "",
    overbook: bool = False,
) -> Job:
    """Book the lead's job (with its invoice) and mark the lead converted, once.

    The customer and location are picked, taken from the lead, or created
    from the lead's contact fields. The lead row is locked first, so of two
    CSRs converting at once the second gets a 409; the one-to-one
    ``converted_job`` and the converted⇔job constraint guard the database.
    """
    actor.require(Perm.WORK_LEADS)
    actor.require(Perm.BOOK_JOBS)
    return _convert(
        actor=actor,
        lead=lead,
        customer=customer,
        location=location,
        new_customer=new_customer,
        new_location=new_location,
        business_unit=business_unit,
        job_type=job_type,
        priority=priority,
        start=start,
        technician=technician,
        summary=summary,
        overbook=overbook,
    )


# --- the Job screen's Create Lead flyout ----------------------------------------------------------


def local_start(start_date: date | None, start_time: time | None) -> datetime | None:
    """A date and a time of day in the office's time zone, as one moment."""
    errors = []
    if start_time is not None and start_date is None:
        errors.append(FieldError("start_date", "is required with a start time"))
    if start_date is not None and start_time is None:
        errors.append(FieldError("start_time", "is required with a start date"))
    collect(errors)
    if start_date is None or start_time is None:
        return None
    combined = datetime.combine(start_date, start_time)
    # A time with an offset ("09:00:00Z", "09:00-06:00") is read as given; a
    # bare time of day is the office's.
    return combined if timezone.is_aware(combined) else timezone.make_aware(combined)


@transaction.atomic
def lead_capture_from_job(
    *,
    actor: Actor,
    job: Job,
    business_unit: BusinessUnit | None = None,
    job_type: JobType | None = None,
    priority: str | None = None,
    start_date: date | None = None,
    start_time: time | None = None,
    lead_setting_employee: Employee | None = None,
    technician: Employee | None = None,
    summary: str = "",
    tags: Sequence[Tag] = (),
    book: bool = False,
    overbook: bool = False,
) -> tuple[Lead, Job | None]:
    """A job-generated lead for the job's customer and location. **Book**
    books the new job now (crediting the lead setter) and marks the lead
    converted; otherwise it is saved for follow-up, due on its start date."""
    start = local_start(start_date, start_time)
    check_technician(technician, "technician_id")
    if book:
        missing = [
            FieldError(name, "is required to book the job")
            for name, value in (("business_unit_id", business_unit), ("job_type_id", job_type))
            if value is None
        ]
        collect(missing)
    lead = lead_capture(
        actor=actor,
        type=Lead.Type.JOB_GENERATED,
        contact=Contact(name=job.customer.name),
        origin_job=job,
        customer=job.customer,
        location=job.location,
        lead_setting_employee=lead_setting_employee or actor.employee,
        technician=technician,
        start=start,
        business_unit=business_unit,
        job_type=job_type,
        priority=priority,
        summary=summary,
        tags=tags,
        follow_up_on=start_date,
        with_matches=False,
    ).lead
    if not book:
        return lead, None
    new_job = _convert(
        actor=actor,
        lead=lead,
        customer=job.customer,
        location=job.location,
        new_customer=None,
        new_location=None,
        business_unit=None,
        job_type=None,
        priority=None,
        start=None,
        technician=None,
        overbook=overbook,
    )
    return lead, new_job
