"""Six bookings at once into a window of two, each on its own database
connection (a thread each). Used by ``test_race.py`` in-process on PostgreSQL
and, in a subprocess against a throwaway SQLite file, on SQLite."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections


def run_race(*, bookings: int = 6, capacity: int = 2) -> dict[str, Any]:
    from accounts.actor import SYSTEM
    from catalog.tests.factories import JobTypeFactory
    from customers.tests.factories import LocationFactory
    from jobs.models import Job
    from jobs.services import job_book
    from scheduling.models import WindowDay, WindowPlace
    from scheduling.services import WindowFull
    from scheduling.tests.factories import ArrivalWindowFactory, at, next_weekday

    job_type = JobTypeFactory()
    unit = job_type.business_units.get()
    window = ArrivalWindowFactory(business_unit=unit, weekday=2, capacity=capacity)
    day = next_weekday(2)
    locations = [LocationFactory() for _ in range(bookings)]
    barrier = threading.Barrier(bookings)
    outcome: dict[str, list[Any]] = {"booked": [], "full": [], "error": []}
    lock = threading.Lock()

    def book(i: int) -> None:
        try:
            barrier.wait(10)
            job = job_book(
                actor=SYSTEM,
                customer=locations[i].customer,
                location=locations[i],
                business_unit=unit,
                job_type=job_type,
                start=at(day, 8, 30 + i),
            )
            with lock:
                outcome["booked"].append(job.pk)
        except WindowFull as exc:
            with lock:
                outcome["full"].append(exc.as_dict()["code"])
        except Exception as exc:  # any other failure is a failed race
            with lock:
                outcome["error"].append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(bookings)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    row = WindowDay.objects.get(window=window, date=day)
    return {
        "booked": len(outcome["booked"]),
        "full": outcome["full"],
        "errors": outcome["error"],
        "jobs": Job.objects.filter(business_unit=unit).count(),
        "counter": row.booked,
        "places": WindowPlace.objects.filter(day=row).count(),
        "vendor": connections["default"].vendor,
    }


if __name__ == "__main__":  # python -m scheduling.tests.race (LEADLINE_SQLITE_PATH set by the test)
    import json

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(run_race()))
