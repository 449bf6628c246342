"""The presenter console page (/ateliers/<slug>/animer/): permissions, actions in words,
the stage preview's framing headers, templates and duplication from the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from proposals.services import proposal_create
from tests.workshops.factories import ParticipantFactory
from votes.models import SessionState, VoteSession
from workshops import steps
from workshops.models import Workshop, WorkshopState


@pytest.fixture
def run(workshop, facilitator):
    """The brainstorm template, live, at its first step."""
    from workshops.services import workshop_state_change

    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template="brainstorm")
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


def action(slug, op):
    return reverse("workshops:console_action", args=[slug, op])


def test_only_the_workshops_facilitators_open_the_console(client, run, participant, facilitator):
    url = reverse("workshops:console_page", args=[run.slug])
    response = client.get(url)  # anonymous: sign in first
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(participant.user)
    assert client.get(url).status_code == 403
    assert client.get(reverse("workshops:stage_preview", args=[run.slug])).status_code == 403
    response = client.post(action(run.slug, "step-next"), HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.current_phase.kind == "welcome"
    client.force_login(facilitator)
    assert client.get(url).status_code == 200
    assert client.get(action(run.slug, "step-next")).status_code == 405
    assert client.post(action(run.slug, "nope")).status_code == 404


def test_the_console_shows_the_run_sheet_and_frames_the_stage(
    client, run, facilitator, django_assert_max_num_queries
):
    client.force_login(facilitator)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("workshops:console_page", args=[run.slug]))
    html = response.content.decode()
    for title in ("Brainstorm", "Regroupement des idées", "Vote au jugement majoritaire"):
        assert title in html
    assert 'aria-current="step"' in html
    assert "Étape suivante" in html and "Brainstorm</span>" in html  # the next step is named
    assert reverse("workshops:stage_preview", args=[run.slug]) in html
    assert "'self'" in response["Content-Security-Policy"].split("frame-src")[1].split(";")[0]
    # Without JavaScript every field of the step form is shown, each group under its legend.
    assert re.search(r"data-show-when=\"[^\"]*\"[^>]*hidden", html) is None
    assert "Gommettes (vote par gommettes seulement)</legend>" in html
    # Start only when the timer is stopped.
    assert "Démarrer le minuteur" in html and "Mettre le minuteur en pause" not in html
    preview = client.get(reverse("workshops:stage_preview", args=[run.slug]))
    assert preview.status_code == 200
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    # The projector itself still refuses to be framed.
    stage = client.get(reverse("workshops:projector", args=[run.slug]))
    assert stage["X-Frame-Options"] == "DENY"


def test_the_query_count_does_not_grow_with_the_run_sheet(
    client, run, facilitator, django_assert_max_num_queries
):
    client.force_login(facilitator)
    for i in range(15):
        steps.step_add(
            workshop=run,
            actor=facilitator,
            kind="vote",
            title=f"Sondage {i}",
            vote={"method": "poll", "options": "labels", "labels": "Oui\nNon"},
        )
    with django_assert_max_num_queries(30):
        html = client.get(reverse("workshops:console_page", args=[run.slug])).content.decode()
    assert "Sondage 14" in html


def test_next_step_from_the_console_says_what_happened(client, run, facilitator, axis):
    client.force_login(facilitator)
    authors = [ParticipantFactory(workshop=run).user for _ in range(2)]
    for i, author in enumerate(authors):
        proposal_create(
            author=author, axis=axis, title=f"Une idée concrète {i}", body="", origin_workshop=run
        )
    for _ in range(2):
        client.post(action(run.slug, "step-next"), HTTP_X_REQUESTED_WITH="fetch")
    response = client.post(action(run.slug, "step-next"), HTTP_X_REQUESTED_WITH="fetch")
    data = response.json()
    assert data["ok"] is True
    assert "Vote ouvert : 2 participant·es peuvent voter." in data["message"]
    session = VoteSession.objects.get(workshop=run)
    assert session.state == SessionState.OPEN
    html = client.get(reverse("workshops:console_page", args=[run.slug])).content.decode()
    assert "0 / 2 ont voté" in html and "Clore le vote" in html
    # Without JavaScript: a redirect back, with the same words as a message.
    response = client.post(action(run.slug, "vote-close"), {"session": session.pk}, follow=True)
    assert "Vote clos : 0 bulletin enregistré." in response.content.decode()
    html = response.content.decode()
    assert "Montrer les résultats sur l'écran maintenant" in html
    assert "Publier les résultats sur le site après l'atelier" in html


def test_errors_come_back_in_words_and_change_nothing(client, run, facilitator):
    client.force_login(facilitator)
    response = client.post(action(run.slug, "step-previous"), HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "message": "C'est la première étape.",
        "code": "first_step",
    }
    count = run.phases.count()
    response = client.post(
        action(run.slug, "step-add"),
        {
            "kind": "vote",
            "title": "Sondage",
            "planned_minutes": "5",
            "method": "poll",
            "options": "labels",
            "labels": "Oui",
        },
        follow=True,
    )
    assert "Ce vote demande au moins 2 options." in response.content.decode()
    assert run.phases.count() == count


def test_adding_skipping_and_moving_steps_from_the_console(client, run, facilitator):
    client.force_login(facilitator)
    data = client.post(
        action(run.slug, "step-add"),
        {
            "kind": "vote",
            "title": "Question ouverte",
            "planned_minutes": "5",
            "method": "open_question",
            "question": "Un mot pour 2030 ?",
            "position": "after_current",
            "reveal": "live",
        },
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    assert data["message"] == "Étape « Question ouverte » ajoutée juste après l'étape en cours."
    step = run.phases.get(title="Question ouverte")
    assert step.order == 1 and step.vote_session.method == "open_question"
    data = client.post(
        action(run.slug, "step-skip"),
        {"id": step.pk, "skipped": "1"},
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    assert "sautée" in data["message"]
    data = client.post(
        action(run.slug, "step-move"),
        {"id": step.pk, "direction": "down"},
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    assert data["message"] == "Étape « Question ouverte » reculée d'un rang."
    assert run.phases.get(pk=step.pk).order == 2
    data = client.post(
        action(run.slug, "step-update"),
        {
            "id": step.pk,
            "title": "Un mot pour 2030",
            "planned_minutes": "4",
            "instructions": "Un seul mot, sans nom de personne.",
        },
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    assert data["message"] == "Étape « Un mot pour 2030 » enregistrée : 4 min prévues."
    step.refresh_from_db()
    assert step.instructions == "Un seul mot, sans nom de personne." and step.planned_minutes == 4
    response = client.post(
        action(run.slug, "step-update"),
        {"id": step.pk, "title": "Un mot", "planned_minutes": "4", "instructions": "x" * 501},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    step.refresh_from_db()
    assert step.title == "Un mot pour 2030"


def test_a_new_workshop_starts_from_a_template_and_can_be_duplicated(client, workshop, facilitator):
    client.force_login(facilitator)
    html = client.get(reverse("workshops:console_page", args=[workshop.slug])).content.decode()
    assert "World Café" in html and "Forum ouvert" in html
    data = client.post(
        action(workshop.slug, "template"), {"template": "world_cafe"}, HTTP_X_REQUESTED_WITH="fetch"
    ).json()
    assert data["message"] == "Déroulé « World Café » appliqué : 7 étapes."
    response = client.post(reverse("workshops:duplicate", args=[workshop.slug]))
    copy = Workshop.objects.exclude(pk=workshop.pk).get()
    assert response["Location"] == reverse("workshops:console_page", args=[copy.slug])
    assert copy.phases.count() == 7
    assert AuditEvent.objects.filter(action="workshop.duplicated", target_id=str(copy.pk)).exists()


def test_the_room_links_facilitators_to_the_console(client, run, facilitator, participant):
    client.force_login(facilitator)
    html = client.get(run.get_absolute_url()).content.decode()
    assert reverse("workshops:console_page", args=[run.slug]) in html
    assert "Phase suivante" not in html  # the old sidebar console is gone
    client.force_login(participant.user)
    html = client.get(run.get_absolute_url()).content.decode()
    assert reverse("workshops:console_page", args=[run.slug]) not in html


def test_the_creation_form_starts_a_workshop_from_a_template(client, facilitator):
    from tests.workshops.test_manage import CREATE, _form

    client.force_login(facilitator)
    html = client.get(CREATE).content.decode()
    assert "Déroulé de départ" in html and "World Café" in html
    response = client.post(CREATE, {**_form(), "runsheet": "nope"})
    assert response.status_code == 400
    assert not Workshop.objects.exists()
    response = client.post(CREATE, {**_form(), "runsheet": "world_cafe"})
    workshop = Workshop.objects.get()
    assert response["Location"] == reverse("workshops:console_page", args=[workshop.slug])
    assert workshop.phases.count() == 7
    assert workshop.phases.filter(kind="debate").count() == 3
    assert AuditEvent.objects.filter(action="workshop.template_applied").count() == 1


def test_after_a_vote_the_console_offers_an_editor_to_make_it_a_recommendation(
    client, run, facilitator, axis
):
    from accounts.services import role_grant
    from decisions.models import Recommendation

    authors = [ParticipantFactory(workshop=run).user for _ in range(2)]
    for i, author in enumerate(authors):
        proposal_create(
            author=author, axis=axis, title=f"Une idée concrète {i}", body="", origin_workshop=run
        )
    client.force_login(facilitator)
    for _ in range(3):
        client.post(action(run.slug, "step-next"), HTTP_X_REQUESTED_WITH="fetch")
    session = VoteSession.objects.get(workshop=run)
    console = reverse("workshops:console_page", args=[run.slug])
    client.post(action(run.slug, "vote-close"), {"session": session.pk})
    # A facilitator who is not a Codev editor does not see it.
    assert "/recommandations/depuis/" not in client.get(console).content.decode()
    role_grant(user=facilitator, role="codev_editors")
    html = client.get(console).content.decode()
    assert f'action="/recommandations/depuis/vote/{session.pk}/"' in html
    assert "Faire de ce résultat une recommandation" in html
    # Results not yet shown to the room: the facilitator-editor may still use them.
    response = client.post(f"/recommandations/depuis/vote/{session.pk}/")
    assert response.status_code == 302
    assert Recommendation.objects.get().vote_sources.get().session == session
