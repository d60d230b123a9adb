"""Settings for the bare view that ``bench/load.py`` serves beside Leadline: Leadline's
own settings (middleware, database, logging), with a URLconf of one view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
