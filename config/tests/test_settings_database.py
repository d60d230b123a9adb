"""The database settings a deployment picks from the environment."""

from __future__ import annotations

import io
import runpy
from pathlib import Path
from typing import Any

import pytest

SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """The settings module's names, evaluated with this environment."""
    monkeypatch.delenv("LEADLINE_DB_TRANSACTION_POOLING", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_it_keeps_server_side_cursors_without_a_transaction_pooler(monkeypatch):
    db = settings_with(monkeypatch, DATABASE_URL="postgres://leadline@127.0.0.1:5432/leadline")["DATABASES"]
    assert db["default"].get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert db["default"]["CONN_MAX_AGE"] == 60
    # Bound on the server; psycopg never prepares on its own, core.prepared asks.
    assert db["default"]["OPTIONS"]["server_side_binding"] is True
    assert db["default"]["OPTIONS"]["prepare_threshold"] >= 2**31 - 1


def test_it_disables_server_side_cursors_behind_a_transaction_pooler(monkeypatch):
    db = settings_with(
        monkeypatch,
        DATABASE_URL="postgres://leadline@127.0.0.1:6432/leadline",
        LEADLINE_DB_TRANSACTION_POOLING="true",
    )["DATABASES"]
    assert db["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert db["default"]["PORT"] == 6432
    # A prepared statement would be looked for on another server session: none are.
    assert db["default"]["OPTIONS"]["prepare_threshold"] is None


def test_it_ignores_the_pooler_setting_on_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = settings_with(
        monkeypatch, LEADLINE_DB_TRANSACTION_POOLING="true", LEADLINE_SQLITE_PATH=str(tmp_path / "x.sqlite3")
    )["DATABASES"]
    assert db["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert "DISABLE_SERVER_SIDE_CURSORS" not in db["default"]


@pytest.mark.django_db
def test_the_database_checks_migrate_runs_are_clean_on_either_database():
    # migrate and runserver check the models against the database: on SQLite the
    # covering indexes' INCLUDE columns are ignored (models.W040, silenced on purpose).
    from django.core.management import call_command

    call_command("check", databases=["default"], fail_level="WARNING", stdout=io.StringIO())
