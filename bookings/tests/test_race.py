import threading

import pytest
from django.db import connections

from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking
from bookings.services import booking_receive
from leads.services import Contact


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_makes_one_booking_from_two_identical_posts_at_once():
    integration = IntegrationFactory()
    barrier = threading.Barrier(2)
    results = []

    def post():
        try:
            barrier.wait()
            received = booking_receive(
                integration=integration,
                external_id="same-1",
                channel="partner",
                contact=Contact(name="Race", phone="5125550111"),
            )
            results.append((received.booking.pk, received.created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert Booking.objects.count() == 1
    assert len(results) == 2 and results[0][0] == results[1][0]
    assert sorted(created for _, created in results) == [False, True]
