"""Report screens and the dashboard.

Decisions (the figures' definitions live once, in ``reports.selectors``):

* Reports (``/reports/…``) are for managers and admins (``Perm.REPORTS``);
  anyone else gets a 403. The dashboard is for everyone who works leads
  (CSRs, office, managers, admins); a technician sees a short page pointing
  at their jobs instead of a 403, because the dashboard becomes the home page.
* Date ranges are inclusive local dates (``from``/``to``, ``YYYY-MM-DD``);
  without them a report shows the last 30 days. Bad dates keep what was typed and
  name the field; ``format=csv`` downloads the report as CSV, the same
  columns as the API's.
* Each dashboard figure links to the list it counts. The lists belong to
  other apps (``follow_up``, ``calls_list``, ``dashboard_leads``); a link is
  left out while its URL name does not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts.actor import actor_from_request
from accounts.roles import Perm
from calls.models import Call
from calls.services import calls_follow_up_queue
from core.errors import DomainError
from leads.models import Lead
from reports import charts, exports, selectors
from reports.selectors import LEAD_TYPES, DateRange
from scheduling.services import capacity_board

REPORTS = [
    ("report_campaigns", "Campaigns", "Calls, leads, booked jobs, revenue, cost and ROI per campaign."),
    (
        "report_technician_leads",
        "Technician leads",
        "Leads set by technicians and staff, and what they sold.",
    ),
    (
        "report_abandoned_calls",
        "Abandoned calls",
        "Calls nobody answered, who was called back, what was saved.",
    ),
    (
        "report_csr_scorecard",
        "CSR scorecard",
        "Per CSR: calls taken, booking rate, leads, first responses, speed to lead, SLA met.",
    ),
]
LEAD_TYPE_LABELS = dict(Lead.Type.choices)


def _require_reports(request: HttpRequest) -> None:
    if not actor_from_request(request).can(Perm.REPORTS):
        raise PermissionDenied("Reports are for managers and admins.")


def _page_range(request: HttpRequest) -> tuple[DateRange | None, dict[str, Any]]:
    """The range asked for (or the last 30 days), and the form's context with what was typed."""
    raw_from, raw_to = request.GET.get("from"), request.GET.get("to")
    form: dict[str, Any] = {"from": raw_from or "", "to": raw_to or "", "errors": {}}
    if raw_from is None and raw_to is None:
        date_range: DateRange | None = selectors.default_range()
    else:
        try:
            date_range = selectors.parse_range(raw_from, raw_to)
        except DomainError as exc:
            form["errors"] = {e.field: e.message for e in exc.errors}
            return None, form
    assert date_range is not None
    form.update({"from": date_range.start.isoformat(), "to": date_range.end.isoformat()})
    return date_range, form


def _report_page(
    request: HttpRequest,
    *,
    url_name: str,
    template: str,
    build: Callable[[DateRange], dict[str, Any]],
    csv: Callable[[DateRange], HttpResponse],
) -> HttpResponse:
    _require_reports(request)
    date_range, form = _page_range(request)
    if date_range is not None and request.GET.get("format") == "csv":
        return csv(date_range)
    here = reverse(url_name)
    context: dict[str, Any] = {
        "nav": "reports",
        "reports": REPORTS,
        "current": url_name,
        "form": form,
        "range": date_range,
        "presets": [(label, f"{here}?{urlencode(r.as_params())}") for label, r in selectors.preset_ranges()],
    }
    if date_range is not None:
        context["csv_url"] = f"{here}?{urlencode({**date_range.as_params(), 'format': 'csv'})}"
        context.update(build(date_range))
    return render(request, template, context)


