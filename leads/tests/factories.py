import factory

from catalog.tests.factories import CampaignFactory
from leads.models import Lead


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    """A marketing lead with only a name and a phone, as most start."""

    class Meta:
        model = Lead

    type = Lead.Type.MARKETING
    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+1512867{n % 10000:04d}")
    city = "Austin"
