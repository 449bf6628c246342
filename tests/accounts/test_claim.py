"""The claim form does not tell who has an account (docs/security.md, hole 5).

Same status, same page, same message for an address with an account and an unknown one;
the e-mail says what to do; limited per client address and per address typed."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.services import guest_create

CLAIM = "/compte/revendiquer/"


@pytest.fixture
def guest_client(client, db):
    guest = guest_create(display_name="Léa", college="citizens")
    client.force_login(guest)
    client.guest = guest
    return client


def _claim(client, email: str):
    """The whole answer, the redirect followed, with the address typed blanked out."""
    response = client.post(CLAIM, {"email": email}, follow=True)
    page = response.content.decode()
    page = re.sub(r"[A-Za-z0-9]{64}", "", page)  # the CSRF tokens (masked afresh each time)
    return (
        response.redirect_chain,
        response.status_code,
        re.sub(re.escape(email), "X", page, flags=re.IGNORECASE),
    )


def test_an_address_with_an_account_and_an_unknown_one_get_the_same_answer(guest_client, user):
    from allauth.account.models import EmailAddress

    known = _claim(guest_client, user.email.upper())
    guest_client.guest.refresh_from_db()
    assert guest_client.guest.is_guest and guest_client.guest.email == ""
    assert not EmailAddress.objects.filter(user=guest_client.guest).exists()
    assert len(mail.outbox) == 1
    told = mail.outbox[0]
    assert told.to == [user.email]
    assert "/accounts/login/" in told.body and "/accounts/password/reset/" in told.body
    assert "confirm-email" not in told.body

    unknown = _claim(guest_client, "personne@example.org")
    assert known == unknown
    assert known[0] == [("/compte/", 302)] and "Un e-mail a été envoyé à X" in known[2]
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["personne@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[1].body


def test_claims_are_limited_per_address_typed(guest_client):
    for _ in range(3):
        assert guest_client.post(CLAIM, {"email": "cible@example.org"}).status_code == 302
    response = guest_client.post(CLAIM, {"email": "cible@example.org"})
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert len(mail.outbox) == 3


def test_claims_are_limited_per_client_address(guest_client):
    from tests.factories import UserFactory

    for n in range(10):
        email = UserFactory().email if n % 2 else f"adresse{n}@example.org"
        assert guest_client.post(CLAIM, {"email": email}).status_code == 302
    response = guest_client.post(CLAIM, {"email": "encore@example.org"})
    assert response.status_code == 429
    assert len(mail.outbox) == 10
