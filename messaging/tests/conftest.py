from __future__ import annotations

import pytest

from messaging import backends


@pytest.fixture(autouse=True)
def _empty_outbox():
    backends.outbox.clear()
    yield
    backends.outbox.clear()
