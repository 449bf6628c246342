"""Shared fixtures. Tests talk to real things: the configured database and channel layer.

Markers ``postgres``, ``redis``, ``e2e`` need a service; without it the test is
skipped, unless REQUIRE_SERVICES=1 (CI), where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import TransactionTestCase

from tests.factories import UserFactory, ensure_reference_data
from tests.summaries.factories import (
    held_workshop_create,
    held_workshop_decide,
    held_workshop_vote,
)


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "PostgreSQL (set DATABASE_URL=postgres://...)"
    if marker == "redis" and not settings.REDIS_URL:
        return "Redis (set REDIS_URL=redis://...)"
    if marker == "e2e" and not chromium_path():
        return "Chromium (apt-get install chromium chromium-driver)"
    return None


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "e2e"):
        if item.get_closest_marker(marker):
            missing = _missing_service(marker)
            if missing:
                if settings.REQUIRE_SERVICES:
                    pytest.fail(f"REQUIRE_SERVICES=1 but {missing} is not available")
                pytest.skip(f"needs {missing}")


# CI (.ci/run) runs the browser tests once, in its PostgreSQL step (where a missing Chromium
# fails them): its `make test` step sets E2E_IN_LATER_STEP=1 and they are deselected there,
# with the reason printed in the header and the summary. Nothing else sets it, so `make test`
# on a developer's machine runs everything.
E2E_IN_LATER_STEP = os.environ.get("E2E_IN_LATER_STEP") == "1"
_E2E_REASON = (
    "E2E_IN_LATER_STEP=1: the browser tests (marker e2e) are deselected here, "
    ".ci/run runs them in its PostgreSQL step"
)
_e2e_deselected = pytest.StashKey[int]()


def pytest_report_header(config: pytest.Config) -> str | None:
    return _E2E_REASON if E2E_IN_LATER_STEP else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not E2E_IN_LATER_STEP:
        return
    browser = [item for item in items if item.get_closest_marker("e2e")]
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.get_closest_marker("e2e")]
    config.stash[_e2e_deselected] = len(browser)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    count = config.stash.get(_e2e_deselected, None)
    if count is not None:
        terminalreporter.write_line(f"{count} browser tests deselected. {_E2E_REASON}.")


def _flush_again_after_a_deadlock() -> None:
    """A transactional test ends with a TRUNCATE of every table (Django's flush); a live
    server of the test (tests/security, tests/votes, tests/e2e: uvicorn processes) may
    still be in a transaction then, and PostgreSQL may pick the TRUNCATE as its deadlock
    victim. Flush again, a few times: the server's transaction ends in milliseconds.

    Why a patch of Django's private ``TransactionTestCase._fixture_teardown``: nothing
    supported serves. pytest-django builds its own subclass of ``TransactionTestCase``
    inside its ``_django_db_helper`` fixture, with no hook to give it another base class
    or to wrap the flush; ``serialized_rollback`` and ``reset_sequences`` add work around
    the same flush, and ``available_apps`` only narrows the tables it truncates (the
    deadlock is on the tables the server writes, which every test needs). Stopping the
    servers first is already done (their fixtures end before ``transactional_db``'s
    teardown), but a backend of a terminated process, or one PgBouncer still holds, can
    end its transaction after the flush began. If Django or pytest-django renames the
    method, the guard below fails loudly at import instead of silently losing the retry.
    Only ``deadlock detected`` is retried, five times at most; anything else is raised.
    """
    flush = TransactionTestCase._fixture_teardown  # AttributeError if Django renames it
    if getattr(flush, "retries_deadlocks", False):
        return

    def fixture_teardown(self):
        for attempt in range(5):
            try:
                return flush(self)
            except Exception as error:  # CommandError wraps the OperationalError
                cause = error if isinstance(error, OperationalError) else error.__cause__
                if attempt == 4 or "deadlock detected" not in str(cause):
                    raise
                time.sleep(0.2 * (attempt + 1))

    fixture_teardown.retries_deadlocks = True
    TransactionTestCase._fixture_teardown = fixture_teardown


_flush_again_after_a_deadlock()


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """On PostgreSQL, end what is still connected to the test database before it is dropped.

    Threads that tests start (``sync_to_async`` helpers, ``threading.Thread`` bodies) keep
    the connection Django opened for them: it lives in the thread's own storage, out of
    reach of ``connections.close_all()``. DROP DATABASE then failed ("being accessed by
    other users"), pytest-django only warned, and the test database stayed behind.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # From the maintenance database (``postgres``), so that this session's own backend goes
    # too: through PgBouncer (DATABASE_POOLER) it stays in the pool after Django closes it.
    name = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )


@pytest.fixture(autouse=True)
def _french_first():
    """Every test starts in the site's language: a request in English leaves English active
    in the thread (LocaleMiddleware activates, nothing deactivates), and a later test that
    reads a lazy label would depend on the order the tests ran in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached reads live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_tally_flusher():
    """The live tallies' flusher runs on the test's event loop and one thread: a flush left
    running when a test ends (its loop closed, its tables truncated) must not hold the next
    test's snapshots behind it (make test saw every later tally test time out once)."""
    yield
    from votes.live import tallies

    tallies.reset_process()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Transactional tests flush every table when they end, data migrations included
    (axes, role groups); pytest-django runs them last, one after the other, so put that
    data back before each of them: their outcome must not depend on their order."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" not in request.fixturenames and not (
        marker and marker.kwargs.get("transaction")
    ):
        return
    request.getfixturevalue("transactional_db")
    ensure_reference_data()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def guest(db):
    from accounts.services import guest_create

    return guest_create(display_name="Invitée Test", college="citizens")


def _with_role(role: str):
    from accounts.services import role_grant

    user = UserFactory()
    role_grant(user=user, role=role)
    return user


@pytest.fixture
def facilitator(db):
    return _with_role("facilitators")


@pytest.fixture
def editor(db):
    return _with_role("codev_editors")


@pytest.fixture
def moderator(db):
    return _with_role("moderators")


@pytest.fixture
def axis(db):
    from proposals.models import Axis

    return Axis.objects.get(slug="filieres-avenir")


# A held workshop of PMA 2030, its vote, its recommendations: the summaries' tests and the
# browser tests of the summary pages and editor use them (tests/summaries/factories.py).


@pytest.fixture
def held_workshop(db):
    return held_workshop_create()


@pytest.fixture
def voted_workshop(held_workshop, facilitator):
    return held_workshop_vote(held_workshop, facilitator)


@pytest.fixture
def decided_workshop(held_workshop, editor):
    return held_workshop_decide(held_workshop, editor)


from tests.servers import asgi_server  # noqa: E402,F401  (fixture)
