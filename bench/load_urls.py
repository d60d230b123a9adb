"""The bars of ``bench/load.py``, behind Leadline's whole middleware stack
(load_settings):

- ``/bench/bare``: a plain Django view that parses a JSON body and does one INSERT;
- ``/bench/floor``: the same INSERT behind Django Ninja (parse, validate,
  serialise) and the API's key authentication, with no domain rule: the
  framework's own floor for any API write (as ``bench/intake.py``'s
  "ninja + key auth" row).
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ninja import NinjaAPI, Schema, Status

from accounts.api_auth import KeyAuth


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    from customers.models import Customer

    body = json.loads(request.body)
    return JsonResponse({"id": Customer.objects.create(name=body["name"]).pk}, status=201)


class NameIn(Schema):
    name: str


class IdOut(Schema):
    id: int


floor_api = NinjaAPI(urls_namespace="bench-floor", auth=[KeyAuth()], docs_url=None, openapi_url=None)


@floor_api.post("/floor", response={201: IdOut})
def floor_insert(request: HttpRequest, payload: NameIn) -> Status:
    from customers.models import Customer

    return Status(201, {"id": Customer.objects.create(name=payload.name).pk})


urlpatterns = [path("bench/bare", bare_insert), path("bench/", floor_api.urls)]
