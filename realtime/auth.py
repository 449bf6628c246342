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

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.utils.functional import LazyObject, empty


class DeferredAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope) -> None:
        # Resolved by the consumer: ``resolve_user`` in its worker thread.
        pass


def resolve_user(scope):
    """The scope's user, loaded from the session if not yet (sync: call it in a worker thread)."""
    user = scope["user"]
    if isinstance(user, LazyObject) and user._wrapped is empty:
        user._wrapped = get_user.func(scope)
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


def AuthMiddlewareStack(inner):  # the name Channels gives it
    return RawSendMiddleware(CookieMiddleware(SessionMiddleware(DeferredAuthMiddleware(inner))))
