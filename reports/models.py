"""Daily rollups behind the reports (``reports.rollups``).

Each table holds, per local day (``settings.TIME_ZONE``), the figures a
report sums over its range, computed by the same grouped queries the raw
report runs (``reports.selectors``). They are a cache of the raw rows, never
a source: ``manage.py rollups_rebuild`` recreates them, and database triggers
(migration 0001) record every change to a counted row in ``DirtyHour`` so the
next report recomputes the days it touched before reading.
"""

from __future__ import annotations

from django.db import models


class CampaignDay(models.Model):
    day = models.DateField()
    # Plain ids, no foreign keys: a rollup never holds a lock on a campaign.
    campaign_id = models.BigIntegerField(null=True)
    calls = models.IntegerField(default=0)
    marketing = models.IntegerField(default=0)
    abandoned_call = models.IntegerField(default=0)
    job_generated = models.IntegerField(default=0)
    booked = models.IntegerField(default=0)
    without_lead = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id}"


class SetterDay(models.Model):
    day = models.DateField()
    lead_setting_employee_id = models.BigIntegerField()
    business_unit_id = models.BigIntegerField(null=True)
    leads_set = models.IntegerField(default=0)
    booked = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    dismissed = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} setter {self.lead_setting_employee_id}"


class AbandonedDay(models.Model):
    day = models.DateField(unique=True)
    abandoned = models.IntegerField(default=0)
    over_60 = models.IntegerField(default=0)
    called_back = models.IntegerField(default=0)
    recovered = models.IntegerField(default=0)

    def __str__(self) -> str:
        return str(self.day)


class AbandonedHour(models.Model):
    """Abandoned calls per local day and local hour: the heat map (weekday × hour) sums these."""

    day = models.DateField()
    hour = models.SmallIntegerField()
    abandoned = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h"


class ScorecardDay(models.Model):
    """The CSR scorecard's summable figures per local day and employee: calls taken,
    booked and unbooked (by ``accepted_by``), leads assigned (by current assignee),
    first responses (by ``first_response_by``), and of the assigned leads those whose
    SLA is *settled* — decided whatever the time, answered or closed — and of those
    the ones met. Leads still running (open, unanswered) become breached when their
    due time passes with no row change, and the median is not a sum: both are read
    live (``reports.selectors.csr_scorecard``)."""

    day = models.DateField()
    employee_id = models.BigIntegerField()
    calls_taken = models.IntegerField(default=0)
    booked = models.IntegerField(default=0)
    unbooked = models.IntegerField(default=0)
    leads_assigned = models.IntegerField(default=0)
    first_responses = models.IntegerField(default=0)
    # Of those, the ones with a first-response time: how many the median is taken over.
    timed_responses = models.IntegerField(default=0, db_default=0)
    sla_met = models.IntegerField(default=0)
    sla_settled = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} employee {self.employee_id}"


class DirtyHour(models.Model):
    """A UTC hour (``YYYY-MM-DD HH``) in which a counted row was created and has
    changed since the rollups last read it. Written only by the triggers; the
    refresh deletes exactly the markers it has read, so a change that commits
    while a refresh runs leaves its marker for the next one."""

    hour = models.CharField(max_length=13)

    def __str__(self) -> str:
        return self.hour


class RollupState(models.Model):
    """One row: whether the rollups cover every day, and how far a rebuild got."""

    built = models.BooleanField(default=False)
    # A rebuild in progress: the first local day it has not yet written.
    rebuild_next = models.DateField(null=True, blank=True)
    rebuild_until = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "built" if self.built else "not built"
