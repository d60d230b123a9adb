"""A web worker's memory, settled once it is ready to serve.

CPython's garbage collector walks every tracked container of the oldest
generation on each full collection. In a gunicorn worker almost all of them
are what importing Django, the apps and the API's schemas made, and live as
long as the worker: measured under ``bench/load.py``'s lead row (2 workers,
16 connections, about 19 s), each worker ran 3 full collections of
~170,000 objects, 148–163 ms each, and a worker does nothing else while one
runs, so every request queued on it waits. ``settle_worker`` loads what the
first request would otherwise load, collects once, and freezes what is left
(``gc.freeze``): later collections skip it. Measured the same way: 1 full
collection per worker, of ~10,000–14,000 objects, 13–28 ms.

Frozen objects are never collected; that is only what exists once the worker
is ready (modules, URL patterns, schemas), which lives as long as the worker
anyway.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle_worker() -> int:
    """Load the URLconf (every app's ``urls``, the API's routes and schemas)
    and its lookup tables, collect the garbage of starting up, and freeze the
    rest out of the collector's reach. Returns how many objects were frozen.
    Called by gunicorn in each worker once it has loaded the application
    (``post_worker_init`` in ``deploy/gunicorn.conf.py``)."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every urls module: the API's routers and schemas)
    resolver.reverse_dict  # noqa: B018 (builds the lookup tables the first reverse() would)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
