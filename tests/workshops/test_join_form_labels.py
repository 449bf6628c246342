"""The join form's attendance choice is a group with a legend, not a label for nothing."""

from __future__ import annotations

import pytest

from tests.security.crawl import PageParser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_attendance_radio_group_is_a_fieldset_with_a_legend(client, user, logged_in):
    if logged_in:
        client.force_login(user)
    html = client.get("/rejoindre/").content.decode()
    assert 'for=""' not in html
    assert (
        "<legend" in html and "Vous participez" in html.split("<legend", 1)[1].split("</legend>")[0]
    )
    parser = PageParser()
    parser.feed(html)
    assert parser.problems == []
