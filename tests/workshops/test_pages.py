"""Workshop pages without JavaScript: list, join by code, room, projector, QR code, forms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proposals.models import Proposal
from realtime.models import RoomEvent
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import Participant, Visibility, WorkshopState


def test_list_shows_live_and_upcoming_public_workshops(client, db, django_assert_max_num_queries):
    WorkshopFactory(title="En direct public", state=WorkshopState.LIVE)
    WorkshopFactory(title="Bientôt", state=WorkshopState.SCHEDULED)
    WorkshopFactory(title="Brouillon caché", state=WorkshopState.DRAFT)
    WorkshopFactory(title="Privé caché", visibility=Visibility.PRIVATE)
    for _ in range(5):
        WorkshopFactory()
    # session-less anonymous: workshops (1), axis nav (1)
    with django_assert_max_num_queries(2):
        response = client.get(reverse("workshops:list"))
    html = response.content.decode()
    assert "En direct public" in html and "Bientôt" in html
    assert "Brouillon caché" not in html and "Privé caché" not in html


def test_a_guest_joins_with_a_code_in_one_step(client, live):
    response = client.post(
        reverse("workshops:join"),
        {
            "code": live.join_code.lower(),
            "display_name": "Camille",
            "college": "enterprises",
            "attendance": "online",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == live.get_absolute_url()
    participant = Participant.objects.get(workshop=live, user__display_name="Camille")
    assert participant.user.is_guest
    assert (participant.college, participant.attendance) == ("enterprises", "online")
    # Signed in as that guest: the room shows the idea form.
    assert "Poster l" in client.get(live.get_absolute_url()).content.decode()


def test_a_signed_in_user_joins_directly_with_the_code(client, live, user):
    client.force_login(user)
    response = client.post(
        reverse("workshops:join"), {"code": live.join_code, "attendance": "on_site"}
    )
    assert response.status_code == 302
    assert Participant.objects.filter(workshop=live, user=user, college=user.college).exists()


def test_a_wrong_code_redisplays_the_form_with_what_was_typed(client, live):
    response = client.post(
        reverse("workshops:join"),
        {
            "code": "ZZZZZZ",
            "display_name": "Camille",
            "college": "citizens",
            "attendance": "on_site",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucun atelier ouvert" in html and 'value="Camille"' in html
    assert not Participant.objects.exists()


def test_room_page_queries_do_not_grow_with_ideas(
    client, live, participant, axis, django_assert_max_num_queries
):
    from proposals.services import proposal_create

    for i in range(15):
        proposal_create(
            author=participant.user, axis=axis, title=f"Idée {i}", body="", origin_workshop=live
        )
    client.force_login(participant.user)
    # user, workshop+participant, phases, counts, ideas+reactions, hands (my hand among
    # them), seq, the idea form's axes (one query), groups, notifications, nav axes, votes
    # panel, follow, the session's save (savepoint, update, release): 16
    with django_assert_max_num_queries(16):
        response = client.get(live.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'id="idee-\d+"', html)) == 15
    assert 'data-seq="' in html


def test_private_room_is_not_found_for_outsiders(client, db, user):
    workshop = WorkshopFactory(visibility=Visibility.PRIVATE)
    client.force_login(user)
    assert client.get(workshop.get_absolute_url()).status_code == 404
    ParticipantFactory(workshop=workshop, user=user, invited=True)
    assert client.get(workshop.get_absolute_url()).status_code == 200


def test_projector_and_qr_code(client, live, participant):
    client.force_login(participant.user)
    html = client.get(reverse("workshops:projector", args=[live.slug])).content.decode()
    assert live.join_code in html and "qr.svg" in html
    response = client.get(reverse("workshops:qr", args=[live.slug]))
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"style=" not in response.content


def test_posting_an_idea_over_http_broadcasts_it(client, live, participant, axis):
    client.force_login(participant.user)
    response = client.post(
        reverse("workshops:idea_create", args=[live.slug]),
        {
            "axis": axis.pk,
            "title": "Une station hydrogène à Sochaux",
            "body": "Pour les bus.",
            "client_key": "k-1",
        },
    )
    assert response.status_code == 302
    idea = Proposal.objects.get(origin_workshop=live)
    assert idea.title == "Une station hydrogène à Sochaux"
    event = RoomEvent.objects.for_room(live.pk).filter(type="proposal.created").get()
    assert f'"id":{idea.pk}' in event.frame


def test_an_invalid_idea_keeps_what_was_typed(client, live, participant, axis):
    client.force_login(participant.user)
    response = client.post(
        reverse("workshops:idea_create", args=[live.slug]),
        {"axis": axis.pk, "title": "", "body": "Mon texte précieux"},
    )
    assert response.status_code == 400
    assert "Mon texte précieux" in response.content.decode()


def test_console_actions_need_a_facilitator(client, live, participant):
    client.force_login(participant.user)
    response = client.post(reverse("workshops:console", args=[live.slug, "lock"]), {"locked": "1"})
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.board_locked is False


def test_console_lock_by_the_facilitator(client, live, facilitator):
    client.force_login(facilitator)
    client.post(reverse("workshops:console", args=[live.slug, "lock"]), {"locked": "1"})
    live.refresh_from_db()
    assert live.board_locked is True
    html = client.get(live.get_absolute_url()).content.decode()
    assert "Console d" in html


@pytest.mark.parametrize("anonymous_can_see", [True])
def test_anonymous_visitors_see_a_public_room_and_a_join_button(client, live, anonymous_can_see):
    html = client.get(live.get_absolute_url()).content.decode()
    assert "Rejoindre cet atelier" in html
    assert "Console d" not in html
    UserFactory()


def test_room_reactions_share_one_form_and_work_without_javascript(client, live, participant, axis):
    """Each idea's reaction buttons submit the page's one reaction form (one CSRF token for
    the page, not three per idea), the button naming « <idea>:<kind> »: a plain POST."""
    from workshops.models import Reaction
    from workshops.services import idea_post

    ideas = [
        idea_post(workshop=live, user=participant.user, axis=axis, title=f"Idée {i}")
        for i in range(6)
    ]
    client.force_login(participant.user)
    html = client.get(live.get_absolute_url()).content.decode()
    url = reverse("workshops:reaction", args=[live.slug])
    assert html.count(f'action="{url}"') == 1
    assert html.count('form="reactions"') == 3 * (len(ideas) + 1)  # and the idea template
    assert f'name="reaction" value="{ideas[0].pk}:agree"' in html
    # One token per form of the page (language, log out, idea, hand, follow, reactions),
    # none per idea.
    assert html.count('name="csrfmiddlewaretoken"') == 6

    response = client.post(url, {"reaction": f"{ideas[0].pk}:agree"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#idee-{ideas[0].pk}")
    assert Reaction.objects.filter(proposal=ideas[0], user=participant.user, kind="agree").exists()
    page = client.get(live.get_absolute_url()).content.decode()
    assert re.search(rf'value="{ideas[0].pk}:agree"[^>]*>[^<]*<span[^>]*>1</span>', page)


@pytest.mark.parametrize("value", ["", "x:agree", "12", ":agree", "1:love"])
def test_room_reaction_with_bad_value_changes_nothing(client, live, participant, axis, value):
    from workshops.models import Reaction
    from workshops.services import idea_post

    idea_post(workshop=live, user=participant.user, axis=axis, title="Une idée")
    client.force_login(participant.user)
    response = client.post(
        reverse("workshops:reaction", args=[live.slug]), {"reaction": value}, follow=True
    )
    assert response.status_code == 200
    assert not Reaction.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
