"""« Mes contributions »: everything the person did, what it became, their notifications apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts import privacy
from accounts.contributions import contributions_of
from tests.factories import UserFactory

URL = "/compte/contributions/"
# Export sections whose rows carry no "type": the model they come from.
SECTION_MODELS = {
    "contributions": "proposals.proposal",
    "comments": "proposals.comment",
    "supports": "proposals.support",
    "workshops": "workshops.participant",
}


def _refs(data) -> set[tuple[str, int]]:
    """(model, pk) of every row the page shows."""
    refs = set()
    for name in (
        "proposals",
        "live_ideas",
        "statements",
        "supports",
        "comments",
        "reports",
        "workshops",
        "reactions",
        "ballots",
        "follows",
        "notifications",
        "reviewed",
    ):
        refs |= {(row._meta.label_lower, row.pk) for row in getattr(data, name)}
    refs |= {(o["obj"]._meta.label_lower, o["obj"].pk) for o in data.other}
    # The posting of one's own proposal is recorded as a status change: the page shows it
    # as the proposal itself.
    listed = {p.pk for p in data.proposals + data.live_ideas}
    refs |= {
        ("proposals.statuschange", sc.pk)
        for sc in data.status_changes
        if not sc.old_status and sc.proposal_id in listed
    }
    return refs


def _export_refs(export: dict) -> set[tuple[str, int]]:
    refs = set()
    for section, rows in export.items():
        if section == "profile":
            continue
        for row in rows:
            if section == "votes":
                label = f"votes.{row['type']}"
            elif "type" in row:
                label = row["type"]
            else:
                label = SECTION_MODELS[section]
            refs.add((label, row["id"]))
    return refs


@pytest.fixture
def workshop(db, facilitator):
    from workshops.models import Workshop

    ws = Workshop.objects.create(
        title="Atelier hydrogène", slug="atelier-hydrogene", join_code="HYD123", state="live"
    )
    ws.facilitators.add(facilitator)
    return ws


@pytest.fixture
def board_session(db, editor):
    from votes.services import session_create, session_open

    now = timezone.now()
    session = session_create(
        actor=editor,
        title="Priorités du tableau",
        method="support",
        labels=["Hydrogène vert", "Formation continue", "Tourisme industriel"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
    )
    return session_open(session=session, actor=editor)


def _option(session, label):
    return session.options.get(label=label).pk


def _everything(user, *, axis, workshop, session, editor, n=1, tag=""):
    """n of each kind of contribution by ``user``; returns the objects."""
    from proposals.services import (
        comment_create,
        proposal_create,
        proposal_status_change,
        support_add,
    )
    from votes.services import ballot_cast
    from workshops.services import workshop_join

    made = {"proposals": [], "ideas": [], "comments": [], "supported": []}
    workshop_join(workshop=workshop, user=user)
    for i in range(n):
        proposal = proposal_create(
            author=user,
            axis=axis,
            title=f"Navette autonome{tag} {i}",
            body="Entre Sochaux et Belfort.",
        )
        made["proposals"].append(proposal)
        idea = proposal_create(
            author=user,
            axis=axis,
            title=f"Idée d'atelier{tag} {i}",
            body="Dite en salle.",
            origin_workshop=workshop,
        )
        made["ideas"].append(idea)
        other = proposal_create(
            author=UserFactory(), axis=axis, title=f"Campus des métiers{tag} {i}", body="Former."
        )
        support_add(proposal=other, user=user)
        made["supported"].append(other)
        made["comments"].append(
            comment_create(proposal=other, author=user, body=f"Bonne idée, je soutiens{tag} {i}.")
        )
        proposal_status_change(
            proposal=proposal, actor=editor, new_status="not_retained", reason="Hors champ."
        )
    ballot_cast(session=session, voter=user, choices={_option(session, "Hydrogène vert"): 1})
    return made


@pytest.mark.django_db
def test_page_lists_everything_the_export_holds(
    client, user, axis, workshop, board_session, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = _everything(user, axis=axis, workshop=workshop, session=board_session, editor=editor)
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    export = privacy.account_export(user=user)
    exported = _export_refs(export)
    assert ("decisions.notification", user.notifications.get().pk) in exported
    assert exported <= _refs(response.context["c"])
    page = response.content.decode()
    for obj in made["proposals"] + made["ideas"] + made["supported"]:
        assert escape(obj.title) in page
    assert "Bonne idée, je soutiens 0." in page
    assert "Atelier hydrogène" in page
    assert "Priorités du tableau" in page
    assert "Non retenue" in page  # the proposal's current status
    assert "Navette autonome 0" in user.notifications.get().message
    assert escape(user.notifications.get().message) in page


@pytest.mark.django_db
def test_a_later_model_pointing_at_the_person_lands_under_other_traces(client, editor, axis):
    """A row of a model the page does not know yet (here: an editor's recommendation) still shows."""
    from decisions.services import recommendation_create

    recommendation = recommendation_create(
        actor=editor, title="Créer une agence", axis=axis, body="Coordonner.", proposals=[]
    )
    client.force_login(editor)

    response = client.get(URL)

    assert _export_refs(privacy.account_export(user=editor)) <= _refs(response.context["c"])
    assert "Créer une agence" in response.content.decode()
    assert recommendation.get_absolute_url() in response.content.decode()


@pytest.mark.django_db
def test_my_ballot_shows_my_choice_only(client, user, other_user, board_session):
    from votes.services import ballot_cast

    ballot_cast(
        session=board_session, voter=user, choices={_option(board_session, "Hydrogène vert"): 1}
    )
    ballot_cast(
        session=board_session,
        voter=other_user,
        choices={_option(board_session, "Tourisme industriel"): 1},
    )
    client.force_login(user)

    page = client.get(URL).content.decode()

    assert "Mon choix :" in page
    assert "Hydrogène vert" in page
    assert "Tourisme industriel" not in page  # someone else's choice, never
    client.force_login(other_user)
    other_page = client.get(URL).content.decode()
    assert "Tourisme industriel" in other_page
    assert "Hydrogène vert" not in other_page


@pytest.mark.django_db
def test_what_a_proposal_became_recommendation_action_only_when_public(client, user, axis, editor):
    from decisions.services import (
        action_create,
        recommendation_create,
        recommendation_status_change,
    )
    from proposals.services import proposal_create

    proposal = proposal_create(author=user, axis=axis, title="Hydrogène pour les bus", body="Oui.")
    recommendation = recommendation_create(
        actor=editor, title="Filière hydrogène", axis=axis, body="Structurer.", proposals=[proposal]
    )
    action_create(
        actor=editor,
        recommendation=recommendation,
        title="Station H2 à Vieux-Charmont",
        owner_name="PMA",
    )
    client.force_login(user)

    draft_page = client.get(URL).content.decode()
    assert "Filière hydrogène" not in draft_page  # a draft is the Codev's, not yet public

    recommendation_status_change(recommendation=recommendation, actor=editor, new_status="adopted")
    recommendation_status_change(
        recommendation=recommendation, actor=editor, new_status="published"
    )
    page = client.get(URL).content.decode()

    assert "Filière hydrogène" in page
    assert recommendation.get_absolute_url() in page
    assert "Station H2 à Vieux-Charmont" in page


@pytest.mark.django_db
def test_a_merged_proposal_shows_the_recommendation_of_its_target(
    client, user, axis, editor, moderator
):
    from decisions.services import recommendation_create
    from proposals.services import proposal_create, proposal_merge

    mine = proposal_create(author=user, axis=axis, title="Bus à hydrogène", body="Oui.")
    target = proposal_create(
        author=UserFactory(), axis=axis, title="Mobilité hydrogène", body="Oui."
    )
    proposal_merge(source=mine, target=target, actor=moderator)
    recommendation_create(
        actor=editor, title="Filière hydrogène", axis=axis, body="Structurer.", proposals=[target]
    )
    mine.refresh_from_db()
    became = contributions_of(user=user).became[mine.pk]
    assert became["recommendations"] == []  # still a draft: the author does not see it
    from decisions.models import Recommendation

    Recommendation.objects.update(status="published", published_at=timezone.now())
    became = contributions_of(user=user).became[mine.pk]
    assert [r.title for r in became["recommendations"]] == ["Filière hydrogène"]


@pytest.mark.django_db
def test_nobody_else_sees_my_page(client, user, other_user, axis):
    from proposals.services import proposal_create

    proposal_create(
        author=user, axis=axis, title="Mon idée à moi", body="Secrète ? Non, mais à moi."
    )
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    client.force_login(other_user)
    assert "Mon idée à moi" not in client.get(URL).content.decode()


@pytest.mark.django_db
def test_empty_page_invites_to_propose(client, user):
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "Vous n'avez encore rien déposé" in page
    assert "/propositions/" in page


@pytest.mark.django_db
def test_header_links_to_my_contributions(client, user):
    client.force_login(user)
    page = client.get("/").content.decode()
    assert f'href="{URL}"' in page
    assert "Mes contributions" in page


@pytest.mark.django_db
def test_mark_all_read_from_the_page_comes_back_to_it(client, user, axis):
    from decisions.models import Notification

    Notification.objects.create(
        recipient=user, kind="proposal_status", message="Votre idée avance."
    )
    client.force_login(user)
    response = client.post("/notifications/", {"next": URL})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    # Any other target is ignored (no open redirect).
    response = client.post("/notifications/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(
    client,
    user,
    axis,
    workshop,
    board_session,
    editor,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _everything(user, axis=axis, workshop=workshop, session=board_session, editor=editor, n=1)
    client.force_login(user)
    client.get(URL)  # warm the session and the content types
    # 34 measured: one per (model, field) pointing at the person (the export's rows, the
    # opinion map's statements and votes included) + provenance; the same with more rows below.
    with django_assert_max_num_queries(36) as few:
        client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            other = UserFactory()
            _everything(
                other,
                axis=axis,
                workshop=workshop,
                session=board_session,
                editor=editor,
                n=1,
                tag=f"x{i}",
            )
        _everything_more(user, axis=axis, editor=editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["c"].proposals) == 6


def _everything_more(user, *, axis, editor):
    from proposals.services import comment_create, proposal_create, support_add

    for i in range(5):
        p = proposal_create(author=user, axis=axis, title=f"Encore une idée {i}", body="Oui.")
        other = proposal_create(author=UserFactory(), axis=axis, title=f"Autre {i}", body="Oui.")
        support_add(proposal=other, user=user)
        comment_create(proposal=other, author=user, body="D'accord.")
        assert p.pk


@pytest.mark.django_db
def test_a_reviewer_sees_the_status_changes_they_made(client, editor, user, axis):
    from proposals.services import proposal_create, proposal_status_change

    proposal = proposal_create(author=user, axis=axis, title="Tiers-lieu à Audincourt", body="Oui.")
    proposal_status_change(proposal=proposal, actor=editor, new_status="under_review")
    client.force_login(editor)

    response = client.get(URL)

    assert _export_refs(privacy.account_export(user=editor)) <= _refs(response.context["c"])
    assert "Statut de « Tiers-lieu à Audincourt » : Déposée → En cours d&#x27;examen" in (
        response.content.decode()
    )
    client.force_login(user)
    author_page = client.get(URL).content.decode()
    assert "Statut de « Tiers-lieu à Audincourt » : —" not in author_page
    assert "Autres traces" not in author_page  # the posting is the proposal itself


@pytest.mark.django_db
def test_the_latest_fifty_notifications_and_a_link_to_all(client, user):
    from decisions.models import Notification

    Notification.objects.bulk_create(
        Notification(recipient=user, kind="proposal_status", message=f"Nouvelle n° {i}.")
        for i in range(60)
    )
    client.force_login(user)

    response = client.get(URL)

    assert len(response.context["notifications"]) == 50
    assert response.context["c"].unread == 60
    page = response.content.decode()
    assert "Toutes mes notifications" in page
    assert "60 nouvelles" in page
