"""Settings → Texting: the text templates CSRs pick from, the opted-out
numbers and the consent ledger (read-only: only the texts themselves change
consent), and the missed-call text-backs with why any was skipped."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from accounts.settings_admin import ReadOnlyAdmin, SettingsAdmin
from messaging.models import ConsentEvent, MessageTemplate, OptOut, TextBack
from messaging.services import MERGE_FIELDS, template_check


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "body", "active"]
        help_texts = {"body": "Merge fields: " + ", ".join("{" + m + "}" for m in MERGE_FIELDS) + "."}

    def clean_body(self) -> str:
        body = (self.cleaned_data.get("body") or "").strip()
        errors = template_check(body, field="body")
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return body


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SettingsAdmin):
    form = MessageTemplateForm
    list_display = ["name", "body", "active"]
    list_filter = ["active"]
    search_fields = ["name", "body"]


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin):
    list_display = ["phone", "keyword", "opted_out_at"]
    search_fields = ["phone"]
    fields = ["phone", "keyword", "opted_out_at"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "phone", "action", "keyword"]
    list_filter = ["action"]
    search_fields = ["phone"]
    fields = ["at", "phone", "action", "keyword"]


@admin.register(TextBack)
class TextBackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "status", "reason", "scheduled_for", "sent_at"]
    list_filter = ["status"]
    search_fields = ["phone"]
    list_select_related = ["call"]
    fields = ["call", "phone", "status", "reason", "scheduled_for", "sent_at", "created_at"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return self.fields
