from decimal import Decimal

import factory

from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber


class BusinessUnitFactory(factory.django.DjangoModelFactory[BusinessUnit]):
    class Meta:
        model = BusinessUnit

    name = factory.Sequence(lambda n: f"Business unit {n}")


class JobTypeFactory(factory.django.DjangoModelFactory[JobType]):
    class Meta:
        model = JobType
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Job type {n}")

    @factory.post_generation
    def business_units(self, create, extracted, **kwargs):
        if create:
            self.business_units.set(extracted or [BusinessUnitFactory()])


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    category = Campaign.Category.PAID_SEARCH
    monthly_cost = Decimal("1000.00")


class TrackingNumberFactory(factory.django.DjangoModelFactory[TrackingNumber]):
    class Meta:
        model = TrackingNumber

    number = factory.Sequence(lambda n: f"+1512555{n % 10000:04d}")
    campaign = factory.SubFactory(CampaignFactory)


class CallReasonFactory(factory.django.DjangoModelFactory[CallReason]):
    class Meta:
        model = CallReason

    name = factory.Sequence(lambda n: f"Reason {n}")
    is_lead = True
    dismisses = False


class TagFactory(factory.django.DjangoModelFactory[Tag]):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class BookingGuideFactory(factory.django.DjangoModelFactory[BookingGuide]):
    class Meta:
        model = BookingGuide

    kind = BookingGuide.Kind.LEAD
    name = factory.Sequence(lambda n: f"Guide {n}")
    script = "Ask what is wrong.\nAsk for the address."


class DismissReasonFactory(CallReasonFactory):
    """A reason offered to dismiss leads, bookings and Leads-tab rows."""

    name = factory.Sequence(lambda n: f"Dismiss reason {n}")
    is_lead = False
    dismisses = True
