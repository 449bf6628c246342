"""Who is on the other end of a socket: Channels' session authentication, in one worker thread.

Channels' ``AuthMiddleware`` loads the user in the middleware, through
``database_sync_to_async`` (thread-sensitive by default: every socket of a
process then waits for the same single thread when a room of a thousand
phones fills up). Here the middleware only puts Channels' lazy user in the
scope; the consumer resolves it with the same ``channels.auth.get_user``
(session, user, session-hash check) in the shared thread pool, in the same
worker-thread call as its own first reads (the room and the participation):
one trip through the thread pool per connection instead of two. Accessing
``scope["user"]`` before it is resolved raises, as in Channels.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware, _get_user_session_key, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.functional import LazyObject, empty


class DeferredAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope) -> None:
        # Resolved by the consumer: ``resolve_user`` in its worker thread.
        pass


def resolve_user(scope, loaded=None):
    """The scope's user, loaded from the session if not yet (sync: call it in a worker thread).

    ``loaded``: the session's user already read with something else (the consumer reads a
    participant's user with their participation and workshop, in one query), used instead
    of reading it again when the session's backend would have read it the same way
    (``ModelBackend.get_user``: the row by primary key, then ``user_can_authenticate``).
    Everything else is Channels' ``get_user``: the backend must be configured, and the
    session's hash must match the user's (else the session is flushed)."""
    user = scope["user"]
    if isinstance(user, LazyObject) and user._wrapped is empty:
        if loaded is None:
            user._wrapped = get_user.func(scope)
        else:
            user._wrapped = _user_from_session(scope, loaded)
    return user


# The server's own ``send`` in a socket's scope: the room's stream of frames writes through it.
RAW_SEND = "agir.raw_send"


class RawSendMiddleware:
    """Keeps the server's ``send`` in the scope, beside the one the middlewares wrap.

    Channels' ``SessionMiddleware`` wraps ``send`` to save the session and set its cookie on
    ``http.response.start`` only; on a socket every frame still went through the wrapper,
    which reads the lazy session's ``modified`` and ``is_empty()`` first: ~10 % of a worker's
    CPU broadcasting to a room of 3,000 (py-spy). The room's frames skip it
    (``realtime.hub.ClientStream``); the consumer's own sends keep the wrapped one."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        return await self.inner({**scope, RAW_SEND: send}, receive, send)


def session_user_id(scope):
    """The user id of the scope's session (None without one, or an unreadable one)."""
    session = scope.get("session")
    if session is None:
        return None
    try:
        return _get_user_session_key(session)
    except (KeyError, ValidationError, ValueError, TypeError):
        return None


def _user_from_session(scope, loaded):
    """``channels.auth.get_user`` with ``loaded`` instead of the backend's read of the user."""
    # Imported here, as Channels does: the ASGI application imports this module early.
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import AnonymousUser

    session = scope["session"]
    user = None
    try:
        user_id = _get_user_session_key(session)
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            if (
                isinstance(backend, ModelBackend)
                and type(backend).get_user is ModelBackend.get_user
                and loaded.pk == user_id
            ):
                user = loaded if backend.user_can_authenticate(loaded) else None
            else:
                user = backend.get_user(user_id)
            # Verify the session
            if hasattr(user, "get_session_auth_hash"):
                session_hash = session.get(HASH_SESSION_KEY)
                session_hash_verified = session_hash and constant_time_compare(
                    session_hash, user.get_session_auth_hash()
                )
                if not session_hash_verified:
                    session.flush()
                    user = None
    return user or AnonymousUser()


def AuthMiddlewareStack(inner):  # the name Channels gives it
    return RawSendMiddleware(CookieMiddleware(SessionMiddleware(DeferredAuthMiddleware(inner))))
