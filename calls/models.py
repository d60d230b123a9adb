from __future__ import annotations

from django.db import models
from django.utils import timezone


class CallQuerySet(models.QuerySet["Call"]):
    def awaiting_follow_up(self) -> CallQuerySet:
        """On the dashboard's Leads tab (the partial index ``call_follow_up_queue``)."""
        return self.filter(follow_up_at__isnull=False, follow_up_resolved_at__isnull=True)

    def resolve_follow_ups(self, *, resolution: str, note: str = "") -> int:
        """Take these calls off the Leads tab, those still on it, saying how they ended.

        Leads use it when their own life cycle closes the queue row: an
        abandoned-call lead converted or dismissed anywhere is off the tab.
        """
        now = timezone.now()
        return self.awaiting_follow_up().update(
            follow_up_resolved_at=now,
            follow_up_resolution=resolution,
            follow_up_note=note.strip(),
            updated_at=now,
        )


class Call(models.Model):
    """A telephone call as the telephony provider reported it.

    Events (ringing, accepted, ended) may arrive out of order or twice; the
    row is the merge of what has arrived, and ``classification`` is derived
    from it by one domain function (the calls app's services).
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Classification(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        ABANDONED = "abandoned", "Abandoned"
        EXCUSED = "excused", "Excused"
        UNBOOKED = "unbooked", "Unbooked"
        BOOKED = "booked", "Booked"
        NOT_LEAD = "not_lead", "Not a lead"

    provider = models.ForeignKey("accounts.Integration", on_delete=models.PROTECT, related_name="calls")
    provider_call_id = models.CharField(max_length=128)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    from_number = models.CharField(max_length=20, blank=True, help_text="E.164 of the caller")
    to_number = models.CharField(max_length=20, blank=True, help_text="E.164 of the number dialled")
    campaign = models.ForeignKey(
        "catalog.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    # Set when the number dialled is not a known tracking number, so attribution gaps are visible.
    unknown_tracking_number = models.BooleanField(default=False)
    rang_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="accepted_calls"
    )
    classification = models.CharField(
        max_length=12, choices=Classification.choices, default=Classification.IN_PROGRESS
    )
    call_reason = models.ForeignKey(
        "catalog.CallReason", on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    location = models.ForeignKey(
        "customers.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    recording_url = models.URLField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    excused_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    excuse_note = models.TextField(blank=True)
    # The lead captured from this call or, for a repeat abandoned call, the
    # open abandoned-call lead it was folded into (Lead.call points only at
    # the call a lead was first captured from).
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls_linked"
    )
    # The dashboard's Leads tab: set when the call enters the queue (an
    # abandoned call that made a lead, an unbooked call), bumped when a repeat
    # caller folds in, so "newest first" is one indexed range scan.
    follow_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_resolved_at = models.DateTimeField(null=True, blank=True)
    follow_up_resolution = models.CharField(max_length=20, blank=True)
    follow_up_note = models.TextField(blank=True)
    callback_attempts = models.PositiveSmallIntegerField(default=0)
    last_callback_at = models.DateTimeField(null=True, blank=True)
    last_callback_outcome = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_call_id"], name="call_provider_id_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    classification__in=[
                        "in_progress",
                        "abandoned",
                        "excused",
                        "unbooked",
                        "booked",
                        "not_lead",
                    ]
                ),
                name="call_classification_valid",
            ),
        ]
        indexes = [
            # The calls list's keyset order; the classification lets the dashboard's
            # counts per classification be an index-only scan on PostgreSQL.
            models.Index(
                fields=["-created_at", "-id"], include=["classification"], name="call_created_covering"
            ),
            models.Index(fields=["classification", "-created_at"]),
            models.Index(fields=["from_number", "-created_at"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["accepted_by", "-created_at"]),
            models.Index(
                fields=["-follow_up_at", "-id"],
                name="call_follow_up_queue",
                condition=models.Q(follow_up_at__isnull=False, follow_up_resolved_at__isnull=True),
            ),
            # Incoming bubbles: ringing, not yet answered or ended.
            models.Index(
                fields=["-rang_at"],
                name="call_ringing",
                condition=models.Q(accepted_at__isnull=True, ended_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Call {self.pk} from {self.from_number or 'unknown'}"
