"""Migration operations that only apply to one database vendor.

Leadline runs on SQLite (the embedded default) and PostgreSQL. Some things
only exist on PostgreSQL — extensions such as ``pg_trgm`` and the trigram
GIN indexes built with them — and a migration that creates them must be a
no-op on SQLite rather than fail.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and does nothing on any other database.

    The SQL must be idempotent (``IF NOT EXISTS`` / ``IF EXISTS``), so a database
    that already has the object (created by hand ahead of a deploy) migrates too.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return "Raw SQL operation (PostgreSQL only)"


def trigram_index(table: str, column: str, name: str) -> PostgresOnlySQL:
    """A GIN trigram index on ``UPPER(column)``: the expression Django's ``icontains``
    and ``iexact`` compile to on PostgreSQL, so those lookups use it unchanged."""
    return PostgresOnlySQL(
        sql=(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        ),
        reverse_sql=f"DROP INDEX IF EXISTS {name}",
    )


def btree_indexes(table: str, indexes: dict[str, str]) -> PostgresOnlySQL:
    """B-tree indexes on PostgreSQL only, ``{name: "col, col DESC NULLS LAST, …"}``:
    the sort orders of a list's keyset pagination at a million rows (SQLite, at
    its scale, sorts without them)."""
    return PostgresOnlySQL(
        sql=[
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})" for name, columns in indexes.items()
        ],
        reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in indexes],
    )


TRIGRAM_EXTENSION = PostgresOnlySQL(
    sql="CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Other apps' indexes may use it; dropping the extension is an operator's decision.
    reverse_sql=migrations.RunSQL.noop,
)


class VendorSQL(migrations.RunSQL):
    """``RunSQL`` with one script per database vendor (``{"postgresql": …, "sqlite": …}``);
    a vendor without a script does nothing. Each script is a list of statements."""

    def __init__(self, forward: dict[str, list[str]], backward: dict[str, list[str]]) -> None:
        super().__init__(sql=[], reverse_sql=[])
        self.forward, self.backward = forward, backward

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {"forward": self.forward, "backward": self.backward})

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self.forward.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self.backward.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return True

    def describe(self) -> str:
        return f"Raw SQL per vendor ({', '.join(sorted(self.forward))})"
