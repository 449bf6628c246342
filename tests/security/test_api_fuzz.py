"""The OpenAPI schema of /api/v1/ fuzzed with schemathesis: no 5xx, responses match the schema.

The API runs in-process (WSGI) on the test database with the PMA 2030 demo
loaded, called with the personal token of someone who is an editor and a
moderator, so that the writes go as deep into the services as they can.
"""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = 20


@pytest.fixture
def api_schema(db):
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    call_command("seed_demo", stdout=io.StringIO())
    # Like Django's test client: a request must not close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db):
    from accounts.models import User
    from accounts.services import role_grant
    from accounts.tokens import token_create

    user = User.objects.get(username="claire.codev")
    role_grant(user=user, role="moderators")
    role_grant(user=user, role="facilitators")
    return f"Bearer {token_create(user=user, name='fuzz')[1]}"


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_matches_its_schema(case, bearer):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    # identity: schemathesis's in-process (WSGI) transport does not decompress, and the site
    # gzips JSON for the clients that ask (tests/project/test_page_weight.py checks that).
    case.call_and_validate(
        headers={"Authorization": bearer, "Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance],
    )
