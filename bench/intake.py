"""Intake benchmark: what does one ``POST /api/v1/customers`` cost, next to the
cheapest Django request that writes one row?

    .venv/bin/python bench/intake.py [--n 500] [--warmup 50]

Runs on a throwaway database that it creates and drops: a temporary SQLite
file (WAL, as in production defaults) or, when DATABASE_URL is set, a
``test_<name>`` database on that PostgreSQL server. Requests go through
Django's test client, so the whole middleware stack runs (sessions, CSRF,
auth, idempotency) but no sockets or WSGI server: the numbers are the
application's own cost per request, not a load test.

Paths measured:
  bare      a plain Django view that parses the JSON body and does one INSERT
  customers POST /api/v1/customers with a bearer key (one phone, email and location)
  customers+idem  the same with an Idempotency-Key header (stores the response)

It will grow with the leads, calls and bookings intake paths.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")
# WhiteNoise warns that collectstatic has not run; irrelevant to these timings.
warnings.filterwarnings("ignore", "No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import URLPattern, URLResolver, include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    from customers.models import Customer

    data = json.loads(request.body)
    customer = Customer.objects.create(name=data["name"])
    return JsonResponse({"id": customer.pk}, status=201)


# This module is the URLconf while the benchmark runs: the app's URLs plus the bare view.
urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare", bare_insert),
    path("", include("config.urls")),
]


def payload(i: int) -> dict[str, object]:
    return {
        "name": f"Bench Customer {i}",
        "type": "residential",
        "phones": [f"(512) 555-01{i % 100:02d}"],
        "emails": [f"bench{i}@example.com"],
        "locations": [{"street": f"{100 + i} Burnet Rd", "city": "Austin", "state": "TX", "zip": "78757"}],
    }


def measure(send: Callable[[int], int], n: int, warmup: int, start: int) -> tuple[list[float], float]:
    """Per-request wall times in ms for ``n`` requests, and queries per request."""
    for i in range(warmup):
        assert send(start + i) == 201
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        status = send(start + warmup + i)
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 201, status
    # Queries are counted separately: capturing them slows the cursor down.
    samples = 10
    with CaptureQueriesContext(connection) as ctx:
        for i in range(samples):
            send(start + warmup + n + i)
    return times, len(ctx.captured_queries) / samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="timed requests per path (default 500)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first (default 50)")
    args = parser.parse_args()

    setup_test_environment(debug=False)
    settings.ROOT_URLCONF = __name__
    tmp = tempfile.TemporaryDirectory(prefix="leadline-bench-")
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from accounts.models import ApiKey, Employee, Role

        employee = Employee.objects.create(name="Bench CSR", role=Role.CSR)
        _, raw_key = ApiKey.issue(employee=employee)
        client = Client()
        auth = {"Authorization": f"Bearer {raw_key}"}

        def bare(i: int) -> int:
            body = json.dumps({"name": f"Bare {i}"})
            return client.post("/bench/bare", body, content_type="application/json").status_code

        def customers(i: int) -> int:
            body = json.dumps(payload(i))
            return client.post(
                "/api/v1/customers", body, content_type="application/json", headers=auth
            ).status_code

        def customers_idem(i: int) -> int:
            body = json.dumps(payload(i))
            headers = {**auth, "Idempotency-Key": f"bench-{i}"}
            return client.post(
                "/api/v1/customers", body, content_type="application/json", headers=headers
            ).status_code

        print(
            f"Leadline intake benchmark: {connection.vendor} "
            f"({connection.settings_dict['NAME']}), Python {sys.version.split()[0]}, "
            f"Django {django.get_version()}, n={args.n} after {args.warmup} warm-up requests"
        )
        print(f"{'path':<17} {'median ms':>10} {'p95 ms':>8} {'req/s (1 worker)':>17} {'queries/req':>12}")
        cases = [("bare", bare), ("customers", customers), ("customers+idem", customers_idem)]
        for offset, (name, send) in enumerate(cases):
            times, queries = measure(send, args.n, args.warmup, start=offset * 1_000_000)
            median = statistics.median(times)
            print(f"{name:<17} {median:>10.2f} {p95(times):>8.2f} {1000 / median:>17.0f} {queries:>12.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()


if __name__ == "__main__":
    main()
