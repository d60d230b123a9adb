"""The building blocks of Settings (Django's admin at /settings/): the admin
role is the permission, so every app's ``admin.py`` registers with these and
needs no per-model Django permissions. The site itself is ``config.admin``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms.boundfield import BoundField
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.actor import actor_from_request
from accounts.roles import Perm
from core.errors import DomainError


def can_settings(request: HttpRequest) -> bool:
    """Settings are the admin role's: an active employee with role admin, or a superuser."""
    return bool(request.user.is_active) and actor_from_request(request).can(Perm.SETTINGS)


class CellLabel(BoundField):
    """A field in a table cell, under its column's heading. Django's tabular
    inlines and list_editable columns render the input alone, so a screen
    reader announced nothing and axe found no label (rule ``label``, critical;
    ``label-title-only`` where help text adds aria-describedby): each input
    gets a visually hidden label of its own, naming the column and the row."""

    def __str__(self) -> SafeString:
        widget = super().__str__()
        if self.is_hidden or not self.auto_id:
            return widget
        row = getattr(self.form, "row_label", "")
        text = f"{self.label} ({row})" if row else str(self.label)
        return format_html(
            '<label class="visually-hidden" for="{}">{}</label>{}', self.id_for_label, text, widget
        )

    # The template engine renders through __html__, which the base class binds to its own __str__.
    __html__ = __str__


class CellLabels:
    """A formset whose forms are rows of a table: their fields render with a ``CellLabel``."""

    model: type[Model]

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)  # type: ignore[misc]
        instance = getattr(form, "instance", None)
        if instance is not None and instance.pk is not None:
            form.row_label = str(instance)  # type: ignore[attr-defined]
        else:
            form.row_label = f"new {self.model._meta.verbose_name}"  # type: ignore[attr-defined]
        form.bound_field_class = CellLabel


class CellLabelledModelFormSet(CellLabels, BaseModelFormSet):
    pass


class CellLabelledInlineFormSet(CellLabels, BaseInlineFormSet):
    pass


class SettingsAdmin(admin.ModelAdmin):
    """Whoever may open Settings may manage what it lists: the role is the
    permission, so admins need no per-model Django permissions."""

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        # list_editable's inputs sit in table cells: label each (CellLabel).
        return super().get_changelist_formset(request, formset=CellLabelledModelFormSet, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_settings(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_settings(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)


class ReadOnlyAdmin(SettingsAdmin):
    """Records that change only through their services (jobs, invoices,
    audit): Settings may look, never write."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class SettingsTabularInline(admin.TabularInline):
    formset = CellLabelledInlineFormSet  # each input in the table gets a label (CellLabel)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_settings(request)


class ReadOnlyTabularInline(SettingsTabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def domain_validation_error(exc: DomainError) -> forms.ValidationError:
    """A one-field service refusal as that field's error."""
    return forms.ValidationError([e.message for e in exc.errors] or [exc.detail])
