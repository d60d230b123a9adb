from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from core.choices import Priority
from customers.models import ContactInfo


def sla_due_soon() -> timedelta:
    return timedelta(minutes=getattr(settings, "LEADLINE_SLA_DUE_SOON_MINUTES", 15))


def sla_status(lead: Lead, now: datetime | None = None) -> str:
    """``none`` (no SLA), ``met`` / ``breached`` once answered (or closed), else
    ``on_time``, ``due_soon`` (within LEADLINE_SLA_DUE_SOON_MINUTES) or ``breached``."""
    due = lead.first_response_due_at
    if due is None:
        return "none"
    answered = lead.first_response_at
    if answered is None and lead.status != Lead.Status.OPEN:
        # Closed without a response (dismissed, merged): the clock stopped then.
        answered = lead.dismissed_at or lead.converted_at or lead.updated_at
    if answered is not None:
        return "met" if answered <= due else "breached"
    now = now or timezone.now()
    if now > due:
        return "breached"
    return "due_soon" if due - now <= sla_due_soon() else "on_time"


def sla_met_q() -> Q:
    """``sla_status == "met"`` in SQL (the scorecard's SLA met %, the leads list's
    ``sla=met``): answered by the due time, or closed unanswered before it."""
    closed_at = Coalesce("dismissed_at", "converted_at", "updated_at")
    return Q(first_response_due_at__isnull=False) & (
        Q(first_response_at__lte=F("first_response_due_at"))
        | (
            Q(first_response_at__isnull=True)
            & ~Q(status="open")
            & Q(LessThanOrEqual(closed_at, F("first_response_due_at")))
        )
    )


def sla_decided_q(now: datetime) -> Q:
    """Leads whose SLA is ``met`` or ``breached`` at ``now`` (not ``none``, not still running)."""
    return Q(first_response_due_at__isnull=False) & (
        Q(first_response_at__isnull=False) | ~Q(status="open") | Q(first_response_due_at__lt=now)
    )


def sla_breached_q(now: datetime) -> Q:
    return sla_decided_q(now) & ~sla_met_q()


