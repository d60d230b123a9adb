from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory

from catalog.tests.factories import BusinessUnitFactory
from scheduling.models import ArrivalWindow

CHICAGO = ZoneInfo("America/Chicago")


class ArrivalWindowFactory(factory.django.DjangoModelFactory[ArrivalWindow]):
    class Meta:
        model = ArrivalWindow

    business_unit = factory.SubFactory(BusinessUnitFactory)
    weekday = 0
    start_time = time(8)
    end_time = time(10)
    capacity = 2


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first date after ``after`` (default: today in Chicago) on that weekday."""
    start = after or datetime.now(CHICAGO).date()
    ahead = (weekday - start.weekday()) % 7 or 7
    return start + timedelta(days=ahead)


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)
