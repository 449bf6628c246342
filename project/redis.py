"""Every Redis connection of the platform comes from here: one server, or Redis Sentinel.

``REDIS_URL`` switches Redis on (channel layer, cache, presence, live tallies, rate limits
through the cache). With ``REDIS_SENTINELS`` (``host:port,host:port,…``) and
``REDIS_SENTINEL_MASTER`` (the name the sentinels monitor), the host and port of
``REDIS_URL`` are not used: each new connection asks the sentinels where the primary is
now, so a failover (the primary dies, a replica is promoted) needs no restart — the
connections to the old primary fail, the next ones reach the new one. ``REDIS_URL`` still
gives the database number and the credentials (``redis://:password@agir/0``).

docs/high-availability.md describes the set-up; tests/ha/test_sentinel_failover.py kills
the primary during a live vote.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# A sentinel that does not answer must not hold a connection attempt for long: the next
# sentinel of the list is asked.
SENTINEL_KWARGS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def parse_sentinels(value: str | list | None) -> list[tuple[str, int]]:
    """``"h1:26379,h2:26379"`` (or a list of such strings) -> ``[("h1", 26379), ...]``."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    result = []
    for item in items:
        if isinstance(item, tuple | list):
            result.append((str(item[0]), int(item[1])))
            continue
        item = item.strip()
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {item!r} is not host:port")
        result.append((host.strip("[]"), int(port)))
    return result


def url_kwargs(url: str) -> dict[str, Any]:
    """What a Sentinel-managed connection keeps of ``REDIS_URL``: database and credentials."""
    from redis.connection import parse_url  # only with REDIS_URL set

    parsed = parse_url(url) if url else {}
    return {k: parsed[k] for k in ("db", "username", "password") if parsed.get(k) is not None}


def layer_hosts(url: str, sentinels: list[tuple[str, int]], master: str) -> list:
    """The ``hosts`` of a channels_redis layer (both layers read Sentinel entries)."""
    if not sentinels:
        return [url]
    return [
        {
            "sentinels": sentinels,
            "master_name": master,
            "sentinel_kwargs": dict(SENTINEL_KWARGS),
            **url_kwargs(url),
        }
    ]


def _config() -> tuple[str, list[tuple[str, int]], str]:
    return (
        settings.REDIS_URL,
        parse_sentinels(getattr(settings, "REDIS_SENTINELS", None)),
        getattr(settings, "REDIS_SENTINEL_MASTER", ""),
    )


def client(**options) -> Any:
    """A synchronous client (``redis.Redis``) to the primary; ``options``: socket timeouts."""
    # The redis library is loaded only with REDIS_URL set (settings.py imports this module).
    import redis
    from redis.sentinel import Sentinel

    url, sentinels, master = _config()
    if not sentinels:
        return redis.Redis.from_url(url, **options)
    manager = Sentinel(sentinels, sentinel_kwargs=dict(SENTINEL_KWARGS), **url_kwargs(url))
    return manager.master_for(master, **options)


def async_client(**options) -> Any:
    """An asyncio client (``redis.asyncio.Redis``) to the primary, for the event loop's use."""
    # The redis library is loaded only with REDIS_URL set (settings.py imports this module).
    import redis.asyncio as aioredis
    from redis.asyncio.sentinel import Sentinel

    url, sentinels, master = _config()
    if not sentinels:
        return aioredis.Redis.from_url(url, **options)
    manager = Sentinel(sentinels, sentinel_kwargs=dict(SENTINEL_KWARGS), **url_kwargs(url))
    return manager.master_for(master, **options)


def cache_pool(
    url: str, sentinels: list[tuple[str, int]], master: str, pool_class, **options
) -> Any:
    """The connection pool of Django's Redis cache (project.cache)."""
    if not sentinels:
        return pool_class.from_url(url, **options)
    from redis.sentinel import Sentinel, SentinelConnectionPool  # only with REDIS_URL set

    manager = Sentinel(sentinels, sentinel_kwargs=dict(SENTINEL_KWARGS))
    return SentinelConnectionPool(master, manager, **url_kwargs(url), **options)
