"""A small key-value store shared by every server process of a deployment.

With ``REDIS_URL``: Redis itself, under the deployment-wide prefix of the live rooms
(``realtime.conf.key_prefix``) — not Django's cache, whose key prefix may differ between
processes (the test settings make it per process) while these keys must be the same for
all. Without it: Django's cache, enough for one process (the embedded set-up).

Both stores answer ``get``, ``set``, ``add`` (set if absent: an atomic claim), ``delete``
and ``incr``, with lifetimes in seconds. ``shared_store()`` is the process's store;
``shared_key(namespace, …)`` builds its keys. They raise ``STORE_ERRORS`` when the store
cannot be reached.
"""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache

from project.redis import client
from realtime.conf import key_prefix

# What the shared store raises when it cannot be reached (redis-py's errors, sockets' OSError).
STORE_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)


class CacheStore:
    """Django's cache: enough for one process (the embedded set-up, local-memory cache)."""

    def get(self, key: str):
        return django_cache.get(key)

    def set(self, key: str, value, ttl: float) -> None:
        django_cache.set(key, value, timeout=ttl)

    def add(self, key: str, value, ttl: float) -> bool:
        return bool(django_cache.add(key, value, timeout=ttl))

    def delete(self, key: str) -> None:
        django_cache.delete(key)

    def incr(self, key: str, ttl: float) -> int:
        django_cache.add(key, 0, timeout=ttl)
        try:
            return int(django_cache.incr(key))
        except ValueError:  # evicted between add and incr
            django_cache.set(key, 1, timeout=ttl)
            return 1


class RedisStore:
    """Redis itself (values come back as ``str``)."""

    def __init__(self) -> None:
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


@cache
def shared_store() -> CacheStore | RedisStore:
    """The store of this process (one Redis client, made on first use)."""
    return RedisStore() if settings.REDIS_URL else CacheStore()


def shared_key(namespace: str, *parts: object) -> str:
    """``<prefix>:<namespace>:<database>:<parts…>``: the database name keeps a test run's
    keys apart from a development server's on the same Redis."""
    database = settings.DATABASES["default"].get("NAME", "")
    return ":".join([key_prefix(), namespace, str(database), *(str(part) for part in parts)])
