import pytest
from django.db import connection

from core.pagination import joins_in_written_order

pytestmark = pytest.mark.django_db


def _join_collapse_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return str(cursor.fetchone()[0])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)  # SET LOCAL lasts until the outermost transaction ends
def test_it_fixes_the_join_order_for_one_transaction_only():
    default = _join_collapse_limit()
    with joins_in_written_order():
        assert _join_collapse_limit() == "1"
    assert _join_collapse_limit() == default


def test_it_runs_what_it_wraps_on_any_database():
    with joins_in_written_order(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
