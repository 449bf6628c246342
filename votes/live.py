"""Live tallies: coalesced snapshots, the same for every server process.

A ballot never produces a message of its own. After it commits it bumps the
session's *version* in a shared store (Redis in a multi-process deployment,
the local cache in the embedded one)
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

What a snapshot shows of the results is ``results_shown``: with live results, a tally
moves only when at least ``MIN_STEP`` (3) new ballots have arrived since the one last
shown, whatever the timer says, so that the last one or two ballots wait for more (or for
the close, which shows the final tally): a step of one ballot would tell whoever saw a
neighbour vote what they chose. The pages polled over HTTP, the API and ``vote.get``
read the same held tally.

The flusher runs as a task on the server's event loop when the ballot came
through the ASGI server (socket action or view), else in a short-lived
thread (management commands, WSGI).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between two snapshots of a session: 4 per second at most
PENDING_TTL = 5  # seconds; frees the flusher key if its process died
VERSION_TTL = 7 * 24 * 3600


# What the live store raises when it cannot be reached (redis-py's errors, sockets' OSError).
STORE_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)


class _CacheStore:
    """Django's cache: enough for one process (the embedded set-up, local-memory cache)."""

    def get(self, key: str):
        return cache.get(key)

    def set(self, key: str, value, ttl: float) -> None:
        cache.set(key, value, timeout=ttl)

    def add(self, key: str, value, ttl: float) -> bool:
        return bool(cache.add(key, value, timeout=ttl))

    def delete(self, key: str) -> None:
        cache.delete(key)

    def incr(self, key: str, ttl: float) -> int:
        cache.add(key, 0, timeout=ttl)
        try:
            return int(cache.incr(key))
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=ttl)
            return 1


class _RedisStore:
    """Redis itself, with the deployment-wide prefix of the live rooms.

    Not Django's cache: its key prefix may differ between processes (the test
    settings make it per process), and these keys must be the same for all.
    """

    def __init__(self) -> None:
        from project.redis import client

        self._redis = client()

    def get(self, key: str):
        value = self._redis.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value, ttl: float) -> None:
        self._redis.set(key, value, px=int(ttl * 1000))

    def add(self, key: str, value, ttl: float) -> bool:
        return bool(self._redis.set(key, value, px=int(ttl * 1000), nx=True))

    def delete(self, key: str) -> None:
        self._redis.delete(key)

    def incr(self, key: str, ttl: float) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(ttl))
        return int(pipe.execute()[0])


_store_instance: _CacheStore | _RedisStore | None = None


def _store() -> _CacheStore | _RedisStore:
    global _store_instance
    if _store_instance is None:
        _store_instance = _RedisStore() if settings.REDIS_URL else _CacheStore()
    return _store_instance


def _key(session_id: int, name: str) -> str:
    from realtime.conf import key_prefix

    # The database name keeps a test run's keys apart from a development server's.
    database = settings.DATABASES["default"].get("NAME", "")
    return f"{key_prefix()}:votes:{database}:{session_id}:{name}"


def tally_touch_on_commit(session) -> None:
    """Ask for a snapshot of ``session`` once the current transaction commits."""
    if session.workshop_id is None:
        return
    transaction.on_commit(partial(tally_touch, session.pk, session.workshop_id))


def tally_touch(session_id: int, workshop_id: int | None = None) -> None:
    """After a committed ballot: count it, and start the session's flusher if none runs."""
    try:
        store = _store()
        store.incr(_key(session_id, "version"), VERSION_TTL)
        if store.add(_key(session_id, "pending"), os.getpid(), PENDING_TTL):
            _start_flusher(session_id, workshop_id)
        elif session_id not in _watched:
            _watched.add(session_id)
            _start_watchdog(session_id, workshop_id)
    except Exception:
        # The ballot is committed: a store outage (Redis down) must not turn its
        # acknowledgement into an error. The next ballot after recovery brings the tally.
        logger.warning("live tally of vote session %s not scheduled", session_id, exc_info=True)


# Sessions this process watches: it saw a ballot while another flusher held the key.
_watched: set[int] = set()


def _watchdog_check(session_id: int, workshop_id: int | None, loop) -> None:
    """After the key's lifetime: if a ballot is still not in any snapshot, flush it from here.

    Covers a flusher whose process died holding the key: any process that
    counted a ballot meanwhile sends the snapshot the room is owed.
    """
    _watched.discard(session_id)
    store = _store()
    version = int(store.get(_key(session_id, "version")) or 0)
    sent = int(store.get(_key(session_id, "sent")) or 0)
    if version != sent and store.add(_key(session_id, "pending"), os.getpid(), PENDING_TTL):
        _start_flusher(session_id, workshop_id, loop=loop)


