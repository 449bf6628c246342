"""The cast of the security tests: one person per role, on the PMA 2030 demo data."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from tests.accounts.helpers import staff_with_totp

ROLES = ["anonymous", "guest", "participant", "facilitator", "editor", "moderator", "staff"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def people(demo) -> dict:
    """One user per role (``anonymous`` is None); demo users hold the roles."""
    from accounts.models import User
    from accounts.services import guest_create

    return {
        "anonymous": None,
        "guest": guest_create(display_name="Invitée Sécurité", college="citizens"),
        "participant": User.objects.get(username="lucie.citoyenne"),
        "facilitator": User.objects.get(username="karim.anim"),
        "editor": User.objects.get(username="claire.codev"),
        "moderator": User.objects.get(username="sophie.modo"),
        "staff": staff_with_totp(),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
