"""The building blocks of Settings (Django's admin at /settings/): the admin
role is the permission, so every app's ``admin.py`` registers with these and
needs no per-model Django permissions. The site itself is ``config.admin``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from accounts.actor import actor_from_request
from accounts.roles import Perm
from core.errors import DomainError


def can_settings(request: HttpRequest) -> bool:
    """Settings are the admin role's: an active employee with role admin, or a superuser."""
    return bool(request.user.is_active) and actor_from_request(request).can(Perm.SETTINGS)


class SettingsAdmin(admin.ModelAdmin):
    """Whoever may open Settings may manage what it lists: the role is the
    permission, so admins need no per-model Django permissions."""

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
