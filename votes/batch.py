"""Ballots from the room sockets, written together: one transaction for all that are waiting.

A live vote is a burst: hundreds of phones send their ballot within seconds.
Written one by one, each ballot costs its own transaction and its own round
trips (session lock, voter lock, upsert, choices, commit) in a worker thread.
Here each server process has one writer per event loop: a ballot joins the
queue and waits; the writer takes everything queued (up to ``MAX_BATCH``),
records it with ``votes.services.ballots.ballots_cast`` — the same checks and locks as a
single ballot, in one transaction — and answers each ballot with its own
outcome (recorded, changed, or the error that refused it). While one batch
is written the next one fills up, so an idle room answers at once and a
busy one needs a transaction per batch, not per ballot. Nothing is
acknowledged before its transaction has committed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from dataclasses import dataclass, field

from channels.db import database_sync_to_async

from votes.services.ballots import BallotRequest, ballots_cast

logger = logging.getLogger(__name__)

MAX_BATCH = 250


@dataclass
class _Waiting:
    request: BallotRequest
    future: asyncio.Future = field(repr=False)


class BallotWriter:
    """The writer of one event loop."""

    def __init__(self) -> None:
        self.queue: list[_Waiting] = []
        self.task: asyncio.Task | None = None

    async def cast(self, request: BallotRequest):
        """``(ballot, changed)`` once committed, or raise the error that refused it."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(request, loop.create_future())
        self.queue.append(waiting)
        if self.task is None or self.task.done():
            # A fresh context: not the socket's (asgiref would see its executor as busy).
            self.task = loop.create_task(self._drain(), context=contextvars.Context())
        outcome = await waiting.future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _drain(self) -> None:
        write = database_sync_to_async(ballots_cast, thread_sensitive=False)
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                outcomes = await write([waiting.request for waiting in batch])
            except Exception as error:  # the transaction failed: none of them is recorded
                logger.exception("batch of %d ballots failed", len(batch))
                outcomes = [error] * len(batch)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if not waiting.future.done():
                    waiting.future.set_result(outcome)


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BallotWriter] = (
    weakref.WeakKeyDictionary()
)


def get_writer() -> BallotWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = BallotWriter()
    return writer
