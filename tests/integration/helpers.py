"""Real clients for real servers: session cookies and a websockets client that reads frames."""

from __future__ import annotations

import asyncio
import json

from django.conf import settings
from websockets.asyncio.client import connect

from tests.realtime.helpers import session_cookie_for


class Client:
    """One real WebSocket client of a room, as a browser would be (cookie + origin)."""

    def __init__(self, server, slug: str, cookie: str | None) -> None:
        self.server, self.slug, self.cookie = server, slug, cookie
        self.ws = None
        self.events: list[dict] = []
        self.acks: dict[str, dict] = {}
        self.last_seq = 0
        self.ready = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._ref = 0

    async def open(self, since: int | None = None, origin: str | None = None) -> None:
        url = f"{self.server.ws_url}/ws/workshops/{self.slug}/"
        if since is not None:
            url += f"?since={since}"
            # What comes next follows ``since`` (a reconnect with no event in between
            # must resume from there, not from 0).
            self.last_seq = max(self.last_seq, since)
        headers = {}
        if self.cookie:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={self.cookie}"
        self.ready = asyncio.Event()
        self.ws = await connect(
            url, additional_headers=headers, origin=origin or self.server.url, open_timeout=30
        )
        self._reader = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.ready.wait(), 30)

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["type"] == "ready":
                self.ready.set()
            elif frame["type"] in ("ack", "error"):
                self.acks[frame["ref"]] = frame
            elif "seq" in frame:
                assert frame["seq"] > self.last_seq, (frame["seq"], self.last_seq)
                self.last_seq = frame["seq"]
                self.events.append(frame)

    async def send(self, action: str, data: dict | None = None, **extra) -> str:
        self._ref += 1
        ref = f"c-{self._ref}"
        await self.ws.send(json.dumps({"action": action, "ref": ref, "data": data or {}, **extra}))
        return ref

    async def reply(self, ref: str, timeout: float = 30) -> dict:
        async def wait() -> dict:
            while ref not in self.acks:
                await asyncio.sleep(0.01)
            return self.acks[ref]

        return await asyncio.wait_for(wait(), timeout)

    async def wait_for_seq(self, seq: int, timeout: float = 30) -> None:
        async def wait() -> None:
            while self.last_seq < seq:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def cookie(user) -> str:
    return session_cookie_for(user)
