"""Security settings read from the environment, checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3y-" + "0a1b2c3d4e5f" * 6
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "verification": settings.ACCOUNT_EMAIL_VERIFICATION,
    "enumeration": settings.ACCOUNT_PREVENT_ENUMERATION,
    "by_code": settings.ACCOUNT_LOGIN_BY_CODE_ENABLED,
    "rate_limits": settings.ACCOUNT_RATE_LIMITS,
    "mfa": settings.MFA_SUPPORTED_TYPES,
    "csp": str(settings.CONTENT_SECURITY_POLICY),
    "middleware": settings.MIDDLEWARE,
    "cache": settings.CACHES["default"]["BACKEND"],
}))
"""


def _probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "DATABASE_URL"}}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "a.fr",
        }
    )
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_trusted_proxy_count_comes_from_the_environment():
    assert _probe()["proxies"] == 0
    assert _probe(ALLAUTH_TRUSTED_PROXY_COUNT="2")["proxies"] == 2


def test_allauth_is_configured_for_a_public_platform():
    s = _probe()
    assert s["verification"] == "mandatory"
    assert s["enumeration"] is True
    assert s["by_code"] is True
    assert "totp" in s["mfa"]
    for action in ("login_failed", "signup", "reset_password", "request_login_code"):
        assert s["rate_limits"].get(action), action
    assert "unsafe-inline" not in s["csp"] and "unsafe-eval" not in s["csp"]
    assert "accounts.middleware.StaffMFARequiredMiddleware" in s["middleware"]
    # The staff TOTP check runs after authentication.
    assert s["middleware"].index("accounts.middleware.StaffMFARequiredMiddleware") > s[
        "middleware"
    ].index("django.contrib.auth.middleware.AuthenticationMiddleware")


def test_rate_limits_use_redis_when_it_is_configured():
    assert _probe(REDIS_URL="redis://cache.example:6379/0")["cache"].endswith("RedisCache")


@pytest.mark.django_db
def test_the_client_ip_of_the_audit_log_honours_the_proxy_count(rf, settings, user):
    from accounts.services import audit_record

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert audit_record(actor=user, action="x.y", request=request).ip_address == "203.0.113.5"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    # Without a trusted proxy a forged header is ignored.
    assert audit_record(actor=user, action="x.y", request=request).ip_address == "10.0.0.2"


@pytest.mark.redis
@pytest.mark.django_db
def test_login_rate_limits_are_counted_in_redis(client, user):
    import redis
    from django.conf import settings

    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "faux"})
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "motdepasse-test-123"}
    )
    assert "Trop de tentatives" in response.content.decode()
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"{prefix}:*allauth:rl:*login_failed*")
    assert keys, "the rate-limit counters are not in Redis"
