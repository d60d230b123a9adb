"""A bounded fuzz run of the served OpenAPI document (issue 10 item 12).

Schemathesis generates requests for every operation from the document itself,
valid ones and ones that break the schema, with a fixed seed and a fixed
budget, as an admin, a CSR and an integration's key. Any 5xx fails, and so
does any answer that the document does not describe (an undocumented status,
a body that does not match its schema). Every failure is listed at the end,
with the request that caused it, so one run reports them all.

``LEADLINE_FUZZ_EXAMPLES`` sets the examples per operation, generation mode
and caller; without it the test is skipped (``make test`` stays fast), and
``.ci/run`` runs it as its own stage on PostgreSQL. The run prints how many
requests it made and how they were answered.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiKey, Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call, provider_actor
from catalog.tests.factories import CallReasonFactory, CampaignFactory, JobTypeFactory, TrackingNumberFactory
from customers.tests.factories import LocationFactory
from jobs.tests.factories import book_job
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

SEED = 20261201
# POST /inbound-email takes a raw RFC 822 message: sent as the generated text.
schemathesis.serializer.alias("message/rfc822", "text/plain")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _world() -> dict[str, str]:
    """A few records of each kind, so generated small ids sometimes name one."""
    admin = EmployeeFactory(role=Role.ADMIN)
    csr = EmployeeFactory(role=Role.CSR)
    tech = EmployeeFactory(role=Role.TECHNICIAN)
    integration = IntegrationFactory()
    job_type = JobTypeFactory()
    campaign = CampaignFactory()
    number = TrackingNumberFactory(campaign=campaign)
    CallReasonFactory(is_lead=True)
    CallReasonFactory(is_lead=False)
    for _ in range(3):
        location = LocationFactory()
        book_job(location=location, job_type=job_type, technician=tech)
        LeadFactory(campaign=campaign)
        BookingFactory(integration=integration, campaign=campaign)
        play_call(actor=provider_actor(integration), agent=csr, to_number=number.number)
    return {
        "admin": ApiKey.issue(employee=admin)[1],
        "csr": ApiKey.issue(employee=csr)[1],
        "integration": ApiKey.issue(integration=integration)[1],
    }


@pytest.fixture
def _connection_kept_open():
    """Requests go through the WSGI handler, whose request signals close a database
    connection that is inside a transaction, and with it the test's transaction on
    PostgreSQL. Django's test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CALLERS = ("admin", "csr", "integration")


# One test per generation mode and caller, so `-n 2` (.ci/run) shares them out:
# each builds its own small world, and the fixed seed makes every operation's
# examples the same however the run is split.
@pytest.mark.usefixtures("_connection_kept_open")
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_it_answers_every_generated_request_as_documented_and_never_with_a_5xx(
    mode: GenerationMode, caller: str
) -> None:
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    key = _world()[caller]
    budget = int(os.environ["LEADLINE_FUZZ_EXAMPLES"])
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    requests = 0
    headers = {"Authorization": f"Bearer {key}"}

    def fuzz(operation: Any) -> None:
        @seed(SEED)
        @settings(
            max_examples=budget,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            nonlocal requests
            response = case.call(headers=headers)
            requests += 1
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:
                label = f"{operation.label} as {caller} ({mode.value}): {type(exc).__name__}"
                failures.setdefault(label, str(exc)[:1500])

        run()

    operations = 0
    for result in schema.get_all_operations():
        fuzz(result.ok())
        operations += 1

    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"\nfuzz as {caller} ({mode.value}): {requests} requests, {server_errors} 5xx, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
    assert requests >= operations
