"""Settings → Assignment: the rules and SLA policies, with the same checks as
the API (``assignment.services``), each refusal shown beside its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.models import Employee
from accounts.settings_admin import SettingsAdmin
from assignment.models import AssignmentRule, SlaPolicy
from assignment.services import _clean_policy, _clean_rule, assignable_roles
from catalog.models import BusinessUnit, Campaign
from core.errors import DomainError
from leads.models import Lead

TYPE_CHOICES = Lead.Type.choices
CHANNEL_CHOICES = Lead.Channel.choices


def _apply_errors(form: forms.ModelForm, exc: DomainError) -> None:
    for error in exc.errors:
        # "match.zip_prefixes.0" → the form's "zip_prefixes" field.
        parts = [p for p in error.field.split(".") if p != "match" and not p.isdigit()]
        name = parts[0] if parts and parts[0] in form.fields else None
        form.add_error(name, error.message)


class RuleForm(forms.ModelForm):
    lead_types = forms.MultipleChoiceField(
        choices=TYPE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )
    campaigns = forms.ModelMultipleChoiceField(
        queryset=Campaign.objects.all(), required=False, help_text="None: any."
    )
    business_units = forms.ModelMultipleChoiceField(
        queryset=BusinessUnit.objects.all(), required=False, help_text="None: any."
    )
    zips = forms.CharField(
        label="ZIP prefixes", required=False, help_text="Comma-separated, e.g. 787, 78613. Empty: any."
    )
    employees = forms.CharField(
        label="Employees, in turn order",
        help_text="Comma-separated employee ids in round-robin order (see the list below).",
    )

    class Meta:
        model = AssignmentRule
        fields = ["name", "active", "position", "strategy", "available_only"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.instance
        if rule.pk:
            self.initial.update(
                lead_types=rule.lead_types,
                channels=rule.channels,
                campaigns=rule.campaign_ids,
                business_units=rule.business_unit_ids,
                zips=", ".join(rule.zip_prefixes),
                employees=", ".join(str(pk) for pk in rule.employee_ids),
            )
        people = Employee.objects.filter(active=True, role__in=assignable_roles())
        # The admin shows help text as HTML: names are text, so they are escaped here.
        self.fields["employees"].help_text = format_html(
            "{} {}",
            self.fields["employees"].help_text,
            format_html_join("; ", "{}: {}", ((e.pk, e.name) for e in people)),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw_ids = [p.strip() for p in (data.get("employees") or "").split(",") if p.strip()]
        if any(not p.isdigit() for p in raw_ids):
            self.add_error("employees", "Write employee ids separated by commas.")
            return data
        try:
            self.cleaned_rule = _clean_rule(
                {
                    "name": data.get("name", ""),
                    "active": bool(data.get("active")),
                    "position": data.get("position"),
                    "lead_types": list(data.get("lead_types") or []),
                    "channels": list(data.get("channels") or []),
                    "campaign_ids": [c.pk for c in data.get("campaigns") or []],
                    "business_unit_ids": [b.pk for b in data.get("business_units") or []],
                    "zip_prefixes": [z.strip() for z in (data.get("zips") or "").split(",") if z.strip()],
                    "strategy": data.get("strategy"),
                    "employee_ids": [int(p) for p in raw_ids],
                    "available_only": bool(data.get("available_only")),
                }
            )
        except DomainError as exc:
            _apply_errors(self, exc)
        return data


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(SettingsAdmin):
    form = RuleForm
    list_display = ["position", "name", "active", "strategy", "available_only"]
    list_display_links = ["name"]
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": ["name", "active", "position"]}),
        (
            "Match (all that are set must fit)",
            {"fields": ["lead_types", "channels", "campaigns", "business_units", "zips"]},
        ),
        ("Assign to", {"fields": ["strategy", "employees", "available_only"]}),
    ]

    def save_model(self, request: HttpRequest, obj: AssignmentRule, form: Any, change: bool) -> None:
        for name, value in form.cleaned_rule.items():
            if value is not None:
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)


class PolicyForm(forms.ModelForm):
    lead_types = forms.MultipleChoiceField(
        choices=TYPE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )

    class Meta:
        model = SlaPolicy
        fields = ["name", "active", "lead_types", "channels", "minutes", "business_hours_only"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            _clean_policy(
                {
                    **data,
                    "lead_types": list(data.get("lead_types") or []),
                    "channels": list(data.get("channels") or []),
                }
            )
        except DomainError as exc:
            _apply_errors(self, exc)
        return data


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SettingsAdmin):
    form = PolicyForm
    list_display = ["name", "active", "minutes", "business_hours_only"]
