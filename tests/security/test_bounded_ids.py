"""Ids in paths, query strings and forms are bounded (0 < id < 2**63): a number the
database cannot hold, or a digit that is not ASCII (« ² »), is a 404 or a 4xx, never a 500.

The sweep walks every URL pattern of the site with an integer parameter and calls it
with a huge value and with « ² », as an editor-moderator-facilitator (the deepest views).
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from project.ids import ID_MAX
from tests.security.conftest import client_for

HUGE = "148698238042829687357440"
JUST_TOO_BIG = str(2**63)
SUPERSCRIPT = "²"


@pytest.fixture
def deep_user(people):
    from accounts.services import role_grant

    user = people["editor"]
    role_grant(user=user, role="moderators")
    role_grant(user=user, role="facilitators")
    return user


def test_api_actions_with_a_huge_recommendation_is_a_client_error(demo, client):
    response = client.get(f"/api/v1/actions?recommendation={HUGE}")
    assert response.status_code == 422, response.content
    response = client.get(f"/api/v1/actions?recommendation={JUST_TOO_BIG}")
    assert response.status_code == 422
    assert client.get(f"/api/v1/actions?recommendation={ID_MAX}").json() == []


def test_notifications_with_a_superscript_id_is_not_a_500(deep_user):
    client = client_for(deep_user)
    for value in (SUPERSCRIPT, HUGE, "-1", "0"):
        response = client.post("/notifications/", {"ids": [value]})
        assert response.status_code < 500, value


def test_the_openapi_schema_states_the_bounds_of_every_id(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name, spec = parameter["name"], parameter["schema"]
                if not (name.endswith("_id") or name in {"recommendation", "session"}):
                    continue
                options = spec.get("anyOf", [spec])
                integer = next(o for o in options if o.get("type") == "integer")
                assert integer.get("minimum") == 1, (path, name, spec)
                assert integer.get("maximum") == ID_MAX, (path, name, spec)
                checked += 1
    assert checked >= 15


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route, getattr(entry.pattern, "converters", {})


def _int_like_routes():
    """(route, {parameter: converter}) of every pattern with an integer parameter."""
    from django.urls.converters import IntConverter

    found = []
    for route, converters in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("^"):
            continue
        int_params = {
            name
            for name, converter in converters.items()
            if isinstance(converter, IntConverter)
            or converter.regex.startswith("[0-9")
            # django-ninja routes take a string; the API checks it against ``Id``.
            or (route.startswith("api/") and (name.endswith("_id") or name == "number"))
        }
        if int_params:
            found.append((route, converters, int_params))
    return found


def _fill(route: str, converters: dict, int_params: set, value: str) -> str:
    def one(match):
        name = match.group(2)
        return value if name in int_params else "x"

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)


@pytest.mark.parametrize("value", [HUGE, JUST_TOO_BIG, SUPERSCRIPT])
def test_every_route_with_an_integer_id_refuses_a_bad_one_without_a_500(deep_user, value):
    client = client_for(deep_user)
    routes = _int_like_routes()
    assert len(routes) >= 30, routes
    failures = []
    for route, converters, int_params in routes:
        url = _fill(route, converters, int_params, value)
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code >= 500:
                failures.append((method.__name__, url, response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", [HUGE, JUST_TOO_BIG, SUPERSCRIPT, "-1"])
def test_ids_in_web_query_strings_and_forms_refuse_a_bad_one_without_a_500(deep_user, value):
    from decisions.models import Indicator
    from votes.models import VoteSession

    client = client_for(deep_user)
    indicator = Indicator.objects.first()
    session = VoteSession.objects.filter(workshop__isnull=False).first()
    calls = [
        ("get", "/recommandations/nouvelle/", {"proposals": value, "vote": value}),
        ("post", "/recommandations/nouvelle/", {"candidates": value, "more_proposals": value}),
        ("post", "/notifications/", {"ids": value}),
        ("post", f"/votes/{session.pk}/gerer/", {"action": "hide_answer", "answer": value}),
        ("post", f"/indicateurs/{indicator.slug}/mesures/", {"delete": value}),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (method, url, data)


def test_web_routes_use_the_bounded_id_converter():
    """One converter for every id in a path: none left on Django's unbounded ``int``."""
    from django.urls.converters import IntConverter

    from project.ids import IdConverter

    unbounded = [
        route
        for route, converters, _ in _int_like_routes()
        if any(
            isinstance(c, IntConverter) and not isinstance(c, IdConverter)
            for c in converters.values()
        )
        and not route.startswith("api/")
    ]
    assert unbounded == []


@pytest.mark.parametrize("value", [ID_MAX, 1])
def test_the_converter_accepts_the_bounds(value):
    from project.ids import IdConverter

    assert IdConverter().to_python(str(value)) == value


@pytest.mark.parametrize("value", ["0", str(2**63), HUGE, "007x"])
def test_the_converter_refuses_outside_the_bounds(value):
    from project.ids import IdConverter

    with pytest.raises(ValueError):
        IdConverter().to_python(value)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12", 12),
        (12, 12),
        (SUPERSCRIPT, None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        (True, None),
        (None, None),
        ("", None),
        (" 4", None),
        (str(ID_MAX), ID_MAX),
    ],
)
def test_parse_id(raw, expected):
    from project.ids import parse_id

    assert parse_id(raw) == expected
