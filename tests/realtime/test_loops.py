"""``realtime.loops.server_loop``: which event loop sync code works for.

It reads asgiref's record of a worker thread's loop (no public API gives it): these
tests pin what it finds, so an asgiref upgrade that changes that record fails here.
"""

from __future__ import annotations

import asyncio
import threading

from asgiref.sync import sync_to_async

from realtime.loops import server_loop


async def test_on_the_loop_it_is_the_running_loop():
    assert server_loop() is asyncio.get_running_loop()


async def test_in_a_worker_thread_of_the_loop_it_is_that_loop():
    loop = asyncio.get_running_loop()
    shared = await sync_to_async(server_loop, thread_sensitive=True)()
    own = await sync_to_async(server_loop, thread_sensitive=False)()
    assert shared is loop and own is loop


async def test_in_a_plain_thread_there_is_none():
    found: list = []
    thread = threading.Thread(target=lambda: found.append(server_loop()))
    thread.start()
    await asyncio.to_thread(thread.join)
    assert found == [None]


def test_outside_any_loop_there_is_none():
    assert server_loop() is None


def test_a_thread_that_outlived_its_loop_publishes_on_a_loop_of_its_own():
    """A flusher thread whose server loop has stopped (a test's loop, a server shutting down)
    would wait forever in async_to_sync: loop_gone sees it and _publish uses its own loop."""
    import os
    import threading

    from asgiref.sync import SyncToAsync

    from realtime import broadcast, loops

    dead = asyncio.new_event_loop()
    dead.close()
    seen: dict = {}

    def worker() -> None:
        SyncToAsync.threadlocal.main_event_loop = dead
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        seen["gone"] = loops.loop_gone()
        broadcast._publish(1, 1, "room", "{}")
        seen["published"] = True

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(5)
    assert seen == {"gone": True, "published": True}

    plain: dict = {}
    fresh = threading.Thread(target=lambda: plain.update(gone=loops.loop_gone()), daemon=True)
    fresh.start()
    fresh.join(5)
    assert plain == {"gone": False}  # a thread that never served a loop
