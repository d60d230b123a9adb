from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from accounts.models import Integration
from core.crypto import decrypt_secret, encrypt_secret

pytestmark = pytest.mark.django_db

SID = "AC" + "b" * 32
TOKEN = "f" * 32


def test_an_admin_creates_a_twilio_integration_and_secrets_are_write_only(api_as):
    api = api_as("admin")
    response = api.post(
        "/integrations",
        {
            "name": "Main line",
            "provider": "twilio",
            "forward_numbers": ["(512) 555-0111"],
            "text_back": {"enabled": True, "template": "Hi {first_name}, {company} here. {booking_link}"},
            "twilio_account_sid": SID,
            "twilio_auth_token": TOKEN,
            "webhook_url": "https://partner.example/hook",
            "webhook_secret": "whsec-partner-shared",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == "twilio" and body["slug"] == "main-line"
    assert body["forward_numbers"] == ["+15125550111"]
    assert body["text_back"] == {
        "enabled": True,
        "template": "Hi {first_name}, {company} here. {booking_link}",
    }
    assert body["has_twilio_auth_token"] and body["has_twilio_account_sid"] and body["has_webhook_secret"]
    assert not body["has_callrail_signing_key"]
    for secret in (TOKEN, SID, "whsec-partner-shared"):
        assert secret not in response.content.decode()
    iid = body["id"]
    assert body["provider_webhook_urls"] == {
        "voice": f"http://testserver/api/v1/telephony/twilio/{iid}/voice",
        "status": f"http://testserver/api/v1/telephony/twilio/{iid}/status",
        "sms": f"http://testserver/api/v1/telephony/twilio/{iid}/sms",
    }
    integration = Integration.objects.get(pk=iid)
    assert integration.twilio_auth_token == TOKEN
    assert integration.webhook_secret == "whsec-partner-shared"
    # What a database dump holds: no secret in the clear (the webhooks' signing secret included).
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_integration WHERE id = %s", [iid])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert TOKEN not in row and SID not in row and "whsec-partner-shared" not in row
    listed = api.get("/integrations").json()["items"]
    assert TOKEN not in str(listed)


def test_patch_changes_only_what_is_sent_and_an_empty_secret_clears_it(api_as):
    api = api_as("admin")
    iid = api.post(
        "/integrations", {"name": "CR", "provider": "callrail", "callrail_signing_key": "k1"}
    ).json()["id"]
    response = api.patch(f"/integrations/{iid}", {"text_back": {"enabled": True}})
    assert response.status_code == 200
    assert response.json()["has_callrail_signing_key"] is True
    assert response.json()["text_back"]["enabled"] is True
    assert "pre_call" in response.json()["provider_webhook_urls"]
    cleared = api.patch(f"/integrations/{iid}", {"callrail_signing_key": ""}).json()
    assert cleared["has_callrail_signing_key"] is False


def test_bad_input_is_a_422_naming_the_field(api_as):
    api = api_as("admin")
    bad = api.post(
        "/integrations",
        {
            "name": "X",
            "provider": "twilio",
            "forward_numbers": ["555", "+15125550111"],
            "text_back": {"template": "Hi {name}"},
            "twilio_account_sid": "nope",
        },
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"forward_numbers[0]", "text_back.template", "twilio_account_sid"} <= fields
    assert api.post("/integrations", {"name": "X", "provider": "sip"}).status_code == 422
    assert not Integration.objects.filter(name="X").exists()
    assert api.patch("/integrations/999999", {"name": "Y"}).status_code == 404


@pytest.mark.parametrize("role", ["csr", "office", "manager"])
def test_only_admins_see_or_change_integrations(api_as, role):
    api = api_as(role)
    assert api.get("/integrations").status_code == 403
    assert api.post("/integrations", {"name": "Z"}).status_code == 403


def test_an_integration_key_may_not_configure_integrations(integration_api):
    assert integration_api.get("/integrations").status_code == 403
    assert integration_api.post("/integrations", {"name": "Z"}).status_code == 403


def test_secrets_survive_a_rotated_secret_key_through_the_fallbacks():
    stored = encrypt_secret("s3cret")
    assert stored and "s3cret" not in stored
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert decrypt_secret(stored) == "s3cret"
    with override_settings(SECRET_KEY="another-key", SECRET_KEY_FALLBACKS=[]):
        assert decrypt_secret(stored) == ""
    assert encrypt_secret("") == "" and decrypt_secret("") == ""


def test_settings_shows_the_webhook_urls_and_never_the_secrets(client):
    from accounts.tests.factories import EmployeeFactory, UserFactory
    from telephony.tests.support import TOKEN as T
    from telephony.tests.support import twilio_integration

    user = UserFactory()
    EmployeeFactory(role="admin", user=user)
    client.force_login(user)
    integration = twilio_integration()
    page = client.get(f"/settings/accounts/integration/{integration.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/api/v1/telephony/twilio/{integration.pk}/voice" in html
    assert f"/api/v1/telephony/twilio/{integration.pk}/status" in html
    assert T not in html and integration.twilio_account_sid not in html
    data = {
        "name": integration.name,
        "slug": integration.slug,
        "active": "on",
        "provider": "twilio",
        "forward_numbers_text": "(512) 555-0111\n+15125550112",
        "twilio_auth_token": "n" * 32,
        "text_back_enabled": "on",
        "text_back_template": "Hi {first_name}",
        "webhook_url": "",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }
    saved = client.post(f"/settings/accounts/integration/{integration.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    integration.refresh_from_db()
    assert integration.forward_numbers == ["+15125550111", "+15125550112"]
    assert integration.twilio_auth_token == "n" * 32
    assert integration.twilio_account_sid.startswith("AC")  # kept: left empty
