from __future__ import annotations

import hashlib
import secrets

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.utils import timezone

from core.crypto import decrypt_secret, encrypt_secret


class Role(models.TextChoices):
    CSR = "csr", "CSR"
    TECHNICIAN = "technician", "Technician"
    OFFICE = "office", "Office"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class Employee(models.Model):
    """A person at the company. The login (``user``) is optional: a technician
    may be credited and assigned without ever signing in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
    )
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=Role.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    active = models.BooleanField(default=True)
    # A CSR's Available / Away switch (the Calls screen): assignment rules with
    # ``available_only`` and ringing skip someone Away.
    available = models.BooleanField(default=True)
    # When the switch last moved, so "Away for longer than N minutes" needs no history.
    available_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="employee_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["role", "active"])]

    def __str__(self) -> str:
        return self.name


class Provider(models.TextChoices):
    GENERIC = "generic", "Generic (Leadline's call events API)"
    TWILIO = "twilio", "Twilio"
    CALLRAIL = "callrail", "CallRail"


SECRET_FIELDS = ("twilio_account_sid", "twilio_auth_token", "callrail_signing_key", "webhook_secret")
DEFAULT_TEXT_BACK = (
    "Hi, this is {company}. Sorry we missed your call! Reply here or book online: {booking_link}"
)


class Integration(models.Model):
    """A named source (booking partner, telephony provider, web form) that
    holds its own API keys and may only post its own bookings, leads and call
    events."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    active = models.BooleanField(default=True)
    booking_form_enabled = models.BooleanField(
        default=False,
        help_text="Serve the public online booking form at /book/<slug>/ (a web-form source, not a partner).",
    )
    webhook_url = models.URLField(
        max_length=500, blank=True, help_text="Where booking and lead status changes are posted (HTTPS)."
    )
    # Telephony (API.md v1.1 "Integrations"): which provider's webhooks this
    # integration receives, where its calls ring, and missed-call text-back.
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.GENERIC)
    forward_numbers = models.JSONField(
        default=list, blank=True, help_text="E.164 numbers a provider's incoming call rings (in order)."
    )
    default_number = models.CharField(
        max_length=20,
        blank=True,
        help_text="E.164: texts to a lead that reached no tracking number leave from this number.",
    )
    text_back_enabled = models.BooleanField(
        default=False, help_text="Text a caller whose call ends abandoned (missed-call text-back)."
    )
    text_back_template = models.TextField(blank=True, default=DEFAULT_TEXT_BACK)
    # Secrets, encrypted with a key derived from the secret key (core.crypto);
    # write-only: the API and Settings accept them and never show them.
    twilio_account_sid_enc = models.TextField(blank=True, default="")
    twilio_auth_token_enc = models.TextField(blank=True, default="")
    callrail_signing_key_enc = models.TextField(blank=True, default="")
    # Signs each outgoing webhook body (HMAC-SHA256); shared with the partner.
    webhook_secret_enc = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__in=["generic", "twilio", "callrail"]),
                name="integration_provider_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def twilio_account_sid(self) -> str:
        return decrypt_secret(self.twilio_account_sid_enc)

    @property
    def twilio_auth_token(self) -> str:
        return decrypt_secret(self.twilio_auth_token_enc)

    @property
    def callrail_signing_key(self) -> str:
        return decrypt_secret(self.callrail_signing_key_enc)

    @property
    def webhook_secret(self) -> str:
        return decrypt_secret(self.webhook_secret_enc)

    @webhook_secret.setter
    def webhook_secret(self, value: str) -> None:
        # A setter, so ``Integration(webhook_secret=...)`` (factories, scripts) stores it encrypted.
        self.webhook_secret_enc = encrypt_secret(value)

    def set_secret(self, name: str, value: str) -> None:
        """Store one of the write-only secrets (encrypted); empty clears it."""
        if name not in SECRET_FIELDS:
            raise ValueError(f"unknown secret {name!r}")
        setattr(self, f"{name}_enc", encrypt_secret(value))


def hash_key(raw: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough: nobody can
    # brute-force the pre-image, and lookup stays one indexed query.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    name = models.CharField(max_length=120, blank=True)
    prefix = models.CharField(max_length=16, help_text="The first characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(employee__isnull=False, integration__isnull=True)
                    | models.Q(employee__isnull=True, integration__isnull=False)
                ),
                name="apikey_exactly_one_owner",
            ),
        ]
        verbose_name = "API key"

    def __str__(self) -> str:
        owner = self.employee or self.integration
        return f"{self.prefix}… ({owner})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(
        cls,
        *,
        employee: Employee | None = None,
        integration: Integration | None = None,
        name: str = "",
    ) -> tuple[ApiKey, str]:
        """Create a key and return it with its secret, which is never stored."""
        raw = "ll_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name,
            prefix=raw[:10],
            key_hash=hash_key(raw),
            employee=employee,
            integration=integration,
        )
        return key, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class LoginLockout(AccessAttempt):
    """Failed sign-ins for one username from one address (django-axes' row),
    as Settings names it."""

    class Meta:
        proxy = True
        verbose_name = "login lockout"
        verbose_name_plural = "login lockouts"
