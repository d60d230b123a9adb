"""System checks for settings read from the environment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from core.net import parse_networks


@register()
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        parse_networks(getattr(settings, "LEADLINE_TRUSTED_PROXIES", ()))
    except ValueError as exc:
        return [Error(str(exc), hint="Addresses or CIDRs, comma-separated.", id="leadline.E001")]
    return []
