"""The server's event loop, as seen from the code a request or a socket action runs.

Sync code (a view, a service called through ``sync_to_async``) sometimes has to start
work on the server's event loop and return at once — the live tallies' flusher
(``realtime.coalesce``) runs there as a task. ``server_loop()`` finds that loop.
"""

from __future__ import annotations

import asyncio
import os

from asgiref.sync import SyncToAsync


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when we are on it or in one of its worker threads (asgiref's
    ``sync_to_async``), else None (a management command, WSGI, a plain thread).

    Why asgiref's ``SyncToAsync.threadlocal``, which is not a documented interface: it is
    the only record of which loop a worker thread serves. asgiref's public API offers
    ``async_to_sync``, which runs a coroutine on that loop but blocks the calling thread
    until it finishes (a ballot's acknowledgement would wait for the tally), and in a
    plain thread starts a loop of its own that stops when the call returns (a task spawned
    there dies with it). A registry of our own would name *a* loop of the process, not
    the one this thread works for. ``asgiref.sync.AsyncToSync`` reads these same two
    attributes to do its job; tests/realtime/test_loops.py pins what is read here, so an
    asgiref upgrade that changes it fails there first.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is not None and pid == os.getpid() and loop.is_running() and not loop.is_closed():
        return loop
    return None


def loop_gone() -> bool:
    """True in a worker thread of ``sync_to_async`` whose event loop has stopped (the thread
    outlived it: a test's loop, a server shutting down). There ``async_to_sync`` would hand
    its coroutine to that loop and wait for it forever; run it on a loop of its own instead."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return False
    return loop.is_closed() or not loop.is_running()
