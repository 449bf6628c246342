"""A user who logs out or deletes the account loses their sockets within 5 seconds.

Real uvicorn servers, a real WebSocket client, the logout and the deletion
done over HTTP like a browser would (session cookie, CSRF token). With Redis,
the socket and the logout are on two different server processes.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.realtime.helpers import session_cookie_for

pytestmark = pytest.mark.integration

CLOSE_DISCONNECTED = 4001
DEADLINE = 5.0


class Browser:
    """Just enough of a browser: cookies, the CSRF token, form posts, no redirects followed."""

    def __init__(self, base_url: str, session_key: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        host = urllib.parse.urlsplit(base_url).hostname
        self.jar.set_cookie(_cookie(settings.SESSION_COOKIE_NAME, session_key, host))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base_url + path, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict) -> int:
        _status, html = self.get(path if path.startswith("/compte") else "/compte/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _cookie(name: str, value: str, host: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0,
        name,
        value,
        None,
        False,
        host,
        False,
        False,
        "/",
        True,
        False,
        None,
        True,
        None,
        None,
        {},
    )


def _open_room_socket(server, slug: str, session_key: str):
    from websockets.sync.client import connect

    socket = connect(
        f"{server.ws_url}/ws/workshops/{slug}/",
        additional_headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}",
            "Origin": server.url,
        },
        open_timeout=10,
    )
    # Wait for "ready": the consumer has joined the user's group by then.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if '"ready"' in socket.recv(timeout=10):
            return socket
    raise AssertionError("no ready frame")


def _closed_within(socket, seconds: float) -> tuple[float, int | None]:
    from websockets.exceptions import ConnectionClosed

    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            try:
                socket.recv(timeout=0.2)
            except TimeoutError:
                continue
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
        return time.monotonic() - start, code
    return time.monotonic() - start, None


def _live_workshop_with(user):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory

    workshop = WorkshopFactory()
    ParticipantFactory(workshop=workshop, user=user)
    return workshop


def test_logging_out_closes_the_users_sockets_within_5_seconds(asgi_server):
    user = UserFactory()
    workshop = _live_workshop_with(user)
    server = asgi_server()
    key = session_cookie_for(user)
    socket = _open_room_socket(server, workshop.slug, key)
    bystander_key = session_cookie_for(other := UserFactory())
    from tests.workshops.factories import ParticipantFactory

    ParticipantFactory(workshop=workshop, user=other)
    bystander = _open_room_socket(server, workshop.slug, bystander_key)

    assert Browser(server.url, key).post("/accounts/logout/", {}) == 302

    elapsed, code = _closed_within(socket, DEADLINE)
    assert code == CLOSE_DISCONNECTED, (elapsed, server.log())
    assert elapsed < DEADLINE
    # Someone else's socket in the same room stays open.
    _elapsed, bystander_code = _closed_within(bystander, 0.5)
    assert bystander_code is None
    bystander.close()


def test_deleting_the_account_closes_the_users_sockets_within_5_seconds(asgi_server):
    from accounts.models import User

    user = UserFactory()
    workshop = _live_workshop_with(user)
    server = asgi_server()
    key = session_cookie_for(user)
    socket = _open_room_socket(server, workshop.slug, key)

    assert Browser(server.url, key).post("/compte/supprimer/", {"confirm": "on"}) == 302

    elapsed, code = _closed_within(socket, DEADLINE)
    assert code == CLOSE_DISCONNECTED, (elapsed, server.log())
    assert User.objects.get(pk=user.pk).deleted_at is not None
    # And the old session is gone: a reconnect would be anonymous.
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.redis
def test_a_logout_on_one_server_closes_a_socket_held_by_another(asgi_server):
    user = UserFactory()
    workshop = _live_workshop_with(user)
    a, b = asgi_server(), asgi_server()
    key = session_cookie_for(user)
    socket = _open_room_socket(a, workshop.slug, key)

    assert Browser(b.url, key).post("/accounts/logout/", {}) == 302

    elapsed, code = _closed_within(socket, DEADLINE)
    assert code == CLOSE_DISCONNECTED, (elapsed, a.log(), b.log())


@pytest.mark.redis
def test_a_participant_removed_by_the_facilitator_loses_the_socket_within_5_seconds(asgi_server):
    from workshops.models import Participant
    from workshops.services import participant_remove

    user, facilitator = UserFactory(), UserFactory()
    workshop = _live_workshop_with(user)
    workshop.facilitators.add(facilitator)
    server = asgi_server()
    key = session_cookie_for(user)
    socket = _open_room_socket(server, workshop.slug, key)

    # Called here, sent through the shared Redis layer to the server holding the socket.
    participant_remove(
        workshop=workshop,
        actor=facilitator,
        participant=Participant.objects.get(workshop=workshop, user=user),
        reason="Propos injurieux",
    )

    elapsed, code = _closed_within(socket, DEADLINE)
    assert code == CLOSE_DISCONNECTED, (elapsed, server.log())
    # And the socket cannot come back.
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    with pytest.raises((ConnectionClosed, InvalidStatus, AssertionError)):
        _open_room_socket(server, workshop.slug, key)
