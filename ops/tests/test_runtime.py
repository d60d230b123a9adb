"""ops.runtime: a web worker's start-up objects are frozen out of full collections."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from unittest import mock

from django.conf import settings

from ops.runtime import settle_worker


def test_settle_worker_loads_the_urlconf_and_freezes_what_is_alive():
    try:
        frozen = settle_worker()
        # Everything alive is frozen: Django, the apps, the URLconf and the API's schemas.
        # (Not compared exactly with get_freeze_count(): a frozen object that dies leaves it.)
        assert frozen > 10_000 and gc.get_freeze_count() > 10_000
        from config.api import api

        # The API (and the schemas it holds) is frozen: no generation holds it,
        # so no collection walks it.
        assert gc.is_tracked(api)
        assert not any(obj is api for obj in gc.get_objects())
        # A full collection now walks only what was made since.
        assert len(gc.get_objects(generation=2)) < frozen
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_gunicorn_settles_each_worker_once_it_is_ready():
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    with mock.patch("ops.runtime.settle_worker") as settle:
        conf["post_worker_init"](object())
    settle.assert_called_once_with()
