"""Call workflows: telephony events, classification, and what CSRs do with a
call (accept, close, book, follow up). DESIGN.md rules 2, 3 and 7 live here.

Durations (the 60-second rules), decided once:

* an answered call's duration is its talk time, ``accepted_at`` → ``ended_at``;
* an abandoned call's duration is how long the caller waited, ``rang_at`` →
  ``ended_at``. Without a ``rang_at`` (the ringing event has not arrived) the
  duration is unknown, and an unknown duration never makes a lead; when the
  late ringing event arrives the call is classified again.

The provider may send events in any order and more than once. Each event
only fills what is still empty (the first ``at`` of each kind wins), so a
repeat changes nothing and the row converges on the same state whatever
the order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration
from accounts.roles import Perm
from calls.models import Call
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from catalog.services import campaign_for_number, dismiss_reason_check
from core.errors import conflict, forbidden, invalid
from core.models import AuditEntry
from core.pagination import Sorting, SortOption
from core.phones import format_phone, try_normalize_phone
from core.prepared import Prepared, PreparedIn, insert_unless_conflict, set_prefetched_children, update
from core.refs import resolve
from customers.models import ContactPoint, Customer, Location
from customers.services import REACHABLE_LIMIT, customers_reachable
from jobs.models import Job
from jobs.services import job_book
from leads.models import Lead, LeadActivity
from leads.services import (
    Contact,
    lead_add_activity,
    lead_capture,
    lead_convert,
    lead_dismiss,
    lead_follow_up,
    lead_withdraw_untouched,
    open_abandoned_lead,
)
from notifications.services import QUEUE_ROLES, notify, notify_roles

# DESIGN.md rule 7: the trade's line between a real conversation or a real
# wait and a hang-up.
LEAD_SECONDS = 60

EVENTS = ("ringing", "accepted", "ended")
# A provider's recording callback (Twilio, CallRail) attaches the recording without ending the call.
PROVIDER_EVENTS = (*EVENTS, "recording")

# Sent (after commit) when a call is first classified abandoned: missed-call
# text-back listens (``messaging``), so calls need not know who does what with it.
call_abandoned = Signal()

# The demo's and simulate_calls' recordings: ".invalid" never resolves, so the
# recording view plays the short bundled audio file for it instead of fetching.
DEMO_RECORDING_URL = "https://recordings.leadline.invalid/demo-call.wav"

# A ringing call older than this with no further event is a lost event, not a
# caller still waiting: it stops showing as a bubble.
RINGING_STALE_SECONDS = 15 * 60

C = Call.Classification


# --- classification (pure) -------------------------------------------------


def call_duration(call: Call) -> int | None:
    """Seconds of talk (answered) or of waiting (abandoned); ``None`` while unknown."""
    if call.ended_at is None:
        return None
    start = call.accepted_at or call.rang_at
    if start is None:
        return None
    return max(0, int((call.ended_at - start).total_seconds()))


def call_classify(call: Call) -> str:
    """The call's classification from what is known of it (DESIGN.md rule 7).

    In order of precedence:

    1. a job booked during the call → ``booked``;
    2. excused by a manager → ``excused``;
    3. closed with a call reason that is not a lead → ``not_lead``;
    4. not ended yet → ``in_progress``;
    5. never accepted → ``abandoned``;
    6. accepted and under 60 s of talk (accepted → ended) → ``excused``;
    7. accepted, 60 s or more, no job → ``unbooked``.

    Pure: reads only the row's own fields (``call_reason`` must be loaded
    when ``call_reason_id`` is set).
    """
    if call.job_id is not None:
        return C.BOOKED
    if call.excused_by_id is not None:
        return C.EXCUSED
    if call.call_reason_id is not None and not call.call_reason.is_lead:  # type: ignore[union-attr]
        return C.NOT_LEAD
    if call.ended_at is None:
        return C.IN_PROGRESS
    if call.accepted_at is None:
        return C.ABANDONED
    duration = call_duration(call) or 0
    if duration < LEAD_SECONDS:
        return C.EXCUSED
    return C.UNBOOKED


def makes_abandoned_lead(call: Call) -> bool:
    """An abandoned call *longer than* 60 s of waiting becomes a lead (60 s does not)."""
    duration = call_duration(call)
    return (
        call_classify(call) == C.ABANDONED
        and duration is not None
        and duration > LEAD_SECONDS
        and bool(call.from_number)
    )


# --- telephony events -------------------------------------------------------


def _agent(agent_id: int | None) -> Employee:
    if agent_id is None:
        raise invalid("agent_id", "is required for an accepted event")
    employee = resolve(Employee, agent_id, "agent_id")
    assert employee is not None
    return employee


# Every call event reads its call this way: compiled once (core.prepared).
_LOCKED_CALL = Prepared(
    lambda provider_id, provider_call_id: (
        Call.objects.select_for_update(of=("self",))
        .select_related("call_reason", "campaign", "customer")
        .filter(provider_id=provider_id, provider_call_id=provider_call_id)[:1]
    ),
    provider_id=int,
    provider_call_id=str,
)


def _locked_call(*, provider: Integration, provider_call_id: str) -> Call | None:
    # The abandoned-call path reads the campaign, the matched customer and the
    # provider: fetched with the row, so the hottest path pays no lazy loads.
    call = _LOCKED_CALL.first(provider_id=provider.pk, provider_call_id=provider_call_id)
    if call is not None:
        call.provider = provider
    return call


def _new_call(
    *,
    provider: Integration,
    provider_call_id: str,
    from_number: str,
    to_number: str,
    event: str,
    at: datetime,
    agent: Employee | None = None,
    recording_url: str = "",
) -> Call:
    """The unsaved call a first event describes, classified."""
    campaign = campaign_for_number(to_number) if to_number else None
    # One match is a safe guess for the screen; several are left for the CSR to choose.
    matched = customers_reachable(phone=from_number)[:2] if from_number else []
    call = Call(
        provider=provider,
        provider_call_id=provider_call_id,
        from_number=from_number,
        to_number=to_number,
        campaign=campaign,
        unknown_tracking_number=campaign is None,
        customer=matched[0] if len(matched) == 1 else None,
    )
    _apply_event(call, event=event, at=at, agent=agent, recording_url=recording_url)
    call.duration_seconds, call.classification = call_duration(call), call_classify(call)
    return call


def call_event_record(
    *,
    actor: Actor,
    provider_call_id: str,
    event: str,
    at: datetime | None = None,
    from_number: str = "",
    to_number: str = "",
    agent_id: int | None = None,
    recording_url: str = "",
) -> Call:
    """Merge one telephony event into its call; create the call when it is new.

    Only an integration (the call's provider) posts events; numbers arrive
    already in E.164 (the API normalises them). Idempotent by call id and
    event: each event fills only what is still empty.

    A call's first event, "ringing", almost always names a call nobody has
    stored: it is one ``INSERT … ON CONFLICT DO NOTHING``, with no transaction
    and no lock (4 statements with the key, not 7). Any other event, or a
    ringing that finds its call stored (a retry, events out of order), merges
    into the row under its lock, in a transaction.
    """
    provider = actor.integration
    if provider is None:
        raise forbidden("Call events come from a telephony integration's key.")
    if event not in PROVIDER_EVENTS:
        raise invalid("event", f"must be one of {', '.join(EVENTS)}")
    provider_call_id = provider_call_id.strip()
    if not provider_call_id:
        raise invalid("provider_call_id", "is required")
    at = at or timezone.now()
    if event == "ringing":
        new = _new_call(
            provider=provider,
            provider_call_id=provider_call_id,
            from_number=from_number,
            to_number=to_number,
            event=event,
            at=at,
            recording_url=recording_url,
        )
        if insert_unless_conflict(new):
            return new
    return _merge_event(
        actor=actor,
        provider=provider,
        provider_call_id=provider_call_id,
        event=event,
        at=at,
        from_number=from_number,
        to_number=to_number,
        agent_id=agent_id,
        recording_url=recording_url,
    )


@transaction.atomic
def _merge_event(
    *,
    actor: Actor,
    provider: Integration,
    provider_call_id: str,
    event: str,
    at: datetime,
    from_number: str,
    to_number: str,
    agent_id: int | None,
    recording_url: str,
) -> Call:
    agent = _agent(agent_id) if event == "accepted" else None
    call = _locked_call(provider=provider, provider_call_id=provider_call_id)
    if call is None:
        # A call whose first word is not "ringing" (a missed ringing, a recording).
        new = _new_call(
            provider=provider,
            provider_call_id=provider_call_id,
            from_number=from_number,
            to_number=to_number,
            event=event,
            at=at,
            agent=agent,
            recording_url=recording_url,
        )
        if not insert_unless_conflict(new):
            # Another event for the same new call won the race: merge into its row.
            call = _locked_call(provider=provider, provider_call_id=provider_call_id)
            if call is None:
                raise IntegrityError(f"call {provider_call_id!r} could not be stored")
        else:
            if new.ended_at is not None:
                # Classified before the INSERT: ``_reclassify`` sees no change, so say it here.
                if new.classification == C.ABANDONED:
                    transaction.on_commit(lambda: call_abandoned.send(sender=Call, call_id=new.pk))
                _reclassify(new, actor=actor, changed=[])
            return new
    changed = _apply_event(call, event=event, at=at, agent=agent, recording_url=recording_url)
    if from_number and not call.from_number:
        call.from_number = from_number
        changed.append("from_number")
    if to_number and not call.to_number:
        # The call was first made by a callback that did not carry the numbers (a recording).
        call.to_number = to_number
        call.campaign = campaign_for_number(to_number)
        call.unknown_tracking_number = call.campaign is None
        changed += ["to_number", "campaign", "unknown_tracking_number"]
    if changed:
        _reclassify(call, actor=actor, changed=changed)
    return call


def _apply_event(
    call: Call, *, event: str, at: datetime, agent: Employee | None = None, recording_url: str = ""
) -> list[str]:
    """Fill what the event tells and is still empty; the fields changed."""
    changed: list[str] = []
    if event == "ringing" and call.rang_at is None:
        call.rang_at = at
        changed.append("rang_at")
    elif event == "accepted" and call.accepted_at is None:
        call.accepted_at, call.accepted_by = at, agent
        changed += ["accepted_at", "accepted_by"]
    elif event == "ended" and call.ended_at is None:
        call.ended_at = at
        changed.append("ended_at")
    if event in ("ended", "recording") and recording_url and not call.recording_url:
        call.recording_url = recording_url
        changed.append("recording_url")
    return changed


# --- what follows a change: classification, the abandoned-call lead, the queue


def _reclassify(call: Call, *, actor: Actor, changed: list[str]) -> None:
    """Classify again and save; make, fold or take back the abandoned-call lead.

    The same events in any order end in the same call: a late "accepted"
    (ringing and ended came first and made an abandoned-call lead) takes the
    lead back as if it had never been made, unless a person has already
    worked it (``_answered_after_all``).
    """
    before = call.classification
    call.duration_seconds = call_duration(call)
    call.classification = call_classify(call)
    changed = [*changed, "duration_seconds", "classification"]
    if before == C.ABANDONED and call.classification != C.ABANDONED and call.lead is not None:
        changed += _answered_after_all(call, actor=actor)
    if call.lead_id is None and makes_abandoned_lead(call):
        _abandoned_lead(call)
        changed += ["lead", "follow_up_at"]
    elif call.classification == C.UNBOOKED and call.lead_id is None and call.follow_up_at is None:
        call.follow_up_at = call.ended_at or timezone.now()
        changed.append("follow_up_at")
    if not _in_queue(call) and call.follow_up_at is not None and call.follow_up_resolved_at is None:
        call.follow_up_resolved_at = timezone.now()
        call.follow_up_resolution = "lead_captured" if call.lead_id is not None else call.classification
        changed += ["follow_up_resolved_at", "follow_up_resolution"]
    # The UPDATE compiled once per set of fields (core.prepared.update): an event
    # of a stored call is one, on the intake's hot path.
    update(call, [*dict.fromkeys(changed), "updated_at"])
    if before != C.ABANDONED and call.classification == C.ABANDONED:
        transaction.on_commit(lambda: call_abandoned.send(sender=Call, call_id=call.pk))


def _answered_after_all(call: Call, *, actor: Actor) -> list[str]:
    """A call taken as abandoned turned out answered: undo what abandoning did.

    * The lead this call made, untouched by anyone: withdrawn (deleted), so
      the call ends as if "accepted" had arrived in order.
    * A lead this call was folded into (another call made it): the call
      leaves it, with a line on its timeline.
    * A lead someone has worked: it stays, and its timeline says why the
      call no longer looks abandoned.
    The fields changed on the call are returned.
    """
    lead = call.lead
    assert lead is not None
    if lead.type != Lead.Type.ABANDONED_CALL:
        return []
    said = f"Call {call.pk} turned out to be answered ({call.get_classification_display()})"
    if lead.call_id == call.pk and not lead_withdraw_untouched(
        actor=Actor(integration=call.provider, system=True), lead=lead, call=call, reason=said
    ):
        lead_add_activity(actor=actor, lead=lead, kind=LeadActivity.Kind.SYSTEM, text=f"{said}.", call=call)
        return []
    if lead.call_id != call.pk:
        lead_add_activity(
            actor=actor,
            lead=lead,
            kind=LeadActivity.Kind.SYSTEM,
            text=f"{said}; it no longer counts on this lead.",
            call=call,
        )
    call.lead = None
    call.follow_up_at = call.follow_up_resolved_at = None
    call.follow_up_resolution = ""
    return ["lead", "follow_up_at", "follow_up_resolved_at", "follow_up_resolution"]


def _in_queue(call: Call) -> bool:
    """Whether the Leads tab should show the call (before anyone resolves it)."""
    if call.classification == C.UNBOOKED:
        return call.lead_id is None
    if call.classification == C.ABANDONED:
        return call.lead_id is not None and call.follow_up_at is not None
    return False


def _abandoned_lead(call: Call) -> None:
    """The abandoned-call lead for a long unanswered call, or the caller's open one.

    A repeat abandoned call from a number that already has an open
    abandoned-call lead adds to that lead's timeline and moves the lead's
    queue row to the top, instead of making a second lead.
    """
    system = Actor(integration=call.provider, system=True)
    # Under a lock on the number: concurrent calls from one caller fold into one lead.
    existing = open_abandoned_lead(call.from_number)
    if existing is not None:
        lead_add_activity(
            actor=system,
            lead=existing,
            kind=LeadActivity.Kind.CALL,
            text=f"Called again and hung up after {call.duration_seconds} s unanswered.",
            call=call,
        )
        call.lead = existing
        Call.objects.filter(lead=existing, follow_up_resolved_at__isnull=True).exclude(
            follow_up_at__isnull=True
        ).update(follow_up_at=call.ended_at)
        return
    result = lead_capture(
        actor=system,
        type=Lead.Type.ABANDONED_CALL,
        contact=Contact(phone=call.from_number),
        call=call,
        campaign=call.campaign,
        customer=call.customer,
        summary=f"Abandoned call: waited {call.duration_seconds} s and hung up.",
        with_matches=False,
    )
    call.lead = result.lead
    call.follow_up_at = call.ended_at
    _notify_abandoned(result.lead, call)


def _notify_abandoned(lead: Lead, call: Call) -> None:
    """Tell whoever owns the new abandoned-call lead, or the queue when nobody does; once."""
    text = f"Abandoned call from {format_phone(call.from_number)}: waited {call.duration_seconds} s"
    url, key = reverse("lead_detail", args=[lead.pk]), f"abandoned_call:{lead.pk}"
    if lead.assignee_id is not None:
        notify(employees=[lead.assignee_id], kind="abandoned_call", text=text, url=url, key=key, count=False)
    else:
        notify_roles(roles=QUEUE_ROLES, kind="abandoned_call", text=text, url=url, key=key)


# --- what CSRs do -----------------------------------------------------------


@transaction.atomic
def call_accept(*, actor: Actor, call: Call, takeover: bool = False) -> Call:
    """A CSR takes the call (clicks its bubble): the same change a provider's
    ``accepted`` event makes. Taking over another CSR's call needs ``takeover``."""
    actor.require(Perm.WORK_LEADS)
    employee = actor.employee
    if employee is None:
        raise forbidden("Only an employee can take a call.")
    locked = _lock(call)
    if locked.closed_at is not None or locked.ended_at is not None:
        raise conflict("This call has already ended.", code="call_ended")
    if locked.accepted_by_id == employee.pk:
        return locked
    if locked.accepted_by_id is not None:
        if not takeover:
            raise conflict(
                f"{locked.accepted_by} already has this call; confirm to take it over.",
                code="call_taken",
            )
        previous = locked.accepted_by
        locked.accepted_by = employee
        locked.save(update_fields=["accepted_by", "updated_at"])
        _audit(actor, locked, "taken_over", {"from": previous.name if previous else None})
        return locked
    # The same change as the provider's "accepted" event, which may follow and then changes nothing.
    changed = _apply_event(locked, event="accepted", at=timezone.now(), agent=employee)
    _reclassify(locked, actor=actor, changed=changed)
    _audit(actor, locked, "accepted", {})
    return locked


@dataclass(frozen=True)
class LeadDetails:
    """What the CSR typed to capture a lead from a call (POST /leads body)."""

    type: str = Lead.Type.MARKETING
    contact: Contact = field(default_factory=Contact)
    campaign: Campaign | None = None
    customer: Customer | None = None
    location: Location | None = None
    summary: str = ""
    business_unit: BusinessUnit | None = None
    job_type: JobType | None = None
    priority: str | None = None
    tags: Sequence[Tag] = ()
    follow_up_on: date | None = None
    assignee: Employee | None = None


@dataclass
class CloseResult:
    call: Call
    lead: Lead | None
    warnings: list[str] = field(default_factory=list)


def close_reason_check(*, call_reason: CallReason | None, capture: bool) -> CallReason:
    """The reason a call closes with: required, active, and a lead reason when a
    lead is captured. Pages check it before they ask about the location, so a
    reason that cannot capture a lead is refused first, not after a confirmation."""
    if call_reason is None:
        raise invalid("call_reason_id", "is required to close a call")
    if not call_reason.active:
        raise invalid("call_reason_id", f"'{call_reason}' is inactive", code="inactive_reference")
    if capture and not call_reason.is_lead:
        raise invalid("call_reason_id", f"'{call_reason}' is not a lead reason, so no lead can be captured")
    return call_reason


def close_needs_location_confirmation(
    *, call: Call, details: LeadDetails | None, location: Location | None = None
) -> bool:
    """Rule 3: closing without a location record asks first (and then allows it)."""
    return call.location_id is None and location is None and (details is None or details.location is None)


def _capture(*, actor: Actor, call: Call, reason: CallReason, details: LeadDetails) -> tuple[Lead, list[str]]:
    result = lead_capture(
        actor=actor,
        type=details.type,
        contact=details.contact,
        campaign=details.campaign,
        call=call,
        customer=details.customer,
        location=details.location,
        summary=details.summary,
        business_unit=details.business_unit,
        job_type=details.job_type,
        priority=details.priority,
        tags=details.tags,
        follow_up_on=details.follow_up_on,
        call_reason=reason,
        assignee=details.assignee,
        with_matches=False,
    )
    lead = result.lead
    call.lead = lead
    if lead.customer_id is not None and call.customer_id is None:
        call.customer_id = lead.customer_id
    if lead.location_id is not None and call.location_id is None:
        call.location_id = lead.location_id
    return lead, result.warnings


@transaction.atomic
def call_close(
    *,
    actor: Actor,
    call: Call,
    call_reason: CallReason | None,
    lead: LeadDetails | None = None,
    location: Location | None = None,
    confirm_without_location: bool = False,
) -> CloseResult:
    """Close a call with its reason, capturing a lead when the reason is a lead.

    A reason that is not a lead closes the call as ``not_lead`` and captures
    nothing. Closing without a location is allowed (rule 3); the result
    carries a warning, and pages ask first with
    ``close_needs_location_confirmation``.
    """
    actor.require(Perm.WORK_LEADS)
    locked = _lock(call)
    if locked.closed_at is not None:
        raise conflict("This call is already closed.", code="call_closed")
    call_reason = close_reason_check(call_reason=call_reason, capture=lead is not None)
    warnings: list[str] = []
    captured: Lead | None = None
    if location is not None:
        locked.location, locked.customer = location, location.customer
    if lead is not None:
        captured, warnings = _capture(actor=actor, call=locked, reason=call_reason, details=lead)
    elif locked.location_id is None:
        warnings.append("No location record: the call was closed without one.")
    if locked.location_id is None and not confirm_without_location:
        warnings.append(
            "confirm_without_location was not set; the call was closed without a location anyway."
        )
    locked.call_reason = call_reason
    locked.closed_at = timezone.now()
    _reclassify(
        locked,
        actor=actor,
        changed=["call_reason", "closed_at", "lead", "customer", "location"],
    )
    _audit(actor, locked, "closed", {"reason": call_reason.name, "lead": captured.pk if captured else None})
    return CloseResult(call=locked, lead=captured, warnings=warnings)


@transaction.atomic
def call_capture_lead(
    *, actor: Actor, call: Call, call_reason: CallReason | None, lead: LeadDetails
) -> tuple[Lead, list[str]]:
    """Capture a lead from a call after it was closed (the Leads tab's Capture lead)."""
    actor.require(Perm.WORK_LEADS)
    locked = _lock(call)
    if locked.lead_id is not None:
        raise conflict(f"This call already has lead {locked.lead_id}.", code="call_has_lead")
    reason = call_reason or locked.call_reason
    if reason is None:
        raise invalid("call_reason_id", "is required to capture a lead from a call")
    captured, warnings = _capture(actor=actor, call=locked, reason=reason, details=lead)
    _resolve_follow_up(locked, resolution="lead_captured", note="")
    locked.save(
        update_fields=[
            "lead",
            "customer",
            "location",
            "follow_up_resolved_at",
            "follow_up_resolution",
            "follow_up_note",
            "updated_at",
        ]
    )
    return captured, warnings


@transaction.atomic
def call_book_job(
    *,
    actor: Actor,
    call: Call,
    customer: Customer | None,
    location: Location | None,
    business_unit: BusinessUnit,
    job_type: JobType,
    priority: str | None = None,
    start: datetime | None = None,
    technician: Employee | None = None,
    summary: str = "",
    overbook: bool = False,
    takeover: bool = False,
    confirm_customer: bool = False,
) -> Job:
    """Book a job from a call: the job keeps the call's campaign and the call becomes ``booked``.

    A call another employee accepted (and usually closed) is theirs: booking
    through it needs ``takeover`` (409 ``call_taken``), which makes the call the
    booker's as the Calls screen's take-over does, audited. When the call's open
    lead names someone other than the chosen customer, booking asks first (409
    ``confirm_customer`` unless ``confirm_customer``), so one caller's lead is not
    converted into another customer's job by a slip in the customer list.

    A call with an open lead (captured from it, or its abandoned-call lead)
    books through ``lead_convert``, so the lead becomes converted and points at
    the job instead of staying open for follow-up. A call nobody answered is
    not booked *during* the call (``call_classify`` rule 1): it stays
    ``abandoned``, its queue row is resolved as booked and the job is reached
    through its lead, so abandoned-and-recovered calls stay countable.
    """
    actor.require(Perm.BOOK_JOBS)
    locked = _lock(call)
    if locked.job_id is not None:
        raise conflict(f"Job {locked.job_id} is already booked from this call.", code="call_booked")
    lead = locked.lead
    abandoned = locked.classification == C.ABANDONED
    if lead is not None and lead.status == Lead.Status.CONVERTED and abandoned:
        raise conflict(
            f"This call's lead {lead.pk} is already booked as job {lead.converted_job}.", code="call_booked"
        )
    _take_over_to_book(actor, locked, takeover=takeover)
    if lead is not None and lead.status == Lead.Status.OPEN and not confirm_customer:
        someone_else = lead_names_someone_else(lead, customer)
        if someone_else:
            raise conflict(
                f"Lead {lead.pk} names {someone_else}, not {customer}; confirm to book for {customer}.",
                code="confirm_customer",
            )
    if lead is not None and lead.status == Lead.Status.OPEN:
        job = lead_convert(
            actor=actor,
            lead=lead,
            customer=customer,
            location=location,
            business_unit=business_unit,
            job_type=job_type,
            priority=priority,
            start=start,
            technician=technician,
            summary=summary,
            overbook=overbook,
        )
    else:
        job = job_book(
            actor=actor,
            customer=customer,
            location=location,
            business_unit=business_unit,
            job_type=job_type,
            priority=priority,
            start=start,
            technician=technician,
            campaign=locked.campaign,
            summary=summary,
            overbook=overbook,
        )
    changed = ["customer", "location", "follow_up_resolved_at", "follow_up_resolution", "follow_up_note"]
    if not abandoned:
        locked.job = job
        changed.append("job")
    locked.customer, locked.location = job.customer, job.location
    _resolve_follow_up(locked, resolution="booked", note=f"Job {job.number} booked.")
    _reclassify(locked, actor=actor, changed=changed)
    return job


def _take_over_to_book(actor: Actor, call: Call, *, takeover: bool) -> None:
    employee = actor.employee
    owner_id = call.accepted_by_id
    if owner_id is None or (employee is not None and owner_id == employee.pk):
        return
    owner = call.accepted_by
    done = "accepted and closed" if call.closed_at is not None else "has"
    if not takeover or employee is None:
        raise conflict(
            f"{owner} {done} this call; take it over to book a job through it.",
            code="call_taken",
        )
    call.accepted_by = employee
    call.save(update_fields=["accepted_by", "updated_at"])
    _audit(actor, call, "taken_over", {"from": owner.name if owner else None, "to_book": True})


def _name_words(name: str) -> set[str]:
    return {w for w in re.split(r"[^\w]+", name.casefold()) if w}


def lead_names_someone_else(lead: Lead, customer: Customer | None) -> str:
    """Who the lead names when that is not ``customer`` (else ""): another linked
    customer, or a typed name whose words are not all in the customer's name
    ("Anh" and "Anh Smith" agree; "Bob Jones" and "Anh Smith" do not)."""
    if customer is None:
        return ""
    if lead.customer_id is not None:
        return "" if lead.customer_id == customer.pk else str(lead.customer)
    words = _name_words(lead.name)
    if not words or words <= _name_words(customer.name):
        return ""
    return lead.name.strip()


@transaction.atomic
def call_excuse(*, actor: Actor, call: Call, note: str) -> Call:
    """A manager excuses a finished call: it leaves the queue and counts as excused."""
    actor.require(Perm.EXCUSE_CALLS)
    locked = _lock(call)
    if not note.strip():
        raise invalid("note", "say why the call is excused")
    if locked.ended_at is None:
        raise conflict("A call still in progress cannot be excused.", code="call_in_progress")
    if locked.job_id is not None:
        raise conflict("A booked call cannot be excused.", code="call_booked")
    if locked.excused_by_id is not None:
        raise conflict("This call is already excused.", code="call_excused")
    locked.excused_by, locked.excuse_note = actor.employee, note.strip()
    _resolve_follow_up(locked, resolution="excused", note=note)
    _reclassify(
        locked,
        actor=actor,
        changed=[
            "excused_by",
            "excuse_note",
            "follow_up_resolved_at",
            "follow_up_resolution",
            "follow_up_note",
        ],
    )
    _audit(actor, locked, "excused", {"note": locked.excuse_note})
    return locked


@transaction.atomic
def call_dismiss_follow_up(*, actor: Actor, call: Call, reason: CallReason | None, note: str = "") -> Call:
    """Take a call off the Leads tab with a reason (no follow-up will come of it).

    A row with an open lead dismisses that lead (``lead_dismiss``, with the
    same reason), which takes every queue row of the lead off the tab.
    """
    actor.require(Perm.WORK_LEADS)
    reason = dismiss_reason_check(reason, what="the follow-up")
    locked = Call.objects.select_for_update(of=("self",)).select_related("lead").get(pk=call.pk)
    if locked.follow_up_at is None or locked.follow_up_resolved_at is not None:
        raise conflict("This call is not waiting for follow-up.", code="not_in_queue")
    text = f"Dismissed from the Leads tab: {reason}. {note}".strip()
    lead = locked.lead
    if lead is not None and lead.status == Lead.Status.OPEN:
        lead_dismiss(actor=actor, lead=lead, reason=reason, note=note)
    elif lead is not None:
        lead_add_activity(actor=actor, lead=lead, kind=LeadActivity.Kind.NOTE, text=text, call=locked)
    _resolve_follow_up(locked, resolution="dismissed", note=text)
    locked.save(
        update_fields=["follow_up_resolved_at", "follow_up_resolution", "follow_up_note", "updated_at"]
    )
    _audit(actor, locked, "follow_up_dismissed", {"reason": reason.name, "note": note})
    return locked


# A call-back's outcome (the Leads tab's Call back) and the follow-up outcome it logs on the lead.
CALLBACK_OUTCOMES = {
    "reached": LeadActivity.Outcome.SPOKE,
    "voicemail": LeadActivity.Outcome.LEFT_MESSAGE,
    "no_answer": LeadActivity.Outcome.NO_ANSWER,
}


@transaction.atomic
def call_back_attempt(*, actor: Actor, call: Call, outcome: str = "", note: str = "") -> Call:
    """Log a call-back attempt and its outcome (``reached``, ``voicemail``,
    ``no_answer``); the call stays on the Leads tab until it is resolved."""
    actor.require(Perm.WORK_LEADS)
    if outcome in CALLBACK_OUTCOMES:
        callback_outcome, outcome = outcome, CALLBACK_OUTCOMES[outcome]
    elif outcome and outcome not in LeadActivity.Outcome.values:
        raise invalid("outcome", f"must be one of {', '.join(CALLBACK_OUTCOMES)}")
    else:
        callback_outcome = next((k for k, v in CALLBACK_OUTCOMES.items() if v == outcome), "")
    locked = Call.objects.select_for_update(of=("self",)).select_related("lead").get(pk=call.pk)
    now = timezone.now()
    locked.callback_attempts += 1
    locked.last_callback_at = now
    locked.last_callback_outcome = callback_outcome
    locked.save(
        update_fields=["callback_attempts", "last_callback_at", "last_callback_outcome", "updated_at"]
    )
    if locked.lead is not None and locked.lead.status == Lead.Status.OPEN:
        # A call-back is the lead's follow-up: the same service stamps its first response.
        lead_follow_up(
            actor=actor,
            lead=locked.lead,
            note=note or f"Called back {locked.from_number}.",
            outcome=outcome,
            call=locked,
        )
    _audit(actor, locked, "called_back", {"attempt": locked.callback_attempts, "outcome": outcome})
    return locked


def _lock(call: Call) -> Call:
    # Only the call's own row is locked: PostgreSQL refuses FOR UPDATE on nullable joined rows.
    return Call.objects.select_for_update(of=("self",)).select_related("call_reason", "lead").get(pk=call.pk)


def _resolve_follow_up(call: Call, *, resolution: str, note: str) -> None:
    if call.follow_up_at is not None and call.follow_up_resolved_at is None:
        call.follow_up_resolved_at = timezone.now()
        call.follow_up_resolution = resolution
        call.follow_up_note = note.strip()


def _audit(actor: Actor, call: Call, action: str, changes: dict[str, object]) -> None:
    AuditEntry.record(actor=actor, entity="call", entity_id=call.pk, action=action, changes=changes)


# --- reads --------------------------------------------------------------------


@dataclass
class CallerMatches:
    customers: list[Customer] = field(default_factory=list)
    open_leads: list[Lead] = field(default_factory=list)
    recent_jobs: list[Job] = field(default_factory=list)


MATCH_LIMIT = 5
assert MATCH_LIMIT <= REACHABLE_LIMIT, "customers_reachable would cut the caller's customers short"
# What the Calls screen (calls/_panel.html) and GET /calls/{id} (MatchLeadOut,
# MatchJobOut) show of an open lead or a recent job. The lookup runs as the
# phone rings, and compiling and loading a lead's 30-odd columns was most of
# its time, so only these are read; any other field still loads on access
# (one query), which the panel and API tests would count.
MATCH_LEAD_FIELDS = ("id", "type", "status", "name", "phone", "customer_id", "campaign_id", "created_at")
MATCH_JOB_FIELDS = ("id", "customer_id", "location_id", "job_type_id", "status", "created_at")


# The lookup runs as the phone rings: its reads are compiled once per process
# (core.prepared), the jobs' once per number of customers matched (1 to MATCH_LIMIT).
_OPEN_LEADS_AT = Prepared(
    lambda phone: (
        Lead.objects.filter(status=Lead.Status.OPEN, phone=phone)
        .select_related("campaign")
        .only(*MATCH_LEAD_FIELDS)
        .order_by("-created_at", "-id")[:MATCH_LIMIT]
    ),
    phone=str,
)
_JOBS_OF = PreparedIn(
    lambda ids: (
        Job.objects.filter(customer_id__in=ids)
        .select_related("job_type")
        .only(*MATCH_JOB_FIELDS)
        .order_by("-created_at", "-id")[:MATCH_LIMIT]
    ),
    most=MATCH_LIMIT,
)
# What prefetch_related("locations", "contacts") would read (their models' own order).
_LOCATIONS_OF = PreparedIn(lambda ids: Location.objects.filter(customer_id__in=ids), most=MATCH_LIMIT)
_CONTACTS_OF = PreparedIn(lambda ids: ContactPoint.objects.filter(customer_id__in=ids), most=MATCH_LIMIT)


def caller_matches(*, phone: str) -> CallerMatches:
    """Who may be calling: customers with this number among their phones (with
    their locations), open leads at it and those customers' recent jobs."""
    if not phone:
        return CallerMatches()
    customers = customers_reachable(phone=phone)[:MATCH_LIMIT]
    ids = [c.pk for c in customers]
    set_prefetched_children(customers, "locations", _LOCATIONS_OF.all(ids))
    set_prefetched_children(customers, "contacts", _CONTACTS_OF.all(ids))
    leads = _OPEN_LEADS_AT.all(phone=phone)
    return CallerMatches(customers=customers, open_leads=leads, recent_jobs=_recent_jobs(customers))


def _recent_jobs(customers: list[Customer]) -> list[Job]:
    """The customers' latest jobs, each with its job type, and its customer and
    location taken from ``customers`` (already loaded with their locations)
    rather than joined again."""
    if not customers:
        return []
    by_id = {c.pk: c for c in customers}
    jobs = _JOBS_OF.all(list(by_id))
    locations = {loc.pk: loc for c in customers for loc in c.locations.all()}
    # A job's location is its customer's (jobs.services checks it); should one
    # not be, it is read here rather than lazily, one query per job, later.
    missing = {j.location_id for j in jobs} - locations.keys()
    if missing:
        locations.update(Location.objects.in_bulk(missing))
    for job in jobs:
        job.customer = by_id[job.customer_id]
        job.location = locations[job.location_id]
    return jobs


def calls_ringing() -> QuerySet[Call]:
    """The incoming bubbles: ringing, nobody has it yet, not hung up."""
    since = timezone.now() - timedelta(seconds=RINGING_STALE_SECONDS)
    return (
        Call.objects.filter(accepted_at__isnull=True, ended_at__isnull=True, rang_at__gte=since)
        .select_related("campaign", "customer")
        .order_by("-rang_at")
    )


QUEUE_KINDS = {"abandoned": C.ABANDONED, "unbooked": C.UNBOOKED}


def calls_follow_up_queue(*, kind: str | None = None) -> QuerySet[Call]:
    """The dashboard's Leads tab: abandoned-call leads and unbooked calls still to
    follow up; ``kind`` ("abandoned" or "unbooked") keeps one of the two."""
    qs = Call.objects.awaiting_follow_up()
    if kind:
        if kind not in QUEUE_KINDS:
            raise invalid("kind", f"must be one of {', '.join(QUEUE_KINDS)}")
        qs = qs.filter(classification=QUEUE_KINDS[kind])
    return qs.select_related("campaign", "lead", "accepted_by", "customer").order_by("-follow_up_at", "-id")


# The calls list's sortable columns (each has its index on PostgreSQL: calls migration 0004).
CALL_SORTING = Sorting(
    options={
        "time": SortOption(fields=("created_at",), descending_first=True),
        "duration": SortOption(fields=("duration_seconds",), descending_first=True),
    },
    default="-time",
)


def calls_filtered(
    *,
    classification: str | None = None,
    campaign_id: int | None = None,
    agent_id: int | None = None,
    min_duration: int | None = None,
    number: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Call]:
    """The calls list's filters, shared by the page and ``GET /calls``."""
    qs = Call.objects.select_related("campaign", "accepted_by", "call_reason")
    if classification:
        # One value, or several comma-separated (the scorecard's lead calls: booked,unbooked).
        wanted = [c.strip() for c in classification.split(",") if c.strip()]
        if not wanted or any(c not in C.values for c in wanted):
            raise invalid("classification", f"must be one of {', '.join(C.values)}")
        qs = qs.filter(classification__in=wanted) if len(wanted) > 1 else qs.filter(classification=wanted[0])
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if agent_id is not None:
        qs = qs.filter(accepted_by_id=agent_id)
    if min_duration is not None:
        if min_duration < 0:
            raise invalid("min_duration", "must be 0 or more seconds")
        qs = qs.filter(duration_seconds__gte=min_duration)
    if number:
        e164 = try_normalize_phone(number)
        if e164 is None:
            raise invalid("number", f"'{number}' is not a phone number")
        qs = qs.filter(Q(from_number=e164) | Q(to_number=e164))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs
