from django.core.checks import run_checks
from django.test import RequestFactory

from core.net import client_ip

rf = RequestFactory()


def _request(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return rf.get("/", REMOTE_ADDR=remote, **headers)


def test_it_ignores_x_forwarded_for_without_trusted_proxies(settings):
    settings.LEADLINE_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"


def test_it_ignores_x_forwarded_for_from_an_untrusted_peer(settings):
    settings.LEADLINE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # A visitor talking to the app directly cannot name another address.
    assert client_ip(_request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_it_reads_the_rightmost_untrusted_hop_behind_a_trusted_proxy(settings):
    settings.LEADLINE_TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    # Two proxies of ours in a row: both skipped.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3")) == "203.0.113.7"


def test_it_never_believes_garbage_or_spoofed_hops(settings):
    settings.LEADLINE_TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("10.0.0.1", "not-an-ip")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1", "")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1", "203.0.113.7:5123")) == "203.0.113.7"
    assert client_ip(_request("10.0.0.1", "[2001:db8::5]:443")) == "2001:db8::5"


def test_it_reports_a_bad_trusted_proxy_setting(settings):
    settings.LEADLINE_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example"]
    errors = [e for e in run_checks() if e.id == "leadline.E001"]
    assert errors and "proxy.example" in errors[0].msg
