"""Fixtures every app's tests share: employees of each role and API clients
that authenticate the way integrations do (a bearer key)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey, Employee, Integration, Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory

pytest_plugins = [
    "core.testing.browser",
    "core.testing.flush",
    "core.testing.live_server",
    "core.testing.watchdog",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``@pytest.mark.postgres_only`` tests unless the suite runs on PostgreSQL
    (``DATABASE_URL``): SQLite serialises writers, so a race cannot happen there.
    Skip ``@pytest.mark.fuzz`` unless ``LEADLINE_FUZZ_EXAMPLES`` is set."""
    import os

    from django.db import connection

    # The fuzz run is CI's own stage (.ci/run), once, on PostgreSQL: it runs when
    # LEADLINE_FUZZ_EXAMPLES says how many examples to generate per operation.
    if not os.environ.get("LEADLINE_FUZZ_EXAMPLES"):
        skip_fuzz = pytest.mark.skip(reason="fuzz: set LEADLINE_FUZZ_EXAMPLES (CI's fuzz stage does)")
        for item in items:
            if item.get_closest_marker("fuzz"):
                item.add_marker(skip_fuzz)
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"postgres_only: the database is {connection.vendor}")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


class ApiClient:
    """A test client that speaks JSON to /api/v1/ with a bearer key."""

    def __init__(
        self, key: str | None, employee: Employee | None = None, integration: Integration | None = None
    ):
        self.client = Client()
        self.key = key
        self.employee = employee
        self.integration = integration

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get("/api/v1" + path, params or {}, headers=self._headers(headers))

    def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
    ):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            "/api/v1" + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.patch(
            "/api/v1" + path,
            data=json.dumps(body),
            content_type="application/json",
            headers=self._headers(headers),
        )


def make_employee(role: str, **kwargs: Any) -> Employee:
    return EmployeeFactory(role=role, **kwargs)


@pytest.fixture
def api_as():
    """``api_as("csr")`` → an ApiClient acting as a new employee of that role."""

    def build(role: str, **kwargs: Any) -> ApiClient:
        employee = make_employee(role, **kwargs)
        _, raw = ApiKey.issue(employee=employee)
        return ApiClient(raw, employee=employee)

    return build


@pytest.fixture
def admin_api(api_as) -> ApiClient:
    return api_as(Role.ADMIN)


@pytest.fixture
def csr_api(api_as) -> ApiClient:
    return api_as(Role.CSR)


@pytest.fixture
def integration_api() -> ApiClient:
    integration = IntegrationFactory()
    _, raw = ApiKey.issue(integration=integration)
    return ApiClient(raw, integration=integration)


@pytest.fixture
def anon_api() -> ApiClient:
    return ApiClient(None)


def run_worker(worker_id: str = "test-worker") -> None:
    """One pass of the task worker over every task due now (batch mode), in this
    process: what ``manage.py db_worker`` does between its polls. A test that
    runs it inside its own transaction must stop the package from closing that
    connection between tasks (see reports/tests/test_refresh_task.py), or use
    ``django_db(transaction=True)``."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()
