"""An action the server answers « busy » (the socket's earlier actions still run: at most
REALTIME_ACTIONS_IN_FLIGHT) is sent again by the page, which then shows the idea as sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in
from tests.e2e.test_phone_room import room  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

BUSY_TWICE = """() => {
  const socket = document.getElementById("room").roomSocket;
  const send = socket.sendOnce.bind(socket);
  window.__sent = 0;
  socket.sendOnce = (action, data) => {
    window.__sent += 1;
    if (window.__sent <= 2) return Promise.reject({ code: "busy", message: "Occupé" });
    return send(action, data);
  };
}"""


def test_an_idea_answered_busy_is_sent_again(site, new_context, room):  # noqa: F811
    from proposals.models import Proposal

    page = new_context("desktop").new_page()
    sign_in(page, site, room.members[0])
    page.goto(site(room.get_absolute_url()))
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")
    page.evaluate(BUSY_TWICE)
    page.locator("form.idea-form [name=title]").fill("Un marché sur la friche")
    page.get_by_role("button", name="Poster l'idée").click()
    expect(page.locator("form.idea-form [name=title]")).to_have_value("", timeout=10_000)
    assert page.evaluate("() => window.__sent") == 3
    assert page.locator("#room").get_attribute("data-connection") == "live"
    assert Proposal.objects.filter(title="Un marché sur la friche").count() == 1
