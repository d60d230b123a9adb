from accounts.actor import SYSTEM
from catalog.tests.factories import JobTypeFactory
from customers.tests.factories import LocationFactory
from jobs.models import Job
from jobs.services import job_book


def book_job(**overrides) -> Job:
    """A job booked through the real service, so it has its invoice."""
    location = overrides.pop("location", None) or LocationFactory()
    job_type = overrides.pop("job_type", None) or JobTypeFactory()
    business_unit = overrides.pop("business_unit", None) or job_type.business_units.first()
    return job_book(
        actor=overrides.pop("actor", SYSTEM),
        customer=overrides.pop("customer", location.customer),
        location=location,
        business_unit=business_unit,
        job_type=job_type,
        **overrides,
    )
