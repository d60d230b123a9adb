import factory

from customers.models import ContactPoint, Customer, Location


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    name = factory.Faker("name")


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    customer = factory.SubFactory(CustomerFactory)
    street = factory.Sequence(lambda n: f"{100 + n} Oak St")
    city = "Austin"
    state = "TX"
    zip = "78701"


class PhoneFactory(factory.django.DjangoModelFactory[ContactPoint]):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactPoint.Kind.PHONE
    value = factory.Sequence(lambda n: f"+1737201{n % 10000:04d}")
