"""The triggers' SQL has one definition: reports/triggers.py generates it and
the newest trigger migration (0004) holds a frozen copy. A change to what a
table marks must come with a migration that installs it, or this fails."""

import importlib

from core.dbops import VendorSQL
from reports import triggers


def test_it_installs_the_triggers_the_module_defines():
    migration = importlib.import_module("reports.migrations.0004_scorecard_triggers").Migration
    operation = [op for op in migration.operations if isinstance(op, VendorSQL)][-1]
    pg_forward, pg_backward = triggers.postgresql_sql()
    sqlite_forward, sqlite_backward = triggers.sqlite_sql()
    assert operation.forward == {"postgresql": [pg_forward], "sqlite": sqlite_forward}
    assert operation.backward == {"postgresql": [pg_backward], "sqlite": sqlite_backward}


def test_it_replaces_the_earlier_sqlite_triggers_first():
    # SQLite's CREATE TRIGGER IF NOT EXISTS would keep 0002's narrower triggers.
    old = next(
        op
        for op in importlib.import_module("reports.migrations.0002_triggers").Migration.operations
        if isinstance(op, VendorSQL)
    )
    migration = importlib.import_module("reports.migrations.0004_scorecard_triggers").Migration
    first = migration.operations[0]
    assert first.forward == {"sqlite": old.backward["sqlite"]}
    assert first.backward == {"postgresql": old.forward["postgresql"], "sqlite": old.forward["sqlite"]}
