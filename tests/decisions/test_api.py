"""/api/v1/: public reads, the trace as JSON, editor-only writes (token or session)."""

from __future__ import annotations

import pytest

from decisions.models import Indicator, Recommendation

pytestmark = pytest.mark.django_db


def _token(user) -> dict:
    from accounts.tokens import token_create

    _t, raw = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_public_lists_show_only_published_recommendations_and_their_actions(
    client, make_recommendation, make_action, make_proposal, publish, django_assert_num_queries
):
    published = make_recommendation(title="Publiée", proposals=[make_proposal()])
    publish(published)
    make_action(published, title="Action publique")
    draft = make_recommendation(title="Brouillon")
    make_action(draft, title="Action brouillon")
    with django_assert_num_queries(3):  # recommendations, sources, actions
        data = client.get("/api/v1/recommendations").json()
    assert [r["title"] for r in data] == ["Publiée"]
    assert len(data[0]["source_ids"]) == 1
    with django_assert_num_queries(2):  # actions with recommendation and axis, indicators
        actions = client.get("/api/v1/actions").json()
    assert [a["title"] for a in actions] == ["Action publique"]
    assert actions[0]["overdue"] is False
    assert client.get(f"/api/v1/recommendations/{draft.pk}").status_code == 404


def test_action_trace_as_json(client, make_recommendation, make_action, make_proposal, publish):
    from accounts.models import College
    from tests.workshops.factories import WorkshopFactory

    workshop = WorkshopFactory()
    rec = make_recommendation(
        proposals=[
            make_proposal(origin_workshop=workshop, college=College.ENTERPRISES),
            make_proposal(origin_workshop=workshop),
        ]
    )
    publish(rec)
    action = make_action(rec)
    data = client.get(f"/api/v1/actions/{action.pk}/trace").json()
    assert data["recommendation"]["id"] == rec.pk
    assert [a["id"] for a in data["actions"]] == [action.pk]
    assert len(data["proposals"]) == 2
    assert data["workshops"][0]["slug"] == workshop.slug
    # Colleges of fewer than 3 people are counted together (« Autres collèges »).
    assert data["contributors"]["by_college"] == {"others": 2}
    assert data["proposals"][0]["linked_by"]


def test_indicators_come_with_measurements_and_trend(client, editor):
    from datetime import date

    from decisions.services import measurement_record

    ind = Indicator.objects.create(
        slug="friches", name="Friches", unit="friches", baseline_value=0, target_2030=20
    )
    measurement_record(indicator=ind, actor=editor, on=date(2025, 1, 1), value=5, source="PMA")
    [data] = client.get("/api/v1/indicators").json()
    assert data["slug"] == "friches"
    assert data["measurements"] == [{"date": "2025-01-01", "value": "5.00", "source": "PMA"}]
    assert data["progress"] == pytest.approx(25)


def test_writes_need_an_editor(client, user, editor, axis, make_proposal):
    payload = {"title": "Clause de souveraineté", "axis": axis.slug, "proposals": []}
    assert (
        client.post("/api/v1/recommendations", payload, content_type="application/json").status_code
        == 401
    )
    response = client.post(
        "/api/v1/recommendations", payload, content_type="application/json", **_token(user)
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Recommendation.objects.exists()

    p = make_proposal()
    payload["proposals"] = [p.pk]
    headers = _token(editor)
    created = client.post(
        "/api/v1/recommendations", payload, content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content
    rec_id = created.json()["id"]
    assert created.json()["source_ids"] == [p.pk]
    action = client.post(
        "/api/v1/actions",
        {
            "recommendation": rec_id,
            "title": "Rédiger la clause",
            "owner_name": "PMA",
            "due_date": "2027-01-01",
        },
        content_type="application/json",
        **headers,
    )
    assert action.status_code == 201, action.content
    update = client.post(
        f"/api/v1/actions/{action.json()['id']}/updates",
        {"text": "Premier jet", "progress": 30, "status": "in_progress"},
        content_type="application/json",
        **headers,
    )
    assert update.status_code == 201 and update.json()["new_status"] == "in_progress"
    bad = client.post(
        f"/api/v1/actions/{action.json()['id']}/updates",
        {"text": "x", "progress": 300},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_progress"
    status = client.post(
        f"/api/v1/recommendations/{rec_id}/status",
        {"status": "published"},
        content_type="application/json",
        **headers,
    )
    assert status.status_code == 400 and status.json()["code"] == "invalid_transition"


def test_hostile_input_gets_clear_errors_not_500s(client, editor, axis, make_recommendation):
    headers = _token(editor)

    def post(url, payload):
        return client.post(url, payload, content_type="application/json", **headers)

    too_long = post("/api/v1/recommendations", {"title": "x" * 201, "axis": axis.slug})
    assert too_long.status_code == 400 and too_long.json()["field"] == "title"
    nul = post(
        "/api/v1/recommendations",
        {"title": "Titre\x00 propre", "axis": axis.slug, "body": "a\x00b"},
    )
    assert nul.status_code == 201 and nul.json()["title"] == "Titre propre"
    huge = post("/api/v1/recommendations", {"title": "T", "axis": axis.slug, "proposals": [2**70]})
    assert huge.status_code in (400, 422)
    assert client.get(f"/api/v1/actions/{2**70}").status_code in (404, 422)
    rec = make_recommendation()
    budget = post(
        "/api/v1/actions",
        {"recommendation": rec.pk, "title": "A", "owner_name": "B", "budget": "1e20"},
    )
    assert budget.status_code == 400 and budget.json()["field"] == "budget"
    kind = post(
        "/api/v1/actions",
        {"recommendation": rec.pk, "title": "A", "owner_name": "B", "owner_kind": "zzz"},
    )
    assert kind.status_code == 400 and kind.json()["code"] == "invalid_owner_kind"
