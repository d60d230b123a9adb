import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from accounts.models import Employee, Integration, Role


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class EmployeeFactory(factory.django.DjangoModelFactory[Employee]):
    class Meta:
        model = Employee

    name = factory.Faker("name")
    role = Role.CSR
    user = factory.SubFactory(UserFactory)


class IntegrationFactory(factory.django.DjangoModelFactory[Integration]):
    class Meta:
        model = Integration

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