@login_required
def reports_index(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    presets = selectors.preset_ranges()
    items = [
        {
            "title": title,
            "blurb": blurb,
            "url": reverse(name),
            "presets": [(label, f"{reverse(name)}?{urlencode(r.as_params())}") for label, r in presets],
        }
        for name, title, blurb in REPORTS
    ]
    return render(request, "reports/index.html", {"nav": "reports", "items": items, "reports": REPORTS})


def _leads_chart(per_day: list[tuple[date, dict[str, int]]], title: str) -> str:
    return charts.stacked_columns(
        days=[d for d, _ in per_day],
        series={LEAD_TYPE_LABELS[t]: [counts[t] for _, counts in per_day] for t in LEAD_TYPES},
        title=title,
        y_label="Leads",
        width=1240,
    )


@login_required
def report_campaigns(request: HttpRequest) -> HttpResponse:
    """Campaign report: per campaign calls, leads by type, booked, booked %, revenue,
    prorated cost, cost per lead and ROI, with totals (definitions in reports.selectors)."""

    def build(date_range: DateRange) -> dict[str, Any]:
        report = selectors.campaign_report(date_range=date_range)
        shown = sorted((r for r in report.rows if not r.is_empty), key=lambda r: -r.leads)[:15]
        return {
            "report": report,
            "lead_types": [(t, LEAD_TYPE_LABELS[t]) for t in LEAD_TYPES],
            "comparison_chart": charts.paired_bars(
                labels=[r.name for r in shown],
                series={"Leads": [r.leads for r in shown], "Booked jobs": [r.booked for r in shown]},
                title="Leads and booked jobs by campaign",
                x_label="Count",
                width=1240,
            )
            if shown
            else "",
            "per_day_chart": _leads_chart(
                selectors.leads_per_day(date_range=date_range), "New leads per day by type"
            ),
        }

    return _report_page(
        request,
        url_name="report_campaigns",
        template="reports/campaigns.html",
        build=build,
        csv=lambda r: exports.campaign_csv(selectors.campaign_report(date_range=r)),
    )


@login_required
def report_technician_leads(request: HttpRequest) -> HttpResponse:
    """Technician-generated leads per lead-setting employee and per business unit:
    set, booked, open, dismissed and the booked jobs' revenue."""

    def build(date_range: DateRange) -> dict[str, Any]:
        report = selectors.technician_leads_report(date_range=date_range)
        top = report.by_employee[:15]
        return {
            "report": report,
            "setters_chart": charts.paired_bars(
                labels=[r.name for r in top],
                series={"Leads set": [r.leads_set for r in top], "Booked": [r.booked for r in top]},
                title="Leads set and booked by lead setter",
                x_label="Leads",
                width=1240,
            )
            if top
            else "",
        }

    return _report_page(
        request,
        url_name="report_technician_leads",
        template="reports/technician_leads.html",
        build=build,
        csv=lambda r: exports.technician_csv(selectors.technician_leads_report(date_range=r)),
    )


@login_required
def report_abandoned_calls(request: HttpRequest) -> HttpResponse:
    """Abandoned calls: all, over 60 s, called back, recovered (definitions in
    reports.selectors), per day and as an hour × weekday heat map."""

    def build(date_range: DateRange) -> dict[str, Any]:
        report = selectors.abandoned_calls_report(date_range=date_range)
        return {
            "report": report,
            "heatmap": charts.heatmap(
                grid=report.heatmap, title="Abandoned calls by weekday and hour", width=1240
            ),
            "weekdays": list(zip(charts.WEEKDAYS, report.heatmap, strict=True)),
            "hours": [f"{h:02d}" for h in range(24)],
        }

    return _report_page(
        request,
        url_name="report_abandoned_calls",
        template="reports/abandoned_calls.html",
        build=build,
        csv=lambda r: exports.abandoned_csv(selectors.abandoned_calls_report(date_range=r)),
    )


def scorecard_links(row: selectors.ScorecardRow, date_range: DateRange) -> dict[str, str]:
    """Each figure of a scorecard row → the calls or leads list whose row count it is."""
    calls = {
        "agent_id": row.employee_id,
        "since": date_range.start.isoformat(),
        "until": date_range.end.isoformat(),
    }
    leads = {
        "status": "any",
        "merged": "false",
        "created_after": date_range.start.isoformat(),
        "created_before": date_range.end.isoformat(),
    }
    assigned = {**leads, "assignee_id": row.employee_id}
    answered = _link("follow_up", **leads, responded_by=row.employee_id)
    return {
        "calls_taken": _link("calls_list", **calls),
        "lead_calls": _link("calls_list", **calls, classification="booked,unbooked"),
        "booked": _link("calls_list", **calls, classification="booked"),
        "unbooked": _link("calls_list", **calls, classification="unbooked"),
        "leads_assigned": _link("follow_up", **assigned),
        "first_responses": answered,
        "median_speed_to_lead_seconds": answered,
        "sla_met": _link("follow_up", **assigned, sla="met"),
        "sla_breached": _link("follow_up", **assigned, sla="breached"),
    }


@login_required
def report_csr_scorecard(request: HttpRequest) -> HttpResponse:
    """Per CSR: calls taken, lead calls, booked, booking rate, unbooked, leads assigned,
    first responses, median speed to lead, SLA met % (definitions in reports.selectors);
    every figure links to the list it counts."""

    def build(date_range: DateRange) -> dict[str, Any]:
        report = selectors.csr_scorecard(date_range=date_range)
        shown = [r for r in report.rows if r.calls_taken or r.leads_assigned or r.first_responses]
        return {
            "report": report,
            "rows": [(row, scorecard_links(row, date_range)) for row in report.rows],
            "chart": charts.paired_bars(
                labels=[r.name for r in shown],
                series={
                    "Lead calls": [r.lead_calls for r in shown],
                    "Booked": [r.booked for r in shown],
                    "First responses": [r.first_responses for r in shown],
                },
                title="Lead calls, booked calls and first responses by CSR",
                x_label="Count",
                width=1240,
            )
            if shown
            else "",
        }

    return _report_page(
        request,
        url_name="report_csr_scorecard",
        template="reports/csr_scorecard.html",
        build=build,
        csv=lambda r: exports.scorecard_csv(selectors.csr_scorecard(date_range=r)),
    )


def _link(name: str, **params: Any) -> str:
    """The URL of another app's list with its filters, or "" while that list does not exist."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today and this week: new leads by type, calls by classification, call booking
    rate (booked ÷ (booked + unbooked) calls), open leads overdue for follow-up,
    abandoned-call leads awaiting a call back, speed to lead (median minutes)."""
    actor = actor_from_request(request)
    if not (actor.can(Perm.WORK_LEADS) or actor.can(Perm.REPORTS)):
        # A technician's home is their day's jobs.
        return redirect("today")
    data = selectors.dashboard()
    today = data.today
    starts = {"today": today, "week": data.week_start}
    lead_rows = [
        {
            "label": LEAD_TYPE_LABELS[t],
            "cells": [
                (
                    data.leads[w][t],
                    _link(
                        "follow_up",
                        type=t,
                        status="any",
                        merged="false",
                        created_after=starts[w].isoformat(),
                        created_before=today.isoformat(),
                    ),
                )
                for w in selectors.WINDOWS
            ],
        }
        for t in LEAD_TYPES
    ]
    call_rows = [
        {
            "label": label,
            "cells": [
                (
                    data.calls[w][value],
                    _link(
                        "calls_list",
                        classification=value,
                        since=starts[w].isoformat(),
                        until=today.isoformat(),
                    ),
                )
                for w in selectors.WINDOWS
            ],
        }
        for value, label in Call.Classification.choices
    ]
    # Each link opens the list whose row count is the figure (tested figure by figure).
    awaiting_link = _link("follow_up", type=Lead.Type.ABANDONED_CALL, status="open", responded="false")
    context = {
        "nav": "home",
        "data": data,
        "lead_rows": lead_rows,
        "lead_totals": [sum(data.leads[w].values()) for w in selectors.WINDOWS],
        "call_rows": call_rows,
        "call_totals": [sum(data.calls[w].values()) for w in selectors.WINDOWS],
        "booked_link": _link(
            "calls_list", classification="booked", since=data.week_start.isoformat(), until=today.isoformat()
        ),
        # "Overdue" is due before today; the list's bound is inclusive.
        "overdue_link": _link(
            "follow_up", status="open", follow_up_before=(today - timedelta(days=1)).isoformat()
        ),
        "awaiting_link": awaiting_link,
        "per_day_chart": _leads_chart(data.per_day, f"New leads per day, last {len(data.per_day)} days"),
        "can_reports": actor.can(Perm.REPORTS),
        "week_end": today + timedelta(days=6 - today.weekday()),
        "queue_count": calls_follow_up_queue().count() if actor.can(Perm.WORK_LEADS) else None,
        # Where a CSR can still book: today's and tomorrow's arrival windows per business unit.
        "capacity": capacity_board(first=today, days=2),
        "capacity_links": [_link("job_list", date=(today + timedelta(days=i)).isoformat()) for i in range(2)],
    }
    return render(request, "reports/dashboard.html", context)
