from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.models import Role
from calls.models import Call
from calls.services import DEMO_RECORDING_URL
from calls.tests.factories import play_call
from catalog.tests.factories import TrackingNumberFactory
from conftest import make_employee
from leads.models import LeadActivity
from messaging.tests.fake_twilio import AUDIO, fake_twilio
from telephony.tests.support import (
    ACCOUNT,
    TOKEN,
    recording_params,
    twilio_integration,
    twilio_post,
    voice_params,
)

pytestmark = pytest.mark.django_db
TWILIO_RECORDING = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'1' * 32}"


def client_for(role: str = Role.CSR) -> Client:
    client = Client()
    client.force_login(make_employee(role).user)
    return client


def twilio_call_with_recording() -> Call:
    twilio = twilio_integration(forward_numbers=["+15125550111"])
    sid = "CA" + "1" * 32
    twilio_post(Client(), twilio, "voice", voice_params(sid))
    twilio_post(Client(), twilio, "status", recording_params(sid, url=TWILIO_RECORDING))
    return Call.objects.get()


def test_a_recording_plays_through_leadline_with_the_integrations_credentials():
    call = twilio_call_with_recording()
    with fake_twilio() as fake, override_settings(LEADLINE_TWILIO_API_BASE=fake.base):
        response = client_for().get(f"/calls/{call.pk}/recording/")
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/x-wav"
        assert b"".join(response.streaming_content) == AUDIO
        fetched = fake.requests[-1]
        assert fetched["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'1' * 32}"
        assert fetched["auth"] == (ACCOUNT, TOKEN)


def test_the_call_api_and_pages_show_leadlines_url_never_the_providers():
    call = twilio_call_with_recording()
    csr = client_for()
    detail = csr.get(f"/api/v1/calls/{call.pk}").json()
    assert detail["recording_url"] == f"/calls/{call.pk}/recording/"
    page = csr.get(f"/calls/{call.pk}/").content.decode()
    assert f'src="/calls/{call.pk}/recording/"' in page
    assert "api.twilio.com" not in page and TOKEN not in page


def test_only_staff_who_work_calls_may_listen():
    call = twilio_call_with_recording()
    assert client_for(Role.TECHNICIAN).get(f"/calls/{call.pk}/recording/").status_code == 403
    anonymous = Client().get(f"/calls/{call.pk}/recording/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_provider_that_does_not_answer_is_a_502_and_no_recording_a_404():
    call = twilio_call_with_recording()
    with override_settings(LEADLINE_TWILIO_API_BASE="http://127.0.0.1:9"):
        assert client_for().get(f"/calls/{call.pk}/recording/").status_code == 502
    silent = play_call(seconds=90)
    assert client_for().get(f"/calls/{silent.pk}/recording/").status_code == 404


def test_the_demo_recording_is_the_bundled_audio_file():
    call = play_call(seconds=90)
    Call.objects.filter(pk=call.pk).update(recording_url=DEMO_RECORDING_URL)
    response = client_for().get(f"/calls/{call.pk}/recording/")
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content).startswith(b"RIFF")


def test_the_leads_tab_logs_a_call_back_with_its_outcome_and_links_the_number():
    TrackingNumberFactory(number="+15125550100")
    call = play_call(seconds=90, from_number="+15128675309")  # waited 90 s, never answered
    call.refresh_from_db()
    assert call.lead is not None
    csr = client_for()
    page = csr.get("/calls/queue/").content.decode()
    assert 'href="tel:+15128675309"' in page
    assert 'name="outcome" required' in page
    response = csr.post(f"/calls/{call.pk}/callback/", {"outcome": "voicemail", "note": "left details"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.callback_attempts, call.last_callback_outcome) == (1, "voicemail")
    follow_up = LeadActivity.objects.get(lead=call.lead, kind="follow_up")
    assert follow_up.outcome == "left_message"
    call.lead.refresh_from_db()
    assert call.lead.first_response_at is not None


def test_the_callback_api_records_the_attempt_and_outcome(api_as):
    call = play_call(seconds=0)
    api = api_as("csr")
    response = api.post(f"/calls/{call.pk}/callback", {"outcome": "no_answer"})
    assert response.status_code == 200, response.content
    assert response.json()["last_callback_outcome"] == "no_answer"
    assert api.post(f"/calls/{call.pk}/callback", {"outcome": "maybe"}).status_code == 422
    assert api_as("technician").post(f"/calls/{call.pk}/callback", {"outcome": "reached"}).status_code == 403


def test_phone_numbers_on_the_screens_are_tel_links():
    from leads.tests.factories import LeadFactory

    tracking = TrackingNumberFactory(number="+15125550100")
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550187")
    call = play_call(seconds=90, from_number="+15128675309")
    csr = client_for()
    for url, number in [
        ("/leads/", "+15125550187"),
        (f"/leads/{lead.pk}/", "+15125550187"),
        ("/calls/list/", "+15128675309"),
        (f"/calls/{call.pk}/", "+15128675309"),
    ]:
        page = csr.get(url).content.decode()
        assert f'<a class="tel" href="tel:{number}">' in page, url


def test_another_providers_recording_is_fetched_only_over_https():
    call = play_call(seconds=90)
    Call.objects.filter(pk=call.pk).update(recording_url="http://10.0.0.5/admin.wav")
    assert client_for().get(f"/calls/{call.pk}/recording/").status_code == 502
