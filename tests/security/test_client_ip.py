"""The client address: the socket's, unless settings say a proxy is in front."""

import pytest
from django.test import RequestFactory

from shop.security.clientip import UNKNOWN_ADDRESS, client_ip

factory = RequestFactory()


def request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.get("/", **extra)


def test_without_a_proxy_forwarded_for_is_the_clients_own_word_and_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request("203.0.113.7", forwarded="1.2.3.4")) == "203.0.113.7"


def test_behind_one_proxy_the_client_is_the_entry_it_appended(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_ip(request(forwarded="6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 2
    assert client_ip(request(forwarded="6.6.6.6, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_behind_a_proxy_a_missing_or_garbled_header_falls_back_to_the_socket(settings, forwarded):
    settings.BEHIND_PROXY = True
    assert client_ip(request("10.0.0.9", forwarded=forwarded)) == "10.0.0.9"


def test_ipv6_addresses_are_normalised(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request("2001:DB8:0:0::1")) == "2001:db8::1"


def test_a_request_without_any_address_shares_one_bucket(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request("")) == UNKNOWN_ADDRESS
