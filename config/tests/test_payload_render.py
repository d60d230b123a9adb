"""Markup and formula payloads in every free-text field, rendered on every page
and in every CSV (issue 10 item 12).

Every text column of every model (names, streets, cities, summaries, notes,
campaign and business-unit names, call reasons, tags, booking fields, texts,
templates, …) is filled with a payload: markup that would run if a page did not
escape it, a ``javascript:`` URL, a template tag, and spreadsheet formulas.
Then every URL pattern of the site (enumerated from the resolver, Settings
included, with real ids) is opened as an admin, and its HTML is parsed: no
payload may have become an element, an event handler or a ``javascript:`` link.
Every CSV (the Follow Up export, each report's page and API ``format=csv``) is
read back: no cell may start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return unless it is a plain number.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiKey, Employee, Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from assignment.models import AssignmentRule, SlaPolicy
from bookings.tests.factories import BookingFactory
from calls.models import Call
from calls.tests.factories import play_call, provider_actor
from catalog.tests.factories import (
    BookingGuideFactory,
    CallReasonFactory,
    CampaignFactory,
    JobTypeFactory,
    TagFactory,
    TrackingNumberFactory,
)
from core.csvfile import FORMULA_START
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import InvoiceLine
from jobs.tests.factories import book_job
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory
from messaging.models import Message, MessageTemplate
from notifications.models import Notification

pytestmark = pytest.mark.django_db

MARKUP = (
    "<script>xss_s</script>",
    '"><img src=x onerror=xss_i>',
    "' onfocus='xss_q' x='",
    "{{ 7|add:7 }}{% now 'Y' %}",
)
URL = "javascript:xss_j"
SHORT = "<b onclick=xss_b>"  # for the narrow columns (ZIP, state)
FORMULAS = ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
PAYLOADS = (*MARKUP, *FORMULAS)
COPIES = len(PAYLOADS)

# Text columns that are not free text: identifiers, numbers, secrets, machine values.
NOT_FREE_TEXT = {
    "phone",
    "email",
    "value",
    "number",
    "from_number",
    "to_number",
    "default_number",
    "slug",
    "key",
    "key_hash",
    "prefix",
    "webhook_secret",
    "provider_call_id",
    "provider_message_id",
    "external_id",
    "customer_type",
    "follow_up_resolution",
    "last_callback_outcome",
    "keyword",
    "client",
    "timezone",
    "scope",
    "body_hash",
    "content_type",
    "method",
    "path",
    "entity",
    "action",
    "gclid",
    "fbclid",
    "msclkid",
}
URL_FIELDS = {"landing_page", "referrer", "recording_url", "webhook_url", "url"}
LOCAL_APPS = {
    "core",
    "accounts",
    "notifications",
    "catalog",
    "hours",
    "scheduling",
    "customers",
    "jobs",
    "leads",
    "calls",
    "bookings",
    "assignment",
    "messaging",
}


def _free_text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.unique
        and f.name not in NOT_FREE_TEXT
        and not f.name.endswith("_enc")
    ]


def _payload_for(field: models.Field, i: int) -> str:
    if field.name in URL_FIELDS:
        return URL
    payload = PAYLOADS[i % COPIES] + f" #{i}"
    if field.max_length is not None and len(payload) > field.max_length:
        return SHORT
    return payload


def _fill_every_text_field() -> int:
    """Every instance's free-text columns get a payload (the i-th instance the i-th)."""
    filled = 0
    for model in apps.get_models():
        if model._meta.app_label not in LOCAL_APPS:
            continue
        fields = _free_text_fields(model)
        if not fields:
            continue
        for i, pk in enumerate(model._default_manager.order_by("pk").values_list("pk", flat=True)):
            changes = {f.name: _payload_for(f, i) for f in fields}
            model._default_manager.filter(pk=pk).update(**changes)
            filled += len(changes)
    # Unique names (tags, templates, …) still carry a payload, made unique by their id.
    for model, name in ((MessageTemplate, "name"),):
        for i, obj in enumerate(model._default_manager.order_by("pk")):
            model._default_manager.filter(pk=obj.pk).update(**{name: f"{PAYLOADS[i % COPIES]} #{obj.pk}"})
    return filled


