"""Whether survey links can reach members: they start with settings.public_url, which defaults to
http://localhost:8501. That is right on one person's laptop and wrong once the app is served for
others, where every link and QR code would send a member's phone to the phone itself."""

from __future__ import annotations

from urllib.parse import urlsplit

from settings import DEFAULT_PUBLIC_URL, is_loopback


def address(url: str) -> str:
    """The host (and port) of a URL, as a person names where an app is open: 192.0.2.2:8501."""
    try:
        return urlsplit(url.strip()).netloc or url
    except ValueError:
        return url


def links_stay_on_this_computer(public_url: str, *, served_at: str | None) -> bool:
    """True when survey links point at this computer while the app is opened from elsewhere
    (`served_at`: the address in the browser, None when unknown): members could not open them.
    Both on this computer is someone trying the app on their laptop, which is fine."""
    if not served_at:
        return False
    return is_loopback(public_url) and not is_loopback(served_at)


def links_base(public_url: str, *, served_at: str | None, base_path: str = "") -> str:
    """Where the links a page shows start (a share link, a survey's link and QR code, personal
    links): `public_url`, except while it is left at DEFAULT_PUBLIC_URL and the app is open on this computer
    (`served_at`, the address in the browser, loopback too). There the browser's own scheme, host
    and port are, under the app's `base_path`: an app tried on another port than 8501 would
    otherwise show links to nothing. Opened from elsewhere, links keep public_url and the Surveys
    page says to set it (links_stay_on_this_computer): emails sent later know no browser."""
    if public_url.rstrip("/") != DEFAULT_PUBLIC_URL or not served_at or not is_loopback(served_at):
        return public_url
    try:
        parts = urlsplit(served_at.strip())
    except ValueError:
        return public_url
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return public_url
    path = base_path.strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{path}" if path else "")
