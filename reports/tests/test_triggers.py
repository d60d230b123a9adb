"""The triggers' SQL has one definition: reports/triggers.py generates it and
migration 0002 holds a frozen copy. A change to what a table marks must come
with a migration that installs it, or this fails."""

import importlib

from core.dbops import VendorSQL
from reports import triggers


def test_the_installed_triggers_are_the_ones_the_module_defines():
    migration = importlib.import_module("reports.migrations.0002_triggers").Migration
    (operation,) = [op for op in migration.operations if isinstance(op, VendorSQL)]
    pg_forward, pg_backward = triggers.postgresql_sql()
    sqlite_forward, sqlite_backward = triggers.sqlite_sql()
    assert operation.forward == {"postgresql": [pg_forward], "sqlite": sqlite_forward}
    assert operation.backward == {"postgresql": [pg_backward], "sqlite": sqlite_backward}
