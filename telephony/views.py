"""A call's recording, played through Leadline: the viewer's permission is
checked, and the provider's file is fetched with the integration's credentials
on the server, so the page never carries the provider URL or a credential."""

from __future__ import annotations

import logging
from pathlib import Path

import requests
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from accounts.actor import actor_from_request
from accounts.roles import Perm
from calls.models import Call
from calls.services import DEMO_RECORDING_URL
from messaging.backends import fetch_recording

log = logging.getLogger("leadline.recordings")
DEMO_FILE = Path(__file__).resolve().parent / "static" / "telephony" / "demo-call.wav"
AUDIO_TYPES = ("audio/", "application/octet-stream")


@login_required
@require_GET
def call_recording(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The recording of call ``pk`` for a signed-in CSR and up (who may see calls)."""
    if not actor_from_request(request).can(Perm.WORK_LEADS):
        return HttpResponse("Your role may not listen to call recordings.", status=403)
    call = Call.objects.select_related("provider").filter(pk=pk).only("recording_url", "provider").first()
    if call is None or not call.recording_url:
        raise Http404("This call has no recording.")
    if call.recording_url == DEMO_RECORDING_URL:
        response: HttpResponseBase = FileResponse(DEMO_FILE.open("rb"), content_type="audio/wav")
    else:
        try:
            upstream = fetch_recording(integration=call.provider, url=call.recording_url)
        except requests.RequestException as exc:
            log.warning("recording of call %s unavailable: %s", pk, exc)
            return HttpResponse("The recording could not be fetched from the provider.", status=502)
        content_type = upstream.headers.get("Content-Type", "audio/mpeg").split(";")[0]
        if upstream.status_code != 200 or not content_type.startswith(AUDIO_TYPES):
            upstream.close()
            log.warning("recording of call %s: provider answered %s", pk, upstream.status_code)
            return HttpResponse("The provider did not return the recording.", status=502)
        response = StreamingHttpResponse(upstream.iter_content(64 * 1024), content_type=content_type)
        if upstream.headers.get("Content-Length"):
            response["Content-Length"] = upstream.headers["Content-Length"]
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
