"""Who is on the other end of a socket: Channels' session authentication, run in parallel.

Channels' ``AuthMiddleware`` loads the user through ``database_sync_to_async``,
which is thread-sensitive by default: every socket of a process then waits
for the same single thread, one connection after another, when a room of a
thousand phones fills up. Reading a session and a user needs no ordering with
anything else, so this middleware runs the same ``channels.auth.get_user`` in
the shared thread pool (each thread with its own database connection).
"""

from __future__ import annotations

from channels.auth import AuthMiddleware, get_user
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware

_get_user = database_sync_to_async(get_user.func, thread_sensitive=False)


class ParallelAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope) -> None:
        scope["user"]._wrapped = await _get_user(scope)


def AuthMiddlewareStack(inner):  # noqa: N802 - the name Channels gives it
    return CookieMiddleware(SessionMiddleware(ParallelAuthMiddleware(inner)))