def _start_watchdog(session_id: int, workshop_id: int | None) -> None:
    delay = PENDING_TTL + 0.5
    loop = _main_loop()
    if loop is None:
        timer = threading.Timer(delay, _watchdog_check, args=(session_id, workshop_id, None))
        timer.daemon = True
        timer.start()
        return

    def arm() -> None:
        loop.call_later(
            delay,
            lambda: loop.run_in_executor(None, _watchdog_check, session_id, workshop_id, loop),
        )

    loop.call_soon_threadsafe(arm, context=contextvars.Context())


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


def _start_flusher(session_id: int, workshop_id: int | None, *, loop=None) -> None:
    loop = loop or _main_loop()
    if loop is not None:

        def spawn() -> None:
            # A fresh context: not the request's (asgiref would see its executor as busy).
            task = loop.create_task(
                _flush_async(session_id, workshop_id), context=contextvars.Context()
            )
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

        loop.call_soon_threadsafe(spawn, context=contextvars.Context())
    else:
        threading.Thread(target=_flush_thread, args=(session_id,), daemon=True).start()


def _delay(session_id: int) -> float:
    last = _store().get(_key(session_id, "last"))
    return max(0.0, (float(last) + INTERVAL - time.time())) if last else 0.0


async def _present(workshop_id: int | None) -> int | None:
    """People connected to the room now (this deployment's presence), or None if unknown."""
    if workshop_id is None:
        return None
    try:
        from realtime.hub import get_hub
        from workshops.figures import connected_count

        return connected_count(await get_hub().presence.members(workshop_id))
    except Exception:  # presence is a nicety: a tally never fails for it
        logger.debug("no presence for room %s", workshop_id, exc_info=True)
        return None


# The flusher's database and store work runs on a thread of its own: on the shared pool it
# queued behind every socket frame's connection check and the ballot batches, and under
# load a snapshot reached the room seconds after the ballots it counted (py-spy, 500/s).
_executor: ThreadPoolExecutor | None = None


def _tally_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vote-tally")
    return _executor


async def _flush_async(session_id: int, workshop_id: int | None) -> None:
    from channels.db import database_sync_to_async

    step = database_sync_to_async(_step, thread_sensitive=False, executor=_tally_executor())
    try:
        while True:
            # One trip to the thread per snapshot: it waits if the last one (from any
            # process) is too recent, else sends one and says whether another is due.
            present = await _present(workshop_id)
            wait = await step(session_id, present)
            if wait is None:
                return
            if wait:
                await asyncio.sleep(wait)
    except Exception:
        logger.exception("live tally of vote session %s failed", session_id)
        _store().delete(_key(session_id, "pending"))


def _step(session_id: int, present: int | None) -> float | None:
    """Seconds to wait before the next snapshot, or None once the flusher may stop."""
    delay = _delay(session_id)
    if delay:
        return delay
    started = time.time()
    if not _flush_once(session_id, present):
        return None
    return max(0.0, started + INTERVAL - time.time())


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
        _store().delete(_key(session_id, "pending"))
    finally:
        connections.close_all()


def _flush_once(session_id: int, present: int | None = None) -> bool:
    """Send one snapshot; True if another is due (a ballot arrived since the version was read)."""
    close_old_connections()
    store = _store()
    version_key = _key(session_id, "version")
    pending_key = _key(session_id, "pending")
    version = int(store.get(version_key) or 0)
    now = time.time()
    try:
        tally_broadcast(session_id, version=version, present=present, at=now)
        store.set(_key(session_id, "sent"), version, VERSION_TTL)
    finally:
        store.set(_key(session_id, "last"), now, 60)
        store.delete(pending_key)
    if int(store.get(version_key) or 0) == version:
        return False
    return store.add(pending_key, os.getpid(), PENDING_TTL)


MIN_STEP = 3  # ballots: a live tally never moves by fewer (a neighbour's ballot would show)


def results_shown(session) -> dict[str, Any]:
    """The results of ``session`` as the room may see them now (a dict, as ``Results.as_dict``).

    Closed, or while the room does not see results live: the tally itself. Open with live
    results: the tally last shown, which moves only when at least ``MIN_STEP`` new
    ballots have arrived since (a change of one ballot would give it away: whoever saw a
    neighbour vote would read their choice), or when only what moderation hides changed.
    The socket frames, the pages polled over HTTP, the API and the socket's ``vote.get``
    all read it here, so they agree. The shown tally lives in the live store (shared by
    the processes); a lock makes its moves one at a time.
    """
    from votes import rules, selectors
    from votes.models import SessionState

    if session.state != SessionState.OPEN or not rules.results_revealed(session):
        return selectors.results_compute(session).as_dict()
    try:
        return _results_held(session)
    except STORE_ERRORS:  # the live store (Redis) is down: pages must still answer
        # What was shown cannot be read: show no tally rather than one that could move by a
        # single ballot. The tally comes back with the store (the next snapshot).
        logger.warning("live results: store unavailable for session %s", session.pk, exc_info=True)
        return selectors.results_compute(session, empty=True).as_dict()


