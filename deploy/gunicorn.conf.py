"""gunicorn settings for Leadline, all from the environment (listed in the README).

Loaded with ``gunicorn config.wsgi -c deploy/gunicorn.conf.py`` by ``make serve``
and by ``deploy/leadline-web.service``.
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen: host:port or unix:/path (comma-separated for several). Behind
# the reverse proxy keep it on the loopback (or a socket the proxy reaches).
bind = [b.strip() for b in os.environ.get("LEADLINE_BIND", "127.0.0.1:8000").split(",") if b.strip()]
# Processes x threads = requests served at once, and at most that many database
# connections per machine. gunicorn's rule of thumb: 2 x cores + 1 processes.
workers = _int("LEADLINE_WEB_WORKERS", 2 * _cores() + 1)
threads = _int("LEADLINE_WEB_THREADS", 2)
worker_class = "gthread"
# A request running longer than this is killed and its worker replaced.
timeout = _int("LEADLINE_WEB_TIMEOUT", 30)
# On SIGTERM (systemctl stop/restart) requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak can never grow unbounded.
max_requests = 2000
max_requests_jitter = 200
# One line per request is Leadline's own log (Django's logging); gunicorn logs
# only its own life (start, worker boots, errors) to stderr.
errorlog = "-"
loglevel = os.environ.get("LEADLINE_LOG_LEVEL", "info").lower()
# gunicorn trusts X-Forwarded-Proto only from 127.0.0.1 and ::1 (its default,
# FORWARDED_ALLOW_IPS); Django decides what is HTTPS with SECURE_PROXY_SSL_HEADER
# (LEADLINE_TRUST_X_FORWARDED_PROTO) and who the client is with LEADLINE_TRUSTED_PROXIES.
proc_name = "leadline"
# No control socket ($HOME/.gunicorn/gunicorn.ctl): systemctl reload (SIGHUP)
# and stop (SIGTERM) are the controls, and the unit's home is read-only.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Each worker, once it has loaded Leadline: its start-up objects frozen out
    of the garbage collector's full collections (ops.runtime.settle_worker)."""
    from ops.runtime import settle_worker

    settle_worker()
