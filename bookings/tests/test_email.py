import mailbox
from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import IntegrationFactory
from bookings.email_intake import parse_email
from bookings.models import Booking

pytestmark = pytest.mark.django_db


def message(
    message_id="<m1@example.com>", sender="Lee Park <lee@example.com>", body="Call 737-555-0101 please"
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "office@acme.test"
    msg["Subject"] = "Water heater quote"
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg


def test_it_parses_sender_phone_subject_and_text():
    msg = message()
    msg.add_alternative("<p>Call <b>737-555-0101</b> please</p>", subtype="html")
    parsed = parse_email(bytes(msg))
    assert (parsed.name, parsed.email, parsed.phone) == ("Lee Park", "lee@example.com", "+17375550101")
    assert parsed.subject == "Water heater quote" and parsed.text == "Call 737-555-0101 please"
    assert parsed.message_id == "m1@example.com"


def test_it_prefers_reply_to_and_reads_html_only_mail():
    msg = EmailMessage()
    msg["From"] = "Web form <noreply@forms.test>"
    msg["Reply-To"] = "Ana Cruz <ANA@example.com>"
    msg["Subject"] = "New request"
    msg.set_content("<div>Name: Ana<br>Phone: (512) 555-0123</div>", subtype="html")
    parsed = parse_email(bytes(msg))
    assert parsed.email == "ANA@example.com" and parsed.name == "Ana Cruz"
    assert parsed.phone == "+15125550123" and "<div>" not in parsed.text
    assert parsed.message_id.startswith("sha256:")


def test_it_ingests_a_file_and_a_maildir_once(tmp_path):
    integration = IntegrationFactory(slug="inbox")
    file = tmp_path / "one.eml"
    file.write_bytes(bytes(message()))
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    box.add(bytes(message()))  # the same Message-ID as the file
    box.add(bytes(message(message_id="<m2@example.com>", sender="Kim <kim@example.com>")))
    out = StringIO()
    call_command("ingest_email", str(file), integration="inbox", stdout=out)
    call_command("ingest_email", str(tmp_path / "Maildir"), integration="inbox", stdout=out)
    call_command("ingest_email", str(tmp_path / "Maildir"), integration="inbox", stdout=out)
    assert Booking.objects.filter(integration=integration, channel="email").count() == 2
    assert "0 created, 2 already known" in out.getvalue()
    kim = Booking.objects.get(email="kim@example.com")
    assert kim.summary.startswith("Water heater quote") and kim.phone == "+17375550101"


def test_it_skips_a_message_nobody_can_answer(tmp_path):
    IntegrationFactory(slug="inbox")
    file = tmp_path / "bad.eml"
    file.write_bytes(b"Subject: hello\r\n\r\nno sender here\r\n")
    err = StringIO()
    call_command("ingest_email", str(file), integration="inbox", stdout=StringIO(), stderr=err)
    assert "skipped" in err.getvalue() and not Booking.objects.exists()


def test_it_refuses_an_unknown_integration(tmp_path):
    with pytest.raises(CommandError):
        call_command("ingest_email", str(tmp_path), integration="nope")
