"""Joining with a code, held against abuse (docs/security.md, hole 3): limits on
guests per address and per workshop, on codes per address, the same answer for an unknown
and a private code, a room closed to new joins, a removal that holds for the browser."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, User
from project.errors import DomainError
from tests.workshops.factories import WorkshopFactory
from workshops import services
from workshops.models import Participant, Visibility, Workshop
from workshops.services import guest_join

GUEST = {"display_name": "Camille", "college": "citizens", "attendance": "on_site"}


def _post_join(client, code: str, **extra):
    return client.post(reverse("workshops:join"), {"code": code, **GUEST, **extra})


def test_a_plenary_behind_one_venue_address_gets_in(client, live):
    """200 phones on the venue's wifi (one address), each joining once, a few typos among them."""
    for n in range(200):
        client.logout()
        if n % 10 == 0:
            assert _post_join(client, "ZZZZZZ").status_code == 400  # a typo, then the right code
        assert _post_join(client, live.join_code, display_name=f"G{n}").status_code == 302
    assert Participant.objects.filter(workshop=live).count() == 200


def test_guests_from_one_address_are_limited_with_a_clear_429(client, live, settings):
    """The audit made 15 guests in 0.6 s from one client: past the address's limit (here 10
    a minute; 300 in ten minutes by default, for a plenary behind one address), refused."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest_create": "10/m"}
    for n in range(10):
        client.logout()
        assert _post_join(client, live.join_code, display_name=f"G{n}").status_code == 302
    client.logout()
    response = _post_join(client, live.join_code, display_name="G10")
    assert response.status_code == 429
    assert "Trop de nouvelles arrivées depuis votre connexion" in response.content.decode()
    assert User.objects.guests().count() == 10
    # Another address is not held back.
    other = client.__class__(REMOTE_ADDR="198.51.100.7")
    assert _post_join(other, live.join_code, display_name="Autre").status_code == 302


def test_guests_per_workshop_are_limited_whatever_the_address(live, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest_create_workshop": "3/h"}
    for n in range(3):
        guest_join(code=live.join_code, **GUEST, client=f"203.0.113.{n}")
    with pytest.raises(DomainError) as exc:
        guest_join(code=live.join_code, **GUEST, client="203.0.113.99")
    assert exc.value.status == 429 and exc.value.code == "rate_limited"
    assert "dans cet atelier" in exc.value.message
    assert Participant.objects.filter(workshop=live).count() == 3


def test_failed_codes_are_limited_per_address_then_even_a_right_code_waits(client, live, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join_failed": "20/10m"}
    for _ in range(20):
        response = _post_join(client, "ZZZZZZ")
        assert response.status_code == 400
    response = _post_join(client, live.join_code)
    assert response.status_code == 429
    assert "Trop de codes erronés" in response.content.decode()
    assert not Participant.objects.filter(workshop=live).exists()


def test_join_attempts_per_address_are_limited(live, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join": "2/m"}
    services.workshop_by_code(live.join_code, client="192.0.2.1")
    services.workshop_by_code(live.join_code, client="192.0.2.1")
    with pytest.raises(DomainError) as exc:
        services.workshop_by_code(live.join_code, client="192.0.2.1")
    assert exc.value.status == 429
    assert services.workshop_by_code(live.join_code, client="192.0.2.2") == live


def test_a_private_code_answers_like_an_unknown_code(client, facilitator, user):
    private = WorkshopFactory(visibility=Visibility.PRIVATE, facilitators=[facilitator])
    unknown = _post_join(client, "ZZZZZZ")
    hidden = _post_join(client, private.join_code)
    assert unknown.status_code == hidden.status_code == 400
    assert "réservé" not in hidden.content.decode()

    def error_of(response):
        return re.findall(r'class="field__error">([^<]*)<', response.content.decode())

    assert error_of(unknown) == error_of(hidden) and "Aucun atelier ouvert" in error_of(hidden)[0]
    # A signed-in outsider gets the same; an invited participant gets in.
    client.force_login(user)
    assert error_of(_post_join(client, private.join_code)) == error_of(unknown)
    services.participant_invite(workshop=private, actor=facilitator, user=user)
    assert _post_join(client, private.join_code).status_code == 302


def test_a_facilitator_closes_the_room_to_new_joins(client, live, facilitator, user):
    client.force_login(facilitator)
    response = client.post(
        reverse("workshops:console_action", args=[live.slug, "joins"]), {"closed": "1"}
    )
    assert response.status_code == 302
    assert Workshop.objects.get(pk=live.pk).joins_closed
    assert AuditEvent.objects.filter(action="workshop.joins_closed", actor=facilitator).exists()
    console = client.get(reverse("workshops:console_page", args=[live.slug])).content.decode()
    assert "Rouvrir aux nouvelles arrivées" in console and "fermé aux nouvelles arrivées" in console
    client.logout()
    response = _post_join(client, live.join_code)
    assert response.status_code == 400
    assert "fermé l&#x27;atelier aux nouvelles arrivées" in response.content.decode()
    assert not User.objects.guests().exists()
    # Someone already in comes back; a new account does not get in.
    client.force_login(user)
    assert _post_join(client, live.join_code).status_code == 400
    services.joins_close(workshop=live, actor=facilitator, closed=False)
    assert _post_join(client, live.join_code).status_code == 302
    services.joins_close(workshop=live, actor=facilitator, closed=True)
    assert _post_join(client, live.join_code).status_code == 302  # already a participant


def test_only_a_facilitator_closes_the_room(live, user):
    with pytest.raises(DomainError) as exc:
        services.joins_close(workshop=live, actor=user, closed=True)
    assert exc.value.status == 403
    assert not Workshop.objects.get(pk=live.pk).joins_closed


def test_a_removed_guest_cannot_come_back_as_a_new_guest_from_the_same_browser(
    client, live, facilitator
):
    assert _post_join(client, live.join_code).status_code == 302
    first = Participant.objects.get(workshop=live, user__is_guest=True)
    services.participant_remove(workshop=live, actor=facilitator, participant=first)
    # Signed out (the session is gone), the browser keeps its cookie.
    client.post(reverse("account_logout"))
    response = _post_join(client, live.join_code, display_name="Nouveau nom")
    assert response.status_code == 400
    assert "retiré·e de cet atelier" in response.content.decode()
    assert Participant.objects.filter(workshop=live).count() == 1
    # Another browser is not held back.
    assert _post_join(client.__class__(), live.join_code).status_code == 302
