"""Settings come from the environment only; checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3y-" + "9f8e7d6c5b4a" * 6

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": settings.DATABASES["default"]["NAME"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "secure_cookies": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
    "hosts": settings.ALLOWED_HOSTS,
    "csrf_origins": settings.CSRF_TRUSTED_ORIGINS,
    "language": settings.LANGUAGE_CODE,
    "tz": settings.TIME_ZONE,
}))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "CHANNEL_LAYER",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "CSRF_TRUSTED_ORIGINS",
        }
    }
    env["DJANGO_SETTINGS_MODULE"] = "project.settings"
    env.update(extra)
    return env


def _probe(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_embedded_sqlite_and_in_memory_layer():
    s = _probe(SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org")
    assert s["debug"] is False
    assert s["db"] == "django.db.backends.sqlite3"
    assert s["layer"] == "realtime.layers.InMemoryChannelLayer"
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["language"] == "fr" and s["tz"] == "Europe/Paris"


def test_production_defaults_are_secure_when_debug_is_off():
    s = _probe(SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org")
    assert s["ssl_redirect"] is True
    assert s["hsts"] >= 31536000
    assert s["secure_cookies"] is True


def test_proxy_setup_can_turn_ssl_redirect_off():
    s = _probe(SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org", SECURE_SSL_REDIRECT="0")
    assert s["ssl_redirect"] is False


def test_database_url_selects_postgresql_with_psycopg3():
    s = _probe(SECRET_KEY=SECRET, DATABASE_URL="postgres://agir:pw@db.example:5432/agir")
    assert s["db"] == "django.db.backends.postgresql"
    assert s["db_name"] == "agir"


def test_redis_url_selects_redis_layer_and_cache():
    s = _probe(SECRET_KEY=SECRET, REDIS_URL="redis://cache.example:6379/0")
    assert s["layer"] == "realtime.layers.RedisChannelLayer"  # channels_redis core, leak fixed
    assert s["cache"].endswith("RedisCache")


def test_channel_layer_selects_the_pubsub_layer_or_refuses_an_unknown_one():
    s = _probe(SECRET_KEY=SECRET, REDIS_URL="redis://cache.example:6379/0", CHANNEL_LAYER="pubsub")
    assert s["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    with pytest.raises(AssertionError, match="CHANNEL_LAYER must be"):
        _probe(SECRET_KEY=SECRET, REDIS_URL="redis://cache.example:6379/0", CHANNEL_LAYER="kafka")


def test_lists_are_comma_separated():
    s = _probe(SECRET_KEY=SECRET, ALLOWED_HOSTS="a.fr, b.fr", CSRF_TRUSTED_ORIGINS="https://a.fr")
    assert s["hosts"] == ["a.fr", "b.fr"]
    assert s["csrf_origins"] == ["https://a.fr"]


def test_debug_without_secret_key_uses_a_development_key():
    s = _probe(DEBUG="1")
    assert s["debug"] is True
    assert "localhost" in s["hosts"]


def test_missing_secret_key_in_production_is_an_error():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_clean_env(DEBUG="0"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_malformed_boolean_is_reported(value):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_clean_env(DEBUG=value, SECRET_KEY=SECRET),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_is_clean_with_only_the_three_variables():
    env = _clean_env(SECRET_KEY=SECRET, ALLOWED_HOSTS="agir-ensemble.example", DEBUG="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
