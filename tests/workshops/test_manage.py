"""Facilitators create and edit workshops and invite people to private ones, from the site."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import role_grant
from project.errors import DomainError, PermissionDeniedError
from proposals.models import Axis
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory
from workshops import services
from workshops.models import (
    DEFAULT_AGENDA,
    JOIN_CODE_ALPHABET,
    Participant,
    Place,
    Visibility,
    Workshop,
    WorkshopState,
)

CREATE = reverse("workshops:create")


def _form(**overrides) -> dict:
    data = {
        "title": "Mobilités douces en 2030",
        "description": "Comment se déplacer autrement dans le Pays de Montbéliard ?",
        "starts_at": "2026-12-10T18:00",
        "ends_at": "2026-12-10T20:30",
        "place": "hybrid",
        "location": "Salle du Conseil, Montbéliard",
        "capacity": "60",
        "visibility": "public",
        "video_url": "https://meet.jit.si/codev-mobilites",
        "livestream_url": "https://www.youtube.com/embed/abc123",
    }
    data.update(overrides)
    return data


# --- creating ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert client.post(CREATE, _form()).status_code == 302
    assert not Workshop.objects.exists()


def test_a_participant_without_the_role_cannot_create(client, user):
    client.force_login(user)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, _form()).status_code == 403
    assert not Workshop.objects.exists()
    with pytest.raises(PermissionDeniedError):
        services.workshop_create(actor=user, title="Non")


def test_a_facilitator_creates_a_workshop_with_code_agenda_and_audit(client, facilitator):
    axis = Axis.objects.strategic().first()
    client.force_login(facilitator)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, {**_form(), "axes": [axis.pk]})
    workshop = Workshop.objects.get()
    assert response.status_code == 302 and response["Location"] == workshop.get_absolute_url()
    assert workshop.slug == "mobilites-douces-en-2030"
    assert workshop.state == WorkshopState.DRAFT
    assert len(workshop.join_code) == 6 and set(workshop.join_code) <= set(JOIN_CODE_ALPHABET)
    assert list(workshop.facilitators.all()) == [facilitator]
    assert workshop.created_by == facilitator
    assert list(workshop.axes.all()) == [axis]
    assert (workshop.place, workshop.capacity, workshop.visibility) == (Place.HYBRID, 60, "public")
    assert workshop.video_url == "https://meet.jit.si/codev-mobilites"
    assert workshop.livestream_url == "https://www.youtube.com/embed/abc123"
    # 18:00 in Montbéliard (winter) is 17:00 UTC.
    assert workshop.starts_at.isoformat() == "2026-12-10T17:00:00+00:00"
    assert [p.kind for p in workshop.phases.order_by("order")] == [k for k, _ in DEFAULT_AGENDA]
    event = AuditEvent.objects.get(action="workshop.created")
    assert event.actor == facilitator and event.target_id == str(workshop.pk)
    # The draft is the facilitator's: the room shows the console with the edit and invite links.
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert reverse("workshops:edit", args=[workshop.slug]) in html
    assert reverse("workshops:invite", args=[workshop.slug]) in html


def test_slugs_are_unique_and_never_shadow_the_new_workshop_page(facilitator):
    first = services.workshop_create(actor=facilitator, title="Énergie locale")
    second = services.workshop_create(actor=facilitator, title="Énergie locale")
    third = services.workshop_create(actor=facilitator, title="Énergie  locale !")
    assert (first.slug, second.slug, third.slug) == (
        "energie-locale",
        "energie-locale-2",
        "energie-locale-3",
    )
    assert len({first.join_code, second.join_code, third.join_code}) == 3
    assert services.workshop_create(actor=facilitator, title="Nouveau").slug == "nouveau-2"
    assert services.workshop_create(actor=facilitator, title="???").slug == "atelier"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "   "}, "title", "obligatoire"),
        ({"ends_at": "2026-12-10T17:00"}, "ends_at", "La fin doit venir après le début."),
        ({"capacity": "0"}, "capacity", "supérieure ou égale à 1"),
        ({"place": "moon"}, "place", "Sélectionnez un choix valide"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "commençant par https://"),
        ({"livestream_url": "http://exemple.fr/live"}, "livestream_url", "commençant par https://"),
    ],
)
def test_bad_input_is_refused_in_french_and_what_was_typed_stays(
    client, facilitator, overrides, field, message
):
    client.force_login(facilitator)
    response = client.post(CREATE, _form(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert "Comment se déplacer autrement dans le Pays de Montbéliard ?" in html
    assert 'value="Salle du Conseil, Montbéliard"' in html
    assert not Workshop.objects.exists()
    assert not AuditEvent.objects.filter(action="workshop.created").exists()


def test_the_list_offers_creation_to_facilitators_only(client, user, facilitator):
    client.force_login(user)
    assert CREATE not in client.get(reverse("workshops:list")).content.decode()
    client.force_login(facilitator)
    assert CREATE in client.get(reverse("workshops:list")).content.decode()


# --- editing -------------------------------------------------------------------------------


@pytest.fixture
def own(facilitator):
    return services.workshop_create(
        actor=facilitator, title="Santé de proximité", visibility=Visibility.PUBLIC
    )


def test_edit_permissions(client, own, user, facilitator):
    url = reverse("workshops:edit", args=[own.slug])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(user)
    # A draft is invisible to others: its existence is not revealed.
    assert client.get(url).status_code == 404
    own.state = WorkshopState.SCHEDULED
    own.save(update_fields=["state"])
    assert client.get(url).status_code == 403
    other_facilitator = UserFactory()
    role_grant(user=other_facilitator, role="facilitators")
    client.force_login(other_facilitator)
    assert client.post(url, _form(title="Détourné")).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.workshop_update(workshop=own, actor=other_facilitator, title="Détourné")
    own.refresh_from_db()
    assert own.title == "Santé de proximité"
    # Staff may edit (their pages need TOTP set up first: the service is what decides).
    staff = UserFactory(is_staff=True)
    services.workshop_update(workshop=own, actor=staff, title="Santé de proximité")
    client.force_login(facilitator)
    assert client.get(url).status_code == 200


def test_a_facilitator_edits_their_workshop(client, own, facilitator):
    url = reverse("workshops:edit", args=[own.slug])
    client.force_login(facilitator)
    form = client.get(url).context["form"]
    assert form.initial["title"] == "Santé de proximité"
    response = client.post(url, _form(title="Santé de proximité, suite", visibility="private"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Santé de proximité, suite"
    assert own.slug == "sante-de-proximite"  # links and QR codes already given keep working
    assert own.visibility == Visibility.PRIVATE and own.capacity == 60
    event = AuditEvent.objects.get(action="workshop.updated")
    assert {"title", "visibility", "capacity"} <= set(event.data["fields"])


def test_an_edit_with_errors_changes_nothing_and_keeps_the_text(client, own, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("workshops:edit", args=[own.slug]),
        _form(title="Nouveau titre", ends_at="2026-12-09T10:00"),
    )
    assert response.status_code == 400
    assert 'value="Nouveau titre"' in response.content.decode()
    own.refresh_from_db()
    assert own.title == "Santé de proximité"
    assert not AuditEvent.objects.filter(action="workshop.updated").exists()


@pytest.mark.parametrize("state", [WorkshopState.CLOSED, WorkshopState.PUBLISHED])
def test_a_closed_or_published_workshop_cannot_be_edited(client, own, facilitator, state):
    own.state = state
    own.save(update_fields=["state"])
    client.force_login(facilitator)
    url = reverse("workshops:edit", args=[own.slug])
    assert client.get(url)["Location"] == own.get_absolute_url()
    client.post(url, _form(title="Trop tard"))
    with pytest.raises(DomainError) as error:
        services.workshop_update(workshop=own, actor=facilitator, title="Trop tard")
    assert error.value.code == "not_editable"
    own.refresh_from_db()
    assert own.title == "Santé de proximité"


# --- invitations ---------------------------------------------------------------------------


@pytest.fixture
def private(facilitator):
    workshop = services.workshop_create(
        actor=facilitator, title="Atelier des élu·es", visibility=Visibility.PRIVATE
    )
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop


def test_invite_page_permissions(client, private, user, facilitator):
    url = reverse("workshops:invite", args=[private.slug])
    assert client.get(url).status_code == 302
    client.force_login(user)
    assert client.get(url).status_code == 404  # private: not even its existence
    ParticipantFactory(workshop=private, user=user, invited=True)
    assert client.get(url).status_code == 403  # an invited participant does not invite
    assert client.post(url, {"identifiers": "someone"}).status_code == 403
    other_facilitator = UserFactory()
    role_grant(user=other_facilitator, role="facilitators")
    client.force_login(other_facilitator)
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDeniedError):
        services.participant_invite_by_identifier(
            workshop=private, actor=other_facilitator, identifier=user.username
        )


def test_a_facilitator_invites_by_username_and_email(
    client, private, facilitator, django_assert_max_num_queries
):
    alice = UserFactory(username="alice", display_name="Alice Martin")
    bob = UserFactory(username="bob", email="Bob@Exemple.fr", display_name="Bob Durand")
    client.force_login(facilitator)
    url = reverse("workshops:invite", args=[private.slug])
    response = client.post(url, {"identifiers": "ALICE\nbob@exemple.fr, alice"})
    assert response.status_code == 302
    invited = Participant.objects.filter(workshop=private, invited=True)
    assert {p.user for p in invited} == {alice, bob}
    assert AuditEvent.objects.filter(action="workshop.participant_invited").count() == 2
    for _ in range(5):
        ParticipantFactory(workshop=private, invited=True)
    # session, user, facilitator check, workshop, invited participants with their users (1),
    # messages: constant whatever the number of invitations
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert "Alice Martin" in html and "Bob Durand" in html and "7 personnes invitées" in html
    # The invited person now gets into the private room, with their account.
    client.force_login(alice)
    assert client.get(private.get_absolute_url()).status_code == 200


def test_unknown_accounts_are_reported_and_kept_in_the_form(client, private, facilitator):
    alice = UserFactory(username="alice")
    guest = UserFactory(username="invitee-guest", is_guest=True)
    client.force_login(facilitator)
    response = client.post(
        reverse("workshops:invite", args=[private.slug]),
        {"identifiers": "alice\npersonne@nulle.part\ninvitee-guest"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucun compte ne correspond à « personne@nulle.part »" in html
    assert "Aucun compte ne correspond à « invitee-guest »" in html
    # Only what was not done is left in the field, to be corrected.
    assert response.context["form"]["identifiers"].value() == "personne@nulle.part\ninvitee-guest"
    assert Participant.objects.filter(workshop=private, user=alice, invited=True).exists()
    assert not Participant.objects.filter(workshop=private, user=guest).exists()


def test_an_empty_invitation_is_an_error(client, private, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("workshops:invite", args=[private.slug]), {"identifiers": " "})
    assert response.status_code == 400
    assert "identifiers" in response.context["form"].errors


def test_a_removed_participant_is_not_brought_back_by_an_invitation(private, facilitator):
    removed = ParticipantFactory(workshop=private, user=UserFactory(username="zoe"))
    services.participant_remove(workshop=private, actor=facilitator, participant=removed)
    with pytest.raises(DomainError) as error:
        services.participant_invite_by_identifier(
            workshop=private, actor=facilitator, identifier="zoe"
        )
    assert error.value.code == "removed"
    removed.refresh_from_db()
    assert removed.removed_at is not None and not removed.invited


def test_no_invitation_to_a_closed_workshop(private, facilitator):
    UserFactory(username="yann")
    private.state = WorkshopState.CLOSED
    private.save(update_fields=["state"])
    with pytest.raises(DomainError):
        services.participant_invite_by_identifier(
            workshop=private, actor=facilitator, identifier="yann"
        )
    assert not Participant.objects.filter(workshop=private).exists()


def test_the_edit_form_shows_the_schedule_in_local_time(client, facilitator):
    from datetime import UTC, datetime

    workshop = services.workshop_create(
        actor=facilitator,
        title="Horaires",
        starts_at=datetime(2026, 12, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 19, 30, tzinfo=UTC),
    )
    client.force_login(facilitator)
    html = client.get(reverse("workshops:edit", args=[workshop.slug])).content.decode()
    assert 'name="starts_at" value="2026-12-10T18:00"' in html
    assert 'name="ends_at" value="2026-12-10T20:30"' in html
    # Saving the form unchanged changes nothing (and records nothing).
    form = client.get(reverse("workshops:edit", args=[workshop.slug])).context["form"]
    assert form.initial["place"] == "on_site"
    client.post(
        reverse("workshops:edit", args=[workshop.slug]),
        {
            "title": "Horaires",
            "starts_at": "2026-12-10T18:00",
            "ends_at": "2026-12-10T20:30",
            "place": "on_site",
            "visibility": "public",
        },
    )
    assert not AuditEvent.objects.filter(action="workshop.updated").exists()
