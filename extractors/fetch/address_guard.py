"""Refuse URLs that point into private networks (SSRF guard), checked before any connection.

A listing page is untrusted input: a link or a redirect to
http://169.254.169.254/ or http://10.0.0.1/ must not make a worker talk to
its own cloud metadata service or intranet. The host is resolved and every
address it resolves to is checked, IPv4 addresses carried inside IPv6 ones
(mapped, 6to4, Teredo, NAT64) included; a source marked `local` in the
registry lifts the rule for its own origins (host and port) only, never for
another port of the host (a database on 5432) nor where they redirect.

The look-up is the event loop's (`loop.getaddrinfo`, run in its executor):
getaddrinfo blocks, and one slow resolver must not stall every other host's
fetch on the loop.

Known limit: httpx resolves the name again when it connects, so a DNS answer
that changes between the two look-ups (rebinding) is not caught here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    """`host:port` of a URL, the default port spelled out; what a `local` exemption covers."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""  # an invalid port is refused below, never exempt
    return f"{host_of(url)}:{port}"


class UnresolvableHost(OSError):
    """The host has no address now: a network failure, not a refusal."""


async def refusal(url: str, allowed_origins: frozenset[str] = frozenset()) -> str | None:
    """Why `url` must not be fetched, or None when it may be. Resolves the host (no connection).

    `allowed_origins` (`origin_of` values) may be private.

    Raises UnresolvableHost when the name does not resolve.
    """
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme!r} is not http(s)"
    host = (parts.hostname or "").lower()
    if not host:
        return "URL has no host"
    if origin_of(url) in allowed_origins:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "URL has an invalid port"
    try:
        addresses = await _resolve(host, port)
    except (OSError, UnicodeError) as exc:
        # Not a refusal: the name may resolve tomorrow. Unchecked, the URL must not be fetched today.
        raise UnresolvableHost(f"host {host!r} does not resolve: {exc}") from exc
    for address in addresses:
        reason = _non_public(address)
        if reason:
            return f"host {host!r} resolves to {reason} address {address}"
    return None


async def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]  # a literal address needs no look-up
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Drop an IPv6 zone ("fe80::1%eth0") before parsing.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    for candidate in (address, *_embedded(address)):
        for name in ("loopback", "link_local", "private", "reserved", "multicast", "unspecified"):
            if getattr(candidate, f"is_{name}"):
                return name.replace("_", "-")
        if not candidate.is_global:  # shared address space 100.64/10 and the like
            return "non-global"
    return None


def _embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: 6to4 2002:AABB:CCDD::, Teredo, NAT64 64:ff9b::a.b.c.d."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [address.sixtofour, *(address.teredo or ())]
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in found if a is not None]
