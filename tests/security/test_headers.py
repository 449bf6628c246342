"""Every page type, as every role: security headers, an enforced CSP with no inline script or style."""

from __future__ import annotations

import pytest

from tests.security.conftest import ROLES, client_for
from tests.security.crawl import check_headers, crawl


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reachable_by_a_role_is_served_with_the_security_headers(people, role):
    result = crawl(client_for(people[role]))
    # The crawl really walked the site (pages of several apps), not one page.
    assert len(result.html_pages()) >= 10, sorted(result.pages)
    assert result.problems == []


@pytest.mark.django_db
def test_the_csp_nonce_changes_with_every_response(client):
    from django.conf import settings

    assert "'unsafe-inline'" not in str(settings.CONTENT_SECURITY_POLICY)
    first = client.get("/")
    second = client.get("/")
    assert first["Content-Security-Policy"] and second["Content-Security-Policy"]
    # Nonces are only emitted when a template uses one; when they are, they differ.
    if "nonce-" in first["Content-Security-Policy"]:
        assert first["Content-Security-Policy"] != second["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/openapi.json", "/api/v1/proposals", "/nope/", "/api/v1/nope"]
)
def test_json_and_error_responses_carry_the_headers_too(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert check_headers(response) == []


@pytest.mark.django_db
def test_the_session_and_csrf_cookies_are_http_only_and_same_site(client, user):
    client.post("/accounts/login/", {"login": user.email, "password": "motdepasse-test-123"})
    session = client.cookies.get("sessionid")
    assert session is not None
    assert session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_admin_pages_are_served_with_the_security_headers(people):
    root = people["staff"]
    root.is_superuser = True
    root.save()
    result = crawl(client_for(root), start=["/admin/"], max_pages=80)
    assert sum(1 for p in result.html_pages() if p.startswith("/admin/")) >= 10
    assert result.problems == []
