"""Personal API tokens: stored as digests, shown once, revocable; the page and the command."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import ApiToken, AuditEvent, User
from accounts.tokens import token_authenticate, token_create, token_revoke
from project.errors import DomainError

pytestmark = pytest.mark.django_db


def test_only_the_digest_is_stored(user):
    token, raw = token_create(user=user, name="Script")
    assert raw.startswith("agir_") and len(raw) > 40
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.digest, token.prefix, token.name}
    assert token.prefix == raw[:12]
    assert token_authenticate(raw) == user
    assert token_authenticate(raw + "x") is None
    assert AuditEvent.objects.filter(action="api_token.created").exists()


def test_revoked_token_and_inactive_user_do_not_authenticate(user):
    token, raw = token_create(user=user, name="Script")
    token_revoke(token=token, actor=user)
    assert token_authenticate(raw) is None
    _token2, raw2 = token_create(user=user, name="Autre")
    user.is_active = False
    user.save()
    assert token_authenticate(raw2) is None


def test_cannot_revoke_someone_elses_token(user, other_user):
    token, _raw = token_create(user=user, name="Script")
    with pytest.raises(DomainError):
        token_revoke(token=token, actor=other_user)


def test_name_is_required(user):
    with pytest.raises(DomainError) as exc:
        token_create(user=user, name="   ")
    assert exc.value.field == "name"


def test_page_shows_the_token_once_then_only_its_prefix(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:tokens"), {"name": "Tableur"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=user)
    raw_start = token.prefix
    assert response["Cache-Control"] == "no-store"
    assert "il ne sera plus jamais affiché" in html
    shown = html.split('id="new-token" class="token-once" value="')[1].split('"')[0]
    assert token_authenticate(shown) == user
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert shown not in again and f"{raw_start}…" in again and "Tableur" in again


def test_page_error_keeps_the_name_and_revoke_works(client, user, other_user):
    client.force_login(user)
    response = client.post(reverse("accounts:tokens"), {"name": ""})
    assert response.status_code == 400 and "Donnez un nom à ce jeton." in response.content.decode()
    token, _raw = token_create(user=user, name="À révoquer")
    client.post(reverse("accounts:tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    others, _ = token_create(user=other_user, name="Pas à moi")
    assert client.post(reverse("accounts:tokens"), {"revoke": others.pk}).status_code == 404
    others.refresh_from_db()
    assert others.revoked_at is None


def test_page_needs_sign_in(client):
    assert client.get(reverse("accounts:tokens")).status_code == 302


def test_account_page_links_to_tokens(client, user):
    client.force_login(user)
    assert reverse("accounts:tokens") in client.get(reverse("accounts:account")).content.decode()


def test_command_prints_only_the_token(user):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", user.username, stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert "\n" not in raw and token_authenticate(raw) == user


def test_command_creates_a_participant_with_a_college():
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "robot-bench",
        "--create-user",
        "--college",
        "enterprises",
        stdout=out,
        stderr=err,
    )
    user = User.objects.get(username="robot-bench")
    assert user.college == "enterprises" and not user.has_usable_password()
    assert token_authenticate(out.getvalue().strip()) == user


def test_command_refuses_unknown_user_without_create():
    with pytest.raises(CommandError):
        call_command("create_api_token", "personne", stdout=StringIO(), stderr=StringIO())
