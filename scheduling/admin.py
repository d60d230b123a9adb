"""Settings → Arrival windows: the rules are ``scheduling.services``; the form
only shows their refusals beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from accounts.actor import actor_from_request
from accounts.settings_admin import SettingsAdmin
from core.errors import DomainError
from core.forms import add_domain_errors
from scheduling.models import ArrivalWindow
from scheduling.services import arrival_window_create, arrival_window_update

FIELD_NAMES = {"business_unit_id": "business_unit"}


class ArrivalWindowForm(forms.ModelForm):
    class Meta:
        model = ArrivalWindow
        fields = ["business_unit", "weekday", "start_time", "end_time", "capacity", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.request: HttpRequest | None = kwargs.pop("request", None)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        # Run the service in a savepoint that is always undone: it checks every rule
        # (overlaps, capacity) and the admin's real save runs it again for real.
        try:
            with transaction.atomic():
                self.save_through_service(self.request)
                transaction.set_rollback(True)
        except DomainError as exc:
            add_domain_errors(self, exc, aliases=FIELD_NAMES)
        return data

    def save_through_service(self, request: HttpRequest) -> ArrivalWindow:
        a = actor_from_request(request)
        data = self.cleaned_data
        if self.instance.pk is None:
            return arrival_window_create(
                actor=a,
                business_unit=data["business_unit"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                capacity=data["capacity"],
                active=data["active"],
            )
        original = ArrivalWindow.objects.get(pk=self.instance.pk)
        return arrival_window_update(
            actor=a, window=original, changes={name: data[name] for name in self.Meta.fields}
        )


@admin.register(ArrivalWindow)
class ArrivalWindowAdmin(SettingsAdmin):
    form = ArrivalWindowForm
    list_display = ["business_unit", "weekday", "start_time", "end_time", "capacity", "active"]
    list_filter = ["business_unit", "weekday", "active"]
    ordering = ["business_unit__name", "weekday", "start_time"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Past bookings keep their windows: switch one off (Active) instead.
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithRequest(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                kw["request"] = request
                super().__init__(*args, **kw)

        return WithRequest

    def save_model(self, request: HttpRequest, obj: ArrivalWindow, form: Any, change: bool) -> None:
        saved = form.save_through_service(request)
        obj.pk = saved.pk
        form.instance = saved
