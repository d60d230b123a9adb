"""The headers a security scanner expects, as a deployment behind TLS sends them."""

from __future__ import annotations

import pytest
from django.test import override_settings

BEHIND_TLS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


@pytest.mark.django_db
@override_settings(**BEHIND_TLS)
def test_it_redirects_plain_http_to_https_except_the_health_check(client):
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    # Load balancers probe over plain HTTP: never redirected (whatever it answers).
    assert client.get("/healthz").status_code != 301


@pytest.mark.django_db
@override_settings(**BEHIND_TLS)
def test_it_sends_hsts_csp_and_secure_cookies_over_https_from_the_proxy(client):
    response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe" not in policy["script-src"] + policy["default-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.cookies["csrftoken"]["secure"] is True


@pytest.mark.django_db
def test_it_lets_only_the_booking_form_be_framed(client):
    from accounts.tests.factories import IntegrationFactory

    IntegrationFactory(slug="website", booking_form_enabled=True)
    form = client.get("/book/website/")
    assert form.status_code == 200
    assert "X-Frame-Options" not in form
    assert "frame-ancestors" not in form["Content-Security-Policy"]
    assert client.get("/login/")["X-Frame-Options"] == "DENY"