def build_world() -> dict[str, Any]:
    admin = EmployeeFactory(role=Role.ADMIN)
    admin.user.is_staff = admin.user.is_superuser = True
    admin.user.save()
    integration = IntegrationFactory(booking_form_enabled=True, webhook_url="https://hooks.example.com/x")
    world: dict[str, Any] = {"admin": admin, "integration": integration}
    ApiKey.issue(employee=admin)
    ApiKey.issue(integration=integration)
    for i in range(COPIES):
        tech = EmployeeFactory(role=Role.TECHNICIAN)
        EmployeeFactory(role=Role.CSR)
        job_type = JobTypeFactory()
        campaign = CampaignFactory(business_unit=job_type.business_units.get())
        number = TrackingNumberFactory(campaign=campaign)
        reason = CallReasonFactory(is_lead=i % 2 == 0)
        tag = TagFactory()
        BookingGuideFactory(business_unit=job_type.business_units.get())
        location = LocationFactory()
        PhoneFactory(customer=location.customer)
        job = book_job(location=location, job_type=job_type, technician=tech, campaign=campaign)
        job.tags.add(tag)
        InvoiceLine.objects.create(invoice=job.invoice, description="Part", quantity=1, unit_price="10.00")
        lead = LeadFactory(
            campaign=campaign,
            business_unit=job_type.business_units.get(),
            job_type=job_type,
            street="1 Elm",
            summary="Needs a quote",
        )
        lead.tags.add(tag)
        LeadFactory(
            type=Lead.Type.JOB_GENERATED,
            campaign=None,
            origin_job=job,
            lead_setting_employee=tech,
            customer=location.customer,
            location=location,
        )
        LeadActivity.objects.create(lead=lead, kind=LeadActivity.Kind.NOTE, text="note")
        LeadFactory(campaign=campaign, status=Lead.Status.DISMISSED, dismiss_reason=reason, dismiss_note="n")
        booking = BookingFactory(integration=integration, campaign=campaign, landing_page="https://x.example")
        if i == 0:
            world.update(lead=lead, job=job, location=location, booking=booking, number=number)
        call = play_call(actor=provider_actor(integration), seconds=90, to_number=number.number)
        Call.objects.filter(pk=call.pk).update(recording_url="https://rec.example.com/1.mp3")
        Message.objects.create(
            lead=lead,
            direction=Message.Direction.INBOUND,
            body="Hi",
            from_number=lead.phone,
            to_number=number.number,
        )
        MessageTemplate.objects.create(name=f"Template {i}", body="Hello {name}")
        AssignmentRule.objects.create(name=f"Rule {i}")
        SlaPolicy.objects.create(name=f"Policy {i}", minutes=15)
        Notification.objects.create(employee=admin, kind="lead_assigned", text="x", url="/leads/")
    world["call"] = Call.objects.order_by("pk").first()
    world["filled"] = _fill_every_text_field()
    return world


class _Findings(HTMLParser):
    """Elements and attributes a payload would have become if it was not escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "xss" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {
                "href",
                "src",
                "action",
                "formaction",
                "hx-get",
                "hx-post",
            } and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip().startswith("xss"):
            self.found.append(f"<script>{data.strip()[:40]}</script>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _unescaped(html: str) -> list[str]:
    parser = _Findings()
    parser.feed(html)
    # A template tag in a value must be shown as typed, never evaluated.
    if re.search(r"(?<![\d{])14(?= #\d)", html):
        parser.found.append("{{ 7|add:7 }} was evaluated")
    return parser.found


def _patterns(resolvers: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for p in resolvers:
        if isinstance(p, URLResolver):
            out.extend(_patterns(p.url_patterns, prefix + str(p.pattern)))
        else:
            out.append((prefix + str(p.pattern), p))
    return out


# Routes left out, and why.
SKIPPED = {
    "settings/logout/": "logs the admin out",
    "logout/": "logs the admin out",
    "settings/r/<path:content_type_id>/<path:object_id>/": "redirects to the object's own page",
    "settings/(?P<url>.*)$": "the admin's catch-all 404",
    "calls/<int:pk>/recording/": "streams audio from the provider",
}


def _admin_object_id(route: str) -> str | None:
    """``settings/<app>/<model>/<path:object_id>/…``: the id of that model's first row."""
    match = re.match(r"settings/(\w+)/(\w+)/<path:object_id>/", route)
    if not match:
        return None
    model = apps.get_model(match.group(1), match.group(2))
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return None if pk is None else str(pk)


