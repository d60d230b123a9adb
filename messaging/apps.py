from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Texting"

    def ready(self) -> None:
        from calls.services import call_abandoned
        from messaging.textback import on_call_abandoned

        call_abandoned.connect(on_call_abandoned, dispatch_uid="messaging.text_back")
