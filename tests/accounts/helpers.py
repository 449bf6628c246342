"""Helpers for tests that need staff with a second factor."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from tests.factories import UserFactory

SECRETS: dict[int, str] = {}


def give_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    SECRETS[user.pk] = secret
    return secret


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def staff_with_totp(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    give_totp(user)
    return user
