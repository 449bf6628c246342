"""The room socket opens only from the site's own origins: scheme, host and port, exactly.

Real uvicorn servers, a real WebSocket client. The site's address is ``SITE_URL``
(``tests/servers.py`` sets it to the server's own); ``CSRF_TRUSTED_ORIGINS`` adds others.
A page served on another port of the same host, or the same host over another scheme,
cannot open it (Channels' ``AllowedHostsOriginValidator`` compared hosts only).
"""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.workshops.factories import ParticipantFactory, WorkshopFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(transactional_db):
    from tests.realtime.helpers import session_cookie_for

    participant = ParticipantFactory(workshop=WorkshopFactory())
    return participant.workshop.slug, session_cookie_for(participant.user)


def _opens(server, slug: str, cookie: str, origin: str | None) -> bool:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
    if origin is not None:
        headers["Origin"] = origin
    try:
        with connect(
            f"{server.ws_url}/ws/workshops/{slug}/", additional_headers=headers, open_timeout=10
        ) as socket:
            return '"ready"' in socket.recv(timeout=10)
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False


def test_only_the_exact_site_origin_opens_the_socket(asgi_server, room):
    slug, cookie = room
    server = asgi_server()
    assert _opens(server, slug, cookie, server.url)
    port = server.port
    refused = [
        f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}",  # another port
        "http://127.0.0.1:9999",
        f"https://127.0.0.1:{port}",  # another scheme
        "https://127.0.0.1",
        "http://127.0.0.1",  # the default port
        f"http://localhost:{port}",  # another host name, though allowed as a Host
        "https://evil.example",
        "null",
        None,
    ]
    opened = [origin for origin in refused if _opens(server, slug, cookie, origin)]
    assert opened == []


def test_csrf_trusted_origins_open_it_too_exactly(asgi_server, room):
    slug, cookie = room
    server = asgi_server(
        extra_env={"CSRF_TRUSTED_ORIGINS": "https://agir.example.org,https://*.pma.example.org"}
    )
    assert _opens(server, slug, cookie, "https://agir.example.org")
    assert _opens(server, slug, cookie, "https://atelier.pma.example.org")
    assert _opens(server, slug, cookie, server.url)  # the site's own address still
    for origin in (
        "http://agir.example.org",
        "https://agir.example.org:8443",
        "https://agir.example.org.evil.example",
        "http://atelier.pma.example.org",
    ):
        assert not _opens(server, slug, cookie, origin), origin


def test_the_allowed_origins_come_from_the_site_address_and_trusted_origins(settings):
    from realtime.origins import allowed_origins

    settings.SITE_URL = "https://agir.example.org/"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.pma.example.org", "http://10.0.0.5:8080"]
    settings.DEBUG = False
    assert allowed_origins() == [
        "https://agir.example.org",
        "https://.pma.example.org",
        "http://10.0.0.5:8080",
    ]
    # In development, the loopback names of the same address.
    settings.SITE_URL = "http://127.0.0.1:8801"
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.DEBUG = True
    assert allowed_origins() == [
        "http://127.0.0.1:8801",
        "http://localhost:8801",
        "http://[::1]:8801",
    ]
