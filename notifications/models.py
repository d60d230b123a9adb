from __future__ import annotations

from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", "Lead assigned"
    BOOKING_NEW = "booking_new", "New booking"
    ABANDONED_CALL = "abandoned_call", "Abandoned call"
    TEXT_RECEIVED = "text_received", "Text received"
    SLA_BREACHED = "sla_breached", "First response late"


class Notification(models.Model):
    """One thing one employee is told, with a link to where to act on it."""

    Kind = NotificationKind

    employee = models.ForeignKey("accounts.Employee", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    # Set when a thing must be told once (a breach, say): a second notify with
    # the same key for the same person is dropped by the constraint.
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["employee", "key"], condition=~models.Q(key=""), name="notification_once_per_key"
            ),
        ]
        indexes = [
            # The bell's list (newest first) and its unread count.
            models.Index(fields=["employee", "-created_at", "-id"], name="notification_feed"),
            models.Index(
                fields=["employee"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.employee_id}: {self.text}"
