"""Lead workflows. Pages, the API, calls and bookings all capture through
``lead_capture``, so the rules of DESIGN.md 1–3 live here once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee
from accounts.roles import Perm
from bookings.models import Booking
from calls.models import Call
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from catalog.services import job_type_check
from core.choices import Priority
from core.errors import DomainError, FieldError, collect, forbidden, invalid
from core.models import AuditEntry
from core.phones import normalize_email, normalize_phone
from customers.models import Customer, Location
from customers.services import customers_matching
from jobs.models import Job
from leads.models import Lead, LeadActivity

MATCH_LIMIT = 5


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


def lead_matches(*, phone: str, email: str, exclude_pk: int | None = None) -> Matches:
    """Customers reachable at this phone or email, and open leads that look like the same person."""
    if not phone and not email:
        return Matches()
    customers = list(
        customers_matching(phone=phone or None, email=email or None).prefetch_related("contacts")[
            :MATCH_LIMIT
        ]
    )
    leads_qs = Lead.objects.filter(status=Lead.Status.OPEN)
    if phone and email:
        leads_qs = leads_qs.filter(phone=phone) | leads_qs.filter(email=email)
    elif phone:
        leads_qs = leads_qs.filter(phone=phone)
    else:
        leads_qs = leads_qs.filter(email=email)
    if exclude_pk is not None:
        leads_qs = leads_qs.exclude(pk=exclude_pk)
    return Matches(
        customers=customers, open_leads=list(leads_qs.order_by("-created_at", "-id")[:MATCH_LIMIT])
    )


def _check_capture_permission(actor: Actor, *, type: str, origin_job: Job | None) -> None:
    if actor.integration is not None or actor.can(Perm.WORK_LEADS):
        return
    if type == Lead.Type.JOB_GENERATED and actor.can(Perm.SET_LEADS_ON_OWN_JOBS):
        if (
            origin_job is not None
            and actor.employee is not None
            and origin_job.technician_id == actor.employee.pk
        ):
            return
        raise forbidden("A technician may create leads only from jobs assigned to them.")
    raise forbidden("Your role may not capture leads.")


@transaction.atomic
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
    with_matches: bool = True,
) -> CaptureResult:
    """Capture a lead with whatever is known (DESIGN.md rules 1–3).

    A way to reach the person (phone or email) is required unless a customer
    is linked; missing name/phone/city and a missing location are warnings.
    From a call, the call reason must be an active lead reason and the
    campaign defaults to the call's.
    """
    _check_capture_permission(actor, type=type, origin_job=origin_job)
    if type not in Lead.Type.values:
        raise invalid("type", f"must be one of {', '.join(Lead.Type.values)}")
    cleaned = normalize_contact(contact)

    errors: list[FieldError] = []
    if origin_job is not None and customer is None:
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

    lead = Lead.objects.create(
        type=type,
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
        created_by=actor.employee,
        created_by_integration=actor.integration,
    )
    if tags:
        lead.tags.set(tags)
    AuditEntry.record(
        actor=actor, entity="lead", entity_id=lead.pk, action="captured", changes={"type": type}
    )
    matches = (
        lead_matches(phone=cleaned["phone"], email=cleaned["email"], exclude_pk=lead.pk)
        if with_matches
        else Matches()
    )
    return CaptureResult(
        lead=lead,
        warnings=capture_warnings(contact=cleaned, customer=customer, location=location),
        matches=matches,
    )


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
