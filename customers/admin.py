"""Customers in Settings are for looking up only: they change through the
screens and the API, where matching and the rules live."""

from __future__ import annotations

from django.contrib import admin

from accounts.settings_admin import ReadOnlyAdmin, ReadOnlyTabularInline
from customers.models import ContactPoint, Customer, Location


class ContactInline(ReadOnlyTabularInline):
    model = ContactPoint
    fields = ["kind", "display", "label"]
    readonly_fields = ["kind", "display", "label"]


class LocationInline(ReadOnlyTabularInline):
    model = Location
    fields = ["one_line", "created_at"]
    readonly_fields = ["one_line", "created_at"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["name"]
    ordering = ["name", "id"]
    fields = ["name", "type", "tags", "created_at", "updated_at"]
    inlines = [ContactInline, LocationInline]
    # A million customers: skip the unfiltered COUNT(*) the change list shows by default.
    show_full_result_count = False
