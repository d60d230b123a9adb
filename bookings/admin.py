from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from bookings.models import CampaignRule, WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """Every webhook attempt, read-only: what was sent, what came back, when it retries."""

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


@admin.register(CampaignRule)
class CampaignRuleAdmin(admin.ModelAdmin[CampaignRule]):
    """Which campaign a booking belongs to when it names none, from its UTM tags."""

    list_display = ("integration", "position", "utm_source", "utm_medium", "utm_campaign", "campaign")
    list_filter = ("integration",)
    list_select_related = ("integration", "campaign")
    ordering = ("integration", "position", "id")
