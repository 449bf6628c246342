"""Journeys of a citizen and an editor: a citizen signs up, proposes, finds it in « Mes contributions »,
an editor moves it on and the citizen is told; the home page with and without a live
workshop. Phone and desktop, screenshots in test-artifacts/screenshots/journeys/."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, open_menu, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

EMAIL = "lea.habitante@example.org"
TITLE = "Un atelier de réparation de vélos à la gare de Montbéliard"


def confirmation_link(mail: str) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail).group(0)


@pytest.fixture
def editor(_reference_data):
    from accounts.services import role_grant

    user = UserFactory(display_name="Nadia Codev")
    role_grant(user=user, role="codev_editors")
    return user


def test_citizen_proposes_finds_it_in_my_contributions_and_is_told_of_its_status(
    site, new_context, axis, editor
):
    page = new_context("phone").new_page()

    # Sign up, confirm from the e-mail: signed in straight away.
    page.goto(site("/accounts/signup/"))
    page.get_by_label("Courriel").fill(EMAIL)
    page.get_by_label("Nom affiché").fill("Léa")
    page.get_by_label("Collège").select_option("citizens")
    page.get_by_label("J'accepte les conditions").check()
    page.get_by_label("Mot de passe (obligatoire)").fill("un-mot-de-passe-solide-42")
    page.get_by_label("Mot de passe (confirmation)").fill("un-mot-de-passe-solide-42")
    page.locator("main form").get_by_role("button").click()
    page.goto(confirmation_link(site.last_mail_to(EMAIL)))
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(lambda url: "/confirm-email/" not in url)
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_have_count(1)

    # Nothing yet: the page says so and invites to propose.
    open_menu(page)
    page.get_by_role("link", name=re.compile("Mes contributions")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes contributions")
    expect(page.get_by_text("Vous n'avez encore rien déposé")).to_be_visible()
    check_page(page, "journeys/contributions-empty")

    # Propose.
    page.goto(site("/propositions/nouvelle/"))
    page.locator("main").get_by_label("Axe").select_option(value=str(axis.pk))
    page.locator("main").get_by_label("Titre").fill(TITLE)
    page.get_by_label("Votre proposition").fill("Des bénévoles et un local près des quais.")
    page.get_by_role("button", name="Publier la proposition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    # Followed automatically, and the page says so.
    follow = page.locator(".follow-box button")
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".follow-box")).to_contain_text("Suivi automatiquement")
    check_page(page, "journeys/proposal-followed")

    # Follow an axis too, with one tap (htmx), and it holds after a reload.
    page.goto(site(axis.get_absolute_url()))
    page.get_by_role("button", name=re.compile("Suivre cet axe")).click()
    expect(page.locator(".follow-box button")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(".follow-box button")).to_have_attribute("aria-pressed", "true")

    # « Mes contributions » shows it, with its status.
    open_menu(page)
    page.get_by_role("link", name=re.compile("Mes contributions")).click()
    mine = page.locator("#mes-propositions").locator("..").locator(".contrib-item", has_text=TITLE)
    expect(mine).to_contain_text("Déposée")
    expect(page.locator("#mes-suivis").locator("..")).to_contain_text(TITLE)
    check_page(page, "journeys/contributions-after-proposing")

    # An editor moves it on, from the proposal's page (desktop).
    from proposals.models import Proposal

    proposal = Proposal.objects.get(title=TITLE)
    desk = new_context("desktop").new_page()
    sign_in(desk, site, editor, next_path=proposal.get_absolute_url())
    for status in ("under_review", "shortlisted"):
        desk.goto(site(proposal.get_absolute_url()))
        desk.get_by_label("Nouveau statut").select_option(status)
        desk.get_by_role("button", name="Changer le statut").click()
    expect(desk.locator(".badge.status").first).to_have_text("Présélectionnée")

    # The citizen is told: the header's count, the notification, the new status.
    page.goto(site("/"))
    open_menu(page)
    # Two pieces of news: under review (as a follower), shortlisted (as its author).
    expect(page.locator(".notification-badge__count")).to_contain_text("2")
    page.get_by_role("link", name=re.compile("Mes contributions")).click()
    expect(mine).to_contain_text("Présélectionnée")
    notification = page.locator("#mes-notifications").locator("..").locator(".notification")
    expect(notification.first).to_contain_text(TITLE)
    expect(notification.first).to_contain_text("présélectionnée")
    expect(notification.nth(1)).to_contain_text("en cours d'examen")
    check_page(page, "journeys/contributions-after-status")
    page.get_by_role("button", name="Tout marquer comme lu").click()
    expect(page).to_have_url(re.compile("/compte/contributions/$"))
    expect(page.locator(".notification--unread")).to_have_count(0)


@pytest.fixture
def process(_reference_data, axis, editor):
    """A process under way: a workshop to come, a published decision with an action update,
    the 4 founding indicators, two measured."""
    from decisions.demo import seed_indicators
    from decisions.services import (
        action_create,
        action_report,
        measurement_record,
        recommendation_create,
        recommendation_status_change,
    )
    from workshops.models import Workshop

    Workshop.objects.create(
        title="Atelier « Friches et foncier »",
        slug="atelier-friches",
        join_code="FRI234",
        state="scheduled",
        visibility="public",
        starts_at=timezone.now() + timedelta(days=6),
        location="Hôtel d'agglomération, Montbéliard",
    )
    rec = recommendation_create(
        actor=editor,
        title="Créer une Agence Territoriale de Souveraineté",
        axis=axis,
        body="Coordonner les filières.",
        proposals=[],
    )
    recommendation_status_change(recommendation=rec, actor=editor, new_status="adopted")
    recommendation_status_change(recommendation=rec, actor=editor, new_status="published")
    action = action_create(
        actor=editor, recommendation=rec, title="Préfigurer l'agence", owner_name="PMA"
    )
    action_report(
        action=action, actor=editor, text="Statuts rédigés.", progress=35, status="in_progress"
    )
    ctx: dict = {}
    seed_indicators(ctx)
    indicators = ctx["indicators"]
    for slug, values in (
        ("emploi-filieres-diversification", ("1.2", "1.6")),
        ("foncier-friches-requalifiees", ("4", "3")),
    ):
        for year, value in zip((2025, 2026), values, strict=True):
            measurement_record(
                indicator=indicators[slug],
                actor=editor,
                on=date(year, 1, 1),
                value=value,
                source="Observatoire PMA",
            )


def test_home_page_with_and_without_a_live_workshop(site, new_context, process):
    from workshops.models import Workshop

    for size in ("desktop", "phone"):
        page = new_context(size).new_page()
        page.goto(site("/"))
        expect(page.get_by_text("En direct maintenant")).to_have_count(0)
        expect(page.get_by_role("heading", name="Prochains ateliers")).to_be_visible()
        expect(page.get_by_role("link", name="Atelier « Friches et foncier »")).to_be_visible()
        expect(
            page.get_by_role("link", name="Créer une Agence Territoriale de Souveraineté")
        ).to_be_visible()
        expect(page.locator(".home-indicator")).to_have_count(4)
        check_page(page, f"journeys/home-quiet-{size}")

    Workshop.objects.create(
        title="Atelier hydrogène : les usages de demain",
        slug="atelier-hydrogene",
        join_code="HYD567",
        state="live",
        visibility="public",
        starts_at=timezone.now() - timedelta(minutes=20),
        started_at=timezone.now() - timedelta(minutes=15),
        location="Pavillon des Sciences",
    )
    for size in ("desktop", "phone"):
        page = new_context(size).new_page()
        page.goto(site("/"))
        live = page.get_by_role("region", name="En direct maintenant")
        expect(live).to_contain_text("Atelier hydrogène : les usages de demain")
        check_page(page, f"journeys/home-live-{size}")
        # One tap: the join page with the code filled in.
        live.get_by_role("link", name=re.compile("Rejoindre")).click()
        expect(page).to_have_url(re.compile(r"/rejoindre/\?code=HYD567"))
        expect(page.get_by_label(re.compile("Code", re.I)).first).to_have_value("HYD567")


def test_my_contributions_with_everything_a_citizen_leaves(site, new_context, axis, editor):
    """A citizen a few months in: proposals (one in a published recommendation with its
    action), a workshop idea, a support, a comment, a ballot; the page tells what became
    of each, and their own choice only."""
    from decisions.services import (
        action_create,
        action_report,
        recommendation_create,
        recommendation_status_change,
    )
    from proposals.services import comment_create, proposal_create, support_add
    from votes.services import ballot_cast, session_create, session_open
    from workshops.models import Workshop
    from workshops.services import workshop_join

    citizen = UserFactory(display_name="Sofiane")
    workshop = Workshop.objects.create(
        title="Atelier hydrogène", slug="atelier-h2", join_code="HYD999", state="live"
    )
    workshop_join(workshop=workshop, user=citizen)
    kept = proposal_create(
        author=citizen, axis=axis, title="Des bus à hydrogène sur le réseau evolitY", body="Oui."
    )
    proposal_create(
        author=citizen,
        axis=axis,
        title="Former les mécaniciens aux piles à combustible",
        body="Dit en salle.",
        origin_workshop=workshop,
    )
    other = proposal_create(
        author=UserFactory(), axis=axis, title="Un campus des métiers de l'énergie", body="Oui."
    )
    support_add(proposal=other, user=citizen)
    comment_create(proposal=other, author=citizen, body="Avec l'IUT de Belfort-Montbéliard !")
    rec = recommendation_create(
        actor=editor,
        title="Structurer la filière hydrogène",
        axis=axis,
        body="Oui.",
        proposals=[kept],
    )
    recommendation_status_change(recommendation=rec, actor=editor, new_status="adopted")
    recommendation_status_change(recommendation=rec, actor=editor, new_status="published")
    action = action_create(
        actor=editor, recommendation=rec, title="Station H2 de Vieux-Charmont", owner_name="PMA"
    )
    action_report(
        action=action, actor=editor, text="Permis déposé.", progress=20, status="in_progress"
    )
    now = timezone.now()
    session = session_open(
        session=session_create(
            actor=editor,
            title="Priorités 2027",
            method="support",
            labels=["Hydrogène", "Formation", "Friches"],
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=2),
        ),
        actor=editor,
    )
    options = dict(session.options.values_list("label", "pk"))
    ballot_cast(session=session, voter=citizen, choices={options["Formation"]: 1})
    ballot_cast(session=session, voter=UserFactory(), choices={options["Friches"]: 1})

    page = new_context("desktop").new_page()
    sign_in(page, site, citizen, next_path="/compte/contributions/")
    page.goto(site("/compte/contributions/"))
    kept_item = (
        page.locator("#mes-propositions")
        .locator("..")
        .locator(".contrib-item", has_text="Des bus à hydrogène")
    )
    expect(kept_item).to_contain_text("Structurer la filière hydrogène")
    expect(kept_item).to_contain_text("Station H2 de Vieux-Charmont")
    votes = page.locator("#mes-votes").locator("..")
    expect(votes).to_contain_text("Mon choix : Formation")
    expect(votes).not_to_contain_text("Friches")
    check_page(page, "journeys/contributions-rich")
