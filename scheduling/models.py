"""Arrival windows and the places booked in them.

A business unit offers, per weekday, arrival windows (local wall-clock times in
the company's time zone) with a capacity. ``WindowDay`` is one window on one
date: its ``booked`` counter is the row every booking into that window-day
updates, with a conditional ``UPDATE … WHERE booked < capacity`` that the
database serialises (a row lock on PostgreSQL, the write lock on SQLite), so
concurrent bookings can never take more places than there are.
``WindowPlace`` remembers which job holds which place, so cancelling or
rescheduling the job gives it back. Written only through ``scheduling.services``.
"""

from __future__ import annotations

from django.db import models

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ArrivalWindow(models.Model):
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.PROTECT, related_name="arrival_windows"
    )
    weekday = models.PositiveSmallIntegerField(
        choices=list(enumerate(WEEKDAYS)), help_text="Monday is 0, Sunday 6"
    )
    start_time = models.TimeField(help_text="Local time in the company's time zone")
    end_time = models.TimeField(help_text="Local time; after the start, the same day")
    capacity = models.PositiveIntegerField(help_text="Jobs that may arrive in this window each day")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["business_unit_id", "weekday", "start_time", "id"]
        indexes = [models.Index(fields=["business_unit", "weekday"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="arrival_window_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="arrival_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{WEEKDAYS[self.weekday]} {self.start_time:%H:%M}–{self.end_time:%H:%M} "
            f"({self.capacity} place{'s' if self.capacity != 1 else ''})"
        )


class WindowDay(models.Model):
    """One window on one date: the counter row bookings lock."""

    window = models.ForeignKey(ArrivalWindow, on_delete=models.PROTECT, related_name="days")
    date = models.DateField()
    # May exceed the capacity when an admin overbooks on purpose.
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["window", "date"], name="window_day_unique")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.window} on {self.date}"


class WindowPlace(models.Model):
    """The place a job holds in a window-day. ``job_id`` is the jobs app's id:
    jobs sit above scheduling (they call it when booking), so scheduling keeps
    the number and never imports jobs."""

    day = models.ForeignKey(WindowDay, on_delete=models.PROTECT, related_name="places")
    job_id = models.PositiveBigIntegerField(unique=True)
    overbooked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"job {self.job_id} in {self.day}"
