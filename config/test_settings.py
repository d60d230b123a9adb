"""Settings for the test suite: fast hashing, no outside calls."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LEADLINE_TESTING = True
# Texts stay in memory (messaging.backends.outbox); the twilio backend's tests use a local fake.
LEADLINE_SMS_BACKEND = "locmem"
# The escalation sweep is not scheduled by migrate or by policies (its tests switch it on).
LEADLINE_SLA_SWEEP_SECONDS = 0
LEADLINE_ROLLUP_REFRESH_SECONDS = 0
# Django's test client builds the middleware stack anew for every Client(), and
# WhiteNoise's __init__ lists every static file through the finders (~150 files,
# ~15 ms) each time: with thousands of clients in the suite, that was the
# largest single cost of the API tests. With autorefresh it looks a file up
# when one is asked for instead (the same files and headers; production keeps
# the list made once at start-up).
WHITENOISE_AUTOREFRESH = True
