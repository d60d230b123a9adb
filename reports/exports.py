"""CSV versions of the reports, shared by the pages and the API so both
download the same columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

from core.csvfile import csv_response as core_csv_response
from reports.selectors import (
    LEAD_TYPES,
    AbandonedCallsReport,
    CampaignReport,
    CsrScorecard,
    DateRange,
    TechnicianLeadsReport,
)

CAMPAIGN_COLUMNS = [
    "campaign_id",
    "campaign",
    "category",
    "calls",
    "leads",
    *(f"leads_{t}" for t in LEAD_TYPES),
    "booked",
    "booked_rate",
    "revenue",
    "cost",
    "cost_per_lead",
    "roi",
]
TECHNICIAN_COLUMNS = [
    "employee_id",
    "employee",
    "business_unit_id",
    "business_unit",
    "leads_set",
    "booked",
    "open",
    "dismissed",
    "revenue",
]
ABANDONED_COLUMNS = ["date", "abandoned", "over_60", "called_back", "recovered"]
SCORECARD_COLUMNS = [
    "employee_id",
    "name",
    "calls_taken",
    "lead_calls",
    "booked",
    "booking_rate",
    "unbooked",
    "leads_assigned",
    "first_responses",
    "median_speed_to_lead_seconds",
    "sla_met_rate",
]


def csv_response(
    *, name: str, date_range: DateRange, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    filename = f"{name}_{date_range.start.isoformat()}_{date_range.end.isoformat()}.csv"
    return core_csv_response(filename=filename, columns=columns, rows=rows)


def campaign_csv(report: CampaignReport) -> HttpResponse:
    def line(data: dict[str, Any]) -> list[Any]:
        by_type = data.pop("leads_by_type")
        data.update({f"leads_{t}": by_type[t] for t in LEAD_TYPES})
        return [data[c] for c in CAMPAIGN_COLUMNS]

    rows = [line(r.as_dict()) for r in report.rows]
    rows.append(line(report.totals.as_dict()))
    return csv_response(name="campaigns", date_range=report.range, columns=CAMPAIGN_COLUMNS, rows=rows)


def technician_csv(report: TechnicianLeadsReport) -> HttpResponse:
    # The finest grain (employee × business unit): a spreadsheet pivots it either way.
    rows = [
        [c["lead_setting_employee_id"], c["employee"], c["business_unit_id"], c["business_unit"]]
        + [c[k] for k in ("leads_set", "booked", "open", "dismissed", "revenue")]
        for c in report.cells
    ]
    t = report.totals
    rows.append(["", "Total", "", "", t.leads_set, t.booked, t.open, t.dismissed, t.revenue])
    return csv_response(
        name="technician-leads", date_range=report.range, columns=TECHNICIAN_COLUMNS, rows=rows
    )


def abandoned_csv(report: AbandonedCallsReport) -> HttpResponse:
    rows: list[list[Any]] = [
        [d.day.isoformat(), d.abandoned, d.over_60, d.called_back, d.recovered] for d in report.by_day
    ]
    t = report.totals
    rows.append(["Total", t.abandoned, t.over_60, t.called_back, t.recovered])
    return csv_response(name="abandoned-calls", date_range=report.range, columns=ABANDONED_COLUMNS, rows=rows)


def scorecard_csv(report: CsrScorecard) -> HttpResponse:
    rows = [[r.as_dict()[c] for c in SCORECARD_COLUMNS] for r in [*report.rows, report.totals]]
    rows[-1][0] = ""
    return csv_response(name="csr-scorecard", date_range=report.range, columns=SCORECARD_COLUMNS, rows=rows)
