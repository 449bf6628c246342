"""project.ratelimit: the one helper for the limits outside allauth (RATE_LIMITS)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from project import ratelimit


def test_rates_are_parsed_like_allauths():
    assert ratelimit.parse_rate("20/10m") == (20, 600)
    assert ratelimit.parse_rate("3/h") == (3, 3600)
    assert ratelimit.parse_rate("1/2d") == (1, 172800)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("ten/m")


def test_every_configured_limit_parses(settings):
    for name in settings.RATE_LIMITS:
        assert ratelimit.rates_of(name), name


def test_each_rate_of_a_limit_holds_and_values_are_counted_apart(settings):
    settings.RATE_LIMITS = {"demo": "2/m,3/h"}
    ratelimit.consume("demo", "a")
    ratelimit.consume("demo", "a")
    assert ratelimit.exceeded("demo", "a") and not ratelimit.exceeded("demo", "b")
    with pytest.raises(ratelimit.RateLimitedError) as exc:
        ratelimit.consume("demo", "a")
    assert exc.value.status == 429 and exc.value.code == "rate_limited"
    assert "réessayez" in exc.value.message
    ratelimit.consume("demo", "b")


def test_no_value_or_no_rate_is_not_limited(settings):
    settings.RATE_LIMITS = {"demo": "1/m"}
    for _ in range(3):
        ratelimit.consume("demo", None)
        ratelimit.consume("other", "a")


def test_the_client_address_is_allauths_and_ipv6_counts_per_64():
    factory = RequestFactory()
    assert ratelimit.client_address(factory.get("/", REMOTE_ADDR="192.0.2.5")) == "192.0.2.5"
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert ratelimit.client_address(one) == ratelimit.client_address(two) == "2001:db8:1:2::"
    assert ratelimit.client_address(None) is None
