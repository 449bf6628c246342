"""The summary editor in a real browser: sections reordered by keyboard (focus kept, the new
position announced), by dragging with the mouse, the live preview following, and the published
page in the same order. Screenshots at 1366×768 and 360 px in
test-artifacts/screenshots/journeys/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from summaries.services import summary_create_for_workshop
from tests.e2e.helpers import (
    SCREENSHOTS,
    assert_no_axe_violations,
    no_horizontal_scroll,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e

SECTION_IDS = "els => els.map(e => e.id.replace('section-', ''))"


def _preview_order(page) -> list[str]:
    return page.locator("#summary-live-preview section.summary-section").evaluate_all(SECTION_IDS)


def _rows(page) -> list[str]:
    return page.locator("[data-section-key]").evaluate_all(
        "els => els.map(e => e.dataset.sectionKey)"
    )


def test_reorder_by_keyboard_preview_and_publish(site, new_context, decided_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    page = new_context("desktop").new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, editor, next_path=f"/syntheses/{summary.slug}/modifier/")
    page.goto(site(f"/syntheses/{summary.slug}/modifier/"))
    expect(page.locator("h1")).to_have_text(summary.title)
    assert _preview_order(page) == [
        "participation",
        "agenda",
        "ideas",
        "votes",
        "recommendations",
        "next_steps",
    ]
    screenshot(page, "journeys/summary-editor-1366")

    # « Descendre « Participation » » twice with the keyboard: the focus stays on the button.
    down = page.get_by_role("button", name="Descendre « Participation »")
    down.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert _rows(page)[:3] == ["agenda", "ideas", "participation"]
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused == "Descendre « Participation »"
    expect(page.locator("[data-summary-live]")).to_have_text(
        "« Participation » : position 3 sur 6."
    )
    expect(page.locator("#row-participation [data-position]")).to_have_text("3")

    # « Et maintenant ? » to the top: five times up, then up is refused, the focus still there.
    up = page.get_by_role("button", name="Monter « Et maintenant ? »")
    up.focus()
    for _ in range(6):
        page.keyboard.press("Enter")
    assert _rows(page)[0] == "next_steps"
    expect(up).to_have_attribute("aria-disabled", "true")
    expect(up).to_be_focused()
    expect(page.locator("[data-summary-live]")).to_have_text(
        "« Et maintenant ? » : position 1 sur 6."
    )

    expected = ["next_steps", "agenda", "ideas", "participation", "votes", "recommendations"]
    assert _rows(page) == expected
    # The live preview follows, without saving anything.
    page.wait_for_function(
        """(expected) => [...document.querySelectorAll('#summary-live-preview section.summary-section')]
            .map(e => e.id.replace('section-', '')).join() === expected.join()""",
        arg=expected,
    )
    # Typing a note shows it in the preview.
    page.locator("#row-ideas summary").click()
    page.get_by_label("Texte de l'éditeur·rice pour « Idées déposées » (Markdown)").fill(
        "Des idées **nombreuses**."
    )
    expect(page.locator("#summary-live-preview #section-ideas .summary-note strong")).to_have_text(
        "nombreuses"
    )
    summary.refresh_from_db()
    assert [s["key"] for s in summary.sections][0] == "participation"

    assert_no_axe_violations(page, "summary editor (1366)")
    no_horizontal_scroll(page, "summary editor (1366)")
    screenshot(page, "journeys/summary-editor-reordered-1366")
    # What the editor sees in one 1366×768 screen: the sections beside the preview.
    page.locator(".summary-sections-field").evaluate("el => el.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "journeys" / "summary-editor-1366x768.png"))

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".message--success")).to_contain_text("Brouillon enregistré.")
    assert _rows(page) == expected
    page.get_by_role("button", name="Publier la synthèse").click()
    expect(page).to_have_url(re.compile(rf"/syntheses/{summary.slug}/$"))
    published = page.locator("article .summary-doc section.summary-section").evaluate_all(
        SECTION_IDS
    )
    assert published == expected
    expect(page.locator("#section-ideas .summary-note strong")).to_have_text("nombreuses")
    assert not errors, errors


def test_drag_a_section_with_the_mouse(site, new_context, held_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    page = new_context("desktop").new_page()
    # Tall enough for the whole list in view: the mouse moves within the window.
    page.set_viewport_size({"width": 1366, "height": 1800})
    sign_in(page, site, editor, next_path=f"/syntheses/{summary.slug}/modifier/")
    page.goto(site(f"/syntheses/{summary.slug}/modifier/"))
    page.evaluate("() => document.querySelector('#row-participation').scrollIntoView()")
    handle = page.locator("#row-votes [data-drag-handle]").bounding_box()
    target = page.locator("#row-participation").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        y = handle["y"] + (target["y"] + 5 - handle["y"]) * step / 10
        page.mouse.move(handle["x"] + 5, y)
    page.mouse.up()
    assert _rows(page)[0] == "votes"
    expect(page.locator("[data-summary-live]")).to_have_text(
        "« Résultats des votes » : position 1 sur 6."
    )
    page.wait_for_function(
        "() => document.querySelector('#summary-live-preview section.summary-section').id"
        " === 'section-votes'"
    )


def test_the_editor_on_a_phone(site, new_context, decided_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    page = new_context("phone").new_page()
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, site, editor, next_path=f"/syntheses/{summary.slug}/modifier/")
    page.goto(site(f"/syntheses/{summary.slug}/modifier/"))
    no_horizontal_scroll(page, "summary editor (360)")
    assert_no_axe_violations(page, "summary editor (360)")
    screenshot(page, "journeys/summary-editor-360")
    page.locator(".summary-sections-field").evaluate("el => el.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "journeys" / "summary-editor-360x780.png"))
    page.locator(".summary-left-out").evaluate("el => el.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "journeys" / "summary-editor-left-out-360x780.png"))


def test_the_move_buttons_without_javascript(site, new_context, held_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    page = new_context("desktop", java_script_enabled=False).new_page()
    sign_in(page, site, editor, next_path=f"/syntheses/{summary.slug}/modifier/")
    page.goto(site(f"/syntheses/{summary.slug}/modifier/"))
    page.get_by_role("button", name="Descendre « Participation »").click()
    expect(page).to_have_url(re.compile(r"\?moved=participation:down$"))
    assert _rows(page)[:2] == ["agenda", "participation"]
    expect(page.locator(".messages")).to_contain_text(
        "« Participation » est maintenant en position 2 sur 6."
    )
    # The page comes back with the focus on the button pressed.
    expect(page.get_by_role("button", name="Descendre « Participation »")).to_be_focused()
    summary.refresh_from_db()
    assert [s["key"] for s in summary.sections][:2] == ["agenda", "participation"]
