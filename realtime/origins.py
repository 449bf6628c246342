"""Which page origins may open a room socket: exact scheme, host and port.

Channels' ``AllowedHostsOriginValidator`` compares host names only: a page served at
``http://127.0.0.1:9999`` or ``https://127.0.0.1`` could open the socket of a site at
``http://127.0.0.1:8000``. Here the origins are the site's address (``SITE_URL``) and
``CSRF_TRUSTED_ORIGINS`` (the same list Django trusts for forms; ``https://*.example.org``
covers its subdomains, same scheme and port), compared with Channels' ``OriginValidator``
on scheme, host and port. In development (``DEBUG``) the loopback names of the site's
address are the same server too (``localhost`` for ``127.0.0.1``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import OriginValidator as ChannelsOriginValidator
from django.conf import settings

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def allowed_origins() -> list[str]:
    """The origins, as Channels' ``OriginValidator`` patterns (``.example.org``: subdomains)."""
    site = _origin(settings.SITE_URL)
    origins = [site]
    parts = urlsplit(site)
    host = parts.hostname or ""
    if settings.DEBUG and (host in LOOPBACK or f"[{host}]" in LOOPBACK):
        port = f":{parts.port}" if parts.port else ""
        origins += [f"{parts.scheme}://{name}{port}" for name in LOOPBACK]
    origins += [_origin(o).replace("://*.", "://.") for o in settings.CSRF_TRUSTED_ORIGINS]
    return list(dict.fromkeys(origins))


def OriginValidator(application):  # a factory, like Channels' own
    """``application`` behind the exact origin check (403 at the handshake otherwise)."""
    return ChannelsOriginValidator(application, allowed_origins())
