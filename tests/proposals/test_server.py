"""The board and the API over real HTTP, against a real uvicorn server on the test database."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from accounts.tokens import token_create
from tests.factories import UserFactory, ensure_reference_data

pytestmark = pytest.mark.integration


def _request(url: str, *, method: str = "GET", data: dict | None = None, token: str = ""):
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_token_client_posts_supports_and_finds_its_proposal_on_the_board(asgi_server):
    ensure_reference_data()
    user = UserFactory(college="enterprises")
    _token, raw = token_create(user=user, name="intégration")
    server = asgi_server()

    status, body = _request(
        f"{server.url}/api/v1/proposals",
        method="POST",
        token=raw,
        data={
            "axis": "filieres-avenir",
            "title": "Électrolyseurs à Étupes",
            "body": "**H2** local",
            "client_key": "k1",
        },
    )
    assert status == 201, body
    proposal = json.loads(body)
    # One's own proposal cannot be supported; another person's token can.
    status, body = _request(
        f"{server.url}/api/v1/proposals/{proposal['id']}/support", method="POST", token=raw
    )
    assert status == 403 and json.loads(body)["code"] == "own_proposal"
    _token, other = token_create(user=UserFactory(), name="intégration")
    status, body = _request(
        f"{server.url}/api/v1/proposals/{proposal['id']}/support", method="POST", token=other
    )
    assert status == 200 and json.loads(body)["support_count"] == 1

    # Without a token, writes are refused with a JSON error.
    status, body = _request(
        f"{server.url}/api/v1/proposals/{proposal['id']}/support", method="POST"
    )
    assert status == 401 and json.loads(body)["code"] == "not_authenticated"

    # The no-JavaScript board: a plain GET with the filters in the query string.
    query = urllib.parse.urlencode(
        {"q": "electrolyseur", "college": "enterprises", "sort": "supported"}
    )
    status, html = _request(f"{server.url}/propositions/?{query}")
    assert status == 200 and "Électrolyseurs à Étupes" in html
    status, html = _request(f"{server.url}{proposal['url']}")
    assert status == 200 and "<strong>H2</strong>" in html and "1</strong> soutien" in html
