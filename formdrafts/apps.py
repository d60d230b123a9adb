from django.apps import AppConfig


class FormDraftsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "formdrafts"
    verbose_name = "Abandoned online bookings"
