from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.actor import actor_from_request
from accounts.roles import Perm
from jobs.views import jobs_visible_to, local_day

TODAY_SHOWN = 50


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's jobs and the quick ways into the day; a technician's home page."""
    a = actor_from_request(request)
    today = timezone.localdate()
    day_start, day_end = local_day(today)
    week_start, _ = local_day(today - timedelta(days=today.weekday()))
    context: dict[str, Any] = {"nav": "home", "today": today}
    visible = jobs_visible_to(a)
    if visible is not None:
        todays = (
            visible.filter(start__gte=day_start, start__lt=day_end)
            .select_related("customer", "location", "job_type", "technician")
            .order_by("start", "id")
        )
        rows = list(todays[: TODAY_SHOWN + 1])
        context.update(
            todays_jobs=rows[:TODAY_SHOWN],
            more_today=len(rows) > TODAY_SHOWN,
            booked_today=visible.filter(created_at__gte=day_start).count(),
            booked_week=visible.filter(created_at__gte=week_start).count(),
            own_only=not a.can(Perm.VIEW_ALL_JOBS),
        )
    return render(request, "core/today.html", context)