def _results_held(session) -> dict[str, Any]:
    from votes import selectors

    store = _store()
    shown_key, lock_key = _key(session.pk, "shown"), _key(session.pk, "shown-lock")
    if not store.add(lock_key, os.getpid(), PENDING_TTL):
        # Another process is moving it: what was shown stays shown.
        shown = _load(store.get(shown_key))
        if shown is not None:
            return _relabelled(shown)
        return selectors.results_compute(session, empty=True).as_dict()
    try:
        shown = _load(store.get(shown_key))
        current = selectors.results_compute(session).as_dict()
        if shown is None and 0 < current["ballots"] < MIN_STEP:
            shown = selectors.results_compute(session, empty=True).as_dict()
            store.set(shown_key, json.dumps(shown, default=str), VERSION_TTL)
        if shown is None or _may_move(shown, current):
            store.set(shown_key, json.dumps(current, default=str), VERSION_TTL)
            return current
        return _relabelled(shown)
    finally:
        store.delete(lock_key)


def _may_move(shown: dict, current: dict) -> bool:
    step = current["ballots"] - shown["ballots"]
    if step >= MIN_STEP or step < 0:
        return True
    if step == 0:
        # Moderation (a hidden answer or word) moves no ballot: it shows at once; a changed
        # ballot waits like a new one.
        return {k: v for k, v in current.items() if k != "words"} == {
            k: v for k, v in shown.items() if k != "words"
        }
    return False


def _load(raw) -> dict | None:
    return json.loads(raw) if raw else None


def _relabelled(results: dict) -> dict:
    """A stored tally with its college labels in the reader's language."""
    from votes.selectors import college_label

    for group in results.get("by_college", []):
        group["label"] = college_label(group["college"])
    return results


def snapshot(
    session,
    *,
    version: int = 0,
    present: int | None = None,
    at: float | None = None,
    results: bool | None = None,
) -> dict[str, Any]:
    """Turnout, and the results when the session shows them live (``at``: when, epoch seconds)."""
    from votes import rules, selectors

    with selectors.consistent_read():  # turnout and results from the same instant
        computed = None
        if results if results is not None else rules.results_revealed(session):
            computed = results_shown(session)
        data: dict[str, Any] = {
            "version": version,
            "at": round(at if at is not None else time.time(), 3),
            # The results have counted the ballots already (same snapshot): no second count.
            # Held (``results_shown``), the turnout is the one of the results shown.
            **selectors.turnout(
                session, present=present, voted=computed["ballots"] if computed else None
            ),
        }
        if computed is not None:
            data["results"] = computed
    return data


def tally_broadcast(
    session_id: int, *, version: int, present: int | None = None, at: float | None = None
) -> None:
    from votes import rules
    from votes.models import SessionState, VoteSession

    session = VoteSession.objects.filter(pk=session_id).first()
    if session is None or session.workshop_id is None or session.state == SessionState.DRAFT:
        return
    from realtime.broadcast import broadcast_on_commit

    data = snapshot(session, version=version, present=present, at=at, results=True)
    # A ballot committed just before the snapshot's read but counted just after it asks for
    # one more snapshot, identical to this one: with ballots in parallel that is common.
    # The room already has those figures, so only a change is sent.
    same = {key: value for key, value in data.items() if key not in {"at", "version"}}
    same["shown"] = (session.state, rules.results_revealed(session))
    digest = hashlib.blake2b(
        json.dumps(same, sort_keys=True, default=str).encode(), digest_size=16
    ).hexdigest()
    store = _store()
    digest_key = _key(session_id, "digest")
    if store.get(digest_key) == digest:
        return
    store.set(digest_key, digest, VERSION_TTL)
    if rules.results_revealed(session):
        broadcast_on_commit(session.workshop_id, "vote.tally", data)
        return
    # « À la clôture »: the room sees the turnout only; facilitators follow the results.
    turnout_only = {key: value for key, value in data.items() if key != "results"}
    broadcast_on_commit(session.workshop_id, "vote.tally", turnout_only)
    broadcast_on_commit(session.workshop_id, "vote.tally", data, audience="facilitators")


def is_idle(session_id: int) -> bool:
    """No snapshot pending for the session (tests and the bench wait on this)."""
    return _store().get(_key(session_id, "pending")) is None


def reset(session_id: int) -> None:
    """Forget a session's live state (tests reuse primary keys across runs)."""
    store = _store()
    for name in ("version", "pending", "last", "sent", "digest", "shown", "shown-lock"):
        store.delete(_key(session_id, name))
