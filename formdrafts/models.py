"""What a visitor typed into the public booking form before sending it.

Once the visitor has typed a phone or an email, the form posts its fields
here as they type (htmx, debounced). A draft left alone for
``LEADLINE_FORM_ABANDON_MINUTES`` becomes a marketing lead (``formdrafts.services``);
a draft whose form was sent first becomes nothing.
"""

from __future__ import annotations

from django.db import models


class FormDraft(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Being typed"
        SUBMITTED = "submitted", "Sent by the visitor"
        CAPTURED = "captured", "Became a lead"
        SKIPPED = "skipped", "Left, no lead made"

    integration = models.ForeignKey("accounts.Integration", on_delete=models.CASCADE, related_name="+")
    # The form's token: its booking's external id is "form:<token>".
    token = models.CharField(max_length=64)
    fields = models.JSONField(default=dict, help_text="What was typed, as the form names it.")
    attribution = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=200, blank=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The last keystroke the server saw: the abandon clock runs from here.
    typed_at = models.DateTimeField()
    captured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "token"], name="form_draft_token_unique")
        ]
        indexes = [models.Index(fields=["status", "typed_at"])]

    def __str__(self) -> str:
        return f"Draft {self.token[:8]}… ({self.get_status_display()})"
