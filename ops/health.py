"""What /healthz reports (API.md v1.1 "Operations")."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import lru_cache
from typing import Literal

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ops.models import WorkerHeartbeat

# A worker touches its heartbeat this often...
HEARTBEAT_SECONDS = 10
WorkerState = Literal["ok", "stale", "none"]


def stale_after() -> timedelta:
    """...and is stale when not seen for this long (LEADLINE_WORKER_STALE_SECONDS)."""
    return timedelta(seconds=getattr(settings, "LEADLINE_WORKER_STALE_SECONDS", 60))


@lru_cache(maxsize=1)
def version() -> str:
    """LEADLINE_VERSION when the deployment sets it (say, a git commit), else pyproject's."""
    configured = getattr(settings, "LEADLINE_VERSION", "")
    if configured:
        return str(configured)
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def worker_state() -> WorkerState:
    latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if latest is None:
        return "none"
    return "ok" if latest >= timezone.now() - stale_after() else "stale"
