"""Each figure against a small hand-made dataset whose answers are known."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, CallReasonFactory, CampaignFactory
from conftest import make_employee
from core.errors import DomainError
from leads.models import Lead
from reports import selectors
from reports.selectors import DateRange, parse_range
from reports.tests.factories import at, convert, log_call_back, make_call, make_job, make_lead

pytestmark = pytest.mark.django_db

MARCH = DateRange(date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def campaigns():
    """Campaign A: 3 calls, 3 leads (2 marketing, 1 abandoned-call), 2 booked jobs (one
    from a lead, one straight from a call) earning $750; B: 1 call, 1 lead, nothing booked."""
    a = CampaignFactory(name="A Paid search", monthly_cost=Decimal("3043.75"))
    b = CampaignFactory(name="B Referral", monthly_cost=Decimal("0"))
    # The range's edges: local midnight on the 1st is in, local midnight after the 31st is out.
    make_call(at(MARCH.start, 0, 0), classification="booked", campaign=a)
    make_call(at(MARCH.end, 23, 59), classification="unbooked", campaign=a)
    abandoned = make_call(at(date(2025, 3, 10), 9), classification="abandoned", campaign=a, duration=90)
    make_call(at(date(2025, 2, 28), 23, 59), classification="booked", campaign=a)
    make_call(at(date(2025, 4, 1), 0, 0), classification="booked", campaign=a)
    make_call(at(date(2025, 3, 5)), classification="unbooked", campaign=b)
    make_call(at(date(2025, 3, 5)), classification="not_lead", campaign=None, unknown_tracking_number=True)

    converted = make_lead(at(date(2025, 3, 2)), campaign=a)
    make_lead(at(date(2025, 3, 3)), campaign=a)
    make_lead(at(date(2025, 3, 10), 9, 2), type=Lead.Type.ABANDONED_CALL, campaign=a, call=abandoned)
    make_lead(at(date(2025, 2, 27)), campaign=a)  # before the range
    original = make_lead(at(date(2025, 3, 4)), campaign=b)
    make_lead(  # a duplicate merged away: not a lead of its own
        at(date(2025, 3, 4)),
        campaign=b,
        status=Lead.Status.DISMISSED,
        merged_into=original,
    )

    from_lead = make_job(at(date(2025, 3, 3)), campaign=a, amount=Decimal("500.00"))
    convert(converted, from_lead)
    direct = make_job(at(date(2025, 3, 20)), campaign=a, amount=Decimal("250.00"))
    make_job(
        at(date(2025, 3, 21)), campaign=a, amount=Decimal("0"), recall_for=direct, location=direct.location
    )
    make_job(at(date(2025, 4, 2)), campaign=a, amount=Decimal("999.00"))  # after the range
    return a, b


def test_it_reports_each_campaigns_figures(campaigns):
    a, b = campaigns
    report = selectors.campaign_report(date_range=MARCH)
    rows = {r.campaign_id: r for r in report.rows}

    row = rows[a.pk]
    assert row.calls == 3
    assert row.leads_by_type == {"marketing": 2, "abandoned_call": 1, "job_generated": 0}
    assert row.leads == 3
    assert row.booked == 2  # the lead's job and the direct one; the recall is not new business
    assert row.booked_rate == Decimal("0.5000")  # 2 ÷ (3 leads + 1 job without a lead)
    assert row.revenue == Decimal("750.00")
    assert row.cost == Decimal("3100.00")  # 3043.75 × 31 ÷ 30.4375
    assert row.cost_per_lead == Decimal("1033.33")
    assert row.roi == Decimal("-0.7581")  # (750 − 3100) ÷ 3100

    row = rows[b.pk]
    assert (row.calls, row.leads, row.booked, row.revenue) == (1, 1, 0, Decimal("0.00"))
    assert row.booked_rate == Decimal("0.0000")
    assert row.roi is None  # a free campaign has no ROI

    gap = rows[None]
    assert gap.name == "(no campaign)" and gap.calls == 1

    t = report.totals
    assert (t.calls, t.leads, t.booked) == (5, 4, 2)
    assert t.revenue == Decimal("750.00") and t.cost == Decimal("3100.00")


def test_it_keeps_void_invoices_out_of_revenue(campaigns):
    a, _ = campaigns
    make_job(at(date(2025, 3, 22)), campaign=a, amount=Decimal("400.00"), void=True)
    row = next(r for r in selectors.campaign_report(date_range=MARCH).rows if r.campaign_id == a.pk)
    assert row.booked == 3 and row.revenue == Decimal("750.00")


def test_it_prorates_cost_by_the_average_month():
    assert selectors.prorated_cost(Decimal("3043.75"), 7) == Decimal("700.00")
    assert selectors.prorated_cost(Decimal("1000"), 1) == Decimal("32.85")


def test_it_reports_leads_per_technician_and_business_unit():
    reason = CallReasonFactory(is_lead=False)
    unit_x, unit_y = BusinessUnitFactory(name="HVAC"), BusinessUnitFactory(name="Plumbing")
    t1 = make_employee(Role.TECHNICIAN, name="Tess Tech")
    t2 = make_employee(Role.TECHNICIAN, name="Ray Wrench")
    origin = make_job(at(date(2025, 2, 1)))

    def set_lead(day, setter, unit, **extra):
        return make_lead(
            at(day),
            type=Lead.Type.JOB_GENERATED,
            campaign=None,
            origin_job=origin,
            lead_setting_employee=setter,
            business_unit=unit,
            **extra,
        )

    sold = set_lead(date(2025, 3, 2), t1, unit_x)
    convert(sold, make_job(at(date(2025, 3, 3)), amount=Decimal("1000.00"), lead_setting_employee=t1))
    set_lead(date(2025, 3, 4), t1, unit_x)
    set_lead(date(2025, 3, 5), t1, unit_y, status=Lead.Status.DISMISSED, dismiss_reason=reason)
    set_lead(date(2025, 4, 1), t1, unit_x)  # outside the range
    voided = set_lead(date(2025, 3, 6), t2, unit_x)
    convert(voided, make_job(at(date(2025, 3, 7)), amount=Decimal("200.00"), void=True))
    make_lead(at(date(2025, 3, 8)))  # a marketing lead: no lead setter, not counted

    report = selectors.technician_leads_report(date_range=MARCH)

    by_emp = {r.key: r for r in report.by_employee}
    r1, r2 = by_emp[t1.pk], by_emp[t2.pk]
    assert (r1.name, r1.leads_set, r1.booked, r1.open, r1.dismissed) == ("Tess Tech", 3, 1, 1, 1)
    assert r1.revenue == Decimal("1000.00")
    assert (r2.leads_set, r2.booked, r2.revenue) == (1, 1, Decimal("0.00"))
    assert report.by_employee[0].key == t1.pk  # ranked by revenue

    by_unit = {r.name: r for r in report.by_business_unit}
    assert (by_unit["HVAC"].leads_set, by_unit["HVAC"].booked, by_unit["HVAC"].open) == (3, 2, 1)
    assert by_unit["HVAC"].revenue == Decimal("1000.00")
    assert (by_unit["Plumbing"].leads_set, by_unit["Plumbing"].dismissed) == (1, 1)

    t = report.totals
    assert (t.leads_set, t.booked, t.open, t.dismissed, t.revenue) == (4, 2, 1, 1, Decimal("1000.00"))
    assert len(report.cells) == 3  # (Tess, HVAC), (Tess, Plumbing), (Ray, HVAC)


WEEK = DateRange(date(2025, 3, 3), date(2025, 3, 9))  # Monday to Sunday


@pytest.fixture
def abandoned():
    monday, tuesday, wednesday, sunday = (WEEK.start + timedelta(days=n) for n in (0, 1, 2, 6))
    # c1: abandoned, then the caller got through and booked: called back and recovered.
    make_call(at(monday, 9, 15), classification="abandoned", duration=90, from_number="+15125550101")
    make_call(at(monday, 10), classification="booked", from_number="+15125550101")
    # c2: a short one nobody called back.
    make_call(at(tuesday, 14, 30), classification="abandoned", duration=30, from_number="+15125550102")
    # c3: its abandoned-call lead got a logged call back and was converted.
    c3 = make_call(at(wednesday, 9, 40), classification="abandoned", duration=120, from_number="+15125550103")
    lead = make_lead(at(wednesday, 9, 42), type=Lead.Type.ABANDONED_CALL, call=c3, phone="+15125550103")
    log_call_back(lead, at(wednesday, 10))
    convert(lead, make_job(at(wednesday, 11)))
    # c4: late Sunday local time (Monday in UTC); the caller tried again and was not answered.
    make_call(at(sunday, 23, 30), classification="abandoned", duration=70, from_number="+15125550104")
    make_call(at(date(2025, 3, 10), 8), classification="abandoned", duration=20, from_number="+15125550104")
    # Outside the range, and not abandoned.
    make_call(at(date(2025, 3, 2), 23, 59), classification="abandoned", from_number="+15125550105")
    make_call(at(tuesday, 11), classification="excused", duration=20)


def test_it_reports_abandoned_calls_called_back_and_recovered(abandoned):
    report = selectors.abandoned_calls_report(date_range=WEEK)
    t = report.totals
    assert (t.abandoned, t.over_60, t.called_back, t.recovered) == (4, 3, 2, 2)
    assert report.called_back_rate == Decimal("0.5000")
    days = {d.day: d for d in report.by_day}
    assert len(days) == 7
    assert (days[date(2025, 3, 3)].abandoned, days[date(2025, 3, 3)].recovered) == (1, 1)
    assert days[date(2025, 3, 9)].abandoned == 1  # Sunday local, though Monday in UTC


def test_it_places_abandoned_calls_by_local_hour_and_weekday(abandoned):
    grid = selectors.abandoned_calls_report(date_range=WEEK).heatmap
    cells = {(d + 1, h): n for d, row in enumerate(grid) for h, n in enumerate(row) if n}
    assert cells == {(1, 9): 1, (2, 14): 1, (3, 9): 1, (7, 23): 1}


def test_it_counts_leads_per_local_day_by_type():
    campaign = CampaignFactory()
    make_lead(at(date(2025, 3, 3), 0, 5), campaign=campaign)
    make_lead(at(date(2025, 3, 3), 23, 55), campaign=campaign)
    make_lead(
        at(date(2025, 3, 4), 8),
        type=Lead.Type.ABANDONED_CALL,
        call=make_call(at(date(2025, 3, 4), 8), classification="abandoned"),
    )
    per_day = dict(selectors.leads_per_day(date_range=DateRange(date(2025, 3, 3), date(2025, 3, 5))))
    assert per_day[date(2025, 3, 3)] == {"marketing": 2, "abandoned_call": 0, "job_generated": 0}
    assert per_day[date(2025, 3, 4)]["abandoned_call"] == 1
    assert per_day[date(2025, 3, 5)] == {"marketing": 0, "abandoned_call": 0, "job_generated": 0}


def test_it_computes_the_dashboard_for_today_and_this_week():
    today = date(2025, 3, 5)  # a Wednesday: the week began on Monday the 3rd
    monday, last_sunday = date(2025, 3, 3), date(2025, 3, 2)
    campaign = CampaignFactory()
    for minutes in (10, 20, 60):
        created = at(today, 9)
        lead = make_lead(created, campaign=campaign)
        Lead.objects.filter(pk=lead.pk).update(first_response_at=created + timedelta(minutes=minutes))
    early = make_lead(at(monday, 9), campaign=campaign)
    Lead.objects.filter(pk=early.pk).update(first_response_at=early.created_at + timedelta(minutes=5))
    make_lead(at(last_sunday, 9), campaign=campaign)  # last week
    waiting_call = make_call(at(today, 8), classification="abandoned", duration=80)
    make_lead(at(today, 8, 1), type=Lead.Type.ABANDONED_CALL, call=waiting_call)
    called_back = make_lead(
        at(monday, 8),
        type=Lead.Type.ABANDONED_CALL,
        call=make_call(at(monday, 8), classification="abandoned"),
    )
    log_call_back(called_back, at(monday, 9))
    for day, cls in (
        (today, "booked"),
        (today, "unbooked"),
        (monday, "booked"),
        (monday, "unbooked"),
        (monday, "unbooked"),
        (last_sunday, "booked"),
    ):
        make_call(at(day, 11), classification=cls)
    make_lead(at(last_sunday), campaign=campaign, follow_up_on=today - timedelta(days=1))
    make_lead(at(last_sunday), campaign=campaign, follow_up_on=today - timedelta(days=10))
    make_lead(at(last_sunday), campaign=campaign, follow_up_on=today)  # due today: not overdue
    make_lead(
        at(last_sunday),
        campaign=campaign,
        follow_up_on=today - timedelta(days=3),
        status=Lead.Status.DISMISSED,
        dismiss_reason=CallReasonFactory(),
    )

    data = selectors.dashboard(today=today)

    assert data.week_start == monday
    assert data.leads["today"] == {"marketing": 3, "abandoned_call": 1, "job_generated": 0}
    assert data.leads["week"] == {"marketing": 4, "abandoned_call": 2, "job_generated": 0}
    assert data.calls["today"]["booked"] == 1 and data.calls["today"]["abandoned"] == 1
    assert data.calls["week"]["booked"] == 2 and data.calls["week"]["unbooked"] == 3
    assert data.booked_rate == {"today": Decimal("0.5000"), "week": Decimal("0.4000")}
    assert data.overdue_follow_ups == 2
    assert data.awaiting_call_back == 1
    # The week's responses: 10, 20, 60 and 5 minutes, and the call-back an hour after
    # the abandoned call (a call-back is that lead's first response): median 20.
    assert data.speed_to_lead == {"today": 20.0, "week": 20.0}
    assert len(data.per_day) == 14 and data.per_day[-1][0] == today


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "field", "words"),
    [
        (None, "2025-03-01", "from", "required"),
        ("2025-03-01", "", "to", "required"),
        ("2025-13-01", "2025-03-01", "from", "not a date"),
        ("2025-03-01", "yesterday", "to", "not a date"),
        ("2025-03-02", "2025-03-01", "to", "on or after"),
        ("2024-01-01", "2025-01-01", "to", "at most 366 days"),
    ],
)
def test_it_rejects_bad_ranges_naming_the_field(raw_from, raw_to, field, words):
    with pytest.raises(DomainError) as exc:
        parse_range(raw_from, raw_to)
    assert exc.value.status == 422
    assert [e.field for e in exc.value.errors] == [field]
    assert words in exc.value.errors[0].message


def test_it_accepts_one_day_and_the_longest_range():
    assert parse_range("2025-03-01", "2025-03-01").days == 1
    longest = parse_range("2024-01-01", "2024-12-31")  # a leap year: 366 days
    assert longest.days == 366
    assert longest.until - longest.since == timedelta(days=366)
