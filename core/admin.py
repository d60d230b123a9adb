"""The audit trail, readable in Settings and never writable."""

from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "entity", "entity_id", "action", "actor_label"]
    list_filter = ["entity", "action"]
    search_fields = ["=entity_id", "actor_label"]
    ordering = ["-at", "-id"]
    show_full_result_count = False
