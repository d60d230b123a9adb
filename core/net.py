"""The client's address, behind a reverse proxy too.

``REMOTE_ADDR`` is the only address a client cannot forge, so it is the
answer unless it is one of ``LEADLINE_TRUSTED_PROXIES`` (addresses or CIDRs,
e.g. ``127.0.0.1,10.0.0.0/8``). Only then is ``X-Forwarded-For`` read, from
the right: each proxy appends the address it was reached from, so the
rightmost hop that is not a trusted proxy is the client. Anything to its left
was written by the client and is ignored.

Every per-client rule (the booking form's rate limit, the login throttle)
asks :func:`client_ip`, so the same visitor is one bucket everywhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``["10.0.0.0/8", "127.0.0.1"]`` → networks; a bad entry is a startup error naming it."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"LEADLINE_TRUSTED_PROXIES: {value!r} is not an IP address or CIDR") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(values)


def _address(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address as text ("unknown" when the server gave none)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _trusted(tuple(getattr(settings, "LEADLINE_TRUSTED_PROXIES", ())))
    peer = _address(remote)
    if peer is None:
        return remote or "unknown"
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    nearest = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A trusted proxy never writes garbage: this came from the client,
            # so the last address a proxy vouched for is all we know.
            return str(nearest)
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    # Every hop is one of ours (e.g. a health check from the proxy itself).
    return str(nearest)
