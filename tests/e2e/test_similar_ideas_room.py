"""Similar ideas in a live room, in a browser: a guest typing an idea already on the wall
sees it under the form, the focus staying where they type; axe clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page
from tests.e2e.test_journey_workshop import join_as_guest, scheduled_workshop, wait_live  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_a_guest_sees_the_wall_s_close_idea_while_typing(
    site,
    new_context,
    scheduled_workshop,  # noqa: F811
    facilitator,
    axis,
):
    from workshops.models import WorkshopState
    from workshops.services import idea_post, workshop_state_change

    workshop = workshop_state_change(
        workshop=scheduled_workshop, actor=facilitator, to=WorkshopState.LIVE
    )
    idea_post(
        workshop=workshop,
        user=facilitator,
        axis=axis,
        title="Un inventaire public des friches avec leur état de pollution",
        client_key="e2e-1",
    )
    page = new_context("phone").new_page()
    join_as_guest(page, site, workshop.join_code, "Paul")
    expect(page).to_have_url(re.compile(re.escape(f"/ateliers/{workshop.slug}/")))
    wait_live(page)
    field = page.get_by_label("Votre idée, en une phrase")
    field.click()
    field.press_sequentially("inventaire des friches polluées", delay=20)
    region = page.locator("#room-similar-ideas")
    expect(region).to_contain_text("Des idées proches existent déjà")
    expect(region.get_by_role("link")).to_contain_text("inventaire public des friches")
    assert page.evaluate("() => document.activeElement.name") == "title"
    check_page(page, "room-similar-ideas")
