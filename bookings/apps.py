from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        # Its table keeps the configuration generation (migration 0005; core.generation).
        from bookings.models import CampaignRule
        from core import generation

        generation.keep(CampaignRule)
