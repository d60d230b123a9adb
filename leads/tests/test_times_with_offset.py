"""Issue 10 item 5: a time with an offset is read as given, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from conftest import make_employee
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.services import local_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["09:00:00Z", "09:00:00+00:00", "03:00-06:00"])
def test_a_job_lead_start_time_with_an_offset_is_read_as_given(csr_api, raw):
    origin = book_job()
    day = timezone.localdate() + timedelta(days=3)
    r = csr_api.post(
        f"/jobs/{origin.pk}/leads",
        {
            "lead_setting_employee_id": make_employee(Role.TECHNICIAN).pk,
            "start_date": str(day),
            "start_time": raw,
        },
    )
    assert r.status_code == 201, r.content
    lead = Lead.objects.get()
    assert lead.start == datetime.combine(day, time(9, 0), tzinfo=UTC)


def test_a_bare_time_is_the_offices():
    day = timezone.localdate()
    start = local_start(day, time(9, 0))
    assert start is not None and timezone.localtime(start).hour == 9
