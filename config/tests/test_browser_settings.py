"""Settings (Django's admin at /settings/), looked at in the browser: every
page passes the accessibility audit (axe-core, as the app's own screens in
``test_browser_screens``) with no serious or critical violation, and the main
flow works by keyboard alone.

The pages come from the admin's registry, so a model registered tomorrow is
audited without anyone listing it: its change list, its add form and the
change form of one row that ``settings_records`` makes (the audit fails when a
registered model has no row to open). ``test_it_knows_every_settings_view``
does for the admin's URL names what ``test_it_knows_every_screen`` does for
the site's: a custom admin view is audited or said not to be a page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import ApiKey, LoginLockout, Role
from assignment.models import AssignmentRule, SlaPolicy
from bookings.models import WebhookDelivery
from bookings.tests.factories import CampaignRuleFactory
from catalog.models import BusinessUnit, CallReason, Campaign
from catalog.tests.factories import BookingGuideFactory, TagFactory
from config.tests.screens import World, build_world
from config.tests.test_browser_screens import AXE, sign_in
from messaging.models import ConsentEvent, MessageTemplate, OptOut, TextBack
from scheduling.tests.factories import ArrivalWindowFactory

# The views every model has, and where each is audited.
PER_MODEL_AUDITED = {"changelist", "add", "change"}  # for every model
ONE_MODEL_AUDITED = {"history", "delete"}  # one template each: audited on one model (see below)

# Named admin URLs that are not pages of their own.
SETTINGS_NOT_PAGES = {
    "login": "redirects to the site's sign-in page (audited as the `login` screen)",
    "logout": "POST",
    "password_change_done": "a sentence after a password change",
    "autocomplete": "JSON for autocomplete_fields",
    "jsi18n": "script",
    "view_on_site": "redirect",
    "accounts_apikey_revoke": "POST from the API key's page",
}


def settings_records(world: World) -> None:
    """One row of every registered model the office of ``build_world`` lacks."""
    integration = world.booking.integration
    unit = BusinessUnit.objects.first()
    campaign = Campaign.objects.first()
    ApiKey.issue(employee=world.admin, name="Reports export")
    ApiKey.issue(integration=integration, name="Website bookings")
    LoginLockout.objects.create(
        username="casey",
        ip_address="203.0.113.7",
        user_agent="Firefox",
        get_data="",
        post_data="",
        http_accept="text/html",
        path_info="/login/",
        failures_since_start=5,
    )
    TagFactory(name="VIP")
    BookingGuideFactory(name="AC not cooling", business_unit=unit)
    ArrivalWindowFactory(business_unit=unit, weekday=0, start_time=time(8), end_time=time(11))
    AssignmentRule.objects.create(name="Austin leads", employee_ids=[world.csr.pk], zip_prefixes=["787"])
    SlaPolicy.objects.create(name="Call back within 15 minutes", minutes=15)
    MessageTemplate.objects.create(name="On our way", body="Hi {first_name}, we are on our way.")
    OptOut.objects.create(phone="+15125550166", keyword="STOP", opted_out_at=timezone.now())
    ConsentEvent.objects.create(phone="+15125550166", action="opt_out", keyword="STOP")
    TextBack.objects.create(
        call=world.call,
        integration=integration,
        phone=world.call.from_number,
        status="skipped",
        reason="Answered",
        scheduled_for=timezone.now(),
    )
    WebhookDelivery.objects.create(
        integration=integration,
        event="booking.accepted",
        payload={"booking": world.booking.pk},
        url="https://partner.example.com/hooks",
        status="failed",
        status_code=500,
        error="Internal Server Error",
        next_retry_at=timezone.now() + timedelta(minutes=5),
    )
    CampaignRuleFactory(integration=integration, campaign=campaign, utm_source="google")
    DBTaskResult.objects.create(
        task_path="assignment.tasks.sla_sweep",
        status="SUCCESSFUL",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now() - timedelta(hours=1),
        finished_at=timezone.now() - timedelta(hours=1),
    )


def settings_pages(user: User) -> Iterator[tuple[str, str]]:
    """(what, path) for every Settings page ``user`` may open."""
    request = RequestFactory().get("/settings/")
    request.user = user
    yield "Settings index", reverse("admin:index")
    for group in admin.site.get_app_list(request):
        yield f"group {group['name']}", group["app_url"]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        yield f"app {app_label}", reverse("admin:app_list", kwargs={"app_label": app_label})
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        assert model_admin.has_view_or_change_permission(request), f"{opts.label}: not in Settings?"
        yield f"{opts.label} list", reverse(f"{name}_changelist")
        if model_admin.has_add_permission(request):
            yield f"{opts.label} add", reverse(f"{name}_add")
        row = model_admin.get_queryset(request).first()
        assert row is not None, f"{opts.label} has no row to open: make one in settings_records()"
        yield f"{opts.label} change", reverse(f"{name}_change", args=[row.pk])
    campaign = Campaign.objects.first()
    assert campaign is not None
    yield "Campaign history", reverse("admin:catalog_campaign_history", args=[campaign.pk])
    yield "Campaign delete", reverse("admin:catalog_campaign_delete", args=[campaign.pk])
    yield "password change", reverse("admin:password_change")


def violations(page: Any, label: str) -> list[str]:
    """Serious and critical axe violations on the page, one line per element."""
    results = AXE.run(page).response
    return [
        f"{label}: {v['id']} ({v['impact']}) {node['target']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


def settings_admin(world: World) -> World:
    """The office's admin with a superuser login, as the demo company's admins
    have: Settings shows them every registered model (third-party ones too)."""
    world.admin.user.is_superuser = True
    world.admin.user.save(update_fields=["is_superuser"])
    return world


def test_it_knows_every_settings_view():
    models = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    per_model = PER_MODEL_AUDITED | ONE_MODEL_AUDITED
    site = {"index", "app_list", "group_index", "password_change"} | set(SETTINGS_NOT_PAGES)

    def names(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from names(p.url_patterns)
            elif p.name:
                yield p.name

    admin_urls = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "admin"
    )
    unknown = {
        name
        for name in names(admin_urls.url_patterns)
        if name not in site and not any(name == f"{m}_{view}" for m in models for view in per_model)
    }
    assert not unknown, f"new Settings views: audit them or list them in SETTINGS_NOT_PAGES: {unknown}"


def test_it_audits_every_settings_page(page):
    world = settings_admin(build_world())
    settings_records(world)
    sign_in(page, world, Role.ADMIN)
    found: list[str] = []
    seen = 0
    for label, path in settings_pages(world.admin.user):
        response = page.goto(path)
        assert response is not None and response.status == 200, (label, path, response and response.status)
        found += violations(page, f"{label} ({path})")
        seen += 1
    # The page a form leads to: an API key, issued and shown once.
    page.goto(reverse("admin:accounts_apikey_add"))
    page.get_by_label("Employee").select_option(label=str(world.csr))
    page.get_by_role("button", name="Issue API key").click()
    page.get_by_text("Copy it now").wait_for()
    found += violations(page, "API key issued")
    # A form refused: the errors beside their fields.
    page.goto(reverse("admin:catalog_campaign_add"))
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".errornote").wait_for()
    found += violations(page, "Campaign add, refused")
    # A bulk action's confirmation.
    page.goto(reverse("admin:catalog_tag_changelist"))
    page.locator("input.action-select").first.check()
    page.locator("select[name=action]").select_option("delete_selected")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("Are you sure").wait_for()
    found += violations(page, "Tags: delete selected, confirm")
    assert seen > 3 * len(admin.site._registry) // 2
    assert not found, f"{len(found)} serious or critical violations:\n" + "\n".join(found)


def test_it_works_settings_by_keyboard_alone(page):
    """Settings' main flows, with keys only (after signing in): a form with a
    select and a tabular inline, then Save; a change list's editable column, then Save."""
    world = settings_admin(build_world())
    sign_in(page, world, Role.ADMIN)
    page.goto(reverse("admin:catalog_campaign_add"))
    name_of_focused = """(() => { const el = document.activeElement;
        const text = (el.labels && el.labels[0] && el.labels[0].innerText)
            || el.getAttribute('aria-label') || (el.type === 'submit' && el.value) || el.innerText || '';
        return text.trim().replace(/:$/, ''); })()"""

    def tab_to(name: str, limit: int = 150) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(name_of_focused) == name:
                return
        raise AssertionError(f"{name!r} is not reachable with Tab")

    tab_to("Name")
    page.keyboard.type("Radio spring")
    tab_to("Category")
    page.keyboard.press("ArrowDown")
    tab_to("Number (new tracking number)")
    page.keyboard.type("(512) 555-0123")
    tab_to("Save")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    campaign = Campaign.objects.get(name="Radio spring")
    assert campaign.category
    assert [t.number for t in campaign.tracking_numbers.all()] == ["+15125550123"]

    page.goto(reverse("admin:catalog_callreason_changelist"))
    tab_to("Dismisses (Wrong number)")
    page.keyboard.press("Space")
    tab_to("Save")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert CallReason.objects.get(name="Wrong number").dismisses
