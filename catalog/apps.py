from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Reference data"

    def ready(self) -> None:
        # Their tables keep the configuration generation (migration 0005; core.generation).
        from catalog.models import Campaign, TrackingNumber
        from core import generation

        generation.keep(Campaign)
        generation.keep(TrackingNumber)
