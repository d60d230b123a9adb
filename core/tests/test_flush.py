"""core.testing.flush: on PostgreSQL the tests' flush deletes instead of
truncating, and must leave every table as empty as a TRUNCATE would, although
a DELETE fires the row triggers (the rollups' change marks) that a TRUNCATE
does not."""

from __future__ import annotations

import pytest
from django.core.management.color import no_style
from django.db import connection

from catalog.tests.factories import CampaignFactory
from leads.tests.factories import LeadFactory
from reports.models import DirtyHour

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def test_it_empties_every_table_without_a_trigger_writing_rows_back():
    LeadFactory(campaign=CampaignFactory())
    assert DirtyHour.objects.exists()  # the lead's insert marked its hour
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    sql = connection.ops.sql_flush(no_style(), tables)
    assert sql[0] == "SET LOCAL session_replication_role = replica"
    assert all(statement.startswith("DELETE FROM ") for statement in sql[1:]) and len(sql) == len(tables) + 1
    connection.ops.execute_sql_flush(sql)
    with connection.cursor() as cursor:
        left = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            left[table] = cursor.fetchone()[0]
    assert not {table: n for table, n in left.items() if n}


def test_it_truncates_as_django_does_when_sequences_are_to_be_reset():
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    assert sql[0].startswith("TRUNCATE ") and "RESTART IDENTITY" in sql[0]
