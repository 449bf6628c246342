"""The /api/v1/ proposals API: schema, authentication (token, session + CSRF), errors, queries."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tokens import token_create
from proposals import services
from proposals.models import Proposal, Support
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(user):
    return token_create(user=user, name="test")[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_schema_is_valid_and_documents_the_endpoints(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/proposals"])
    assert {"post", "delete"} <= set(paths["/api/v1/proposals/{proposal_id}/support"])
    assert {"get", "post"} <= set(paths["/api/v1/proposals/{proposal_id}/comments"])
    assert "/api/v1/axes" in paths and "/api/v1/proposals/{proposal_id}" in paths
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert client.get("/api/v1/docs").status_code == 200


def test_axes(client):
    axes = client.get("/api/v1/axes").json()
    assert [a["number"] for a in axes if a["kind"] == "axis"] == [1, 2, 3, 4, 5]
    assert len(axes) == 8


def test_create_with_token_is_idempotent_and_records_college(client, user, token, axis):
    payload = {
        "axis": axis.slug,
        "title": "Clause de souveraineté locale",
        "body": "**Oui**",
        "client_key": "abc",
    }
    first = client.post(
        "/api/v1/proposals", payload, content_type="application/json", **bearer(token)
    )
    second = client.post(
        "/api/v1/proposals", payload, content_type="application/json", **bearer(token)
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    body = first.json()
    assert body["author"]["college"] == user.college
    assert body["body_html"] == "<p><strong>Oui</strong></p>"
    assert Proposal.objects.count() == 1


def test_write_without_auth_is_401_json(client, axis):
    response = client.post(
        "/api/v1/proposals",
        {"axis": axis.slug, "title": "Sans compte"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == "Authentification requise."


def test_bad_or_revoked_token_is_401_even_on_public_reads(client, user, token):
    from accounts.models import ApiToken
    from accounts.tokens import token_revoke

    assert client.get("/api/v1/proposals", **bearer("agir_nope")).status_code == 401
    assert client.get("/api/v1/proposals", **bearer(token)).status_code == 200
    token_revoke(token=ApiToken.objects.get(user=user), actor=user)
    assert client.get("/api/v1/proposals", **bearer(token)).status_code == 401


def test_session_auth_needs_csrf_for_writes(user, others_proposal):
    proposal = others_proposal
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/api/v1/proposals/{proposal.pk}/support"
    refused = client.post(url)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    client.get("/propositions/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(url, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200 and accepted.json() == {
        "supported": True,
        "support_count": 1,
    }


def test_token_auth_needs_no_csrf(user, token, others_proposal):
    proposal = others_proposal
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/api/v1/proposals/{proposal.pk}/support", **bearer(token))
    assert response.status_code == 200


def test_support_and_withdraw(client, others_proposal, token, user):
    proposal = others_proposal
    url = f"/api/v1/proposals/{proposal.pk}/support"
    assert client.post(url, **bearer(token)).json() == {"supported": True, "support_count": 1}
    assert client.post(url, **bearer(token)).json()["support_count"] == 1
    detail = client.get(f"/api/v1/proposals/{proposal.pk}", **bearer(token)).json()
    assert detail["supported_by_me"] is True
    assert client.delete(url, **bearer(token)).json() == {"supported": False, "support_count": 0}
    assert not Support.objects.exists()


def test_validation_errors_name_the_field(client, token, axis):
    response = client.post(
        "/api/v1/proposals",
        {"axis": axis.slug, "title": "abc"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_title"
    assert "title" in response.json()["fields"]
    response = client.post(
        "/api/v1/proposals",
        {"axis": "inconnu", "title": "Un bon titre"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422 and "axis" in response.json()["fields"]
    response = client.post(
        "/api/v1/proposals",
        {"title": "Un bon titre"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422 and "axis" in response.json()["fields"]
    response = client.get("/api/v1/proposals", {"sort": "n-importe", "page_size": 1000})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"sort", "page_size"}


def test_errors_are_translated(client, token, axis):
    response = client.post(
        "/api/v1/proposals",
        {"axis": axis.slug, "title": "abc"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(token),
    )
    assert response.json()["message"] == "Give a title of at least 5 characters."


def test_hidden_proposal_shows_only_its_public_reason_except_to_moderators(
    client, proposal, moderator
):
    services.proposal_hide(proposal=proposal, actor=moderator, reason="Spam")
    other = token_create(user=UserFactory(), name="x")[1]
    for headers in ({}, bearer(other)):
        data = client.get(f"/api/v1/proposals/{proposal.pk}", **headers).json()
        assert data["is_hidden"] and data["hidden_reason"] == "Spam"
        assert data["title"] == data["body"] == data["body_html"] == "" and data["author"] is None
    assert proposal.pk not in [p["id"] for p in client.get("/api/v1/proposals").json()["results"]]
    mod_token = token_create(user=moderator, name="x")[1]
    data = client.get(f"/api/v1/proposals/{proposal.pk}", **bearer(mod_token)).json()
    assert data["title"] == proposal.title and data["hidden_reason"] == "Spam"
    # Hidden proposals take no supports.
    response = client.post(f"/api/v1/proposals/{proposal.pk}/support", **bearer(other))
    assert response.status_code == 404


def test_comments_thread_and_errors(client, proposal, token):
    url = f"/api/v1/proposals/{proposal.pk}/comments"
    root = client.post(
        url, {"body": "Bravo"}, content_type="application/json", **bearer(token)
    ).json()
    reply = client.post(
        url,
        {"body": "Merci", "parent": root["id"]},
        content_type="application/json",
        **bearer(token),
    )
    assert reply.status_code == 201 and reply.json()["parent"] == root["id"]
    empty = client.post(url, {"body": "  "}, content_type="application/json", **bearer(token))
    assert empty.status_code == 422 and "body" in empty.json()["fields"]
    bad_parent = client.post(
        url, {"body": "x", "parent": 999999}, content_type="application/json", **bearer(token)
    )
    assert bad_parent.status_code == 422 and "parent" in bad_parent.json()["fields"]
    listed = client.get(url).json()
    assert [c["body_html"] for c in listed] == ["<p>Bravo</p>", "<p>Merci</p>"]


def test_list_filters_sort_search_and_stable_random_seed(client, make_proposal, axis):
    from proposals.models import Axis

    other_axis = Axis.objects.get(slug="synergies-territoriales")
    for i in range(12):
        make_proposal(title=f"Hydrogène et mobilité {i}")
    make_proposal(title="Coopération Nord Franche-Comté", axis=other_axis)
    data = client.get("/api/v1/proposals", {"axis": other_axis.slug}).json()
    assert [p["title"] for p in data["results"]] == ["Coopération Nord Franche-Comté"]
    data = client.get("/api/v1/proposals", {"q": "hydrogene", "page_size": 5}).json()
    assert data["count"] == 12 and data["num_pages"] == 3 and len(data["results"]) == 5
    first = client.get("/api/v1/proposals", {"sort": "random", "seed": 42}).json()
    again = client.get("/api/v1/proposals", {"sort": "random", "seed": 42}).json()
    assert [p["id"] for p in first["results"]] == [p["id"] for p in again["results"]]
    assert first["seed"] == 42


@pytest.mark.parametrize("page_size", [5, 100])
def test_list_query_count_is_constant_whatever_the_page_size(
    client, make_proposal, user, token, page_size, django_assert_max_num_queries
):
    for i in range(30):
        p = make_proposal(title=f"Proposition de volume {i}")
        services.support_add(proposal=p, user=user)
    # token lookup (+user), token last_used update, the caller's roles (hidden items are
    # visible to moderators), COUNT, page rows (axis, author, workshop joined), the
    # caller's supports on the page
    with django_assert_max_num_queries(6):
        response = client.get(
            "/api/v1/proposals", {"page_size": page_size, "sort": "supported"}, **bearer(token)
        )
    assert len(response.json()["results"]) == min(page_size, 30)
    assert all(p["supported_by_me"] for p in response.json()["results"])
