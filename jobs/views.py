from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "jobs/detail.html", {})


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/detail.html", {})
