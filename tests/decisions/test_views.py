"""Pages: the tracker, recommendations, indicators, the dashboard, editor forms and permissions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from decisions import services
from decisions.models import ActionItem, Indicator, Recommendation

pytestmark = pytest.mark.django_db


def _many_actions(make_recommendation, make_action, publish, n: int, axis=None):
    rec = make_recommendation(**({"axis": axis} if axis else {}))
    publish(rec)
    for i in range(n):
        make_action(rec, title=f"Action {i}", due_date=timezone.localdate() + timedelta(days=i - 2))
    return rec


def test_tracker_lists_public_actions_with_progress_and_a_constant_number_of_queries(
    client, make_recommendation, make_action, publish, django_assert_num_queries
):
    _many_actions(make_recommendation, make_action, publish, 2)
    # actions (with recommendation, axis and last update date), axes for the filter, axes of the header
    with django_assert_num_queries(3):
        response = client.get("/actions/")
    _many_actions(make_recommendation, make_action, publish, 10)
    with django_assert_num_queries(3):
        response = client.get("/actions/")
    html = response.content.decode()
    assert html.count('<li class="action-card') == 12
    assert "<progress" in html
    assert "En retard" in html


def test_tracker_hides_actions_of_draft_recommendations_from_the_public(
    client, make_recommendation, make_action
):
    make_action(make_recommendation(), title="Action secrète")
    assert "Action secrète" not in client.get("/actions/").content.decode()


def test_tracker_filters_by_status_axis_and_overdue(
    client, make_recommendation, make_action, publish, editor
):
    from proposals.models import Axis

    rec = make_recommendation()
    publish(rec)
    late = make_action(rec, title="Action en retard", due_date=date(2020, 1, 1))
    blocked = make_action(rec, title="Action bloquée")
    services.action_report(
        action=blocked, actor=editor, text="Bloquée faute de foncier", status="blocked"
    )
    other_axis = Axis.objects.get(slug="former-massivement")
    rec2 = make_recommendation(title="Former massivement", axis=other_axis)
    publish(rec2)
    make_action(rec2, title="Action formation")

    def titles(query: str) -> set[str]:
        html = client.get("/actions/" + query).content.decode()
        return {t for t in ["Action en retard", "Action bloquée", "Action formation"] if t in html}

    assert titles("?status=blocked") == {"Action bloquée"}
    assert titles("?overdue=on") == {"Action en retard"}
    assert titles("?axis=former-massivement") == {"Action formation"}
    assert titles("?q=formation") == {"Action formation"}
    assert late.is_overdue


def test_action_page_shows_timeline_and_history_with_who_and_when(
    client, make_recommendation, make_action, publish, editor
):
    rec = make_recommendation()
    publish(rec)
    action = make_action(rec)
    services.action_report(
        action=action,
        actor=editor,
        text="Étude de préfiguration lancée",
        progress=15,
        status="in_progress",
        on=date(2026, 2, 1),
    )
    html = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Étude de préfiguration lancée" in html
    assert "Prévue → En cours" in html
    assert editor.public_name in html
    assert "Historique des modifications" in html
    assert "Publier un point d&#x27;étape" not in html  # not for the public


def test_editor_creates_a_recommendation_from_selected_proposals(
    client, editor, make_proposal, axis
):
    a, b = make_proposal(title="Idée A"), make_proposal(title="Idée B")
    client.force_login(editor)
    page = client.get(
        f"/recommandations/nouvelle/?proposals={a.pk}&proposals={b.pk}"
    ).content.decode()
    assert "Idée A" in page and "Idée B" in page
    response = client.post(
        "/recommandations/nouvelle/",
        {
            "title": "Fonds d'investissement territorial",
            "axis": axis.pk,
            "body": "Financer les PME.",
            "rationale": "",
            "proposals": [a.pk, b.pk],
            "candidates": [a.pk, b.pk],
            "note": "Deux idées convergentes",
        },
    )
    rec = Recommendation.objects.get()
    assert response.status_code == 302 and response["Location"] == rec.get_absolute_url()
    assert set(rec.sources.values_list("proposal_id", flat=True)) == {a.pk, b.pk}
    assert rec.sources.first().note == "Deux idées convergentes"


def test_a_form_error_keeps_what_the_editor_typed(client, editor, axis):
    client.force_login(editor)
    response = client.post(
        "/recommandations/nouvelle/",
        {"title": "", "axis": axis.pk, "body": "Un long texte précieux", "rationale": "Pourquoi"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Un long texte précieux" in html and "Pourquoi" in html
    assert not Recommendation.objects.exists()


def test_non_editors_get_403_on_every_editing_page(
    client, user, make_recommendation, make_action, publish
):
    rec = make_recommendation()
    publish(rec)
    action = make_action(rec)
    client.force_login(user)
    for url in [
        "/recommandations/nouvelle/",
        f"/recommandations/{rec.pk}/modifier/",
        f"/recommandations/{rec.pk}/actions/nouvelle/",
        f"/actions/{action.pk}/modifier/",
        "/indicateurs/nouveau/",
    ]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/recommandations/{rec.pk}/statut/", {"status": "withdrawn"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/actions/{action.pk}/point-d-etape/",
            {"text": "x", "progress": 5, "status": "done", "date": "2026-01-01"},
        ).status_code
        == 403
    )
    rec.refresh_from_db()
    assert rec.status == "published"


def test_editor_posts_an_update_and_publishes(client, editor, make_recommendation, make_action):
    rec = make_recommendation()
    action = make_action(rec)
    client.force_login(editor)
    assert (
        client.post(f"/recommandations/{rec.pk}/statut/", {"status": "adopted"}).status_code == 302
    )
    assert (
        client.post(f"/recommandations/{rec.pk}/statut/", {"status": "published"}).status_code
        == 302
    )
    rec.refresh_from_db()
    assert rec.status == "published"
    response = client.post(
        f"/actions/{action.pk}/point-d-etape/",
        {
            "date": "2026-03-01",
            "text": "Convention signée",
            "progress": 40,
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress) == ("in_progress", 40)
    bad = client.post(
        f"/actions/{action.pk}/point-d-etape/",
        {"date": "2026-03-02", "text": "Texte gardé", "progress": 400, "status": "done"},
    )
    assert bad.status_code == 400 and "Texte gardé" in bad.content.decode()


def test_indicator_page_has_an_svg_chart_and_a_table(client, editor):
    indicator = Indicator.objects.create(
        slug="chomage",
        name="Chômage",
        unit="%",
        baseline_value=9.5,
        baseline_date=date(2021, 12, 31),
        target_2030=7,
        direction="down",
    )
    services.measurement_record(
        indicator=indicator, actor=editor, on=date(2023, 12, 31), value="9.1", source="INSEE"
    )
    services.measurement_record(
        indicator=indicator, actor=editor, on=date(2024, 12, 31), value="8.6", source="INSEE"
    )
    html = client.get("/indicateurs/chomage/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="line-chart"' in html
    assert "<polyline" in html and "Cible 2030" in html
    assert "<table" in html and "8,6" in html
    assert "du chemin vers la cible 2030" in html


def test_indicator_list_takes_two_queries_whatever_the_number(
    client, editor, django_assert_num_queries
):
    for i in range(3):
        ind = Indicator.objects.create(
            slug=f"i{i}", name=f"I{i}", unit="u", target_2030=10, baseline_value=0
        )
        services.measurement_record(
            indicator=ind, actor=editor, on=date(2024, 1, 1), value=i, source="s"
        )
    # indicators with axes, measurements, axes of the header
    with django_assert_num_queries(3):
        client.get("/indicateurs/")
    for i in range(3, 10):
        Indicator.objects.create(slug=f"i{i}", name=f"I{i}", unit="u")
    with django_assert_num_queries(3):
        client.get("/indicateurs/")


def test_dashboard_shows_every_block_with_a_constant_number_of_queries(
    client, make_recommendation, make_action, make_proposal, publish, django_assert_num_queries
):
    _many_actions(make_recommendation, make_action, publish, 2)
    make_proposal()
    Indicator.objects.create(slug="x", name="X", unit="u", target_2030=5)
    # proposals by month/college, participants by month/college, proposals by axis/status, axes,
    # recommendations by status, actions, indicators, measurements, axes of the header
    with django_assert_num_queries(9):
        response = client.get("/tableau-de-bord/")
    _many_actions(make_recommendation, make_action, publish, 5)
    for _ in range(5):
        make_proposal()
    with django_assert_num_queries(9):
        response = client.get("/tableau-de-bord/")
    html = response.content.decode()
    for heading in [
        "Participation dans le temps, par collège",
        "Propositions par axe et par statut",
        "Recommandations",
        "Actions par statut",
        "Indicateurs et cibles 2030",
    ]:
        assert heading in html
    assert "<svg" in html and "<table" in html


def test_axis_tag_lists_the_axis_recommendations_actions_and_indicators(
    rf, make_recommendation, make_action, publish, axis, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    rec = make_recommendation(title="Recommandation de l'axe")
    publish(rec)
    make_action(rec, title="Action de l'axe")
    Indicator.objects.create(slug="x", name="Indicateur de l'axe", unit="u", axis=axis)
    template = Template("{% load decisions_tags %}{% axis_decisions axis %}")
    with django_assert_num_queries(4):  # recommendations, actions, indicators, measurements
        html = template.render(Context({"axis": axis, "user": AnonymousUser()}))
    assert "Recommandation de l&#x27;axe" in html
    assert "Action de l&#x27;axe" in html
    assert "Indicateur de l&#x27;axe" in html


def test_forward_trace_tag_says_what_became_of_the_idea(
    make_proposal, make_recommendation, make_action, publish
):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    p = make_proposal()
    rec = make_recommendation(proposals=[p], title="Clause de souveraineté")
    make_action(rec, title="Intégrer la clause")
    template = Template("{% load decisions_tags %}{% proposal_forward_trace proposal %}")
    html = template.render(Context({"proposal": p, "user": AnonymousUser()}))
    assert "pas encore été reprise" in html
    publish(rec)
    html = template.render(Context({"proposal": p, "user": AnonymousUser()}))
    assert "Ce qu'est devenue cette idée" in html
    assert "Clause de souveraineté" in html and "Intégrer la clause" in html


def test_draft_recommendations_are_404_for_the_public_and_visible_to_editors(
    client, editor, make_recommendation
):
    rec = make_recommendation()
    assert client.get(f"/recommandations/{rec.pk}/").status_code == 404
    assert rec.title not in client.get("/recommandations/").content.decode()
    client.force_login(editor)
    assert client.get(f"/recommandations/{rec.pk}/").status_code == 200


def test_pages_speak_english(client, make_recommendation, make_action, publish):
    rec = make_recommendation()
    publish(rec)
    make_action(rec)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Action tracker" in client.get("/actions/").content.decode()
    assert ActionItem.objects.count() == 1


def test_editor_creates_with_preselected_proposals_and_a_supporting_vote(
    client, editor, make_proposal, axis
):
    from tests.workshops.factories import WorkshopFactory
    from votes.models import VoteSession

    a = make_proposal()
    vote = VoteSession.objects.create(
        title="Vote clos", method="support", state="closed", workshop=WorkshopFactory()
    )
    client.force_login(editor)
    page = client.get(
        f"/recommandations/nouvelle/?proposals={a.pk}&vote={vote.pk}"
    ).content.decode()
    assert f'value="{vote.pk}" selected' in page
    # No field asks for internal numbers any more: sources are searched on the page.
    assert "more_proposals" not in page
    ok = client.post(
        "/recommandations/nouvelle/",
        {
            "title": "T",
            "axis": axis.pk,
            "candidates": [a.pk],
            "proposals": [a.pk],
            "vote_session": vote.pk,
        },
    )
    assert ok.status_code == 302
    rec = Recommendation.objects.get()
    assert set(rec.sources.values_list("proposal_id", flat=True)) == {a.pk}
    assert rec.vote_sources.get().session == vote


def test_proposal_page_offers_editors_to_build_a_recommendation(make_proposal, editor, user):
    from django.template import Context, Template

    p = make_proposal()
    template = Template("{% load decisions_tags %}{% proposal_forward_trace proposal %}")
    html = template.render(Context({"proposal": p, "user": editor}))
    assert f'action="/recommandations/depuis/proposal/{p.pk}/"' in html
    assert "Faire de cette proposition une recommandation" in html
    assert "/recommandations/depuis/" not in template.render(Context({"proposal": p, "user": user}))


def test_editor_picks_a_source_proposal_and_gets_an_error_for_an_unknown_one(
    client, editor, make_recommendation, make_proposal
):
    rec = make_recommendation(proposals=[make_proposal()])
    extra = make_proposal()
    client.force_login(editor)
    url = f"/recommandations/{rec.pk}/sources/choisir/"
    response = client.post(url, {"kind": "proposal", "id": extra.pk, "q": "idée"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/recommandations/{rec.pk}/?q=id%C3%A9e#sources")
    assert rec.sources.filter(proposal=extra).exists()
    response = client.post(url, {"kind": "proposal", "id": 999999}, follow=True)
    assert "Cette source n&#x27;existe pas ou ne vous est pas accessible." in (
        response.content.decode()
    )
    assert rec.sources.count() == 2


def test_unknown_vote_is_a_clear_error_and_others_may_not_link(
    client, editor, user, make_recommendation
):
    rec = make_recommendation()
    client.force_login(editor)
    url = f"/recommandations/{rec.pk}/sources/choisir/"
    response = client.post(url, {"kind": "vote", "id": 999999}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "Cette source n&#x27;existe pas" in response.content.decode()
    client.force_login(user)
    assert client.post(url, {"kind": "vote", "id": 1}).status_code in (403, 404)
