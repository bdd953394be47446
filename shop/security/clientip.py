"""The address a request came from, as the rate limits and the login lockout see it.

Without a proxy it is the socket's address (REMOTE_ADDR): headers are the client's own
words and anyone can send `X-Forwarded-For: 1.2.3.4` to pass as someone else. Behind a
proxy (BEHIND_PROXY) REMOTE_ADDR is the proxy, and the client is the entry our own
proxies appended to X-Forwarded-For: TRUSTED_PROXY_COUNT entries from the right. Entries
further left were written by the client and are ignored.
"""

import ipaddress

from django.conf import settings

# What a request without any usable address counts as (a Unix-socket proxy without
# headers, a test request factory): one shared bucket rather than no limit at all.
UNKNOWN_ADDRESS = "0.0.0.0"


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    if settings.BEHIND_PROXY:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        count = max(settings.TRUSTED_PROXY_COUNT, 1)
        if len(hops) >= count:
            forwarded = _valid(hops[-count])
            if forwarded:
                return forwarded
    return remote or UNKNOWN_ADDRESS
