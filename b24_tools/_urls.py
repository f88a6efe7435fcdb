"""Portal addresses: loopback checks, portal URL normalisation, webhook URL parsing (no pydantic: cheap to import)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ._errors import B24ConfigError

__all__ = ["is_loopback_host", "normalize_portal_url", "split_webhook_url"]


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (the only hosts allowed over plain http)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_portal_url(domain: str) -> str:
    """`portal.bitrix24.com` → `https://portal.bitrix24.com`; keeps an explicit scheme and port; no trailing slash.

    Plain `http://` is refused unless the host is loopback (the local emulator).
    """
    raw = domain.strip().rstrip("/")
    if not raw:
        raise B24ConfigError("empty portal address", hint="set B24_DOMAIN or B24_WEBHOOK_URL")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise B24ConfigError(f"portal address {domain!r} is not an http(s) URL", hint="use https://PORTAL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise B24ConfigError(
            f"plain http is refused for {parts.hostname}: Bitrix24 portals are HTTPS-only",
            hint="use https://, or a loopback host (127.0.0.1, localhost) for the local emulator",
        )
    return f"{parts.scheme}://{parts.netloc}"


def split_webhook_url(url: str) -> tuple[str, int, str]:
    """`https://PORTAL/rest/1/CODE/` → (`https://PORTAL`, 1, `CODE`). Raises `B24ConfigError` naming the shape."""
    parts = urlsplit(url.strip())
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 4 and segments[0] == "rest" and segments[1] == "api":
        segments = [segments[0], *segments[2:]]
    if len(segments) < 3 or segments[0] != "rest" or not segments[1].isdigit() or not segments[2]:
        raise B24ConfigError(
            "B24_WEBHOOK_URL must look like https://PORTAL/rest/USER_ID/CODE/",
            hint="copy the inbound webhook URL from Developer resources, without the method name",
        )
    base = normalize_portal_url(f"{parts.scheme}://{parts.netloc}")
    return base, int(segments[1]), segments[2]
