"""Helpers for socket tests: session cookies, communicators, frame readers."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore


def session_cookie_for(user) -> str:
    """A session cookie value logging ``user`` in (what the login view would set)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


async def acookie(user) -> str:
    return await sync_to_async(session_cookie_for)(user)


async def communicator(
    slug: str, user=None, *, since: int | None = None, origin: str = "http://testserver"
) -> WebsocketCommunicator:
    from project.asgi import application

    path = f"/ws/workshops/{slug}/"
    if since is not None:
        path += f"?since={since}"
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        cookie = await acookie(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(comm: WebsocketCommunicator, timeout: float = 3) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_until(
    comm: WebsocketCommunicator, type_: str, timeout: float = 3
) -> tuple[list[dict], dict]:
    """Frames received before the first one of ``type_``, and that one (presence frames skipped)."""
    before = []
    while True:
        frame = await receive(comm, timeout)
        if frame["type"] == type_:
            return before, frame
        if frame["type"] != "presence":
            before.append(frame)


async def connect_ready(comm: WebsocketCommunicator) -> tuple[list[dict], dict]:
    connected, code = await comm.connect(timeout=5)
    assert connected, code
    return await receive_until(comm, "ready")


async def next_event(comm: WebsocketCommunicator, timeout: float = 3) -> dict:
    """The next frame that is not presence."""
    while True:
        frame = await receive(comm, timeout)
        if frame["type"] != "presence":
            return frame


def layer_impl(layer):
    """The object that does a channel layer's work: the pub/sub layer hands every call to
    a layer of the running event loop (patch that one's class)."""
    get = getattr(layer, "_get_layer", None)
    return get() if get is not None else layer
