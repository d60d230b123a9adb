"""Settings for the test suite: fast hashing, no outside calls."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LEADLINE_TESTING = True
