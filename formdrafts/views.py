"""The public form's draft endpoint (htmx posts what was typed; nothing to show)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Integration
from bookings.models import ATTRIBUTION_FIELDS
from core.errors import DomainError
from core.net import client_ip
from formdrafts.services import DRAFT_FIELDS, draft_save


# CSRF-exempt for the reason the form itself is (embedded on another site, no session).
@csrf_exempt
@xframe_options_exempt
@require_POST
def draft_post(request: HttpRequest, slug: str) -> HttpResponse:
    integration = get_object_or_404(Integration, slug=slug, active=True, booking_form_enabled=True)
    post = request.POST
    if post.get("company_website"):
        return HttpResponse(status=204)  # the honeypot: a bot, keep nothing
    try:
        draft_save(
            integration=integration,
            client_ip=client_ip(request),
            token=post.get("token", ""),
            fields={name: post.get(name, "") for name in DRAFT_FIELDS},
            attribution={name: post.get(name, "") for name in ATTRIBUTION_FIELDS},
        )
    except DomainError as exc:  # rate-limited: the visitor can still send the form
        return HttpResponse(status=exc.status)
    return HttpResponse(status=204)
