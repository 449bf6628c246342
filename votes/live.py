"""Live tallies: coalesced snapshots, the same for every server process.

A ballot never produces a message of its own. After it commits it bumps the
session's *version* in the shared cache (Redis in a multi-process deployment)
and tries to become the session's *flusher* with an atomic ``add`` of a
pending key. Only one process at a time holds that key; it waits until at
least ``INTERVAL`` has passed since the last snapshot (the time of which is
also in the cache), reads the version, computes the tally from the database
(aggregates only) and broadcasts it once through ``realtime.broadcast``:
every process relays those same bytes to its clients, so all rooms see the
same snapshots. Then it releases the key and looks at the version again: if a
ballot arrived meanwhile it takes the key back and flushes once more.

Why this gives « at most 4 per second, and always one after the last ballot »:

- a ballot increments the version *before* trying the key, and the flusher
  releases the key *before* re-reading the version: either the flusher sees
  the new version and loops, or the ballot's ``add`` succeeds and it starts a
  new flusher; a ballot is never left without a later snapshot;
- the flusher reads the version *before* its database query, and a ballot
  increments it only after commit, so a snapshot includes every ballot its
  version counts;
- a single key holder and a shared « last snapshot » time space snapshots at
  least ``INTERVAL`` apart, whichever process sends them.

If the holder dies, the key expires after ``PENDING_TTL`` and the next ballot
starts a new flusher.

The flusher runs as a task on the server's event loop when the ballot came
through the ASGI server (socket action or view), else in a short-lived
thread (management commands, WSGI).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between two snapshots of a session: 4 per second at most
PENDING_TTL = 10  # seconds; frees the flusher key if its process died
VERSION_TTL = 7 * 24 * 3600


def _key(session_id: int, name: str) -> str:
    return f"votes:live:{session_id}:{name}"


def tally_touch_on_commit(session) -> None:
    """Ask for a snapshot of ``session`` once the current transaction commits."""
    if session.workshop_id is None:
        return
    transaction.on_commit(partial(tally_touch, session.pk))


def tally_touch(session_id: int) -> None:
    version_key = _key(session_id, "version")
    cache.add(version_key, 0, timeout=VERSION_TTL)
    try:
        cache.incr(version_key)
    except ValueError:  # evicted between add and incr
        cache.set(version_key, 1, timeout=VERSION_TTL)
    if cache.add(_key(session_id, "pending"), os.getpid(), timeout=PENDING_TTL):
        _start_flusher(session_id)


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when we are in one of its worker threads (asgiref), else None."""
    from asgiref.sync import SyncToAsync

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is not None and pid == os.getpid() and loop.is_running() and not loop.is_closed():
        return loop
    return None


_tasks: set[asyncio.Task] = set()


def _start_flusher(session_id: int) -> None:
    loop = _main_loop()
    if loop is not None:

        def spawn() -> None:
            task = loop.create_task(_flush_async(session_id))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

        loop.call_soon_threadsafe(spawn)
    else:
        threading.Thread(target=_flush_thread, args=(session_id,), daemon=True).start()


def _delay(session_id: int) -> float:
    last = cache.get(_key(session_id, "last"))
    return max(0.0, (float(last) + INTERVAL - time.time())) if last else 0.0


async def _flush_async(session_id: int) -> None:
    from channels.db import database_sync_to_async

    try:
        while True:
            delay = await database_sync_to_async(_delay)(session_id)
            if delay:
                await asyncio.sleep(delay)
            if not await database_sync_to_async(_flush_once)(session_id):
                return
    except Exception:
        logger.exception("live tally of vote session %s failed", session_id)
        cache.delete(_key(session_id, "pending"))


def _flush_thread(session_id: int) -> None:
    try:
        while True:
            delay = _delay(session_id)
            if delay:
                time.sleep(delay)
            if not _flush_once(session_id):
                return
    except Exception:
        logger.exception("live tally of vote session %s failed", session_id)
        cache.delete(_key(session_id, "pending"))
    finally:
        connections.close_all()


def _flush_once(session_id: int) -> bool:
    """Send one snapshot; True if another is due (a ballot arrived since the version was read)."""
    close_old_connections()
    version_key = _key(session_id, "version")
    pending_key = _key(session_id, "pending")
    version = cache.get(version_key) or 0
    try:
        tally_broadcast(session_id, version=int(version))
    finally:
        cache.set(_key(session_id, "last"), time.time(), timeout=60)
        cache.delete(pending_key)
    if (cache.get(version_key) or 0) == version:
        return False
    return bool(cache.add(pending_key, os.getpid(), timeout=PENDING_TTL))


def snapshot(session, *, version: int = 0) -> dict[str, Any]:
    """Turnout, and the results when the session shows them live."""
    from votes import rules, selectors

    data: dict[str, Any] = {"version": version, **selectors.turnout(session)}
    if rules.results_revealed(session):
        data["results"] = selectors.results_compute(session).as_dict()
    return data


def tally_broadcast(session_id: int, *, version: int) -> None:
    from votes import selectors
    from votes.models import SessionState, VoteSession

    session = VoteSession.objects.filter(pk=session_id).first()
    if session is None or session.workshop_id is None or session.state == SessionState.DRAFT:
        return
    from realtime.broadcast import broadcast_on_commit

    data = snapshot(session, version=version)
    broadcast_on_commit(session.workshop_id, "vote.tally", data)
    if "results" not in data:
        # « À la clôture »: the room sees the turnout only; facilitators follow the results.
        data = {**data, "results": selectors.results_compute(session).as_dict()}
        broadcast_on_commit(session.workshop_id, "vote.tally", data, audience="facilitators")


def is_idle(session_id: int) -> bool:
    """No snapshot pending for the session (tests and the bench wait on this)."""
    return cache.get(_key(session_id, "pending")) is None
