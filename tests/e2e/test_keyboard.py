"""Keyboard only: the skip link comes first and works, every focus stop is visible and on
screen, and Tab follows the reading order, on every page type that exists."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import assert_keyboard_basics, sign_in

pytestmark = pytest.mark.e2e

PAGES = [
    "/",
    "/axes/filieres-avenir/",
    "/accessibilite/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_public_pages_with_the_keyboard(site, new_context, size):
    page = new_context(size).new_page()
    for path in PAGES:
        page.goto(site(path))
        assert_keyboard_basics(page, f"{path} ({size})")


def test_account_page_with_the_keyboard(site, page, user):
    sign_in(page, site, user)
    page.goto(site("/compte/"))
    stops = assert_keyboard_basics(page, "/compte/", stops=40)
    assert any(stop["text"] == "Se déconnecter" for stop in stops), stops


def test_signing_in_with_the_keyboard_only(site, page, user):
    page.goto(site("/accounts/login/"))
    assert_keyboard_basics(page, "login")
    # From the skip link to the form: e-mail, password, then submit with Enter.
    page.goto(site("/accounts/login/"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link: focus on <main>
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "email":
            break
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type("motdepasse-test-123")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
