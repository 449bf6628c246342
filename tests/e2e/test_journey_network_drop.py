"""Journey 3: a phone loses the network in the middle of a live workshop. The others keep
posting; when it comes back it shows everything it missed, in the same order as
everyone else, without a reload and without duplicates."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in
from tests.e2e.netcut import Relay
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

IDEAS = [
    "Ouvrir les friches aux associations le temps des travaux",
    "Un fonds local pour dépolluer les sols",
    "Former des jeunes aux métiers de la déconstruction",
]


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def site(asgi_server, monkeypatch, tmp_path, relay):
    """The live server, trusting the relay's address as a socket origin: the room socket
    accepts only the site's exact origins (scheme, host, port)."""
    from tests.e2e.helpers import Site

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = asgi_server(
        extra_env={
            "DJANGO_ALLOW_ASYNC_UNSAFE": "",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
            "CSRF_TRUSTED_ORIGINS": f"http://testserver,{relay.url}",
        }
    )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    relay.point_to(server.port)
    return Site(server, mail_dir)


@pytest.fixture
def live_workshop(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(
        title="Reconquérir les friches",
        slug="reconquerir-les-friches",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


def ideas_shown(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("[data-ideas] .idea__title").all_inner_texts()]


def test_a_phone_that_drops_off_catches_up_in_order(site, new_context, live_workshop, relay):
    room = f"/ateliers/{live_workshop.slug}/"

    ines = new_context("phone").new_page()
    sign_in(ines, site, UserFactory(display_name="Inès"))
    ines.goto(site(f"/rejoindre/?code={live_workshop.join_code}"))
    ines.get_by_role("button", name="Entrer dans la salle").click()
    expect(ines.locator("#room")).to_have_attribute("data-connection", "live")

    # Paul's phone reaches the server through a relay whose cable the test can cut.
    paul_context = new_context("phone", base_url=relay.url)
    paul = paul_context.new_page()
    paul.goto(f"{relay.url}/rejoindre/?code={live_workshop.join_code}")
    paul.get_by_label("Votre nom affiché").fill("Paul")
    paul.get_by_label("Vous venez en tant que").select_option("citizens")
    paul.get_by_role("button", name="Entrer dans la salle").click()
    expect(paul).to_have_url(relay.url + room)
    expect(paul.locator("#room")).to_have_attribute("data-connection", "live")

    # Paul's phone loses the network: connections reset, nothing goes through.
    relay.cut()
    expect(paul.locator("#room")).not_to_have_attribute("data-connection", "live", timeout=15_000)
    expect(paul.get_by_role("status").filter(has_text="Hors ligne")).to_be_visible()
    # The browser itself is offline too (navigator.onLine is false, new requests fail).
    paul_context.set_offline(True)

    # Meanwhile Inès posts three ideas.
    for idea in IDEAS:
        ines.get_by_label("Votre idée, en une phrase").fill(idea)
        ines.get_by_role("button", name="Poster l'idée").click()
        expect(ines.locator("[data-ideas]")).to_contain_text(idea)
    expect(paul.locator("[data-ideas]")).not_to_contain_text(IDEAS[0])

    # The network comes back: Paul's page reconnects and replays what it missed.
    relay.plug()
    paul_context.set_offline(False)
    expect(paul.locator("#room")).to_have_attribute("data-connection", "live", timeout=20_000)
    for idea in IDEAS:
        expect(paul.locator("[data-ideas]")).to_contain_text(idea)
    expect(paul.locator("[data-idea-count]")).to_have_text(str(len(IDEAS)))
    # Same order as on Inès's phone and as after a reload (the database's order), once each.
    assert ideas_shown(paul) == ideas_shown(ines)
    assert sorted(ideas_shown(paul)) == sorted(IDEAS)
    paul.reload()
    assert ideas_shown(paul) == ideas_shown(ines)
    relay.close()
