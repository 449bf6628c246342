"""From a closed vote's results, a Codev editor makes a recommendation in one step: on the
vote page and on the results page, a button that creates a draft pre-filled from the result."""

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


def test_an_editor_gets_the_button_on_the_vote_page_and_the_results_page(client, demo):
    from accounts.models import User
    from decisions.models import Recommendation

    client.force_login(User.objects.get(username="claire.codev"))
    for url in (f"/votes/{demo.pk}/", f"/votes/{demo.pk}/resultats/"):
        html = client.get(url).content.decode()
        assert f'action="/recommandations/depuis/vote/{demo.pk}/"' in html, url
        assert "Faire de ce résultat une recommandation" in html
    before = Recommendation.objects.count()
    response = client.post(f"/recommandations/depuis/vote/{demo.pk}/")
    assert response.status_code == 302
    recommendation = Recommendation.objects.order_by("-pk").first()
    assert Recommendation.objects.count() == before + 1
    assert response["Location"] == f"/recommandations/{recommendation.pk}/modifier/"
    assert recommendation.status == "draft"
    assert recommendation.vote_sources.get().session == demo
    assert demo.title in recommendation.body


def test_others_do_not_see_it_nor_may_use_it(client, demo):
    from accounts.models import User

    html = client.get(f"/votes/{demo.pk}/resultats/").content.decode()
    assert "/recommandations/depuis/" not in html
    assert client.post(f"/recommandations/depuis/vote/{demo.pk}/").status_code == 302  # to login
    client.force_login(User.objects.filter(groups__isnull=True, is_superuser=False).first())
    assert "/recommandations/depuis/" not in client.get(f"/votes/{demo.pk}/").content.decode()
    assert client.post(f"/recommandations/depuis/vote/{demo.pk}/").status_code == 403
