"""The hostile-input corpus through forms and the API: a clear error or harmless storage, never markup that runs.

Every vector goes into every field a person writes (titles, bodies, comments,
display names, organisation). After each write the pages that show the field
are rendered and parsed: no script, event handler, javascript: URL, style,
frame or base element may appear that the platform did not put there itself.
"""

from __future__ import annotations

import json

import pytest

from accounts.models import User
from tests.factories import UserFactory
from tests.security.corpus import ALL, INVISIBLE, SQL, XSS, dangers


def _assert_harmless(client, *paths: str) -> None:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found = dangers(response.content.decode())
        assert found == [], f"{path}: {found}"


def _proposal_count() -> int:
    from proposals.models import Proposal

    return Proposal.objects.count()


def _axis():
    from proposals.models import Axis

    return Axis.objects.get(slug="filieres-avenir")


# --- Forms --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("vector", ALL)
def test_hostile_proposal_through_the_form_is_refused_or_stored_harmlessly(client, user, vector):
    from proposals.models import Proposal

    client.force_login(user)
    axis = _axis()
    before = _proposal_count()
    response = client.post(
        "/propositions/nouvelle/",
        {"axis": axis.pk, "title": f"Idée {vector}"[:200], "body": vector, "client_key": "k1"},
    )
    if response.status_code == 400:
        # A clear error, what was typed kept, nothing created.
        assert 'class="errorlist' in response.content.decode()
        assert _proposal_count() == before
        return
    assert response.status_code == 302, response.content[:300]
    assert _proposal_count() == before + 1
    proposal = Proposal.objects.latest("pk")
    assert not any(ch in proposal.title for ch in INVISIBLE)
    _assert_harmless(client, proposal.get_absolute_url(), "/propositions/", axis.get_absolute_url())
    api = client.get(f"/api/v1/proposals/{proposal.pk}").json()
    assert dangers(api["body_html"]) == []


@pytest.mark.django_db
@pytest.mark.parametrize("vector", ALL)
def test_hostile_comment_through_the_form_is_refused_or_stored_harmlessly(
    client, user, other_user, vector
):
    from proposals.models import Comment
    from proposals.services import proposal_create

    proposal = proposal_create(author=other_user, axis=_axis(), title="Idée sûre", body="Texte")
    client.force_login(user)
    response = client.post(f"/propositions/{proposal.pk}/commentaires/", {"body": vector})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert not Comment.objects.exists()
        return
    assert Comment.objects.count() == 1
    _assert_harmless(client, proposal.get_absolute_url())
    api = client.get(f"/api/v1/proposals/{proposal.pk}/comments").json()
    items = api if isinstance(api, list) else api.get("results", api.get("items", []))
    assert all(dangers(c["body_html"]) == [] for c in items)


@pytest.mark.django_db
@pytest.mark.parametrize("vector", ALL)
def test_hostile_display_name_and_organisation_are_refused_or_shown_harmlessly(
    client, user, other_user, vector
):
    from proposals.services import comment_create, proposal_create

    client.force_login(user)
    response = client.post(
        "/compte/",
        {"display_name": vector[:60], "college": "citizens", "organisation": vector[:120]},
    )
    assert response.status_code in (302, 400)
    user.refresh_from_db()
    if response.status_code == 400:
        assert user.organisation == ""
        return
    assert not any(ch in user.display_name + user.organisation for ch in INVISIBLE)
    # The name shows wherever the person wrote something.
    proposal = proposal_create(author=user, axis=_axis(), title="Idée signée", body="Texte")
    theirs = proposal_create(author=other_user, axis=_axis(), title="Autre idée", body="Texte")
    comment_create(proposal=theirs, author=user, body="Mon avis")
    other = type(client)()
    _assert_harmless(
        other, proposal.get_absolute_url(), theirs.get_absolute_url(), "/propositions/"
    )
    _assert_harmless(client, "/compte/")


