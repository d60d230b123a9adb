"""Emptying PostgreSQL between transactional tests with DELETE instead of TRUNCATE.

A test that commits (the browser tests, the ones that start processes) leaves
the database for Django's flush, which on PostgreSQL is one ``TRUNCATE`` of
every table: each table and index gets a new file, ≈ 0.3–0.5 s for our 66
tables, paid by some 180 tests of the PostgreSQL run. Those tables hold a few
rows each, and deleting them takes ≈ 40 ms.

A DELETE fires row triggers that a TRUNCATE does not (the rollups' change
marks, the configuration generation, the street search), and those would write
rows back into the emptied tables; so the DELETEs run with
``session_replication_role = replica``, which switches off every trigger,
foreign keys' checks included, for that one transaction (everything is deleted,
so no reference is left dangling). Setting it needs a superuser, as CI's
database and a developer's local one are; otherwise, and whenever sequences
are to be reset, the flush is Django's own. Loaded by the root conftest only:
nothing outside the tests flushes this way.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.operations import DatabaseOperations

_truncate = DatabaseOperations.sql_flush
_superuser: dict[str, bool] = {}


def _may_switch_triggers_off(connection: Any) -> bool:
    alias = connection.alias
    if alias not in _superuser:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        _superuser[alias] = bool(row and row[0])
    return _superuser[alias]


def sql_flush(
    self: DatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if reset_sequences or not tables or not _may_switch_triggers_off(self.connection):
        return _truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    # Run by flush inside one transaction (execute_sql_flush): SET LOCAL ends with it.
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))}" for t in tables),
    ]


DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign, assignment]
