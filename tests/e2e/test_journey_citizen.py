"""Journey 5: a citizen signs up, signs in with an e-mail code, writes a proposal in
Markdown, supports someone else's, downloads their data and deletes their account —
on a phone-sized screen, through the real pages, e-mails and downloads."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, open_menu
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

EMAIL = "camille.citoyenne@example.org"
TITLE = "Des navettes électriques vers la zone des Hauts de Bavilliers"


@pytest.fixture
def other_proposal(axis):
    from proposals.services import proposal_create

    author = UserFactory(display_name="Karim Entrepreneur", college="enterprises")
    return proposal_create(
        author=author,
        axis=axis,
        title="Un guichet unique pour les friches industrielles",
        body="Un seul interlocuteur pour **requalifier** une friche.",
    )


def confirmation_link(mail: str) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail).group(0)


def test_citizen_from_sign_up_to_account_deletion(site, new_context, other_proposal, axis):
    context = new_context("phone", accept_downloads=True)
    page = context.new_page()

    # Sign up: display name, college, terms; then the confirmation e-mail.
    page.goto(site("/accounts/signup/"))
    page.get_by_label("Courriel").fill(EMAIL)
    page.get_by_label("Nom affiché").fill("Camille")
    page.get_by_label("Collège").select_option("citizens")
    page.get_by_label("J'accepte les conditions").check()
    page.get_by_label("Mot de passe (obligatoire)").fill("un-mot-de-passe-solide-42")
    page.get_by_label("Mot de passe (confirmation)").fill("un-mot-de-passe-solide-42")
    page.locator("main form").get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérifiez")
    check_page(page, "journey-citizen-verify-email")

    page.goto(confirmation_link(site.last_mail_to(EMAIL)))
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(lambda url: "/confirm-email/" not in url)
    # Whether or not the confirmation signs the person in, sign out to use a code.
    open_menu(page)  # a phone: the account links are in the header's menu
    logout = page.get_by_role("button", name="Se déconnecter")
    if logout.count():
        logout.click()
        if page.url.endswith("/accounts/logout/"):
            page.locator("main form").get_by_role("button").click()
    expect(page.get_by_role("link", name="Se connecter", include_hidden=True)).to_have_count(1)
    open_menu(page)
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()

    # Sign in with a one-time code sent by e-mail: no password.
    page.goto(site("/accounts/login/"))
    page.get_by_role("link", name=re.compile("code de connexion")).click()
    page.get_by_label("Courriel").fill(EMAIL)
    page.locator("main form").get_by_role("button").click()
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", site.last_mail_to(EMAIL), re.M).group(1)
    check_page(page, "login-code-confirm")
    page.get_by_label("Code").fill(code)
    page.locator("main form").get_by_role("button").first.click()
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_have_count(1)
    open_menu(page)
    expect(page.get_by_role("link", name=re.compile("Camille"))).to_be_visible()

    # A proposal in Markdown, with the live preview, then its page.
    page.goto(site("/propositions/nouvelle/"))
    page.locator("main").get_by_label("Axe").select_option(value=str(axis.pk))
    page.locator("main").get_by_label("Titre").fill(TITLE)
    page.get_by_label("Votre proposition").fill(
        "Relier la gare et la zone **sans voiture** :\n\n- une navette toutes les 15 minutes\n- des abris vélos"
    )
    expect(page.locator("#preview strong")).to_have_text("sans voiture")
    check_page(page, "proposal-form")
    page.get_by_role("button", name="Publier la proposition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".markdown strong")).to_have_text("sans voiture")
    expect(page.locator(".markdown li")).to_have_count(2)
    check_page(page, "proposal")

    # Support someone else's proposal.
    page.goto(site(other_proposal.get_absolute_url()))
    support = page.get_by_role("button", name="Soutenir cette proposition")
    support.click()
    expect(page.get_by_role("button", name="Retirer mon soutien")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".support-box__count strong")).to_have_text("1")

    # Download my data: a ZIP with my proposal and my support in it.
    page.goto(site("/compte/"))
    check_page(page, "account-citizen")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger mes données").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    everything = {name: archive.read(name).decode() for name in archive.namelist()}
    assert TITLE in json.dumps(everything, ensure_ascii=False)
    assert other_proposal.title in everything["supports.json"]

    # Delete the account: signed out, the proposal stays under a neutral name.
    page.get_by_role("link", name="Supprimer mon compte").click()
    check_page(page, "account-delete")
    page.get_by_label(re.compile("Je comprends|supprim", re.I)).check()
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est supprimé")
    open_menu(page)
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto(site("/propositions/"))
    card = page.locator(".proposal-card", has_text=TITLE)
    expect(card).to_contain_text("Participant·e supprimé·e")
    expect(page.get_by_text("Camille")).to_have_count(0)
