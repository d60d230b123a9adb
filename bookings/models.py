from __future__ import annotations

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
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk} ({self.get_channel_display()})"
