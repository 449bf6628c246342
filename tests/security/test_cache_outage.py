"""With Redis away, the cache behaves as an empty one: logins and rate-limited writes keep working."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.servers import free_port


@pytest.fixture
def dead_redis_cache():
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "project.cache.ResilientRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
    ):
        yield


def test_a_dead_cache_reads_as_empty_and_accepts_writes(dead_redis_cache):
    assert cache.get("missing", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is True
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")


@pytest.mark.django_db
def test_login_works_while_redis_is_down(dead_redis_cache, client, user):
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "motdepasse-test-123"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_a_proposal_lands_while_redis_is_down(dead_redis_cache, client, user, axis):
    from proposals.models import Proposal

    client.force_login(user)
    response = client.post(
        "/propositions/nouvelle/",
        {"axis": axis.pk, "title": "Idée pendant la panne", "body": "Texte", "client_key": "p1"},
    )
    assert response.status_code == 302
    assert Proposal.objects.filter(title="Idée pendant la panne").exists()


@pytest.mark.redis
def test_the_cache_works_normally_with_redis(settings):
    assert settings.CACHES["default"]["BACKEND"] == "project.cache.ResilientRedisCache"
    cache.set("agir-resilient-probe", 41)
    assert cache.incr("agir-resilient-probe") == 42
    cache.delete("agir-resilient-probe")


def test_cache_objects_of_every_thread_and_context_share_one_connection_pool():
    """Django makes a cache object per thread and per async context (each WebSocket reads
    its session through the cache): they must not each open their own Redis connections."""
    from project.cache import ResilientRedisCache

    params = {"OPTIONS": {"socket_connect_timeout": 1}}
    one = ResilientRedisCache("redis://127.0.0.1:6399/3", params)
    other = ResilientRedisCache("redis://127.0.0.1:6399/3", params)
    elsewhere = ResilientRedisCache("redis://127.0.0.1:6399/4", params)
    pool = one._cache._get_connection_pool(write=True)
    assert other._cache._get_connection_pool(write=True) is pool
    assert other._cache._get_connection_pool(write=False) is pool  # one server: same pool
    assert elsewhere._cache._get_connection_pool(write=True) is not pool
