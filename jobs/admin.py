"""Jobs and invoices in Settings are read-only: they are the company's audit
trail and change only through ``jobs.services`` (invoice lines never)."""

from __future__ import annotations

from django.contrib import admin

from accounts.settings_admin import ReadOnlyAdmin, ReadOnlyTabularInline
from jobs.models import Invoice, InvoiceLine, Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "customer",
        "business_unit",
        "job_type",
        "status",
        "start",
        "technician",
        "campaign",
    ]
    list_filter = ["status", "business_unit", "job_type"]
    search_fields = ["=id", "customer__name"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["customer", "business_unit", "job_type", "technician", "campaign"]
    show_full_result_count = False


class InvoiceLineInline(ReadOnlyTabularInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price", "amount", "created_at", "created_by"]
    readonly_fields = ["description", "quantity", "unit_price", "amount", "created_at", "created_by"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "job", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["=job__id"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["job"]
    inlines = [InvoiceLineInline]
    show_full_result_count = False
