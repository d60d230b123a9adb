"""Settings for people and integrations: employees with their login, and
the API keys employees and integrations authenticate with."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import Group, User
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import ApiKey, Employee, Integration, LoginLockout
from accounts.services import api_key_issue, api_key_revoke, employee_login_check, employee_set_login
from accounts.settings_admin import ReadOnlyAdmin, ReadOnlyTabularInline, SettingsAdmin
from core.errors import DomainError
from core.forms import add_domain_errors
from core.models import AuditEntry
from core.phones import normalize_email, normalize_phone

# Logins are managed on their employee (role, active, username, password),
# so Settings shows one list of people, and roles replace Django's groups.
for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ApiKeyInline(ReadOnlyTabularInline):
    model = ApiKey
    fields = ["key_link", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_link", "name", "created_at", "last_used_at", "revoked_at"]
    verbose_name = "API key"
    ordering = ["-created_at"]

    @admin.display(description="Key")
    def key_link(self, obj: ApiKey) -> str:
        url = reverse("admin:accounts_apikey_change", args=[obj.pk])
        return format_html('<a href="{}"><code>{}…</code></a>', url, obj.prefix)


class EmployeeForm(forms.ModelForm):
    username = forms.CharField(
        label="Login username",
        required=False,
        help_text="Leave empty for someone who never signs in (say, a technician only credited on jobs).",
    )
    password = forms.CharField(
        label="Set password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current password. A new login without one cannot sign in yet.",
    )

    class Meta:
        model = Employee
        fields = ["name", "role", "active", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.user_id:
            self.initial["username"] = self.instance.user.username
            self.fields["username"].required = True
            self.fields["username"].help_text = "The name this employee signs in with."

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "")
        return self._domain(lambda: normalize_email(raw)) if raw else ""

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return self._domain(lambda: normalize_phone(raw)) if raw else ""

    def _domain(self, fn: Any) -> str:
        try:
            return str(fn())
        except DomainError as exc:
            raise forms.ValidationError([e.message for e in exc.errors] or [exc.detail]) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        username = (data.get("username") or "").strip()
        password = data.get("password") or None
        if password and not username:
            self.add_error("username", "A password needs a login username.")
        elif username:
            try:
                data["username"] = employee_login_check(
                    employee=self.instance if self.instance.pk else None, username=username, password=password
                )
            except DomainError as exc:
                add_domain_errors(self, exc)
        return data


class KeyOwnerAdmin(SettingsAdmin):
    """An employee's or an integration's page lists its keys and offers to issue one."""

    change_form_template = "admin/accounts/key_owner_change_form.html"
    inlines = [ApiKeyInline]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        owner = self.model._meta.model_name
        issue_url = reverse("admin:accounts_apikey_add") + f"?{owner}={object_id}"
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "issue_url": issue_url}
        )


@admin.register(Employee)
class EmployeeAdmin(KeyOwnerAdmin):
    form = EmployeeForm
    list_display = ["name", "role", "active", "login", "email", "phone"]
    list_filter = ["role", "active"]
    search_fields = ["name", "email", "user__username"]
    ordering = ["name"]
    list_select_related = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "role", "active", "email", "phone"]}),
        ("Login", {"fields": ["username", "password"]}),
    ]

    @admin.display(description="Login", ordering="user__username")
    def login(self, obj: Employee) -> str:
        return obj.user.username if obj.user else "—"

    def save_model(self, request: HttpRequest, obj: Employee, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        username = form.cleaned_data.get("username") or ""
        if username:
            employee_set_login(
                employee=obj, username=username, password=form.cleaned_data.get("password") or None
            )
        elif obj.user is not None and obj.user.is_active != obj.active:
            obj.user.is_active = obj.active
            obj.user.save(update_fields=["is_active"])


@admin.register(Integration)
class IntegrationAdmin(KeyOwnerAdmin):
    list_display = ["name", "slug", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "active"]


class KeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class IssueKeyForm(forms.Form):
    employee = forms.ModelChoiceField(Employee.objects.filter(active=True), required=False)
    integration = forms.ModelChoiceField(Integration.objects.filter(active=True), required=False)
    name = forms.CharField(
        label="Label", required=False, max_length=120, help_text="What the key is for, e.g. “Call tracking”."
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("employee") is None) == (data.get("integration") is None):
            raise forms.ValidationError("Pick one employee or one integration to own the key.")
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(SettingsAdmin):
    """Keys are issued from here or their owner's page and shown once; a
    key's page can revoke it. Nothing about a key is edited."""

    list_display = ["prefix_shown", "name", "owner", "created_at", "last_used_at", "revoked_at"]
    list_filter = [KeyStatusFilter]
    search_fields = ["prefix", "name", "employee__name", "integration__name"]
    ordering = ["-created_at"]
    list_select_related = ["employee", "integration"]
    fields = ["prefix_shown", "name", "owner", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix_shown", "name", "owner", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_selected"]
    change_form_template = "admin/accounts/apikey/change_form.html"

    @admin.display(description="Key", ordering="prefix")
    def prefix_shown(self, obj: ApiKey) -> str:
        return format_html("<code>{}…</code>", obj.prefix)

    @admin.display(description="Owner")
    def owner(self, obj: ApiKey) -> str:
        if obj.employee is not None:
            return f"{obj.employee} (employee)"
        return f"{obj.integration} (integration)"

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Revoked keys stay listed: when a key was last used matters after it is gone.
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:key_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="accounts_apikey_revoke",
            ),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = IssueKeyForm(request.POST if request.method == "POST" else None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                key, raw = api_key_issue(
                    employee=form.cleaned_data["employee"],
                    integration=form.cleaned_data["integration"],
                    name=form.cleaned_data["name"],
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                self.log_addition(request, key, [{"added": {}}])
                response = TemplateResponse(
                    request,
                    "admin/accounts/apikey/issued.html",
                    {
                        **self.admin_site.each_context(request),
                        **self._ctx(request, "API key issued"),
                        "key": key,
                        "raw": raw,
                    },
                )
                # The secret is in this page only: keep it out of every cache.
                response["Cache-Control"] = "no-store"
                return response
        context = {
            **self.admin_site.each_context(request),
            **self._ctx(request, "Issue an API key"),
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/apikey/issue.html", context)

    def _ctx(self, request: HttpRequest, title: str) -> dict[str, Any]:
        request.current_app = self.admin_site.name
        return {"title": title, "subtitle": None, "opts": self.model._meta, "has_view_permission": True}

    def revoke_view(self, request: HttpRequest, key_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        key = get_object_or_404(ApiKey, pk=key_id)
        if key.revoked_at is None:
            api_key_revoke(key=key)
            self.log_change(request, key, "Revoked.")
            self.message_user(request, f"Key {key.prefix}… is revoked: it no longer authenticates.")
        return HttpResponseRedirect(reverse("admin:accounts_apikey_change", args=[key.pk]))

    @admin.action(description="Revoke selected API keys")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_key_revoke(key=key)
            self.log_change(request, key, "Revoked.")
        self.message_user(request, f"Revoked {len(keys)} API key(s).", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail says who changed what: readable in Settings, never writable."""

    list_display = ["at", "entity", "entity_id", "action", "actor_label"]
    list_filter = ["entity", "action"]
    search_fields = ["=entity_id", "actor_label"]
    ordering = ["-at", "-id"]
    show_full_result_count = False


@admin.register(LoginLockout)
class LoginLockoutAdmin(SettingsAdmin):
    """Failed sign-ins per username and address (django-axes). Unlocking
    clears the failures, so the person may try again at once."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    actions = ["unlock"]
    # No change permission, so the page shows these read-only.
    fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time", "path_info"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # "Unlock" is the one action; Django's bulk delete would say the same less clearly.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Locked out", boolean=True)
    def locked(self, obj: LoginLockout) -> bool:
        # Rows are per browser too (user agent); the lockout is per username and address.
        pair = LoginLockout.objects.filter(
            username=obj.username,
            ip_address=obj.ip_address,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        )
        cool_off = get_cool_off()
        if cool_off is not None:
            pair = pair.filter(attempt_time__gt=timezone.now() - cool_off)
        return pair.exists()

    @admin.action(description="Unlock: clear the failed sign-ins")
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginLockout]) -> None:
        pairs = sorted(set(queryset.values_list("username", "ip_address")))
        for username, ip_address in pairs:
            LoginLockout.objects.filter(username=username, ip_address=ip_address).delete()
        names = ", ".join(f"{u} from {ip}" for u, ip in pairs[:5]) + (" …" if len(pairs) > 5 else "")
        self.message_user(request, f"Unlocked {len(pairs)}: {names}.", messages.SUCCESS)
