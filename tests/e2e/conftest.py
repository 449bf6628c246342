"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live ASGI server.

Every test here carries ``@pytest.mark.e2e`` (skipped without Chromium, failing
in CI). The server is ``tests.servers.asgi_server`` (uvicorn subprocess, the
real ASGI stack with WebSockets, on this run's test database): data created
here with the ORM must be committed, hence ``transactional_db``.

Playwright's sync API runs an asyncio loop in this thread, which makes Django
refuse ORM calls ("async context"). The test process may set
DJANGO_ALLOW_ASYNC_UNSAFE for the duration of an e2e test (it only runs test
set-up code); the server subprocess is started with it explicitly unset, so
the code under test keeps Django's protection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import chromium_path
from tests.e2e.helpers import DESKTOP, PHONE, Site
from tests.factories import ensure_reference_data

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db) -> None:
    """Every browser test commits its data (the server is another process); the axes and
    role groups a previous test's flush removed are put back."""
    ensure_reference_data()


@pytest.fixture
def axis(_reference_data):
    from proposals.models import Axis

    return Axis.objects.get(slug="filieres-avenir")


@pytest.fixture
def site(asgi_server, monkeypatch, tmp_path) -> Site:
    """One live server (the real ASGI application) on the test database."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = asgi_server(
        extra_env={"DJANGO_ALLOW_ASYNC_UNSAFE": "", "TEST_EMAIL_FILE_PATH": str(mail_dir)}
    )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    return Site(server, mail_dir)


@pytest.fixture
def browser(site) -> Iterator[Callable[[], Browser]]:
    """Chromium, started on first use (so that the test's data fixtures, which may
    broadcast through async_to_sync, run before Playwright's loop exists) and per
    test, not per session: a running Playwright loop would make the rest of the
    suite (ORM, pytest-asyncio) believe it runs in async code."""
    state: dict = {}

    def get() -> Browser:
        if "browser" not in state:
            state["playwright"] = sync_playwright().start()
            state["browser"] = state["playwright"].chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
        return state["browser"]

    yield get
    if "browser" in state:
        state["browser"].close()
    if "playwright" in state:
        state["playwright"].stop()


@pytest.fixture
def new_context(browser, site) -> Callable[..., BrowserContext]:
    """``new_context("phone")`` / ``new_context("desktop")``: a fresh browser profile (own cookies)."""

    def factory(size: str = "desktop", **kwargs) -> BrowserContext:
        viewport = {"phone": PHONE, "desktop": DESKTOP}[size]
        kwargs.setdefault("base_url", site.url)
        kwargs.setdefault("locale", "fr-FR")  # the browser's language (its Accept-Language)
        context = browser().new_context(
            viewport=viewport,
            timezone_id="Europe/Paris",
            is_mobile=size == "phone",
            has_touch=size == "phone",
            device_scale_factor=1,
            **kwargs,
        )
        context.set_default_timeout(10_000)
        return context

    return factory


@pytest.fixture
def page(new_context) -> Page:
    """A desktop page, French, on the live server."""
    return new_context("desktop").new_page()
