"""A stand-in Job page for browser tests: the real one (another app's) includes
``leads/_job_actions.html`` the same way, so the flyout is driven as users see it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import RequestContext, Template
from django.urls import path

from config.urls import urlpatterns as app_urls
from jobs.models import Job

PAGE = Template(
    '{% extends "base.html" %}{% block content %}<h1>Job {{ job.number }}</h1>'
    '{% include "leads/_job_actions.html" with job=job %}{% endblock %}'
)


def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    return HttpResponse(PAGE.render(RequestContext(request, {"job": job})))


urlpatterns = [path("test-job/<int:job_id>/", job_page), *app_urls]
