from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from core import (
            checks,  # noqa: F401  (registers the system checks)
            generation,
        )

        # What a request noted about the configuration generation is its own.
        request_started.connect(generation.forget, dispatch_uid="generation_forget_started")
        request_finished.connect(generation.forget, dispatch_uid="generation_forget_finished")
