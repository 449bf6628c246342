"""The Redis cache, tolerant of Redis being away.

The cache holds rate-limit counters (allauth, ideas per minute) and other
short-lived keys. When Redis stops, Django's ``RedisCache`` raises on every
call, so a login or an idea would answer 500 although the database is fine.
This backend logs the error and behaves like an empty cache instead: reads
miss, writes are dropped, ``add`` succeeds, ``incr`` says the key is missing.
Rate limits therefore fail open for the length of the outage — a deliberate
choice: during an incident, people keep participating; the limits come back
with Redis, without a restart.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from project.redis import cache_pool

logger = logging.getLogger(__name__)

# One warning every this many seconds at most: an outage must not flood the logs.
WARN_EVERY = 10.0


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis  # only with REDIS_URL set: the local-memory cache needs no client library

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


# Connection pools shared by every cache object of the process. Django makes a cache object
# per thread and per async context: each WebSocket (sessions are read through the cache)
# would otherwise open its own pool, and a Redis connection until garbage collection —
# the 30-minute soak saw the server's Redis clients climb to ~840.
_pools: dict[tuple, object] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    """Pools shared by the process; through Redis Sentinel when ``sentinels`` are given
    (OPTIONS ``sentinels`` and ``sentinel_master``, see project.redis)."""

    def __init__(self, servers, *, sentinels=(), sentinel_master="", **options):
        super().__init__(servers, **options)
        self._sentinels = [tuple(s) for s in sentinels or ()]
        self._sentinel_master = sentinel_master

    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)
        key = (
            self._servers[index],
            tuple(self._sentinels),
            self._sentinel_master,
            tuple(sorted(map(repr, self._pool_options.items()))),
        )
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = cache_pool(
                        self._servers[index],
                        self._sentinels,
                        self._sentinel_master,
                        self._pool_class,
                        **self._pool_options,
                    )
        return pool


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient

    def _failed(self, operation: str) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= WARN_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning(
                "cache unavailable (%s): behaving as an empty cache", operation, exc_info=True
            )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _redis_errors():
            self._failed("add")
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _redis_errors():
            self._failed("get")
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except _redis_errors():
            self._failed("set")

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _redis_errors():
            self._failed("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _redis_errors():
            self._failed("delete")
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _redis_errors():
            self._failed("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _redis_errors():
            self._failed("has_key")
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _redis_errors() as exc:
            self._failed("incr")
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _redis_errors():
            self._failed("set_many")
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except _redis_errors():
            self._failed("delete_many")

    def clear(self):
        try:
            return super().clear()
        except _redis_errors():
            self._failed("clear")
            return False
