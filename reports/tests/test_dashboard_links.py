"""Every dashboard figure agrees with the list it links to (issue 13, point 5):
the figure is the row count of its link, for each figure on the page."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import CallReasonFactory, CampaignFactory
from conftest import make_employee
from leads.models import Lead
from reports.tests.factories import at, linked_rows, make_call, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_day():
    """A mixed office: leads of each type and status today, earlier this week and
    last week, one merged away; overdue, due-today and answered leads; calls of
    every classification over the same days."""
    today = timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    earlier = week_start if week_start < today else today
    last_week = week_start - timedelta(days=2)
    campaign = CampaignFactory()
    for day in (today, earlier, last_week):
        make_lead(at(day, 9), campaign=campaign)
        make_lead(
            at(day, 9), campaign=campaign, status=Lead.Status.DISMISSED, dismiss_reason=CallReasonFactory()
        )
        waiting = make_call(at(day, 8), classification="abandoned", duration=90)
        make_lead(at(day, 8, 1), type=Lead.Type.ABANDONED_CALL, call=waiting)
        answered = make_lead(
            at(day, 8, 5),
            type=Lead.Type.ABANDONED_CALL,
            call=make_call(at(day, 8, 4), classification="abandoned", duration=70),
        )
        Lead.objects.filter(pk=answered.pk).update(first_response_at=answered.created_at + timedelta(hours=1))
        for cls in ("booked", "unbooked", "not_lead", "excused"):
            make_call(at(day, 11), classification=cls)
    keep = make_lead(at(today, 10), campaign=campaign)
    gone = make_lead(
        at(today, 10), campaign=campaign, status=Lead.Status.DISMISSED, dismiss_reason=CallReasonFactory()
    )
    Lead.objects.filter(pk=gone.pk).update(merged_into=keep)
    for due in (today - timedelta(days=1), today - timedelta(days=5), today, today + timedelta(days=2)):
        make_lead(at(last_week), campaign=campaign, follow_up_on=due)
    make_lead(
        at(last_week),
        campaign=campaign,
        follow_up_on=today - timedelta(days=3),
        status=Lead.Status.DISMISSED,
        dismiss_reason=CallReasonFactory(),
    )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CSR])
def test_it_links_each_dashboard_figure_to_a_list_of_that_manylinked_rows(office_day, role):
    client = Client()
    client.force_login(make_employee(role).user)
    response = client.get("/")
    context = response.context
    data = context["data"]
    checked = 0
    for row in context["lead_rows"] + context["call_rows"]:
        for figure, url in row["cells"]:
            assert url, row["label"]
            assert linked_rows(client, url) == figure, (row["label"], url)
            checked += 1
    assert linked_rows(client, context["overdue_link"]) == data.overdue_follow_ups == 2
    assert linked_rows(client, context["awaiting_link"]) == data.awaiting_call_back
    assert data.awaiting_call_back >= 2  # one waiting abandoned-call lead a day
    assert linked_rows(client, context["booked_link"]) == data.calls["week"]["booked"]
    # Every link on the figures points at one of the lists tested above.
    assert checked == 3 * 2 + 6 * 2
    assert sum(n for n, _ in context["lead_rows"][0]["cells"]) > 0


def test_it_names_the_awaiting_filter_in_the_follow_up_form(office_day):
    client = Client()
    client.force_login(make_employee(Role.CSR).user)
    url = client.get("/").context["awaiting_link"]
    assert urlsplit(url).path == "/leads/"
    html = client.get(url).content.decode()
    assert 'value="false" selected' in html  # "Not answered yet" shows as the chosen filter
