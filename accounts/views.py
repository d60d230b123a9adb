"""The sign-in page's lockout answer (django-axes calls it, see settings)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}" if minutes else "Try again later"
    return (
        "Too many failed sign-ins for this username from your address. "
        f"{wait}, or ask an admin to unlock it (Settings → Login lockouts)."
    )


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, with what was typed and why it is refused (429)."""
    # Unbound: validating the form would authenticate (and count a failure) again.
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")[:150]})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": lockout_message(request), "next": request.POST.get("next", "")},
        status=429,
    )
