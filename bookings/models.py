from __future__ import annotations

import uuid

from django.db import models

from core.choices import Priority
from customers.models import ContactInfo


class Booking(ContactInfo):
    """A request that arrived without a person on the phone (web form,
    email, chat, partner). Each arrives once: (integration, external_id) is
    unique, so a re-sent booking is the same booking."""

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        EMAIL = "email", "Email"
        CHAT = "chat", "Chat"
        PARTNER = "partner", "Partner"
        PHONE = "phone", "Phone"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        CONVERTED = "converted", "Converted to lead"
        DISMISSED = "dismissed", "Dismissed"

    integration = models.ForeignKey("accounts.Integration", on_delete=models.PROTECT, related_name="bookings")
    external_id = models.CharField(max_length=255)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    customer_type = models.CharField(max_length=20, default="residential")
    requested_start = models.DateTimeField(null=True, blank=True)
    requested_window = models.CharField(max_length=60, blank=True)
    # Set when the booking names an arrival window (the public form, or the API's
    # ``requested_window: {start, end}``): ``requested_start`` is the window's start.
    requested_end = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    campaign = models.ForeignKey(
        "catalog.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    job_type = models.ForeignKey(
        "catalog.JobType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    landing_page = models.URLField(max_length=1000, blank=True)
    referrer = models.URLField(max_length=1000, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    gclid = models.CharField(max_length=255, blank=True)
    fbclid = models.CharField(max_length=255, blank=True)
    msclkid = models.CharField(max_length=255, blank=True)
    raw_payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    dismiss_reason = models.ForeignKey(
        "catalog.CallReason", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismiss_note = models.TextField(blank=True)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="booking"
    )
    handled_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="booking_external_id_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "accepted", "converted", "dismissed"]),
                name="booking_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["online", "email", "chat", "partner", "phone"]),
                name="booking_channel_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(job__isnull=False),
                name="booking_accepted_has_job",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | models.Q(dismiss_reason__isnull=False),
                name="booking_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"]),
            models.Index(fields=["channel", "-created_at"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["email"]),
            # An integration reading its own bookings, newest first.
            models.Index(fields=["integration", "-created_at", "-id"]),
        ]

    # Set for a page of bookings at once by ``bookings_mark_matches``.
    customer_matched: bool | None = None

    def __str__(self) -> str:
        return f"Booking {self.pk} ({self.get_channel_display()})"

    @property
    def marker(self) -> str | None:
        """Rule 6: "Lead" while no customer record matches the booking's phone or email;
        ``None`` too when matching was not looked at (answers to an integration)."""
        if self.customer_matched is None:
            return None
        return None if self.customer_matched else "Lead"

    @property
    def attribution(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ATTRIBUTION_FIELDS}


ATTRIBUTION_FIELDS = (
    "landing_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "fbclid",
    "msclkid",
)


class CampaignRule(models.Model):
    """Names the campaign of a booking that does not name one, from its UTM
    tags. Rules of an integration are tried in position order; a blank tag
    matches anything, so a rule with all three blank is the source's default."""

    integration = models.ForeignKey(
        "accounts.Integration", on_delete=models.CASCADE, related_name="campaign_rules"
    )
    position = models.PositiveSmallIntegerField(default=0)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    campaign = models.ForeignKey("catalog.Campaign", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["integration", "position", "id"]
        indexes = [models.Index(fields=["integration", "position", "id"])]

    def __str__(self) -> str:
        tags = ", ".join(
            f"{name}={value}"
            for name, value in (
                ("utm_source", self.utm_source),
                ("utm_medium", self.utm_medium),
                ("utm_campaign", self.utm_campaign),
            )
            if value
        )
        return f"{tags or 'anything'} → {self.campaign}"

    def matches(self, attribution: dict[str, str]) -> bool:
        wanted = {
            "utm_source": self.utm_source,
            "utm_medium": self.utm_medium,
            "utm_campaign": self.utm_campaign,
        }
        return all(
            not value or value.strip().lower() == (attribution.get(name) or "").strip().lower()
            for name, value in wanted.items()
        )


class WebhookDelivery(models.Model):
    """One attempt to tell an integration that its booking or lead changed.

    A failed attempt stays as it was and the retry is a new row with the next
    attempt number, so Settings shows every try with its status code."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    integration = models.ForeignKey(
        "accounts.Integration", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=60)
    # Shared by every attempt of one event, sent as X-Leadline-Delivery so a receiver can de-duplicate.
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField(default=dict)
    url = models.CharField(max_length=500)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "attempt"], name="webhook_attempt_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "delivered", "failed"]),
                name="webhook_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["integration", "-created_at"])]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.integration} (attempt {self.attempt}, {self.status})"


class PublicFormHit(models.Model):
    """A submission of a public booking form, kept for a day to rate-limit by
    client. In the database rather than the cache because the app processes
    are stateless and share no cache: a per-process counter would allow N
    times the limit behind a load balancer."""

    client = models.CharField(max_length=64, help_text="Keyed hash of the client's IP address.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.client[:8]}… at {self.at}"
