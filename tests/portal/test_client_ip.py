"""The one reading of the client's IP address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry only
when TRUST_X_FORWARDED_FOR says a proxy writes it."""

import pytest
from django.test import RequestFactory

from portal.security import client_ip


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_it_reads_the_connection_address_by_default():
    assert client_ip(_request(REMOTE_ADDR="203.0.113.5")) == "203.0.113.5"


def test_it_ignores_x_forwarded_for_without_the_setting(settings):
    settings.TRUST_X_FORWARDED_FOR = False

    assert client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")) == "10.0.0.2"


def test_behind_the_proxy_it_takes_the_address_the_proxy_appended(settings):
    settings.TRUST_X_FORWARDED_FOR = True

    # The client may send any X-Forwarded-For itself; the proxy appends what it saw.
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")

    assert client_ip(request) == "198.51.100.1"


def test_it_reads_ipv6(settings):
    settings.TRUST_X_FORWARDED_FOR = True

    assert client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=" 2001:db8::5 ")) == "2001:db8::5"


@pytest.mark.parametrize("forwarded", ["", "unknown", "198.51.100.1, <script>", "999.1.1.1"])
def test_a_header_without_an_address_falls_back_to_the_connection(settings, forwarded):
    settings.TRUST_X_FORWARDED_FOR = True

    assert client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)) == "10.0.0.2"


def test_no_address_at_all_is_none():
    assert client_ip(_request(REMOTE_ADDR="")) is None
