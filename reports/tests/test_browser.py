from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import CampaignFactory
from conftest import make_employee
from reports.tests.factories import make_job, make_lead


def test_it_opens_the_campaign_report_and_sees_its_chart(page, login):
    manager = make_employee(Role.MANAGER)
    campaign = CampaignFactory(name="Spring Tune-up Mailer")
    yesterday = timezone.now() - timedelta(days=1)
    make_lead(yesterday, campaign=campaign)
    make_job(yesterday, campaign=campaign, amount=Decimal("450.00"))
    login(manager.user.username)

    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Last 7 days").first.click()
    page.get_by_role("link", name="Campaigns", exact=True).click()

    chart = page.get_by_role("img", name="Leads and booked jobs by campaign")
    assert chart.is_visible()
    assert chart.locator("text", has_text="Spring Tune-up Mailer").count() == 1
    assert page.get_by_role("img", name="New leads per day by type").is_visible()
    row = page.get_by_role("row", name="Spring Tune-up Mailer")
    assert "$450.00" in row.inner_text()
    assert page.get_by_role("link", name="Download CSV").is_visible()
