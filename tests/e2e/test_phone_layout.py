"""The header, the wide tables and the FR/EN switch on a phone (390×844), with and without
JavaScript: a one-row header whose links fold into a « Menu » disclosure, tables that scroll
inside their own labelled, focusable region, and French first whatever the browser's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DESKTOP,
    assert_no_axe_violations,
    eventually,
    no_horizontal_scroll,
    screenshot,
    tab,
)

pytestmark = pytest.mark.e2e

WITH_AND_WITHOUT_JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def _middle(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["y"] + box["height"] / 2


def _tab_to_menu_button(page: Page) -> None:
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    for _ in range(6):
        if tab(page)["tag"] == "summary":
            return
    raise AssertionError("the « Menu » button is not in the Tab order")


@WITH_AND_WITHOUT_JS
def test_the_phone_header_is_one_row_and_its_menu_opens_with_the_keyboard(
    site, new_context, _reference_data, javascript
):
    page = new_context("phone", java_script_enabled=javascript).new_page()
    page.goto(site("/"))
    toggle = page.locator("details.site-menu > summary")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    axes = page.get_by_role("navigation", name="Les 5 axes")

    # Closed: brand, FR/EN and « Menu » on one row; the links are out of sight and of the Tab order.
    expect(toggle).to_be_visible()
    expect(toggle).to_have_accessible_name("Menu")
    expect(navigation).to_be_hidden()
    expect(axes).to_be_hidden()
    row = _middle(page, ".brand")
    for selector in (".lang-button", "details.site-menu > summary"):
        assert abs(_middle(page, selector) - row) < 4, selector
    header = page.locator(".site-header").bounding_box()["height"]
    assert header < 90, f"the phone header is {header}px high"
    no_horizontal_scroll(page, "home, menu closed")

    # Open with Enter: the links one per row, the axes wrapped, nothing sideways.
    _tab_to_menu_button(page)
    page.keyboard.press("Enter")
    expect(navigation).to_be_visible()
    expect(axes).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    assert page.evaluate("() => document.querySelector('details.site-menu').open")
    no_horizontal_scroll(page, "home, menu open")
    assert tab(page)["text"] == "Accueil"  # the first link of the menu comes next
    if javascript:
        screenshot(page, "header-menu-open-phone")
        assert_no_axe_violations(page, "home, phone menu open")
        # Escape closes it and gives the focus back to its button.
        page.keyboard.press("Escape")
        expect(navigation).to_be_hidden()
        assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    else:
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        expect(navigation).to_be_hidden()


def test_the_menu_is_always_open_on_a_wide_screen(site, page, _reference_data):
    page.goto(site("/"))
    expect(page.locator("details.site-menu > summary")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    expect(page.get_by_role("navigation", name="Les 5 axes")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


@WITH_AND_WITHOUT_JS
def test_wide_tables_scroll_in_their_own_region(site, new_context, _reference_data, javascript):
    page = new_context("phone", java_script_enabled=javascript).new_page()
    page.goto(site("/tableau-de-bord/"))
    no_horizontal_scroll(page, "dashboard")
    region = page.get_by_role("region", name="Propositions visibles, par axe et par statut")
    expect(region).to_be_visible()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    expect(region).to_have_attribute("tabindex", "0")
    # Focused, the arrow keys scroll it (WCAG 2.1.1).
    region.focus()
    page.keyboard.press("ArrowRight")
    eventually(
        lambda: region.evaluate("el => el.scrollLeft > 0"), message="ArrowRight did not scroll"
    )
    if javascript:
        assert_no_axe_violations(page, "dashboard (phone)")
        # On a wide screen a region whose table fits leaves the Tab order (app.js).
        page.set_viewport_size(DESKTOP)
        page.wait_for_function(
            """() => [...document.querySelectorAll('main [role="region"]')].every(
                (el) => (el.scrollWidth > el.clientWidth + 1) === el.hasAttribute("tabindex"))""",
            polling=100,
            timeout=5_000,
        )


@WITH_AND_WITHOUT_JS
def test_an_english_browser_gets_french_until_it_picks_english(
    site, new_context, _reference_data, javascript
):
    page = new_context("phone", locale="en-GB", java_script_enabled=javascript).new_page()
    html = page.locator("html")
    page.goto(site("/actions/"))
    expect(html).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()

    page.get_by_role("button", name=re.compile(r"^EN\b")).click()
    expect(html).to_have_attribute("lang", "en")
    assert page.url.endswith("/actions/")  # back on the same page
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    page.goto(site("/"))
    expect(html).to_have_attribute("lang", "en")  # the choice stays

    page.get_by_role("button", name=re.compile(r"^FR\b")).click()
    expect(html).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()


def test_the_boards_filters_fold_behind_a_button_on_a_phone(site, new_context, axis):
    from proposals.services import proposal_create
    from tests.factories import UserFactory

    proposal_create(
        author=UserFactory(), axis=axis, title="Un atelier vélo à Audincourt", body="Réparer."
    )
    page = new_context("phone").new_page()
    page.goto(site(f"/propositions/?axis={axis.slug}&college=citizens"))
    toggle = page.get_by_role("button", name="Filtrer")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Collège")).to_be_hidden()
    # The search, the button, the active filters and the first proposal fit the first screen.
    expect(page.get_by_label("Rechercher")).to_be_in_viewport()
    chips = page.get_by_role("list", name="Filtres actifs").get_by_role("link")
    expect(chips).to_have_count(2)
    expect(page.get_by_text("Un atelier vélo à Audincourt")).to_be_in_viewport()
    assert_no_axe_violations(page, "board, phone, folded")
    screenshot(page, "board-phone-folded")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Collège")).to_be_visible()
    screenshot(page, "board-phone-open")
    # A chip removes its filter.
    chips.filter(has_text="Collège").click()
    page.wait_for_url(f"**/propositions/?axis={axis.slug}")
    expect(page.get_by_role("list", name="Filtres actifs").get_by_role("link")).to_have_count(1)
    no_horizontal_scroll(page, "board, phone")
    # On a desktop, no button: the fields are shown.
    desktop = new_context("desktop").new_page()
    desktop.goto(site("/propositions/"))
    expect(desktop.get_by_role("button", name="Filtrer")).to_be_hidden()
    expect(desktop.get_by_label("Collège")).to_be_visible()
