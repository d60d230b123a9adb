"""Texts to and from leads, the consent ledger, and missed-call text-backs."""

from __future__ import annotations

from django.db import models


class Message(models.Model):
    """One text, either way. Incoming texts are unread until a CSR opens them."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Incoming"
        OUTBOUND = "outbound", "Outgoing"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        RECEIVED = "received", "Received"

    class Kind(models.TextChoices):
        MANUAL = "manual", "Typed by a person"
        TEXT_BACK = "text_back", "Missed-call text-back"
        INCOMING = "incoming", "Incoming"

    integration = models.ForeignKey(
        "accounts.Integration", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    call = models.ForeignKey(
        "calls.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    from_number = models.CharField(max_length=20, blank=True)
    to_number = models.CharField(max_length=20, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A provider's retry of the same message makes nothing twice.
            models.UniqueConstraint(
                fields=["integration", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_provider_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=["inbound", "outbound"]), name="message_direction_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "created_at"]),
            models.Index(fields=["from_number", "-created_at"]),
            models.Index(fields=["to_number", "-created_at"]),
            models.Index(
                fields=["-created_at"],
                name="message_unread_inbox",
                condition=models.Q(direction="inbound", read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} text {self.pk} {self.from_number} → {self.to_number}"


class ConsentEvent(models.Model):
    """The consent ledger: every opt-out and opt-in, in order, with the word that did it."""

    class Action(models.TextChoices):
        OPT_OUT = "opt_out", "Opted out"
        OPT_IN = "opt_in", "Opted back in"

    phone = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices)
    keyword = models.CharField(max_length=20, blank=True)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["phone", "-at"])]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_action_display()}"


class OptOut(models.Model):
    """A number that has opted out now (the ledger's current state, one row a number)."""

    phone = models.CharField(max_length=20, unique=True)
    keyword = models.CharField(max_length=20, blank=True)
    opted_out_at = models.DateTimeField()

    class Meta:
        ordering = ["-opted_out_at"]
        verbose_name = "opted-out number"

    def __str__(self) -> str:
        return self.phone


class MessageTemplate(models.Model):
    """A reusable text for CSRs, with merge fields {first_name}, {company}, {booking_link}."""

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "text template"

    def __str__(self) -> str:
        return self.name


class TextBack(models.Model):
    """A missed-call text-back: one a call, sent once by the worker (or skipped, saying why)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    call = models.OneToOneField("calls.Call", on_delete=models.CASCADE, related_name="text_back")
    integration = models.ForeignKey("accounts.Integration", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    reason = models.CharField(max_length=120, blank=True)
    scheduled_for = models.DateTimeField()
    message = models.OneToOneField(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["phone", "status", "-sent_at"])]

    def __str__(self) -> str:
        return f"Text-back to {self.phone} ({self.status})"
