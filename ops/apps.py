from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Leadline: /healthz, the worker's heartbeat, request logs,
    the 503 while the database is down, backups."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import signals  # noqa: F401  (connects the receivers)
        from ops.logs import install_record_factory

        install_record_factory()
