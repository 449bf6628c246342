"""Client→server actions of the room socket, registered by each app.

An app declares its actions in ``<app>/socket_actions.py`` (discovered when
the realtime app is ready)::

    from realtime.actions import register

    @register("vote.cast")
    def vote_cast(ctx, data: dict) -> dict:
        ballot = ballot_cast(session=..., voter=ctx.user, choices=data.get("choices"))
        return {"ballot": ballot.pk}

A handler is a plain sync function run in a worker thread of the shared pool
(``database_sync_to_async(thread_sensitive=False)``), or a coroutine function
awaited on the event loop that runs its own database work in threads (the
ballot writer of ``votes.batch``). It calls a service, which checks permissions
and raises ``project.errors.DomainError``; the consumer turns that into
``{"type": "error", "ref", "code", "message"}`` and a returned dict into
``{"type": "ack", "ref", "data"}``. Handlers never broadcast themselves: the
service does, with ``broadcast_on_commit``.

``ctx.user``, ``ctx.workshop``, ``ctx.participant`` and ``ctx.is_facilitator``
are loaded when the socket connects: services must re-read (and lock) whatever
state and rights they depend on (``workshops.rules.is_workshop_facilitator_now``,
an active account), never trust them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

Handler = Callable[["ActionContext", dict], Any]

_registry: dict[str, Handler] = {}


@dataclass
class ActionContext:
    user: Any
    workshop: Any
    participant: Any | None
    # The client's idempotency key for creates (``client_key`` in the frame or its data).
    client_key: str = ""
    is_facilitator: bool = False
    # The connection's ASGI scope: what a handler knows of the client (its address for the
    # audit log, ``workshops.commands.SocketClient``).
    scope: dict | None = None


def register(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for frames whose ``action`` is ``name`` (``<entity>.<verb>``)."""

    def decorator(handler: Handler) -> Handler:
        existing = _registry.get(name)
        if existing is not None and existing is not handler:
            same = (existing.__module__, existing.__qualname__) == (
                handler.__module__,
                handler.__qualname__,
            )
            if not same:
                raise ValueError(f"socket action {name!r} is already registered by {existing!r}")
        _registry[name] = handler
        return handler

    return decorator


def get_handler(name: str) -> Handler | None:
    return _registry.get(name)


def registered() -> list[str]:
    return sorted(_registry)


def autodiscover() -> None:
    autodiscover_modules("socket_actions")
