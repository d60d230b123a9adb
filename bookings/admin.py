from __future__ import annotations

from django.contrib import admin

from accounts.settings_admin import ReadOnlyAdmin, SettingsAdmin
from bookings.models import CampaignRule, WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every webhook attempt, read-only: what was sent, what came back, when it retries.
    Admins see it (the role is the permission, as everywhere in Settings)."""

    list_display = (
        "created_at",
        "integration",
        "event",
        "attempt",
        "status",
        "status_code",
        "next_retry_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "integration")
    search_fields = ("event_id", "event", "url")
    list_select_related = ("integration",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "integration",
        "event",
        "event_id",
        "url",
        "attempt",
        "status",
        "status_code",
        "error",
        "payload",
        "created_at",
        "attempted_at",
        "next_retry_at",
        "delivered_at",
    )


@admin.register(CampaignRule)
class CampaignRuleAdmin(SettingsAdmin):
    """Which campaign a booking belongs to when it names none, from its UTM tags."""

    list_display = ("integration", "position", "utm_source", "utm_medium", "utm_campaign", "campaign")
    list_filter = ("integration",)
    list_select_related = ("integration", "campaign")
    ordering = ("integration", "position", "id")
