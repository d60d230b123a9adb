"""Named locks held until the transaction ends, for rules a row lock cannot
cover because the row does not exist yet ("one open abandoned-call lead per
number": two transactions that each find none would both insert one).

PostgreSQL: a transaction-level advisory lock on a 64-bit key derived from the
name, released at COMMIT or ROLLBACK. SQLite: a no-op, because every
transaction there starts ``IMMEDIATE`` (settings), so writers are already
serialised and the second one reads what the first committed.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def lock_key(namespace: str, name: str) -> int:
    """A stable signed 64-bit key for ``namespace:name`` (PostgreSQL's bigint)."""
    digest = hashlib.blake2b(f"{namespace}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def transaction_lock(namespace: str, name: str) -> None:
    """Wait for, then hold until the end of the current transaction, the lock
    named ``namespace:name``. Must be called inside ``transaction.atomic``."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("transaction_lock needs a transaction to hold the lock")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(namespace, name)])
