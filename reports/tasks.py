"""The worker keeps the rollups current: a recurring refresh (``core.recurring``)
every ``LEADLINE_ROLLUP_REFRESH_SECONDS`` recomputes the days that changed since
the last one. A report still refreshes before it reads (its figures are as of
the request), but it then finds at most that many seconds of changes to fold in,
and the triggers' markers (``reports_dirtyhour``, a row per counted write) do
not pile up while nobody opens a report.

What starts the chain: ``migrate`` (the post_migrate hook is in ``apps.py``) and
the end of ``manage.py rollups_rebuild``. ``0`` switches the schedule off (the
test settings do).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from core import recurring
from reports import rollups

log = logging.getLogger("leadline.reports")


def refresh_seconds() -> int:
    return int(getattr(settings, "LEADLINE_ROLLUP_REFRESH_SECONDS", 60))


@task()
def rollups_refresh() -> str:
    try:
        as_of = rollups.refresh()
        if as_of is None:
            return "not built yet (manage.py rollups_rebuild)"
        return f"current as of {as_of.isoformat()}"
    finally:
        ensure_refresh_scheduled(delay=refresh_seconds())
        recurring.prune_finished(rollups_refresh)


def ensure_refresh_scheduled(*, delay: int = 0) -> bool:
    """Enqueue a refresh ``delay`` seconds from now unless one is waiting."""
    return recurring.ensure_scheduled(rollups_refresh, every=refresh_seconds(), delay=delay)
