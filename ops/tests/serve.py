"""``python -m ops.tests.serve PORT``: Django's development server without
runserver's start-up migration check (which would stop it on a database that
is down), for tests that watch a real server lose its database."""

from __future__ import annotations

import sys

import django


def main() -> None:
    django.setup()
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    run("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
