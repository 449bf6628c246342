"""The in-memory channel layer scans for expired messages at most once a second."""

from __future__ import annotations

import asyncio

from realtime import layers


def test_expired_messages_are_cleaned_once_the_interval_has_passed(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: now[0])
    layer = layers.InMemoryChannelLayer(expiry=60)

    async def scenario():
        await layer.group_add("room", "specific.a")
        await layer.send("specific.a", {"type": "x"})
        # The message is past its expiry (Channels compares with time.time()).
        expires, message = layer.channels["specific.a"]._queue[0]
        layer.channels["specific.a"]._queue[0] = (expires - 3600, message)

        layer._clean_expired()  # the first scan runs
        assert "specific.a" not in layer.channels
        assert "specific.a" not in layer.groups.get("room", {})

        await layer.group_add("room", "specific.b")
        await layer.send("specific.b", {"type": "x"})
        expires, message = layer.channels["specific.b"]._queue[0]
        layer.channels["specific.b"]._queue[0] = (expires - 3600, message)
        now[0] += 0.5
        layer._clean_expired()  # within the interval: skipped
        assert "specific.b" in layer.channels
        now[0] += 0.6
        layer._clean_expired()  # past it: scanned
        assert "specific.b" not in layer.channels

    asyncio.run(scenario())
