from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What a person is told: a lead assigned to them, a new booking, an
    abandoned call, an incoming text, a breached first response. Any app may
    notify; this app knows none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
