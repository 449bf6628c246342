"""From a closed vote's results, a Codev editor starts a recommendation with its top proposals."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from votes.models import SessionState, VoteSession


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return VoteSession.objects.filter(
        state=SessionState.PUBLISHED, options__proposal__isnull=False
    ).first()


def test_an_editor_gets_the_form_with_the_top_three_checked(client, demo):
    from accounts.models import User

    client.force_login(User.objects.get(username="claire.codev"))
    html = client.get(f"/votes/{demo.pk}/resultats/").content.decode()
    assert 'action="/recommandations/nouvelle/"' in html
    assert f'name="vote" value="{demo.pk}"' in html
    assert html.count("checked") >= 3
    proposals = [str(p) for p in demo.options.values_list("proposal_id", flat=True)[:2]]
    response = client.get("/recommandations/nouvelle/", {"vote": demo.pk, "proposals": proposals})
    assert response.status_code == 200
    page = response.content.decode()
    for pk in proposals:
        assert f'value="{pk}"' in page


def test_others_do_not_see_it(client, demo):
    html = client.get(f"/votes/{demo.pk}/resultats/").content.decode()
    assert "/recommandations/nouvelle/" not in html
