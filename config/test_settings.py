"""Settings for the test suite: fast hashing, no outside calls."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LEADLINE_TESTING = True
# Texts stay in memory (messaging.backends.outbox); the twilio backend's tests use a local fake.
LEADLINE_SMS_BACKEND = "locmem"
# The escalation sweep is not scheduled by migrate or by policies (its tests switch it on).
LEADLINE_SLA_SWEEP_SECONDS = 0
LEADLINE_ROLLUP_REFRESH_SECONDS = 0
