"""Who is in a room right now, counted by college, across server processes.

Each connection of a participant is an entry with an expiry; its server
process refreshes it every ``REALTIME_PRESENCE_HEARTBEAT`` seconds while the
socket is open. A closed laptop, a killed process or a lost network stops
refreshing, and the entry disappears by itself after ``REALTIME_PRESENCE_TTL``.
With ``REDIS_URL`` the entries live in Redis (a sorted set by expiry and a
hash of who each entry is), shared by every process; without it, in memory
(one process, the in-memory channel layer).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings

from project.redis import async_client
from realtime import conf


@dataclass(frozen=True)
class Member:
    user_id: int
    college: str
    attendance: str
    facilitator: bool = False

    def dumps(self) -> str:
        return f"{self.user_id}|{self.college}|{self.attendance}|{int(self.facilitator)}"

    @classmethod
    def loads(cls, raw: str | bytes) -> Member | None:
        if isinstance(raw, bytes):
            raw = raw.decode()
        try:
            user_id, college, attendance, facilitator = raw.split("|")
            return cls(int(user_id), college, attendance, facilitator == "1")
        except ValueError:
            return None


def count(members: list[Member]) -> dict:
    """Distinct people (one person with two tabs counts once), by college and by attendance."""
    people: dict[int, Member] = {}
    for member in members:
        people.setdefault(member.user_id, member)
    participants = [m for m in people.values() if not m.facilitator]
    return {
        "total": len(participants),
        "facilitators": len(people) - len(participants),
        "colleges": dict(sorted(Counter(m.college for m in participants).items())),
        "attendance": dict(sorted(Counter(m.attendance for m in participants).items())),
    }


class LocalPresence:
    """In-process presence: enough for the single-process, in-memory set-up."""

    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, tuple[float, Member]]] = {}

    async def touch(self, room_id: int, members: dict[str, Member]) -> None:
        expires = time.monotonic() + conf.get("REALTIME_PRESENCE_TTL")
        room = self._rooms.setdefault(room_id, {})
        for key, member in members.items():
            room[key] = (expires, member)

    async def remove(self, room_id: int, key: str) -> None:
        self._rooms.get(room_id, {}).pop(key, None)

    async def members(self, room_id: int) -> list[Member]:
        now = time.monotonic()
        room = self._rooms.get(room_id, {})
        for key in [k for k, (expires, _m) in room.items() if expires <= now]:
            del room[key]
        return [member for _expires, member in room.values()]

    async def close(self) -> None:
        pass


class RedisPresence:
    """Presence in Redis: ``<prefix>:presence:<room>`` (sorted set by expiry) and ``…:who`` (hash)."""

    def __init__(self, prefix: str) -> None:
        self._redis = async_client()
        self._prefix = prefix

    def _keys(self, room_id: int) -> tuple[str, str]:
        base = f"{self._prefix}:presence:{room_id}"
        return base, f"{base}:who"

    async def touch(self, room_id: int, members: dict[str, Member]) -> None:
        if not members:
            return
        ttl = conf.get("REALTIME_PRESENCE_TTL")
        expires = time.time() + ttl
        zkey, hkey = self._keys(room_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zadd(zkey, dict.fromkeys(members, expires))
        pipe.hset(hkey, mapping={key: m.dumps() for key, m in members.items()})
        # The keys themselves go away once a room has been empty for a while.
        pipe.expire(zkey, ttl * 10)
        pipe.expire(hkey, ttl * 10)
        await pipe.execute()

    async def remove(self, room_id: int, key: str) -> None:
        zkey, hkey = self._keys(room_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zrem(zkey, key)
        pipe.hdel(hkey, key)
        await pipe.execute()

    async def members(self, room_id: int) -> list[Member]:
        zkey, hkey = self._keys(room_id)
        expired = await self._redis.zrangebyscore(zkey, "-inf", time.time())
        if expired:
            pipe = self._redis.pipeline(transaction=False)
            pipe.zrem(zkey, *expired)
            pipe.hdel(hkey, *expired)
            await pipe.execute()
        values = await self._redis.hvals(hkey)
        return [m for m in (Member.loads(v) for v in values) if m is not None]

    async def close(self) -> None:
        await self._redis.aclose()


def make_store() -> LocalPresence | RedisPresence:
    if settings.REDIS_URL:
        return RedisPresence(conf.key_prefix())
    return LocalPresence()
