from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and access"

    def ready(self) -> None:
        # Its table keeps the configuration generation (migration 0007; core.generation).
        from accounts.models import Employee
        from core import generation

        generation.keep(Employee)
