from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.models import College, User
from accounts.services import guest_claim, guest_create, role_grant
from project.errors import DomainError


def test_the_custom_user_model_is_active():
    assert get_user_model() is User


def test_colleges_have_the_expected_codes_and_french_labels():
    assert dict(College.choices) == {
        "citizens": "Citoyen·nes",
        "enterprises": "Entreprises",
        "elected": "Élu·es",
        "civil_society": "Société civile et expert·es",
    }


@pytest.mark.django_db
def test_guest_is_a_real_user_row_without_email_or_password():
    guest = guest_create(display_name="  Léa   M. ", college="enterprises")
    guest.refresh_from_db()
    assert guest.is_guest and guest.email == ""
    assert not guest.has_usable_password()
    assert guest.display_name == "Léa M."
    assert guest.college == "enterprises"
    assert User.objects.guests().count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "\u200b\u202e", "x" * 61])
def test_guest_needs_a_real_display_name(name):
    with pytest.raises(DomainError) as exc:
        guest_create(display_name=name, college="citizens")
    assert exc.value.code == "invalid_display_name"
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_guest_needs_a_known_college():
    with pytest.raises(DomainError) as exc:
        guest_create(display_name="Léa", college="martians")
    assert exc.value.code == "invalid_college"


@pytest.mark.django_db
def test_guest_claims_the_account_by_confirming_an_email(client):
    from allauth.account.models import EmailAddress

    guest = guest_create(display_name="Léa", college="citizens")
    client.force_login(guest)
    response = client.post("/compte/revendiquer/", {"email": "lea@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    address = EmailAddress.objects.get(user=guest)
    assert not address.verified
    # Follow the confirmation link of the e-mail.
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/confirm-email/" in line
    )
    path = link[link.index("/accounts/confirm-email/") :].strip()
    client.post(path)
    guest.refresh_from_db()
    assert not guest.is_guest
    assert guest.email == "lea@example.org"


@pytest.mark.django_db
def test_claim_with_an_address_already_verified_elsewhere_changes_nothing(user):
    # Not an error (that would tell the address has an account: tests/accounts/test_claim.py).
    guest = guest_create(display_name="Léa", college="citizens")
    assert guest_claim(user=guest, email=user.email) == guest
    guest.refresh_from_db()
    assert guest.is_guest and guest.email == ""


@pytest.mark.django_db
def test_roles_are_groups(user):
    assert not user.is_facilitator
    role_grant(user=user, role="facilitators")
    user = User.objects.get(pk=user.pk)
    assert user.is_facilitator and not user.is_codev_editor


@pytest.mark.django_db
def test_public_name_never_shows_the_email(user):
    user.display_name = ""
    user.first_name = ""
    assert "@" not in user.public_name