class Lead(ContactInfo):
    """A potential job that is not booked yet (DESIGN.md "Lead").

    It may exist without a customer or a location: the contact fields keep
    whatever the CSR learned. The type rules are database constraints.
    """

    class Type(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        ABANDONED_CALL = "abandoned_call", "Abandoned call"
        JOB_GENERATED = "job_generated", "Job-generated"

    class Channel(models.TextChoices):
        # How the lead reached the company (assignment rules and SLA policies match on it).
        CALL = "call", "Call"
        TEXT = "text", "Text"
        ONLINE = "online", "Online booking"
        EMAIL = "email", "Email"
        CHAT = "chat", "Chat"
        PARTNER = "partner", "Partner"
        PHONE = "phone", "Phone booking"
        JOB = "job", "From a job"
        API = "api", "Integration"
        MANUAL = "manual", "Typed in"

    class AssignedBy(models.TextChoices):
        PERSON = "person", "A person"
        RULE = "rule", "An assignment rule"
        CALL = "call", "The CSR who took the call"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONVERTED = "converted", "Converted"
        DISMISSED = "dismissed", "Dismissed"

    type = models.CharField(max_length=20, choices=Type.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(blank=True)
    campaign = models.ForeignKey(
        "catalog.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    call = models.ForeignKey(
        "calls.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="lead"
    )
    origin_job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="generated_leads"
    )
    lead_setting_employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="leads_set"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    location = models.ForeignKey(
        "customers.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    job_type = models.ForeignKey(
        "catalog.JobType", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    tags = models.ManyToManyField("catalog.Tag", blank=True, related_name="leads")
    assignee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_leads"
    )
    # Never empty, so the Follow Up screen's keyset order (follow_up_on, id) has no NULLs.
    follow_up_on = models.DateField(default=timezone.localdate)
    # What the job-generated flyout (or a CSR) planned for the job: kept on a
    # lead saved for follow-up and carried over when it is converted.
    technician = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="leads_to_work"
    )
    start = models.DateTimeField(null=True, blank=True)
    call_reason = models.ForeignKey(
        "catalog.CallReason", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    converted_job = models.OneToOneField(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="source_lead"
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.ForeignKey(
        "catalog.CallReason", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismiss_note = models.TextField(blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_leads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_integration = models.ForeignKey(
        "accounts.Integration", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # First follow-up, call back, outgoing text or booking, kept for "speed to
    # lead" without scanning timelines (``record_first_response``).
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set at capture by the first-response SLA policy that matched; None: no SLA.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    # When the breach was told (the worker's escalation), so it is told once.
    sla_breach_notified_at = models.DateTimeField(null=True, blank=True)
    # Who chose the assignee: a person, a rule, or the call the lead was captured on.
    assigned_by = models.CharField(max_length=10, choices=AssignedBy.choices, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=["marketing", "abandoned_call", "job_generated"]),
                name="lead_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "converted", "dismissed"]), name="lead_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    channel__in=[
                        "call",
                        "text",
                        "online",
                        "email",
                        "chat",
                        "partner",
                        "phone",
                        "job",
                        "api",
                        "manual",
                    ]
                ),
                name="lead_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=[p.value for p in Priority]), name="lead_priority_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(type="marketing") | models.Q(campaign__isnull=False),
                name="lead_marketing_has_campaign",
            ),
            models.CheckConstraint(
                condition=~models.Q(type="abandoned_call") | models.Q(call__isnull=False),
                name="lead_abandoned_has_call",
            ),
            models.CheckConstraint(
                condition=~models.Q(type="job_generated")
                | models.Q(origin_job__isnull=False, lead_setting_employee__isnull=False),
                name="lead_job_generated_has_origin_and_setter",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="converted", converted_job__isnull=False)
                    | (~models.Q(status="converted") & models.Q(converted_job__isnull=True))
                ),
                name="lead_converted_iff_job",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed")
                | models.Q(dismiss_reason__isnull=False)
                | models.Q(merged_into__isnull=False),
                name="lead_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True) | models.Q(status="dismissed"),
                name="lead_merged_is_dismissed",
            ),
        ]
        indexes = [
            # Follow Up screen: open leads, overdue first then by follow-up date.
            models.Index(fields=["status", "follow_up_on", "id"]),
            models.Index(fields=["status", "-created_at", "-id"]),
            models.Index(fields=["assignee", "status", "follow_up_on"]),
            models.Index(fields=["type", "status", "-created_at"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["lead_setting_employee", "created_at"]),
            # Reports and the dashboard count new leads per day and type: an
            # index-only scan on PostgreSQL (SQLite has no INCLUDE and ignores it).
            models.Index(
                fields=["created_at"], include=["type", "merged_into", "id"], name="lead_created_covering"
            ),
            # Matching a caller or sender to open leads, newest first: the index
            # gives them in the order asked, so a prepared statement's generic
            # plan takes it even before the table has statistics (with
            # (phone, status) alone, a plan made on a new table walked every
            # open lead by date instead, on every capture).
            models.Index(fields=["phone", "status", "-created_at", "-id"]),
            models.Index(fields=["email", "status", "-created_at", "-id"]),
            # The first-response clock: sorting the queue by it, and the worker's breach sweep.
            models.Index(
                fields=["status", "first_response_due_at", "id"],
                condition=models.Q(first_response_at__isnull=True, first_response_due_at__isnull=False),
                name="lead_awaiting_response",
            ),
            # The dashboard's abandoned-call leads awaiting a call back (open, never answered).
            models.Index(
                fields=["type"],
                condition=models.Q(status="open", first_response_at__isnull=True),
                name="lead_open_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead {self.pk}: {self.name or self.phone or self.email or 'unnamed'}"

    @property
    def contact_phone(self) -> str:
        """The number to call: as typed, else the linked customer's first (for a
        job-generated lead, the origin job's customer). Lists prefetch
        ``customer__contacts`` so this costs no query per row."""
        if self.phone:
            return self.phone
        if self.customer_id and self.customer:
            phones = self.customer.phones
            return phones[0] if phones else ""
        return ""

    @property
    def contact_city(self) -> str:
        """The city as typed, else the lead's location's (a job-generated lead's is the job's)."""
        if self.city:
            return self.city
        return self.location.city if self.location_id and self.location else ""

    @property
    def display_name(self) -> str:
        """The person's name as typed, else the linked customer's (select_related it in lists)."""
        if self.name:
            return self.name
        return self.customer.name if self.customer_id and self.customer else ""

    @property
    def sla_status(self) -> str:
        return sla_status(self)

    @property
    def marker(self) -> str | None:
        """Rule 6: a lead with no customer record is marked "Lead" wherever shown."""
        return "Lead" if self.customer_id is None else None


class LeadActivity(models.Model):
    """One entry on a lead's timeline: a follow-up, a note, a call, or a
    system event (captured, merged, dismissed, reopened, converted)."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up"
        NOTE = "note", "Note"
        CALL = "call", "Call"
        SYSTEM = "system", "System"

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke with them"
        LEFT_MESSAGE = "left_message", "Left a message"
        NO_ANSWER = "no_answer", "No answer"
        EMAILED = "emailed", "Emailed / texted"
        CALL_BACK = "call_back", "Asked to call back"
        NOT_READY = "not_ready", "Not ready yet"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(blank=True)
    outcome = models.CharField(max_length=60, blank=True, choices=Outcome.choices)
    next_follow_up_on = models.DateField(null=True, blank=True)
    pinned = models.BooleanField(default=False)
    call = models.ForeignKey("calls.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(max_length=160)

    class Meta:
        ordering = ["-pinned", "-at", "-id"]
        indexes = [models.Index(fields=["lead", "-pinned", "-at"])]
        verbose_name_plural = "lead activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on lead {self.lead_id}"


class SavedFilter(models.Model):
    """A Follow Up view an employee saved: a name and the screen's query string
    (filters and sort, never a page cursor). Each employee sees only their own."""

    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="saved_lead_filters"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "name"], name="saved_filter_name_per_employee"),
        ]

    def __str__(self) -> str:
        return self.name
