from __future__ import annotations

from django.db import models

from core.phones import format_phone


class ContactInfo(models.Model):
    """What is known of a person before (or without) a customer record: a
    lead or a booking carries these until someone links or creates one."""

    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    email = models.CharField(max_length=254, blank=True, help_text="lower case")
    street = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    zip = models.CharField(max_length=20, blank=True)

    class Meta:
        abstract = True

    def contact_address(self) -> dict[str, str]:
        return {
            "street": self.street,
            "unit": self.unit,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
        }

    @property
    def contact_one_line(self) -> str:
        street = f"{self.street} {self.unit}".strip()
        tail = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (street, self.city, tail) if p)


class Customer(models.Model):
    class Type(models.TextChoices):
        RESIDENTIAL = "residential", "Residential"
        COMMERCIAL = "commercial", "Commercial"

    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.RESIDENTIAL)
    tags = models.ManyToManyField("catalog.Tag", blank=True, related_name="customers")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"]), models.Index(fields=["-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=["residential", "commercial"]), name="customer_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phones(self) -> list[str]:
        return [c.value for c in self.contacts.all() if c.kind == ContactPoint.Kind.PHONE]

    @property
    def emails(self) -> list[str]:
        return [c.value for c in self.contacts.all() if c.kind == ContactPoint.Kind.EMAIL]


class ContactPoint(models.Model):
    """One way to reach a customer: a phone in E.164 or an email in lower
    case, so matching a caller or a sender is one indexed equality."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)
    label = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["value", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="contact_unique_per_customer"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["phone", "email"]), name="contact_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        return format_phone(self.value) if self.kind == self.Kind.PHONE else self.value


class Location(models.Model):
    """A service address: where a technician drives to."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="locations")
    street = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=40)
    zip = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    # A retired location (the customer moved, sold the rental) keeps its jobs
    # and history but is no longer offered for new work.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["zip"])]

    def __str__(self) -> str:
        return self.one_line

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def one_line(self) -> str:
        street = f"{self.street} {self.unit}".strip() if self.unit else self.street
        return f"{street}, {self.city}, {self.state} {self.zip}"
