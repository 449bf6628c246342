"""Every page type that exists, in a real browser: zero axe-core violations (WCAG 2.1 A
and AA) at phone and desktop widths, nothing scrolling sideways, and a screenshot of
each under test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, check_page, sign_in

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    ("home", "/"),
    ("axis", "/axes/filieres-avenir/"),
    ("theme", "/axes/intelligence-artificielle/"),
    ("accessibility", "/accessibilite/"),
    ("legal", "/mentions-legales/"),
    ("login", "/accounts/login/"),
    ("signup", "/accounts/signup/"),
    ("login-code", "/accounts/login/code/"),
    ("password-reset", "/accounts/password/reset/"),
    ("password-reset-done", "/accounts/password/reset/done/"),
    ("email-verification-sent", "/accounts/confirm-email/"),
    ("not-found", "/cette-page-n-existe-pas/"),
]

SIGNED_IN_PAGES = [
    ("account", "/compte/"),
    ("account-email", "/accounts/email/"),
    ("password-change", "/accounts/password/change/"),
    ("mfa", "/accounts/2fa/"),
    ("reauthenticate", "/accounts/reauthenticate/"),
    ("api-tokens", "/compte/jetons/"),
    ("account-delete-confirm", "/compte/supprimer/"),
    ("logout", "/accounts/logout/"),
]


def test_public_pages_have_no_accessibility_violations(site, page):
    for name, path in PUBLIC_PAGES:
        response = page.goto(site(path))
        assert response.status == (404 if name == "not-found" else 200), (
            f"{path}: {response.status}"
        )
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)


def test_account_pages_have_no_accessibility_violations(site, page, user):
    sign_in(page, site, user)
    for name, path in SIGNED_IN_PAGES:
        response = page.goto(site(path))
        assert response.status == 200, f"{path}: {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)

    # Activating TOTP asks for the password again, then shows the QR code and the form.
    page.goto(site("/accounts/2fa/totp/activate/"))
    page.locator("main").get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="Confirmer").click()
    expect(page.locator("main img, main svg").first).to_be_visible()
    check_page(page, "mfa-totp-activate")


def test_forms_with_errors_have_no_accessibility_violations(site, page):
    """Errors are where forms usually fail accessibility: linked to their field, announced."""
    page.goto(site("/accounts/signup/"))
    page.locator("main form").get_by_role("button").click()
    expect(page.locator(".form-errors")).to_be_visible()
    check_page(page, "signup-errors")

    page.goto(site("/accounts/login/"))
    page.get_by_label("Courriel").fill("personne@example.org")
    page.get_by_label("Mot de passe", exact=False).first.fill("faux")
    page.locator("main form").get_by_role("button", name=re.compile("Connexion")).click()
    expect(page.locator(".form-errors")).to_be_visible()
    check_page(page, "login-errors")


def test_every_page_links_the_accessibility_statement(site, page):
    for _, path in PUBLIC_PAGES:
        page.goto(site(path))
        link = page.get_by_role("contentinfo").get_by_role("link", name=re.compile("Accessibilité"))
        expect(link).to_have_attribute("href", "/accessibilite/")
