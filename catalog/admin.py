"""Settings for the company's reference data. The rules are the services'
(``catalog.services``); these forms only show their refusals beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from accounts.settings_admin import (
    ReadOnlyAdmin,
    SettingsAdmin,
    SettingsTabularInline,
    domain_validation_error,
)
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from catalog.services import ensure_unique_name, job_type_check, tracking_number_clean
from core.errors import DomainError
from core.forms import add_domain_errors
from core.phones import format_phone, try_normalize_phone


class NamedForm(forms.ModelForm):
    """Names are unique whatever their case, as the API has it."""

    def clean_name(self) -> str:
        try:
            return ensure_unique_name(
                self._meta.model, self.cleaned_data.get("name", ""), exclude_pk=self.instance.pk
            )
        except DomainError as exc:
            raise domain_validation_error(exc) from None


@admin.register(BusinessUnit)
class BusinessUnitAdmin(SettingsAdmin):
    form = NamedForm
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["name"]


@admin.register(JobType)
class JobTypeAdmin(SettingsAdmin):
    form = NamedForm
    list_display = ["name", "units", "default_priority", "sold_threshold", "active"]
    list_filter = ["active", "default_priority", "business_units"]
    search_fields = ["name"]
    ordering = ["name"]
    filter_horizontal = ["business_units"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobType]:
        return super().get_queryset(request).prefetch_related("business_units")

    @admin.display(description="Business units")
    def units(self, obj: JobType) -> str:
        return ", ".join(u.name for u in obj.business_units.all())


class TrackingNumberForm(forms.ModelForm):
    # Wider than the stored E.164 so "(512) 555-0142 " can be typed as people write it.
    number = forms.CharField(max_length=40, help_text="Any format; stored as +15125550142.")

    class Meta:
        model = TrackingNumber
        fields = ["number", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A number stays with its campaign for good (old calls keep their
            # attribution): take it off by clearing Active, never by editing.
            self.fields["number"].disabled = True
            self.fields["number"].help_text = "Clear Active to take it off this campaign."
            self.initial["number"] = format_phone(self.instance.number)

    def clean_number(self) -> str:
        if self.instance.pk:
            return self.instance.number
        try:
            e164 = tracking_number_clean(
                self.cleaned_data.get("number", ""),
                campaign_id=self.instance.campaign_id,
                field_name="number",
            )
        except DomainError as exc:
            raise domain_validation_error(exc) from None
        if TrackingNumber.objects.filter(number=e164).exists():
            raise forms.ValidationError(f"{e164} is already on this campaign: tick its Active box instead.")
        return e164


class TrackingNumberInline(SettingsTabularInline):
    model = TrackingNumber
    form = TrackingNumberForm
    extra = 1
    can_delete = False
    fields = ["number", "active", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name = "tracking number"


class CampaignForm(NamedForm):
    def _get_validation_exclusions(self) -> set[str]:
        # Choosing another campaign for technician leads moves the choice (save_model), not a clash.
        return {*super()._get_validation_exclusions(), "for_job_generated_leads"}  # type: ignore[misc]


@admin.register(Campaign)
class CampaignAdmin(SettingsAdmin):
    form = CampaignForm
    inlines = [TrackingNumberInline]
    list_display = [
        "name",
        "category",
        "business_unit",
        "numbers",
        "monthly_cost",
        "for_job_generated_leads",
        "active",
    ]
    list_filter = ["active", "category", "business_unit", "for_job_generated_leads"]

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        if obj.for_job_generated_leads:
            Campaign.objects.filter(for_job_generated_leads=True).exclude(pk=obj.pk).update(
                for_job_generated_leads=False
            )
        super().save_model(request, obj, form, change)

    search_fields = ["name", "tracking_numbers__number"]
    search_help_text = "A campaign's name or one of its tracking numbers, in any format."
    ordering = ["name"]
    list_select_related = ["business_unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        active = TrackingNumber.objects.filter(active=True).order_by("number")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("tracking_numbers", queryset=active, to_attr="live"))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Campaign], search_term: str
    ) -> tuple[QuerySet[Campaign], bool]:
        # Numbers are stored in E.164; someone searching types them as they read them.
        e164 = try_normalize_phone(search_term)
        if e164:
            return queryset.filter(tracking_numbers__number=e164).distinct(), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Tracking numbers")
    def numbers(self, obj: Campaign) -> str:
        return ", ".join(format_phone(t.number) for t in getattr(obj, "live", [])) or "—"


@admin.register(TrackingNumber)
class TrackingNumberAdmin(ReadOnlyAdmin):
    """Which campaign owns a number, including the ones taken off: numbers
    are added and retired on their campaign's page."""

    list_display = ["shown", "campaign", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["number", "campaign__name"]
    ordering = ["number"]
    list_select_related = ["campaign"]

    @admin.display(description="Number", ordering="number")
    def shown(self, obj: TrackingNumber) -> str:
        return format_phone(obj.number)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[TrackingNumber], search_term: str
    ) -> tuple[QuerySet[TrackingNumber], bool]:
        e164 = try_normalize_phone(search_term)
        if e164:
            return queryset.filter(number=e164), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(CallReason)
class CallReasonAdmin(SettingsAdmin):
    form = NamedForm
    list_display = ["name", "is_lead", "dismisses", "booking_guide", "active"]
    list_editable = ["is_lead", "dismisses", "active"]
    list_filter = ["is_lead", "dismisses", "active"]
    search_fields = ["name"]
    ordering = ["-is_lead", "name"]
    list_select_related = ["booking_guide"]


@admin.register(Tag)
class TagAdmin(SettingsAdmin):
    form = NamedForm
    list_display = ["name"]
    search_fields = ["name"]
    ordering = ["name"]


class BookingGuideForm(NamedForm):
    class Meta:
        model = BookingGuide
        fields = ["name", "kind", "business_unit", "job_type", "script", "active"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            job_type_check(job_type=data.get("job_type"), business_unit=data.get("business_unit"))
        except DomainError as exc:
            add_domain_errors(self, exc, {"job_type_id": "job_type", "business_unit_id": "business_unit"})
        return data


@admin.register(BookingGuide)
class BookingGuideAdmin(SettingsAdmin):
    form = BookingGuideForm
    list_display = ["name", "kind", "business_unit", "job_type", "active"]
    list_filter = ["kind", "active", "business_unit"]
    search_fields = ["name", "script"]
    ordering = ["kind", "name"]
    list_select_related = ["business_unit", "job_type"]
