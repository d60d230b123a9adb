from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company (``manage.py load_demo``): the top floor, it may use
    every app and no app uses it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo company"