def _url(route: str, world: dict[str, Any]) -> str | None:
    if route in SKIPPED or route.startswith("api/v1/"):
        return None
    lead, job, call, booking = world["lead"], world["job"], world["call"], world["booking"]
    message = Message.objects.order_by("pk").first()
    values = {
        "<int:customer_id>": job.customer_id,
        "<int:location_id>": job.location_id,
        "<int:job_id>": job.pk,
        "<int:lead_id>": lead.pk,
        "<int:activity_id>": LeadActivity.objects.filter(lead=lead).order_by("pk").first().pk,
        "<int:call_id>": call.pk,
        "<int:booking_id>": booking.pk,
        "<slug:slug>": world["integration"].slug,
        "<int:key_id>": ApiKey.objects.order_by("pk").first().pk,
    }
    if route.startswith("messages/<int:pk>"):
        values["<int:pk>"] = message.pk if message else 0
    elif route.startswith("calls/<int:pk>"):
        values["<int:pk>"] = call.pk
    elif route.startswith("notifications/<int:pk>"):
        values["<int:pk>"] = Notification.objects.filter(employee=world["admin"]).order_by("pk").first().pk
    if "<path:object_id>" in route:
        object_id = _admin_object_id(route)
        if object_id is None:
            return None
        values["<path:object_id>"] = object_id
    if route.startswith("settings/group/"):
        values["<slug:slug>"] = "assignment"
    if route.startswith("settings/^"):
        return "/settings/catalog/"
    url = route
    for token, value in values.items():
        url = url.replace(token, str(value))
    if "<" in url or "(?P" in url:
        raise AssertionError(f"no value for a parameter of {route!r}")
    return "/" + url


# Pages whose filters echo what was typed: tried with a payload in the query too.
QUERIES = {
    "/customers/": {"q": MARKUP[0]},
    "/customers/hx/": {"q": MARKUP[1]},
    "/leads/": {"q": MARKUP[1]},
    "/calls/list/": {"number": MARKUP[2]},
    "/leads/matches/hx/": {"phone": "512-555-0100", "name": MARKUP[0], "email": MARKUP[1]},
}


def test_it_escapes_every_payload_on_every_page():
    world = build_world()
    assert world["filled"] > 100
    client = Client()
    client.force_login(world["admin"].user)
    rendered = escaped = 0
    findings: list[str] = []
    broken: list[str] = []
    for route, _pattern in _patterns(get_resolver().url_patterns):
        url = _url(route, world)
        if url is None:
            continue
        for query in ({}, QUERIES.get(url)):
            if query is None:
                continue
            response = client.get(url, query)
            if response.status_code >= 500 or response.status_code in (400, 404):
                broken.append(f"{url} {query}: {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            rendered += 1
            escaped += "&lt;script&gt;xss_s" in html
            findings.extend(f"{url}: {f}" for f in _unescaped(html))
    assert not broken, "\n".join(broken)
    assert not findings, "\n".join(findings)
    # The payloads were on the pages (escaped), not just absent from them.
    assert rendered >= 100 and escaped >= 20, (rendered, escaped)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _live_formulas(cells: list[str]) -> list[str]:
    number = re.compile(r"[+-]?\d+(\.\d+)?")
    return [c for c in cells if c.startswith(FORMULA_START) and not number.fullmatch(c)]


def test_it_writes_no_live_formula_in_any_csv():
    world = build_world()
    client = Client()
    client.force_login(world["admin"].user)
    manager = Employee.objects.filter(role=Role.ADMIN).first()
    key = ApiKey.issue(employee=manager)[1]
    span = {"from": str(date.today() - timedelta(days=30)), "to": str(date.today() + timedelta(days=1))}
    downloads = {
        "Follow Up export": client.get("/leads/export.csv"),
        "Follow Up export, every status": client.get("/leads/export.csv", {"status": "all"}),
    }
    for report in ("campaigns", "technician-leads", "abandoned-calls"):
        downloads[f"report page {report}"] = client.get(f"/reports/{report}/", {**span, "format": "csv"})
        downloads[f"API {report}"] = client.get(
            f"/api/v1/reports/{report}",
            {**span, "format": "csv"},
            headers={"Authorization": f"Bearer {key}"},
        )
    live: list[str] = []
    neutralised = 0
    for name, response in downloads.items():
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Type"].startswith("text/csv"), name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        cells = _cells(body.decode())
        live.extend(f"{name}: {c!r}" for c in _live_formulas(cells))
        neutralised += sum(1 for c in cells if c.startswith("'") and c[1:].startswith(FORMULA_START))
    assert not live, "\n".join(live)
    # Formula payloads did reach the files (as text).
    assert neutralised >= 10, neutralised


def test_it_counts_a_formula_written_raw_as_live():
    # The check above can fail: a raw formula cell is found, a neutralised one is not.
    assert _live_formulas(["=1+1", "'=1+1", "+15125550100", "-2", "@SUM(A1)"]) == ["=1+1", "@SUM(A1)"]
    assert _unescaped('<img src=x onerror=xss_i><a href="javascript:xss_j">x</a><script>xss_s</script>') == [
        "<img onerror='xss_i'>",
        "<a href='javascript:xss_j'>",
        "<script>xss_s</script>",
    ]
