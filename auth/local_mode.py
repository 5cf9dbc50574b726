"""Whether a request may be served in local mode: from this computer, to this computer, directly.

Local mode has no sign-in: whoever reaches the app is its admin. Listening on 127.0.0.1 is not
enough on its own:
- a forwarder on this computer (ssh -R, socat, a reverse proxy) connects from 127.0.0.1 on behalf of
  anyone; a proxy says so in forwarding headers, a plain TCP forwarder does not, but the browser
  behind it names the address it was given (not a loopback name) in the Host header;
- DNS rebinding points a name the attacker owns at 127.0.0.1, so a page from another site reaches
  the app with its own name in Host (and its own Origin).
- a page of another local server (a dev server on localhost:3000, a file: Origin null) would
  otherwise drive the app from the same computer.
So a request is local only when its connection comes from a loopback address, its Host names this
computer, its Origin (when sent) is the app's own (the same host and port), and no header says it
passed through something else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
# Headers a proxy, a CDN or a load balancer adds: any of them means the request came from elsewhere.
FORWARDING_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-server",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-cluster-client-ip",
    "via",
)


def is_loopback_ip(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(authority: str) -> str | None:
    """The host of a Host header (`name`, `name:port`, `[::1]:port`); None when it cannot be read."""
    try:
        parts = urlsplit(f"//{authority.strip()}")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    return (parts.hostname or "").lower() or None


def names_this_computer(authority: str) -> bool:
    """Whether a Host (or an Origin's host and port) is a loopback name or address."""
    host = _host_name(authority)
    return host is not None and (host in LOOPBACK_NAMES or is_loopback_ip(host))


def refusal_reason(*, client_ip: str | None, headers: Mapping[str, str]) -> str | None:
    """Why this request is not a direct one from this computer (in words for the log), or None.

    `client_ip` is the connection's address (None: Streamlit's own way of saying loopback, or no
    browser at all, as in tests); `headers` those of the browser's request (empty without one)."""
    if client_ip and not is_loopback_ip(client_ip):
        return f"the connection comes from {client_ip}"
    lowered = {name.lower(): value for name, value in headers.items()}
    if through := [name for name in FORWARDING_HEADERS if name in lowered]:
        return f"it passed through a proxy ({', '.join(through)})"
    if not lowered:
        return None  # no browser behind this run
    host = lowered.get("host")
    if host is None or not names_this_computer(host):
        return f"it was addressed to {host or 'no host'}, not to this computer"
    origin = lowered.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != host.strip().lower():
        return f"it was opened from {origin}"  # another port's page, a file (null) or another site
    return None
