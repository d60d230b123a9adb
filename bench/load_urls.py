"""The bar of ``bench/load.py``: a plain Django view that parses a JSON body and
does one INSERT, behind Leadline's whole middleware stack (load_settings)."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    from customers.models import Customer

    body = json.loads(request.body)
    return JsonResponse({"id": Customer.objects.create(name=body["name"]).pk}, status=201)


urlpatterns = [path("bench/bare", bare_insert)]
