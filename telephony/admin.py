"""Settings → Integrations, with telephony: provider, forward numbers,
text-back, write-only secrets and the exact webhook URLs to paste into
Twilio's or CallRail's console."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.admin import IntegrationAdmin
from accounts.models import SECRET_FIELDS, Integration
from core.phones import try_normalize_phone
from telephony.integrations import TWILIO_SID, _numbers, template_check, webhook_urls

SECRET_HELP = "Write-only: leave empty to keep the stored value; it is never shown again."


class TelephonyIntegrationForm(forms.ModelForm):
    forward_numbers_text = forms.CharField(
        label="Forward numbers",
        required=False,
        help_text="Where an incoming Twilio call rings, one number per line (E.164 or (512) 555-0111).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    twilio_account_sid = forms.CharField(label="Twilio account SID", required=False, help_text=SECRET_HELP)
    twilio_auth_token = forms.CharField(
        label="Twilio auth token",
        required=False,
        help_text=SECRET_HELP,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    callrail_signing_key = forms.CharField(
        label="CallRail signing key",
        required=False,
        help_text=SECRET_HELP,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        required=False,
        max_length=128,
        help_text="Signs each webhook body (HMAC-SHA256); share it with the partner. " + SECRET_HELP,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    webhook_url = forms.URLField(
        label="Webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where booking and lead status changes are posted (HTTPS).",
    )
    clear_secrets = forms.BooleanField(label="Clear every stored secret", required=False)

    class Meta:
        model = Integration
        fields = [
            "name",
            "slug",
            "active",
            "provider",
            "default_number",
            "text_back_enabled",
            "text_back_template",
            "booking_form_enabled",
            "webhook_url",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["forward_numbers_text"] = "\n".join(self.instance.forward_numbers or [])

    def clean_forward_numbers_text(self) -> list[str]:
        raw = [line.strip() for line in self.cleaned_data.get("forward_numbers_text", "").splitlines()]
        numbers, errors = _numbers([r for r in raw if r])
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return numbers

    def clean_default_number(self) -> str:
        raw = (self.cleaned_data.get("default_number") or "").strip()
        if not raw:
            return ""
        e164 = try_normalize_phone(raw)
        if e164 is None:
            raise forms.ValidationError(f"'{raw}' is not a valid phone number")
        return e164

    def clean_text_back_template(self) -> str:
        value = (self.cleaned_data.get("text_back_template") or "").strip()
        errors = template_check(value, field="text_back_template")
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sid = (data.get("twilio_account_sid") or "").strip()
        if sid and not TWILIO_SID.match(sid):
            self.add_error("twilio_account_sid", "A Twilio account SID is 'AC' and 32 hex digits.")
        if data.get("text_back_enabled") and not data.get("text_back_template"):
            self.add_error("text_back_template", "A template is required while text-back is on.")
        return data

    def save(self, commit: bool = True) -> Integration:
        integration: Integration = super().save(commit=False)
        integration.forward_numbers = self.cleaned_data.get("forward_numbers_text") or []
        for name in SECRET_FIELDS:
            value = (self.cleaned_data.get(name) or "").strip()
            if self.cleaned_data.get("clear_secrets"):
                integration.set_secret(name, "")
            elif value:
                integration.set_secret(name, value)
        if commit:
            integration.save()
        return integration


admin.site.unregister(Integration)


@admin.register(Integration)
class TelephonyIntegrationAdmin(IntegrationAdmin):
    form = TelephonyIntegrationForm
    list_display = ["name", "slug", "provider", "active", "created_at"]
    list_filter = ["active", "provider"]
    readonly_fields = ["secrets_set", "provider_urls"]
    fields = None  # type: ignore[assignment]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "active", "booking_form_enabled", "webhook_url", "webhook_secret"]},
        ),
        (
            "Telephony",
            {
                "fields": [
                    "provider",
                    "forward_numbers_text",
                    "default_number",
                    "provider_urls",
                    "twilio_account_sid",
                    "twilio_auth_token",
                    "callrail_signing_key",
                    "secrets_set",
                    "clear_secrets",
                ]
            },
        ),
        (
            "Missed-call text-back",
            {
                "fields": ["text_back_enabled", "text_back_template"],
                "description": "Merge fields: {first_name}, {company}, {booking_link}.",
            },
        ),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields

    @admin.display(description="Secrets stored")
    def secrets_set(self, obj: Integration) -> str:
        names = {
            "Twilio account SID": obj.twilio_account_sid_enc,
            "Twilio auth token": obj.twilio_auth_token_enc,
            "CallRail signing key": obj.callrail_signing_key_enc,
            "webhook signing secret": obj.webhook_secret_enc,
        }
        stored = [label for label, value in names.items() if value]
        return ", ".join(stored) or "none"

    @admin.display(description="Paste into the provider's console")
    def provider_urls(self, obj: Integration) -> str:
        if obj is None or obj.pk is None:
            return "Save first: the URLs name this integration."
        urls = webhook_urls(obj, getattr(self, "_request", None))
        if not urls:
            return "Pick Twilio or CallRail and save to see the webhook URLs."
        labels = {
            "voice": "A call comes in (Webhook, HTTP POST)",
            "status": "Call status changes (HTTP POST)",
            "sms": "A message comes in (Webhook, HTTP POST)",
            "pre_call": "Pre-call webhook",
            "post_call": "Post-call webhook",
        }
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "", "<dt>{}</dt><dd><code>{}</code></dd>", ((labels[k], v) for k, v in urls.items())
            ),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        self._request = request
        return super().get_form(request, obj, change, **kwargs)
