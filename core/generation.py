"""The configuration generation: small tables an intake request reads on every
call (campaigns, tracking numbers, assignment rules, SLA policies, a partner's
campaign rules, employees), read once per change instead of once per request.

Every write to a *kept* table — through the ORM, a bulk update, the admin, raw
SQL, another process — moves one number, ``core_configgeneration.value``, by a
database trigger (created per table by the ``KeepGeneration`` migration
operation). The number is transactional like the rows it stands for: a change
not yet committed is not seen by others, and a change rolled back takes its
number back with it. On PostgreSQL each move takes a new value from a sequence
(never reused, even after a rollback); on SQLite a random 63-bit value. The
trigger writes the row back if it is missing (a test database's flush empties
every table); while it is missing, nothing is kept.

An API request reads the number in the statement that finds its key
(``accounts.api_auth``) and notes it here for the rest of the request. A
``Prepared`` lookup made with ``kept=True`` then answers from the rows it read
under that same number, rebuilding fresh instances from them (nothing mutable
is shared between requests or threads), and reads the database when the
number has moved. Outside an API request (pages, the worker, a shell) nothing
is noted and every lookup reads the database, as before.

What a request sees is the configuration as of the moment its key was checked,
a few milliseconds before it uses it: as if it had run that much earlier. A
request that itself writes a kept table (``post_save``/``post_delete``) stops
using the noted number for the rest of the request, so it reads its own writes.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models.signals import post_delete, post_save

GENERATION_TABLE = "core_configgeneration"
GENERATION_SEQUENCE = "core_configgeneration_seq"
BUMP_FUNCTION = "core_configgeneration_bump"

_noted: ContextVar[int | None] = ContextVar("leadline_config_generation", default=None)

# The models whose tables carry the trigger (registered by their apps' ready()).
_kept: set[type[models.Model]] = set()


def note(value: int | None) -> None:
    """The generation this request read (None: unknown, read everything)."""
    _noted.set(value)


def forget(*args: Any, **kwargs: Any) -> None:
    """Stop answering from what was read before (a request ends or starts, or
    this request wrote a kept table). Signal receivers call it too."""
    _noted.set(None)


def noted() -> int | None:
    return _noted.get()


def keep(model: type[models.Model]) -> None:
    """Say that ``model``'s table carries the trigger (its app's migration ran
    ``KeepGeneration``), so lookups that read only kept tables may be kept."""
    _kept.add(model)
    post_save.connect(forget, sender=model, dispatch_uid=f"generation_forget_save_{model._meta.label}")
    post_delete.connect(forget, sender=model, dispatch_uid=f"generation_forget_delete_{model._meta.label}")


def kept_tables() -> set[str]:
    return {model._meta.db_table for model in _kept}


def is_kept(model: type[models.Model]) -> bool:
    return model in _kept


def current_subquery() -> models.Subquery:
    """The generation as a column of another statement (the API key's lookup):
    NULL when the row is missing (a flushed test database), which caches nothing."""
    from core.models import ConfigGeneration

    return models.Subquery(ConfigGeneration.objects.filter(pk=1).values("value")[:1])


def _quote(schema_editor: Any, name: str) -> str:
    return str(schema_editor.quote_name(name))


class KeepGeneration(Operation):
    """Migration operation: every INSERT, DELETE, TRUNCATE and UPDATE (of
    ``fields`` only, when given) of ``model_name``'s table moves the generation.
    ``fields`` leaves out columns the hot path itself writes (a rule's
    round-robin cursor), which change nothing a kept lookup reads."""

    reversible = True

    def __init__(self, model_name: str, fields: list[str] | None = None) -> None:
        self.model_name = model_name
        self.fields = fields

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"model_name": self.model_name}
        if self.fields is not None:
            kwargs["fields"] = self.fields
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def describe(self) -> str:
        return f"Keep the configuration generation on {self.model_name}"

    def _table_and_columns(self, app_label: str, apps: Any) -> tuple[str, list[str]]:
        model = apps.get_model(app_label, self.model_name)
        columns = [model._meta.get_field(name).column for name in self.fields or []]
        return model._meta.db_table, columns

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        table, columns = self._table_and_columns(app_label, to_state.apps)
        q = _quote(schema_editor, table)
        update = "UPDATE" + (" OF " + ", ".join(_quote(schema_editor, c) for c in columns) if columns else "")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {_quote(schema_editor, table + '_generation')} "
                f"AFTER INSERT OR DELETE OR TRUNCATE OR {update} ON {q} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {BUMP_FUNCTION}()"
            )
            return
        bump = (
            f"INSERT OR REPLACE INTO {GENERATION_TABLE} (id, value) "  # noqa: S608  (constants only)
            "VALUES (1, random() & 9223372036854775807);"
        )
        for suffix, event in (("ins", "INSERT"), ("del", "DELETE"), ("upd", update)):
            schema_editor.execute(
                f"CREATE TRIGGER {_quote(schema_editor, f'{table}_generation_{suffix}')} "
                f"AFTER {event} ON {q} FOR EACH ROW BEGIN {bump} END"
            )

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        table, _ = self._table_and_columns(app_label, from_state.apps)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {_quote(schema_editor, table + '_generation')} "
                f"ON {_quote(schema_editor, table)}"
            )
            return
        for suffix in ("ins", "del", "upd"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {_quote(schema_editor, f'{table}_generation_{suffix}')}"
            )
