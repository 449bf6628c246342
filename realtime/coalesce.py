"""Coalesced snapshots: many changes of an item, at most one snapshot per interval, the same
for every server process — and always one after the last change.

A change never produces a message of its own. After it commits, ``touch`` bumps the
item's *version* in the shared store (``realtime.stores``) and tries to become the item's
*flusher* with an atomic ``add`` of a pending key. Only one process at a time holds that
key; it waits until at least ``interval`` has passed since the last snapshot (the time of
which is also in the store), reads the version, and calls ``flush`` — which computes the
snapshot from the database and broadcasts it once (``realtime.broadcast``): every process
relays those same bytes to its clients, so all rooms see the same snapshots. Then it
releases the key and looks at the version again: if a change arrived meanwhile it takes
the key back and flushes once more.

Why this gives « at most one per interval, and always one after the last change »:

- a change increments the version *before* trying the key, and the flusher releases the
  key *before* re-reading the version: either the flusher sees the new version and loops,
  or the change's ``add`` succeeds and it starts a new flusher; a change is never left
  without a later snapshot;
- the flusher reads the version *before* its database query, and a change increments it
  only after commit, so a snapshot includes every change its version counts;
- a single key holder and a shared « last snapshot » time space snapshots at least
  ``interval`` apart, whichever process sends them.

If the holder dies, the key expires after ``pending_ttl``; a process that saw a change
meanwhile watches for that (``_watchdog_check``) and sends the snapshot owed, as does
the next change.

The flusher runs as a task on the server's event loop when the change came through the
ASGI server (socket action or view: ``realtime.loops.server_loop``), its database work on
a thread of its own; else in a short-lived thread (management commands, WSGI).

``votes.live`` is the user: one ``Coalescer`` for the live tallies of vote sessions.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from django.db import close_old_connections, connections, transaction

from realtime.loops import server_loop
from realtime.stores import CacheStore, RedisStore, shared_key, shared_store

logger = logging.getLogger(__name__)

# The keys of an item that the coalescer itself keeps.
KEYS = ("version", "pending", "last", "sent")

# flush(item_id, version, gathered, at): compute and send one snapshot (sync, in a thread).
Flush = Callable[[int, int, Any, float], None]
# gather(context): on the event loop, before each snapshot (e.g. who is in the room now).
Gather = Callable[[Any], Awaitable[Any]]


class Coalescer:
    """The snapshots of one kind of item (``namespace``: its keys in the shared store)."""

    def __init__(
        self,
        namespace: str,
        *,
        flush: Flush,
        gather: Gather | None = None,
        interval: float,
        pending_ttl: float,
        version_ttl: float,
        thread_name: str,
    ) -> None:
        self.namespace = namespace
        self.flush = flush
        self.gather = gather
        self.interval = interval
        self.pending_ttl = pending_ttl
        self.version_ttl = version_ttl
        self.thread_name = thread_name
        # Items this process watches: it saw a change while another flusher held the key.
        self._watched: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._executor: ThreadPoolExecutor | None = None

    def reset_process(self) -> None:
        """Forget this process's flushers: their event loop is gone (each test runs on a loop
        of its own). A flush still running on the old thread finishes there — or stays stuck
        on a database its test has since truncated — and new flushes get a thread of their
        own instead of queueing behind it."""
        self._watched.clear()
        self._tasks.clear()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    # --- what the user calls ------------------------------------------------------------

    @property
    def store(self) -> CacheStore | RedisStore:
        return shared_store()

    def key(self, item_id: int, name: str) -> str:
        return shared_key(self.namespace, item_id, name)

    def touch_on_commit(self, item_id: int, context: Any = None) -> None:
        """Ask for a snapshot of ``item_id`` once the current transaction commits."""
        transaction.on_commit(partial(self.touch, item_id, context))

    def touch(self, item_id: int, context: Any = None) -> None:
        """After a committed change: count it, and start the item's flusher if none runs.

        ``context`` goes to ``gather`` (a vote session's workshop: its room's presence)."""
        try:
            store = self.store
            store.incr(self.key(item_id, "version"), self.version_ttl)
            if store.add(self.key(item_id, "pending"), os.getpid(), self.pending_ttl):
                self._start_flusher(item_id, context)
            elif item_id not in self._watched:
                self._watched.add(item_id)
                self._start_watchdog(item_id, context)
        except Exception:
            # The change is committed: a store outage (Redis down) must not turn its
            # acknowledgement into an error. The next change after recovery brings it.
            logger.warning(
                "%s snapshot of %s not scheduled", self.namespace, item_id, exc_info=True
            )

    def is_idle(self, item_id: int) -> bool:
        """No snapshot pending for the item (tests and the bench wait on this)."""
        return self.store.get(self.key(item_id, "pending")) is None

    def reset(self, item_id: int, *names: str) -> None:
        """Forget the item's state, and the user's own keys ``names`` (tests reuse ids)."""
        for name in (*KEYS, *names):
            self.store.delete(self.key(item_id, name))

    # --- the flusher ----------------------------------------------------------------------

    def _watchdog_check(self, item_id: int, context: Any, loop) -> None:
        """After the key's lifetime: if a change is still not in any snapshot, flush it here.

        Covers a flusher whose process died holding the key: any process that counted a
        change meanwhile sends the snapshot the room is owed.
        """
        self._watched.discard(item_id)
        store = self.store
        version = int(store.get(self.key(item_id, "version")) or 0)
        sent = int(store.get(self.key(item_id, "sent")) or 0)
        if version != sent and store.add(
            self.key(item_id, "pending"), os.getpid(), self.pending_ttl
        ):
            self._start_flusher(item_id, context, loop=loop)

    def _start_watchdog(self, item_id: int, context: Any) -> None:
        delay = self.pending_ttl + 0.5
        loop = server_loop()
        if loop is None:
            timer = threading.Timer(delay, self._watchdog_check, args=(item_id, context, None))
            timer.daemon = True
            timer.start()
            return

        def arm() -> None:
            loop.call_later(
                delay,
                lambda: loop.run_in_executor(None, self._watchdog_check, item_id, context, loop),
            )

        loop.call_soon_threadsafe(arm, context=contextvars.Context())

    def _start_flusher(self, item_id: int, context: Any, *, loop=None) -> None:
        loop = loop or server_loop()
        if loop is None:
            threading.Thread(target=self._flush_thread, args=(item_id,), daemon=True).start()
            return

        def spawn() -> None:
            # A fresh context: not the request's (asgiref would see its executor as busy).
            task = loop.create_task(
                self._flush_async(item_id, context), context=contextvars.Context()
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        loop.call_soon_threadsafe(spawn, context=contextvars.Context())

    def _delay(self, item_id: int) -> float:
        last = self.store.get(self.key(item_id, "last"))
        return max(0.0, (float(last) + self.interval - time.time())) if last else 0.0

    def _flush_executor(self) -> ThreadPoolExecutor:
        # The flusher's database and store work runs on a thread of its own: on the shared
        # pool it queued behind every socket frame's connection check and the ballot
        # batches, and under load a snapshot reached the room seconds after the ballots it
        # counted (py-spy, 500/s).
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.thread_name)
        return self._executor

    async def _flush_async(self, item_id: int, context: Any) -> None:
        step = database_sync_to_async(
            self._step, thread_sensitive=False, executor=self._flush_executor()
        )
        try:
            while True:
                # One trip to the thread per snapshot: it waits if the last one (from any
                # process) is too recent, else sends one and says whether another is due.
                gathered = await self.gather(context) if self.gather is not None else None
                wait = await step(item_id, gathered)
                if wait is None:
                    return
                if wait:
                    await asyncio.sleep(wait)
        except Exception:
            logger.exception("%s snapshot of %s failed", self.namespace, item_id)
            self.store.delete(self.key(item_id, "pending"))

    def _step(self, item_id: int, gathered: Any) -> float | None:
        """Seconds to wait before the next snapshot, or None once the flusher may stop."""
        delay = self._delay(item_id)
        if delay:
            return delay
        started = time.time()
        if not self._flush_once(item_id, gathered):
            return None
        return max(0.0, started + self.interval - time.time())

    def _flush_thread(self, item_id: int) -> None:
        try:
            while True:
                delay = self._delay(item_id)
                if delay:
                    time.sleep(delay)
                if not self._flush_once(item_id, None):
                    return
        except Exception:
            logger.exception("%s snapshot of %s failed", self.namespace, item_id)
            self.store.delete(self.key(item_id, "pending"))
        finally:
            connections.close_all()

    def _flush_once(self, item_id: int, gathered: Any) -> bool:
        """Send one snapshot; True if another is due (a change arrived since the version was read)."""
        close_old_connections()
        store = self.store
        version_key = self.key(item_id, "version")
        pending_key = self.key(item_id, "pending")
        version = int(store.get(version_key) or 0)
        now = time.time()
        try:
            self.flush(item_id, version, gathered, now)
            store.set(self.key(item_id, "sent"), version, self.version_ttl)
        finally:
            store.set(self.key(item_id, "last"), now, 60)
            store.delete(pending_key)
        if int(store.get(version_key) or 0) == version:
            return False
        return store.add(pending_key, os.getpid(), self.pending_ttl)
