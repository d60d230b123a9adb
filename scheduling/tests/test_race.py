import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from scheduling.tests.race import run_race


def check(result):
    assert result["errors"] == []
    assert result["booked"] == 2
    assert result["full"] == ["window_full"] * 4
    assert result["jobs"] == 2
    assert result["counter"] == 2 and result["places"] == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_books_exactly_two_of_six_concurrent_bookings_on_postgresql():
    result = run_race(bookings=6, capacity=2)
    assert result["vendor"] == "postgresql"
    check(result)


def test_it_books_exactly_two_of_six_concurrent_bookings_on_sqlite(tmp_path: Path):
    """Six threads, six connections to one SQLite file (WAL, IMMEDIATE transactions),
    as the server runs it; in a subprocess so it needs no test database of its own."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        LEADLINE_SQLITE_PATH=str(tmp_path / "race.sqlite3"),
        DJANGO_SETTINGS_MODULE="config.test_settings",
    )
    done = subprocess.run(
        [sys.executable, "-m", "scheduling.tests.race"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    check(result)
