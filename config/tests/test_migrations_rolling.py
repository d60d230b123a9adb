"""Migrations stay safe for a rolling restart (README "Upgrading"): while
machines restart one by one, the previous release's code runs on the new
schema, so a migration may add but not take away.

Flagged: removing or renaming a field or model, and adding a NOT NULL column
without a database default (the old code's INSERTs leave it out and fail;
Django's ``default=`` lives in Python only, ``db_default=`` in the table).
A column added to a table created in the same migration is fine.

The migrations below were written before this rule and have shipped; a new
one that must break it (the second half of a rename, say, a release after the
code stopped using the column) is added here with the reason.
"""

from __future__ import annotations

from django.apps import apps
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED

SHIPPED_BEFORE_THE_RULE = {
    ("accounts", "0002_integration_booking_form_enabled_and_more"),
    ("accounts", "0003_employee_available"),
    ("accounts", "0004_integration_telephony"),
    ("accounts", "0006_integration_webhook_secret_encrypted"),
    ("calls", "0002_lead_and_follow_up_queue"),
    ("calls", "0003_call_last_callback_outcome"),
    ("leads", "0003_lead_owner_and_clock"),
}


def unsafe_operations(migration) -> list[str]:
    created = {op.name_lower for op in migration.operations if isinstance(op, ops.CreateModel)}
    found = []
    for op in migration.operations:
        if isinstance(op, ops.RemoveField | ops.DeleteModel | ops.RenameField | ops.RenameModel):
            found.append(f"{type(op).__name__} {op.describe()}")
        elif isinstance(op, ops.AddField) and op.model_name_lower not in created:
            field = op.field
            if not (field.null or field.many_to_many or field.db_default is not NOT_PROVIDED):
                found.append(f"AddField {op.model_name}.{op.name}: NOT NULL without db_default")
    return found


def test_it_keeps_every_migration_safe_for_a_rolling_restart():
    ours = {
        config.label for config in apps.get_app_configs() if not config.name.startswith(("django", "axes"))
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    problems = {
        key: found
        for key, migration in loader.disk_migrations.items()
        if key[0] in ours and key not in SHIPPED_BEFORE_THE_RULE and (found := unsafe_operations(migration))
    }
    assert problems == {}


def test_it_flags_a_removed_column_and_a_not_null_column_without_a_database_default():
    from django.db import migrations, models

    class Example(migrations.Migration):
        operations = [
            migrations.RemoveField(model_name="lead", name="summary"),
            migrations.AddField(model_name="lead", name="score", field=models.IntegerField(default=0)),
            migrations.AddField(model_name="lead", name="rank", field=models.IntegerField(db_default=0)),
            migrations.AddField(model_name="lead", name="note", field=models.TextField(null=True)),
        ]

    found = unsafe_operations(Example("0099_example", "leads"))
    assert found == [
        "RemoveField Remove field summary from lead",
        "AddField lead.score: NOT NULL without db_default",
    ]
