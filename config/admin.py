"""Settings: Django's admin at /settings/, for the admin role only, organised
the way an office admin looks for things.

``LeadlineAdminSite`` is the default admin site (see ``config.apps``), so the
apps' ``admin.py`` modules register on it with the plain ``admin.register``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse

from accounts.settings_admin import can_settings

# The index's groups, in order: (title, slug, model labels). A model that
# registers later and is listed nowhere shows under "More" before the records.
GROUPS: list[tuple[str, str, list[str]]] = [
    (
        "Company",
        "company",
        [
            "catalog.BusinessUnit",
            "catalog.JobType",
            "catalog.Campaign",
            "catalog.TrackingNumber",
            "catalog.Tag",
        ],
    ),
    (
        "Calls & booking",
        "calls-booking",
        ["catalog.CallReason", "catalog.BookingGuide", "scheduling.ArrivalWindow"],
    ),
    ("People", "people", ["accounts.Employee", "accounts.LoginLockout"]),
    ("Assignment and SLAs", "assignment", ["assignment.AssignmentRule", "assignment.SlaPolicy"]),
    (
        "Integrations",
        "integrations",
        ["accounts.Integration", "accounts.ApiKey", "bookings.CampaignRule", "bookings.WebhookDelivery"],
    ),
    (
        "Texting",
        "texting",
        ["messaging.MessageTemplate", "messaging.OptOut", "messaging.ConsentEvent", "messaging.TextBack"],
    ),
    (
        "Records (read-only)",
        "records",
        ["customers.Customer", "jobs.Job", "jobs.Invoice", "core.AuditEntry"],
    ),
]


class LeadlineAdminSite(admin.AdminSite):
    site_header = "Leadline Settings"
    site_title = "Leadline Settings"
    index_title = "Settings"
    site_url = "/"
    enable_nav_sidebar = True

    def has_permission(self, request: HttpRequest) -> bool:
        # The role decides, not Django's staff flag: an admin-role employee
        # needs no is_staff, and a staff CSR gets nothing.
        return can_settings(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """One sign-in page for the whole product; someone signed in without
        the admin role is told so (403) rather than asked to sign in again."""
        if self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if request.user.is_authenticated:
            return TemplateResponse(request, "admin/forbidden.html", {}, status=403)
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, settings.LOGIN_URL)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("group/<slug:slug>/", self.admin_view(self.group_index), name="group_index"),
            *super().get_urls(),
        ]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        if app_label is not None:
            return super().get_app_list(request, app_label)
        by_label: dict[str, dict[str, Any]] = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                by_label[model["model"]._meta.label] = model
        groups: list[dict[str, Any]] = []
        for title, slug, labels in GROUPS:
            models = [by_label.pop(label) for label in labels if label in by_label]
            groups.append(self._group(title, slug, models))
        leftovers = sorted(by_label.values(), key=lambda m: m["name"])
        if leftovers:
            groups.insert(-1, self._group("More", "more", leftovers))
        return [g for g in groups if g["models"]]

    def _group(self, title: str, slug: str, models: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "name": title,
            "app_label": slug,
            "app_url": reverse("admin:group_index", kwargs={"slug": slug}, current_app=self.name),
            "has_module_perms": True,
            "models": models,
        }

    def group_index(self, request: HttpRequest, slug: str) -> HttpResponse:
        group = next((g for g in self.get_app_list(request) if g["app_label"] == slug), None)
        if group is None:
            raise Http404("No such settings group.")
        context = {
            **self.each_context(request),
            "title": group["name"],
            "subtitle": None,
            "app_list": [group],
            "app_label": slug,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)