@pytest.mark.django_db
@pytest.mark.parametrize("vector", XSS + SQL)
def test_hostile_search_and_filters_are_harmless(client, vector):
    for path in ("/propositions/", "/api/v1/proposals"):
        response = client.get(path, {"q": vector, "axis": vector, "sort": vector})
        assert response.status_code in (200, 400, 422), (path, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            assert dangers(response.content.decode()) == []


# --- API ----------------------------------------------------------------------


@pytest.fixture
def token(user):
    from accounts.tokens import token_create

    _token, raw = token_create(user=user, name="tests")
    return raw


def _post(client, token, path, payload, **extra):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(
        path,
        body,
        content_type=extra.pop("content_type", "application/json"),
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def _assert_json_error(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    data = response.json()
    assert data.get("code") and data.get("message"), data


@pytest.mark.django_db
@pytest.mark.parametrize("vector", ALL)
def test_hostile_proposal_through_the_api(client, token, vector):
    before = _proposal_count()
    response = _post(
        client,
        token,
        "/api/v1/proposals",
        {"axis": "filieres-avenir", "title": f"Idée {vector}"[:200], "body": vector},
    )
    if response.status_code != 201:
        _assert_json_error(response, 400, 422)
        assert _proposal_count() == before
        return
    data = response.json()
    assert dangers(data["body_html"]) == []
    assert not any(ch in data["title"] for ch in INVISIBLE)
    _assert_harmless(client, data["url"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"axis": "filieres-avenir", "title": "x"',
        b"[]",
        b'"chaine"',
        b"12",
        b"null",
        b'{"axis": ["filieres-avenir"], "title": {"$ne": 1}}',
        b'{"axis": "filieres-avenir", "title": 123456, "body": false}',
        b'{"axis": "filieres-avenir", "title": null}',
        b"\xff\xfe\x00garbage",
        b'{"axis": "filieres-avenir", "title": "\\ud800 demi-surrogate"}',
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
    ],
    ids=lambda b: repr(b[:24]),
)
def test_malformed_json_gets_a_clear_error_and_creates_nothing(client, token, body):
    before = _proposal_count()
    response = _post(client, token, "/api/v1/proposals", body)
    _assert_json_error(response, 400, 422)
    assert _proposal_count() == before


@pytest.mark.django_db
def test_oversized_fields_are_refused_with_the_field_named(client, token):
    from proposals.services import BODY_MAX

    response = _post(
        client,
        token,
        "/api/v1/proposals",
        {"axis": "filieres-avenir", "title": "Assez long", "body": "x" * (BODY_MAX + 1)},
    )
    _assert_json_error(response, 400, 422)
    assert "body" in json.dumps(response.json())
    assert _proposal_count() == 0


@pytest.mark.django_db
def test_an_oversized_request_body_is_refused_not_crashed(client, token):
    huge = json.dumps({"axis": "filieres-avenir", "title": "Énorme", "body": "x" * 3_000_000})
    response = _post(client, token, "/api/v1/proposals", huge)
    assert 400 <= response.status_code < 500
    assert _proposal_count() == 0


@pytest.mark.django_db
def test_a_wrong_content_type_is_refused(client, token):
    response = _post(
        client,
        token,
        "/api/v1/proposals",
        "axis=filieres-avenir&title=Bonjour",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500
    assert _proposal_count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("vector", XSS[:6] + SQL)
def test_hostile_comment_through_the_api(client, token, other_user, vector):
    from proposals.services import proposal_create

    proposal = proposal_create(author=other_user, axis=_axis(), title="Idée sûre", body="Texte")
    response = _post(client, token, f"/api/v1/proposals/{proposal.pk}/comments", {"body": vector})
    if response.status_code not in (200, 201):
        _assert_json_error(response, 400, 422)
        return
    assert dangers(response.json()["body_html"]) == []
    _assert_harmless(client, proposal.get_absolute_url())


@pytest.mark.django_db
def test_sql_looking_strings_are_stored_verbatim_and_every_table_survives(client, token):
    for i, vector in enumerate(SQL):
        response = _post(
            client,
            token,
            "/api/v1/proposals",
            {"axis": "filieres-avenir", "title": f"Titre {i} {vector}", "body": vector},
        )
        assert response.status_code == 201, response.content
        assert response.json()["body"] == vector
    assert _proposal_count() == len(SQL)
    assert User.objects.exists()


@pytest.mark.django_db
def test_a_second_user_never_sees_the_first_ones_hostile_text_as_markup(client):
    from proposals.services import proposal_create

    author = UserFactory(display_name="<b>Nom</b>")
    for vector in XSS:
        proposal_create(author=author, axis=_axis(), title=f"T {vector}"[:200], body=vector)
    _assert_harmless(client, "/propositions/", "/propositions/?sort=recent&page=2")
