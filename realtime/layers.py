"""The channel layers: in-memory without its per-call scan; channels_redis' core without its leak.

``InMemoryChannelLayer`` (one process, no Redis):

Channels' ``InMemoryChannelLayer`` scans every channel and every group for
expired messages on each ``receive`` and ``group_send``. Every socket has a
channel (for its user group) and starts a ``receive`` when it connects, so a
room filling up with N phones costs O(N²): py-spy put that scan at 8.5 % of
the server's samples while 2,000 clients connected. Here the scan runs at most
once a second; a message or a group membership expires at most a second late.

``RedisChannelLayer`` (channels_redis 4.3's core layer): a ``receive`` cancelled
while it holds the layer's receive lock (inside ``receive_single``, the one
BZPOPMIN for every local channel) leaves the entry its ``while
receive_buffer[channel].empty()`` created, an empty queue per closed socket that
is never freed: 40 queues after 40 connect/broadcast/close cycles in
tests/realtime/test_hub_churn.py, none with this class.
Channels cancels a consumer's receive only when that consumer stops, and no
other coroutine receives on its channel, so the entry is dropped on the way out.
"""

from __future__ import annotations

import asyncio
import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer
from channels_redis.core import RedisChannelLayer as ChannelsRedisChannelLayer

CLEAN_INTERVAL = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _cleaned_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_INTERVAL:
            return
        self._cleaned_at = now
        super()._clean_expired()


class RedisChannelLayer(ChannelsRedisChannelLayer):
    async def receive(self, channel: str) -> dict:
        try:
            return await super().receive(channel)
        except asyncio.CancelledError:
            # pop, not del: the layer's own handler may already have removed it.
            self.receive_buffer.pop(channel, None)
            raise
