"""Rate limits outside allauth, counted in the shared cache (Redis in production).

allauth limits its own forms (``ACCOUNT_RATE_LIMITS``); every other limit of the
platform goes through this module, with its rates in one setting,
``RATE_LIMITS`` (``"<amount>/<period>"``, period ``s``, ``m``, ``h`` or ``d``, an
optional number before the unit: ``"20/10m"``; several rates separated by commas). A counter is a fixed window in the
cache (``add`` then ``incr``: atomic in Redis, shared by every process); the keyed
value (an address, an e-mail) is hashed, never stored as is.

Like allauth's, these limits fail open while the cache is away (see project.cache).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from project.errors import DomainError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimitedError(DomainError):
    """Too many attempts: HTTP 429, a ``rate_limited`` error frame or form error."""

    status = 429

    def __init__(self, message: str | None = None, **extra) -> None:
        super().__init__(
            "rate_limited",
            message or _("Trop de tentatives en peu de temps : réessayez dans quelques minutes."),
            **extra,
        )


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/10m"`` -> (20, 600)."""
    amount, _sep, period = rate.partition("/")
    unit = period[-1:]
    if unit not in UNITS or not amount.isdigit():
        raise ValueError(f"invalid rate {rate!r}")
    count = period[:-1]
    return int(amount), (int(count) if count else 1) * UNITS[unit]


def rates_of(name: str) -> list[tuple[int, int]]:
    """The rates of a limit: ``"10/m,60/h"`` is ten a minute and sixty an hour."""
    rates = getattr(settings, "RATE_LIMITS", {}).get(name) or ""
    return [parse_rate(rate.strip()) for rate in rates.split(",") if rate.strip()]


def _key(name: str, value: str, seconds: int) -> str:
    window = int(time.time() // seconds)
    digest = hashlib.sha256(str(value).encode()).hexdigest()[:32]
    return f"rl:{name}:{seconds}:{window}:{digest}"


def exceeded(name: str, value: str | None) -> bool:
    """Whether ``value`` already used up one of its ``name`` allowances (counts nothing)."""
    if not value:
        return False
    return any(
        int(cache.get(_key(name, value, seconds)) or 0) >= amount
        for amount, seconds in rates_of(name)
    )


def _hit_one(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is away
        cache.set(key, 1, timeout=seconds + 1)
        return 1


def hit(name: str, value: str | None) -> bool:
    """Count one attempt of ``value`` for ``name``; False if it went past an allowance."""
    if not value:
        return True
    within = True
    for amount, seconds in rates_of(name):
        if _hit_one(_key(name, value, seconds), seconds) > amount:
            within = False
    return within


def consume(name: str, value: str | None, *, message: str | None = None) -> None:
    """Count one attempt; raise ``RateLimitedError`` past an allowance."""
    if not hit(name, value):
        raise RateLimitedError(message)


def client_address(request) -> str | None:
    """The client's address as allauth sees it (``ALLAUTH_TRUSTED_PROXY_COUNT``); an IPv6
    address counts for its /64, as allauth's limits do (one household, one allowance)."""
    if request is None:
        return None

    try:
        ip = get_adapter(request).get_client_ip(request)
    except Exception:  # a misconfigured proxy header: the socket's address
        ip = request.META.get("REMOTE_ADDR")
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)
