"""The worker keeps the rollups current on a schedule (reports.tasks)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker as django_tasks_db_worker
from django_tasks_db.models import DBTaskResult

from catalog.tests.factories import CampaignFactory
from conftest import run_worker
from reports.apps import start_rollup_refresh
from reports.models import CampaignDay, DirtyHour, RollupState
from reports.tasks import ensure_refresh_scheduled, rollups_refresh
from reports.tests.factories import make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_test_transaction(monkeypatch):
    # The package's worker closes "obsolete" connections between tasks; inside the
    # test's transaction that would close the test's own connection.
    monkeypatch.setattr(django_tasks_db_worker, "close_old_connections", lambda: None)


def refreshes(status: str = TaskResultStatus.READY) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=rollups_refresh.module_path, status=status))


def test_migrate_schedules_nothing_when_switched_off(settings):
    settings.LEADLINE_ROLLUP_REFRESH_SECONDS = 0
    start_rollup_refresh(sender=None)
    assert refreshes() == []


def test_the_worker_folds_changes_in_and_keeps_one_refresh_waiting(settings):
    settings.LEADLINE_ROLLUP_REFRESH_SECONDS = 60
    RollupState.objects.update_or_create(pk=1, defaults={"built": True})
    campaign = CampaignFactory()
    lead = make_lead(timezone.now() - timedelta(hours=2), campaign=campaign)
    assert DirtyHour.objects.exists()  # the trigger marked the lead's hour
    assert not CampaignDay.objects.filter(campaign_id=campaign.pk).exists()

    start_rollup_refresh(sender=None)  # what migrate does
    assert ensure_refresh_scheduled() is False  # one is waiting already
    assert len(refreshes()) == 1
    old = DBTaskResult.objects.create(
        task_path=rollups_refresh.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now() - timedelta(hours=2),
        finished_at=timezone.now() - timedelta(hours=2),
    )
    before = timezone.now()
    run_worker()

    assert not DirtyHour.objects.exists()  # no report was read: the worker did it
    (row,) = CampaignDay.objects.filter(campaign_id=campaign.pk)
    assert row.day == timezone.localdate(lead.created_at)
    assert row.marketing + row.abandoned_call + row.job_generated == 1
    (done,) = refreshes(TaskResultStatus.SUCCESSFUL)
    assert done.return_value.startswith("current as of ")
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()  # an old finished run is cleared away
    (waiting,) = refreshes()  # the next one, a minute on
    assert timedelta(seconds=59) <= waiting.run_after - before <= timedelta(seconds=61)


def test_it_says_so_while_the_rollups_are_not_built_and_a_rebuild_starts_the_chain(settings):
    settings.LEADLINE_ROLLUP_REFRESH_SECONDS = 60
    RollupState.objects.update_or_create(pk=1, defaults={"built": False})
    rollups_refresh.enqueue()
    run_worker()
    (done,) = refreshes(TaskResultStatus.SUCCESSFUL)
    assert done.return_value == "not built yet (manage.py rollups_rebuild)"
    DBTaskResult.objects.all().delete()

    call_command("rollups_rebuild", stdout=StringIO())
    assert RollupState.objects.get(pk=1).built
    assert len(refreshes()) == 1
