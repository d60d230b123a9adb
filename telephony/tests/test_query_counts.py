"""Statement counts of the provider webhooks (intake paths), pinned. The
abandoned call's status callback and a new number's first text capture a lead
(through lead_capture with its assignment and SLA hooks), hence the larger ones.
A webhook reads the configuration generation with its integration, so what the
first request read (the dialled number, the rules and policies) is not read
again while nothing has changed (core.generation)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from catalog.tests.factories import TrackingNumberFactory
from messaging.tests.test_texting import sms_params
from telephony.tests.support import status_params, twilio_integration, twilio_post, voice_params

pytestmark = pytest.mark.django_db


def test_the_twilio_webhooks_statement_counts(django_assert_max_num_queries):
    TrackingNumberFactory(number="+15125550100")
    twilio = twilio_integration(forward_numbers=["+15125550111"])
    client = Client()
    sms = sms_params("SM1", "hello", frm="+15125550177")
    steps = [
        # a new call: one INSERT … ON CONFLICT DO NOTHING, no transaction (was 10 with
        # the read of the call under lock and a savepoint pair)
        (5, "voice", voice_params("CA1")),
        # Twilio's retry: that INSERT does nothing, then the merge under the row lock
        # (was 5: a retry pays for new calls being cheap; 8 before the dialled number was
        # read once per configuration change, core.generation)
        (7, "voice", voice_params("CA1")),
        # ends it abandoned: the lead is captured (PostgreSQL: and the lock on the caller's
        # number), the queue told (17 on PostgreSQL and 16 before the lead and its audit
        # entry were one statement and the capture dropped its savepoint pair)
        (14, "status", status_params("CA1")),
        (7, "status", status_params("CA1")),
        # a new number: a marketing lead, the text, the timeline, who to tell (18 when the
        # assignment rules and SLA policies were read on every capture, not once per change;
        # 15 before the lead and its audit entry were one statement on PostgreSQL)
        (12 if connection.vendor == "postgresql" else 13, "sms", sms),
        (11, "sms", sms_params("SM2", "again", frm="+15125550177")),  # joins that lead
        (4, "sms", sms),
    ]
    for limit, hook, params in steps:
        with django_assert_max_num_queries(limit):
            assert twilio_post(client, twilio, hook, params).status_code == 200
