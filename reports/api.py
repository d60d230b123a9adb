"""Reports over the API (API.md "Reports"): JSON, or CSV with ``format=csv``.

``from`` and ``to`` are inclusive local dates (``settings.TIME_ZONE``); a
missing, malformed or inverted date, or a range over 366 days, is a 422
naming ``from`` or ``to``. Managers and admins only (``Perm.REPORTS``). The
definitions of every figure are in ``reports.selectors``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from accounts.api_auth import actor
from accounts.roles import Perm
from core.api import responses
from core.errors import invalid
from reports import exports
from reports.selectors import (
    DateRange,
    abandoned_calls_report,
    campaign_report,
    csr_scorecard,
    parse_range,
    technician_leads_report,
)

router = Router(tags=["Reports"])


class RangeQuery(Schema):
    # Required, and written as dates in the OpenAPI document; parse_range still
    # names a malformed, inverted or over-long range itself.
    from_: str = Field(
        ...,
        alias="from",
        description="First local date, YYYY-MM-DD (inclusive)",
        json_schema_extra={"format": "date"},
    )
    to: str = Field(
        ..., description="Last local date, YYYY-MM-DD (inclusive)", json_schema_extra={"format": "date"}
    )
    format: str = Field("json", description="`json` (default) or `csv`")


def _range(request: HttpRequest, query: RangeQuery) -> tuple[DateRange, bool]:
    actor(request).require(Perm.REPORTS)
    if query.format not in ("json", "csv"):
        raise invalid("format", "must be json or csv")
    return parse_range(query.from_, query.to), query.format == "csv"


class LeadsByType(Schema):
    marketing: int
    abandoned_call: int
    job_generated: int


class CampaignRowOut(Schema):
    campaign_id: int | None
    campaign: str
    category: str
    calls: int
    leads: int
    leads_by_type: LeadsByType
    booked: int
    booked_rate: Decimal | None = Field(description="booked ÷ (leads + jobs booked without a lead), 0–1")
    revenue: Decimal
    cost: Decimal = Field(description="monthly cost × days ÷ 30.4375")
    cost_per_lead: Decimal | None
    roi: Decimal | None = Field(description="(revenue − cost) ÷ cost")


class CampaignReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    days: int
    rows: list[CampaignRowOut]
    totals: CampaignRowOut


def _period(date_range: DateRange) -> dict[str, Any]:
    return {"from": date_range.start, "to": date_range.end, "days": date_range.days}


@router.get(
    "/reports/campaigns",
    response=responses({200: CampaignReportOut}),
    by_alias=True,
    summary="Campaign report: calls, leads, booked, revenue, cost, ROI",
)
def campaigns(request: HttpRequest, query: Query[RangeQuery]) -> Any:
    date_range, as_csv = _range(request, query)
    report = campaign_report(date_range=date_range)
    if as_csv:
        return exports.campaign_csv(report)
    return {
        **_period(date_range),
        "rows": [r.as_dict() for r in report.rows],
        "totals": report.totals.as_dict(),
    }


class TotalsOut(Schema):
    leads_set: int
    booked: int
    open: int
    dismissed: int
    booked_rate: Decimal | None
    revenue: Decimal


class SetterRowOut(TotalsOut):
    employee_id: int
    employee: str


class UnitRowOut(TotalsOut):
    business_unit_id: int | None
    business_unit: str


class TechnicianReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    days: int
    by_employee: list[SetterRowOut]
    by_business_unit: list[UnitRowOut]
    totals: TotalsOut


@router.get(
    "/reports/technician-leads",
    response=responses({200: TechnicianReportOut}),
    by_alias=True,
    summary="Technician-generated leads per lead setter and business unit",
)
def technician_leads(request: HttpRequest, query: Query[RangeQuery]) -> Any:
    date_range, as_csv = _range(request, query)
    report = technician_leads_report(date_range=date_range)
    if as_csv:
        return exports.technician_csv(report)
    return {
        **_period(date_range),
        "by_employee": [r.as_dict("employee_id", "employee") for r in report.by_employee],
        "by_business_unit": [r.as_dict("business_unit_id", "business_unit") for r in report.by_business_unit],
        "totals": {k: v for k, v in report.totals.as_dict("", "").items() if k},
    }


class AbandonedDayOut(Schema):
    date: date
    abandoned: int
    over_60: int
    called_back: int
    recovered: int


class AbandonedTotalsOut(Schema):
    abandoned: int
    over_60: int
    called_back: int
    recovered: int
    called_back_rate: Decimal | None
    recovered_rate: Decimal | None


class HeatCellOut(Schema):
    weekday: int = Field(description="ISO weekday, 1 = Monday")
    hour: int = Field(description="local hour, 0–23")
    calls: int


class AbandonedReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    days: int
    totals: AbandonedTotalsOut
    by_day: list[AbandonedDayOut]
    heatmap: list[HeatCellOut]


@router.get(
    "/reports/abandoned-calls",
    response=responses({200: AbandonedReportOut}),
    by_alias=True,
    summary="Abandoned calls: over 60 s, called back, recovered, hour × weekday",
)
def abandoned(request: HttpRequest, query: Query[RangeQuery]) -> Any:
    date_range, as_csv = _range(request, query)
    report = abandoned_calls_report(date_range=date_range)
    if as_csv:
        return exports.abandoned_csv(report)
    t = report.totals
    return {
        **_period(date_range),
        "totals": {
            "abandoned": t.abandoned,
            "over_60": t.over_60,
            "called_back": t.called_back,
            "recovered": t.recovered,
            "called_back_rate": report.called_back_rate,
            "recovered_rate": report.recovered_rate,
        },
        "by_day": [
            {
                "date": d.day,
                "abandoned": d.abandoned,
                "over_60": d.over_60,
                "called_back": d.called_back,
                "recovered": d.recovered,
            }
            for d in report.by_day
        ],
        "heatmap": [
            {"weekday": w + 1, "hour": h, "calls": n}
            for w, row in enumerate(report.heatmap)
            for h, n in enumerate(row)
            if n
        ],
    }


class ScorecardRowOut(Schema):
    employee_id: int | None = Field(description="null on the totals row")
    name: str
    calls_taken: int = Field(description="calls created in the range that the CSR accepted")
    lead_calls: int = Field(description="of those, booked or unbooked")
    booked: int
    booking_rate: Decimal | None = Field(description="booked ÷ lead calls, 0–1")
    unbooked: int
    leads_assigned: int = Field(description="leads created in the range assigned to the CSR now")
    first_responses: int = Field(description="leads created in the range first answered by the CSR")
    median_speed_to_lead_seconds: int | None = Field(
        description="median of first response − creation over those leads; null on the totals row"
    )
    sla_met_rate: Decimal | None = Field(
        description="of the CSR's assigned leads whose first-response SLA is decided, the share met, 0–1"
    )


class ScorecardOut(Schema):
    from_: date = Field(alias="from")
    to: date
    days: int
    rows: list[ScorecardRowOut]
    totals: ScorecardRowOut


@router.get(
    "/reports/csr-scorecard",
    response=responses({200: ScorecardOut}),
    by_alias=True,
    summary="CSR scorecard: calls taken, booking rate, leads, first responses, speed to lead, SLA met",
)
def scorecard(request: HttpRequest, query: Query[RangeQuery]) -> Any:
    """Managers and admins. One row per CSR (every active CSR, and anyone else who
    took calls or had leads in the range); the definitions are in ``reports.selectors``."""
    date_range, as_csv = _range(request, query)
    report = csr_scorecard(date_range=date_range)
    if as_csv:
        return exports.scorecard_csv(report)
    totals = report.totals.as_dict()
    totals["median_speed_to_lead_seconds"] = None
    return {**_period(date_range), "rows": [r.as_dict() for r in report.rows], "totals": totals}
