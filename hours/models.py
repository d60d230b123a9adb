"""The company's business hours: one row, written only through
``hours.services.business_hours_set``. Until someone saves it there is no
row, and the services fall back to a default week (``configured`` is False)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def default_timezone() -> str:
    return str(settings.TIME_ZONE)


class BusinessHours(models.Model):
    # Always pk 1: the company has one set of hours.
    timezone = models.CharField(max_length=64, default=default_timezone, help_text="IANA name")
    days = models.JSONField(
        default=dict, help_text='Per weekday, local intervals: {"mon": [["08:00", "18:00"]], …, "sun": []}'
    )
    closures = models.JSONField(default=list, help_text='Closed dates: ["YYYY-MM-DD"]')
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "business hours"
        verbose_name_plural = "business hours"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="business_hours_single_row")]

    def __str__(self) -> str:
        return f"Business hours ({self.timezone})"
