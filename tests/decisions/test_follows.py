"""Following a proposal, a workshop, an axis or an action, and being told of its changes."""

from __future__ import annotations

import pytest

from accounts import privacy
from decisions.follows import follow_set, followers_notify
from decisions.models import Follow, Notification, NotificationKind
from tests.factories import UserFactory


def _workshop(state="scheduled", visibility="public", slug="atelier-suivi"):
    from workshops.models import Workshop

    return Workshop.objects.create(
        title="Atelier mobilités", slug=slug, join_code="MOB123", state=state, visibility=visibility
    )


def _news(user):
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.FOLLOW).values_list(
            "message", flat=True
        )
    )


# --- Following, by the page's button ------------------------------------------------------------


@pytest.mark.django_db
def test_follow_and_unfollow_without_javascript_goes_back_to_the_page(client, user, axis):
    client.force_login(user)
    url = f"/suivre/axis/{axis.pk}/"

    response = client.post(url, {"on": "1", "next": axis.get_absolute_url()})

    assert response.status_code == 302 and response["Location"] == axis.get_absolute_url()
    assert Follow.objects.filter(user=user, axis=axis, automatic=False).exists()
    page = client.get(axis.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page and "Vous suivez." in page
    client.post(url, {"on": "0", "next": "https://evil.example/"})
    assert not Follow.objects.filter(user=user, axis=axis).exists()


@pytest.mark.django_db
def test_follow_with_htmx_returns_the_pressed_button(client, user, axis, make_proposal):
    proposal = make_proposal()
    client.force_login(user)

    response = client.post(f"/suivre/proposal/{proposal.pk}/", {"on": "1"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-pressed="true"' in html
    assert f'id="follow-proposal-{proposal.pk}"' in html
    assert 'role="status"' in html
    assert "<html" not in html  # the fragment only


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_and_nothing_is_followed(client, axis):
    response = client.post(f"/suivre/axis/{axis.pk}/", {"on": "1", "next": "/ateliers/?a=1&b=2"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fateliers%2F%3Fa%3D1%26b%3D2"
    response = client.post(f"/suivre/axis/{axis.pk}/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/accounts/login/?next=%2F"
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_what_one_cannot_see_cannot_be_followed(client, user, make_recommendation, make_action):
    private = _workshop(visibility="private", slug="huis-clos")
    draft_action = make_action(make_recommendation())
    client.force_login(user)
    assert client.post(f"/suivre/workshop/{private.pk}/", {"on": "1"}).status_code == 404
    assert client.post(f"/suivre/action/{draft_action.pk}/", {"on": "1"}).status_code == 404
    assert client.post("/suivre/user/1/", {"on": "1"}).status_code == 404
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_follow_of_two_things_or_twice(user, axis):
    from django.db import IntegrityError, transaction

    workshop = _workshop()
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=user, axis=axis, workshop=workshop)
    follow_set(user=user, target=axis, on=True)
    follow_set(user=user, target=axis, on=True)
    assert Follow.objects.filter(user=user).count() == 1


# --- Automatic follows --------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_follows_what_one_proposes_and_supports(user, make_proposal):
    from proposals.services import support_add

    mine = make_proposal(author=user)
    other = make_proposal()
    support_add(proposal=other, user=user)

    assert set(Follow.objects.filter(user=user).values_list("proposal_id", "automatic")) == {
        (mine.pk, True),
        (other.pk, True),
    }


@pytest.mark.django_db
def test_the_page_says_the_follow_is_automatic(client, user, make_proposal):
    proposal = make_proposal(author=user)
    client.force_login(user)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Suivi automatiquement" in page


# --- News to the followers ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_proposal_status_change_reaches_its_followers_once_and_not_the_actor(
    user, editor, make_proposal, django_capture_on_commit_callbacks
):
    from proposals.services import proposal_status_change, support_add

    author = UserFactory()
    proposal = make_proposal(author=author, title="Navette Sochaux")
    support_add(proposal=proposal, user=user)  # a supporter follows it
    follow_set(user=editor, target=proposal, on=True)  # the editor too, but acts

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        proposal_status_change(proposal=proposal, actor=editor, new_status="under_review")
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()

    assert _news(user) == [
        "La proposition « Navette Sochaux » que vous suivez est désormais : en cours d'examen."
    ]
    assert _news(author)  # under review: the author hears it as a follower
    assert not Notification.objects.filter(recipient=editor).exists()

    with django_capture_on_commit_callbacks(execute=True):
        proposal_status_change(proposal=proposal, actor=editor, new_status="shortlisted")
    # The author is told once, in the contributor's words; the supporter as a follower.
    assert Notification.objects.filter(recipient=author).count() == 2
    assert Notification.objects.filter(recipient=author, kind="proposal_status").count() == 1
    assert len(_news(user)) == 2


@pytest.mark.django_db
def test_same_news_twice_is_one_notification(user, axis):
    follow_set(user=user, target=axis, on=True)
    for _ in range(2):
        followers_notify(target=axis, message="Du nouveau.", url=axis.get_absolute_url())
    assert Notification.objects.filter(recipient=user).count() == 1


@pytest.mark.django_db
def test_workshop_scheduled_live_closed_reach_its_followers(
    user, facilitator, django_capture_on_commit_callbacks
):
    from workshops.services import workshop_state_change

    workshop = _workshop(state="draft")
    workshop.facilitators.add(facilitator)
    follow_set(user=user, target=workshop, on=True)
    follow_set(user=facilitator, target=workshop, on=True)

    with django_capture_on_commit_callbacks(execute=True):
        for state in ("scheduled", "live", "closed"):
            workshop_state_change(workshop=workshop, actor=facilitator, to=state)

    assert _news(user) == [
        "L'atelier « Atelier mobilités » que vous suivez est terminé.",
        "L'atelier « Atelier mobilités » que vous suivez commence : rejoignez-le en direct.",
        "L'atelier « Atelier mobilités » que vous suivez est programmé.",
    ]
    assert not Notification.objects.filter(recipient=facilitator).exists()


@pytest.mark.django_db
def test_a_rolled_back_change_tells_nobody(user, facilitator, django_capture_on_commit_callbacks):
    from django.db import transaction

    from workshops.services import workshop_state_change

    workshop = _workshop(state="draft")
    workshop.facilitators.add(facilitator)
    follow_set(user=user, target=workshop, on=True)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                workshop_state_change(workshop=workshop, actor=facilitator, to="scheduled")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_new_recommendation_on_an_axis_reaches_the_axis_followers(
    user, editor, axis, make_recommendation, publish, django_capture_on_commit_callbacks
):
    follow_set(user=user, target=axis, on=True)
    recommendation = make_recommendation(title="Filière hydrogène")
    with django_capture_on_commit_callbacks(execute=True):
        publish(recommendation)
    assert _news(user) == [
        f"Nouvelle recommandation sur l'axe « {axis.title} » que vous suivez : « Filière hydrogène »."
    ]
    assert Notification.objects.get(recipient=user).url == recommendation.get_absolute_url()


@pytest.mark.django_db
def test_an_action_update_reaches_its_followers_and_contributors_only_once(
    user,
    editor,
    make_proposal,
    make_recommendation,
    make_action,
    publish,
    django_capture_on_commit_callbacks,
):
    from decisions.services import action_report

    author = UserFactory()
    proposal = make_proposal(author=author)
    recommendation = make_recommendation(proposals=[proposal])
    publish(recommendation)
    action = make_action(recommendation, title="Station H2")
    follow_set(user=user, target=action, on=True)
    follow_set(user=author, target=action, on=True)

    with django_capture_on_commit_callbacks(execute=True):
        action_report(
            action=action, actor=editor, text="Travaux lancés.", progress=30, status="in_progress"
        )

    assert _news(user) == [
        "L'action « Station H2 » que vous suivez avance : 30 % réalisé, en cours."
    ]
    assert Notification.objects.filter(recipient=author, kind="action_status").count() == 1
    assert _news(author) == []  # told once, as a contributor

    with django_capture_on_commit_callbacks(execute=True):
        action_report(action=action, actor=editor, text="Moitié.", progress=50)
    assert len(_news(author)) == 1  # no status change: the follower's news this time


@pytest.mark.django_db
def test_follow_news_go_in_the_digest_of_those_who_opted_in(user, axis):
    from decisions.services import notifications_send_digest
    from outbox.models import OutboxMessage

    user.email_opt_in = True
    user.save()
    follow_set(user=user, target=axis, on=True)
    followers_notify(target=axis, message="Nouvelle recommandation sur l'axe.", url="/x/")

    assert notifications_send_digest(send_after_commit=False) == 1
    mail = OutboxMessage.objects.get(to=user.email)
    assert "Nouvelle recommandation sur l'axe." in mail.body
    assert "Des nouvelles de ce que vous suivez" in mail.body
    assert "Ce que vous suivez — 1 nouvelle" in mail.subject
    assert "ce que sont devenues vos idées" not in mail.body


# --- RGPD -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_follows_are_exported_and_deleted_with_the_account(user, axis):
    follow_set(user=user, target=axis, on=True)

    export = privacy.account_export(user=user)
    assert any(row["type"] == "decisions.follow" for row in export["other"])
    assert any(
        (row.get("axis") or {}).get("title") == str(axis)
        for row in export["other"]
        if row["type"] == "decisions.follow"
    )

    privacy.account_delete(user=user)
    assert not Follow.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_deleted_account_is_told_nothing(user, axis):
    follow_set(user=user, target=axis, on=True)
    user.is_active = False
    user.save()
    assert followers_notify(target=axis, message="Du nouveau.", url="/") == 0


@pytest.mark.django_db
def test_my_contributions_lists_what_i_follow_with_an_unfollow_button(client, user, axis):
    follow_set(user=user, target=axis, on=True)
    client.force_login(user)
    page = client.get("/compte/contributions/").content.decode()
    assert "Ce que je suis" in page
    assert axis.get_absolute_url() in page
    assert f'id="follow-axis-{axis.pk}"' in page
    assert "Vous suivez automatiquement ce que vous proposez" in page
