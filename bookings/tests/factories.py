import factory

from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking, CampaignRule
from catalog.tests.factories import CampaignFactory


class BookingFactory(factory.django.DjangoModelFactory[Booking]):
    """A new online booking with a name, phone and full address."""

    class Meta:
        model = Booking

    integration = factory.SubFactory(IntegrationFactory)
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    channel = Booking.Channel.ONLINE
    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+1512633{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    street = factory.Sequence(lambda n: f"{200 + n} Elm St")
    city = "Austin"
    state = "TX"
    zip = "78702"
    summary = "AC blowing warm air"


class CampaignRuleFactory(factory.django.DjangoModelFactory[CampaignRule]):
    class Meta:
        model = CampaignRule

    integration = factory.SubFactory(IntegrationFactory)
    campaign = factory.SubFactory(CampaignFactory)
