"""Similar ideas on the site: while writing (htmx and without JavaScript), never a hidden or
private idea, bounded queries, the index kept current, and the moderators' duplicates queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from proposals import services, similar_index
from proposals.models import Proposal, ProposalStatus, Support
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():
    similar_index.clear()
    yield
    similar_index.clear()


def _similar(client, title="", body="", **extra):
    return client.get(reverse("proposals:similar"), {"title": title, "body": body, **extra})


def _titles(response) -> str:
    return response.content.decode()


@pytest.fixture
def board(make_proposal):
    return {
        "bus": make_proposal(title="Rendre les bus gratuits pour les jeunes"),
        "training": make_proposal(
            title="Des formations aux métiers de l'industrie pour les jeunes"
        ),
        "library": make_proposal(title="Ouvrir les médiathèques le dimanche"),
        "solar": make_proposal(title="Des panneaux solaires sur les toits des usines"),
    }


def test_typing_shows_close_ideas_with_support_instead(client, user, board):
    client.force_login(user)
    response = _similar(client, "formations pr les jeunes ds l'industrie")
    html = _titles(response)
    assert response.status_code == 200
    assert "Des idées proches existent déjà" in html
    assert board["training"].title.replace("'", "&#x27;") in html
    assert "Soutenir plutôt" in html
    assert reverse("proposals:support", args=[board["training"].pk]) in html
    assert board["library"].title not in html
    assert html.count('class="similar-ideas__item"') <= 3


def test_nothing_alike_answers_an_empty_fragment(client, user, board):
    client.force_login(user)
    response = _similar(client, "tarte aux myrtilles")
    assert response.status_code == 200
    assert "Des idées proches" not in _titles(response)
    assert _titles(_similar(client, "")).strip() == ""


def test_endpoint_needs_a_signed_in_person(client, board):
    response = _similar(client, "bus gratuits")
    assert response.status_code == 302


def test_support_instead_is_one_tap(client, user, board):
    client.force_login(user)
    bus = board["bus"]
    response = client.post(
        reverse("proposals:support", args=[bus.pk]), {"next": bus.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == bus.get_absolute_url()
    assert Support.objects.filter(proposal=bus, user=user).exists()


def test_hidden_private_and_merged_ideas_are_never_suggested(
    client, make_proposal, moderator, private_world, board
):
    secret = make_proposal(title="Des bus gratuits le soir pour les jeunes salariés")
    services.proposal_hide(proposal=secret, actor=moderator, reason="Doublon injurieux")
    merged = make_proposal(title="La gratuité des bus pour les jeunes de moins de 26 ans")
    services.proposal_merge(source=merged, target=board["bus"], actor=moderator)
    private = private_world["idea"]  # « Idée confidentielle de l'atelier »

    # Even the people allowed to see them on their pages are not shown them here.
    for person in (moderator, private_world["member"], private_world["author"]):
        client.force_login(person)
        html = _titles(_similar(client, "bus gratuits pour les jeunes le soir"))
        assert board["bus"].title in html
        assert secret.title not in html and merged.title not in html
        html = _titles(_similar(client, "idée confidentielle de l'atelier"))
        assert "confidentielle" not in html
    assert Proposal.objects.filter(pk=private.pk).exists()


def test_hiding_after_the_index_was_built_hides_at_once(client, user, moderator, board):
    client.force_login(user)
    assert board["solar"].title in _titles(_similar(client, "panneaux solaires sur les usines"))
    services.proposal_hide(proposal=board["solar"], actor=moderator, reason="Hors charte")
    assert board["solar"].title not in _titles(_similar(client, "panneaux solaires sur les usines"))


def test_new_and_edited_proposals_reach_the_index(client, user, make_proposal, board):
    client.force_login(user)
    assert "covoiturage" not in _titles(_similar(client, "covoiturage vers les usines"))
    fresh = make_proposal(title="Encourager le covoiturage vers les usines de Sochaux")
    assert fresh.title in _titles(_similar(client, "covoiturage vers les usines"))
    services.proposal_update(
        proposal=board["library"],
        actor=board["library"].author,
        title="Des jardins partagés au pied des immeubles",
        body="",
        axis=board["library"].axis,
    )
    html = _titles(_similar(client, "jardins partagés au pied des immeubles"))
    assert "Des jardins partagés au pied des immeubles" in html
    assert "médiathèques" not in _titles(_similar(client, "médiathèques ouvertes le dimanche"))


def test_editing_excludes_the_proposal_itself(client, board):
    bus = board["bus"]
    client.force_login(bus.author)
    html = _titles(_similar(client, bus.title, exclude=bus.pk))
    assert f'href="{bus.get_absolute_url()}"' not in html


@pytest.mark.parametrize("count", [3, 30])
def test_queries_are_bounded(client, user, make_proposal, count, django_assert_max_num_queries):
    for n in range(count):
        make_proposal(title=f"Des bus gratuits pour les jeunes, variante {n}")
    client.force_login(user)
    _similar(client, "bus gratuits")  # builds the index, warms the session
    # session, user, the user's roles, the index's freshness stamp, the proposals found
    # (visible to the user, public, not merged; axis joined)
    with django_assert_max_num_queries(7):
        response = _similar(client, "des bus gratuits pour les jeunes")
    assert response.content.decode().count('class="similar-ideas__item"') == 3


def test_form_is_wired_for_live_suggestions(client, user, board):
    client.force_login(user)
    html = client.get(reverse("proposals:create")).content.decode()
    assert 'id="similar-ideas"' in html
    assert 'aria-live="polite"' in html
    assert f'hx-get="{reverse("proposals:similar")}"' in html
    assert "delay:400ms from:#id_title" in html
    assert "Des idées proches existent déjà" not in html


def test_without_javascript_a_submitted_form_lists_them(client, user, axis, board):
    """A form sent back (here: no axis chosen) lists the close ideas as plain links."""
    client.force_login(user)
    response = client.post(
        reverse("proposals:create"),
        {"title": "Des formations pr les jeunes dans l'industrie", "body": "Vite."},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not Proposal.objects.filter(title__startswith="Des formations pr").exists()
    assert "Des idées proches existent déjà" in html
    assert f'href="{board["training"].get_absolute_url()}"' in html


# --- the moderators' duplicates queue ------------------------------------------------


@pytest.fixture
def duplicates(make_proposal):
    first = make_proposal(title="Rendre les bus gratuits pour les jeunes")
    second = make_proposal(title="bus gratuit pr les jeunes")
    make_proposal(title="Ouvrir les médiathèques le dimanche")
    return first, second


def test_duplicates_queue_is_for_moderators_and_facilitators(client, user, duplicates):
    client.force_login(user)
    assert client.get(reverse("proposals:duplicates")).status_code == 403
    client.logout()
    assert client.get(reverse("proposals:duplicates")).status_code == 302


def test_duplicates_queue_lists_pairs_and_merges_with_the_merge_service(
    client, moderator, duplicates, django_assert_max_num_queries
):
    first, second = duplicates
    supporter = UserFactory()
    services.support_add(proposal=second, user=supporter)
    client.force_login(moderator)
    client.get(reverse("proposals:duplicates"))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("proposals:duplicates")).content.decode()
    assert "Doublons probables" in html
    assert f"Fusionner n° {second.pk} dans n° {first.pk}" in html
    assert "médiathèques" not in html

    response = client.post(
        reverse("proposals:merge", args=[second.pk]),
        {"target": first.pk, "next": reverse("proposals:duplicates")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("proposals:duplicates")
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == ProposalStatus.MERGED and second.merged_into_id == first.pk
    assert first.support_count == 1
    html = client.get(reverse("proposals:duplicates")).content.decode()
    assert "Aucun doublon probable" in html


def test_moderation_queue_links_to_duplicates(client, moderator):
    client.force_login(moderator)
    html = client.get(reverse("proposals:moderation")).content.decode()
    assert reverse("proposals:duplicates") in html


# --- the index: freshness and the background build -------------------------------------


def test_writes_elsewhere_are_seen_within_the_stamp_period(client, user, board, monkeypatch):
    """A write by another process sends no signal here: the stamp, read at most every
    STAMP_SECONDS, brings it in."""
    from django.utils import timezone

    client.force_login(user)
    assert "navette" not in _titles(_similar(client, "une navette de nuit"))
    Proposal.objects.filter(pk=board["library"].pk).update(
        title="Une navette de nuit vers les usines",
        search_text="une navette de nuit vers les usines",
        updated_at=timezone.now(),
    )
    assert "navette" not in _titles(_similar(client, "une navette de nuit"))  # within the period
    monkeypatch.setattr(similar_index, "STAMP_SECONDS", 0.0)
    assert "Une navette de nuit vers les usines" in _titles(_similar(client, "une navette de nuit"))


@pytest.mark.django_db(transaction=True)
def test_a_large_index_is_built_in_the_background(client, make_proposal, monkeypatch):
    import time

    monkeypatch.setattr(similar_index, "SYNC_BUILD_MAX", 1)
    make_proposal(title="Rendre les bus gratuits pour les jeunes")
    make_proposal(title="Ouvrir les médiathèques le dimanche")
    person = UserFactory()
    client.force_login(person)
    # The first request does not wait for the build: no suggestion yet.
    assert "Rendre les bus" not in _titles(_similar(client, "bus gratuits pour les jeunes"))
    deadline = time.monotonic() + 30
    while similar_index._state["index"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert similar_index._state["index"] is not None
    assert "Rendre les bus gratuits" in _titles(_similar(client, "bus gratuits pour les jeunes"))


def test_duplicates_queue_looks_at_the_latest_written(client, moderator, duplicates, monkeypatch):
    first, second = duplicates  # then « médiathèques », written last
    client.force_login(moderator)
    monkeypatch.setattr(similar_index, "DUPLICATE_WINDOW", 1)
    assert "Aucun doublon probable" in client.get(reverse("proposals:duplicates")).content.decode()
    services.proposal_update(
        proposal=first, actor=first.author, title=first.title, body="Vite !", axis=first.axis
    )
    html = client.get(reverse("proposals:duplicates")).content.decode()
    assert f"Fusionner n° {second.pk} dans n° {first.pk}" in html


def test_similar_to_takes_a_queryset(board, django_assert_max_num_queries):
    from proposals import similarity

    with django_assert_max_num_queries(1):
        found = similarity.similar_to(
            "Ouvrir la médiathèque le dimanche", Proposal.objects.public()
        )
    assert found[0][0] == board["library"].pk
    groups = similarity.suggest_groups(Proposal.objects.public())
    assert all(len(group.ids) >= 2 for group in groups)
