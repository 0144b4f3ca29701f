"""Which endpoint URLs the server may call (server-side request forgery).

A URL must be absolute http(s), at most `MAX_URL_LENGTH` characters, with a host and no
credentials. Its host must resolve only to public addresses: private, loopback, link-local
(cloud metadata at 169.254.169.254), shared, multicast, reserved and unspecified addresses are
refused, IPv4 inside IPv6 included. This is checked when an endpoint is registered and again,
after resolving, before every attempt; the attempt then connects to the checked address (the
name is not resolved twice, so it cannot change in between) and never follows a redirect.
An operator may allow non-public addresses (`BITNEXUS_WEBHOOKS_ALLOW_PRIVATE`), e.g. for
receivers on the same private network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """The URL may not be called; the message says why."""


def parsed(url: str) -> SplitResult:
    """The URL's parts, if it is one the server could call at all."""
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"Use at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as error:
        raise Refused(f"Not a valid URL: {error}.") from error
    if parts.scheme not in {"http", "https"}:
        raise Refused("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Credentials in the URL are not allowed.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Refused("The URL contains spaces or control characters.")
    return parts


def public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return public(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


async def resolve(url: str, *, allow_private: bool) -> tuple[SplitResult, list[IPAddress]]:
    """The URL's parts and the addresses its host resolves to, each allowed."""
    parts = parsed(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as error:
        raise Refused(f"The host {host} does not resolve.") from error
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))
    if not addresses:
        raise Refused(f"The host {host} does not resolve.")
    if not allow_private:
        for address in addresses:
            if not public(address):
                raise Refused(f"The host {host} resolves to a non-public address ({address}).")
    return parts, addresses
