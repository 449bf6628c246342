"""The board's cache (proposals.board_cache): every write that changes the board shows at once,
per language and per viewer; a warm board costs almost no query; no cache, no harm."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from proposals import board_cache, services
from proposals.models import Axis, Proposal
from tests.factories import UserFactory
from tests.proposals.test_views import board_ids

pytestmark = pytest.mark.django_db

BOARD = "/propositions/"


def board(client=None, **params) -> str:
    """The board as an anonymous visitor (a returning one: same random-order seed) sees it."""
    response = (client or ANONYMOUS).get(BOARD, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


ANONYMOUS = Client()


def cards(text: str) -> str:
    """The list part of a board page (not the filters, not the layout)."""
    return text.split('id="board-results"')[1]


@pytest.fixture(autouse=True)
def _fresh_visitor(settings):
    # The local-memory cache of a Redis-less run is per process, so the board is not cached
    # there by default; these tests run in one process and turn it on.
    settings.BOARD_CACHE = True
    ANONYMOUS.cookies.clear()


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


@pytest.fixture
def facilitator(db):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="facilitators")[0])
    return user


def test_the_cache_serves_the_anonymous_board(make_proposal, django_assert_max_num_queries):
    proposal = make_proposal(title="Une idée pour les friches")
    assert "Une idée pour les friches" in board()
    # Warm: the whole page, layout included, comes from the cache.
    with django_assert_max_num_queries(0):
        assert "Une idée pour les friches" in board()
    # A write behind the services' back (no signal, no bump) is not seen: what is shown is
    # the cache, which is why every write path below must bump it.
    Proposal.objects.filter(pk=proposal.pk).update(title="Changée en douce")
    assert "Une idée pour les friches" in board()


def test_a_new_visitor_reuses_the_cached_count_and_choices(
    make_proposal, django_assert_max_num_queries
):
    for i in range(3):
        make_proposal(title=f"Idée numéro {i} du tableau")
    board()
    # Their own random order: the page's ids and rows, plus the axis navigation; the COUNT,
    # the axes and workshops of the filters come from the cache.
    with django_assert_max_num_queries(3):
        html_text = board(Client())
    assert "3 propositions" in html_text


def test_sorted_boards_are_shared_between_visitors(make_proposal, django_assert_max_num_queries):
    make_proposal(title="Idée partagée par tous")
    board(sort="supported")
    with django_assert_max_num_queries(0):
        assert "Idée partagée par tous" in board(Client(), sort="supported")


# --- the whole page --------------------------------------------------------------------------


def _csrf_token_in(text: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)[1]


def test_the_cached_page_carries_each_visitors_own_csrf_token(make_proposal):
    make_proposal()
    board()  # cached
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        text = board(visitor)
        assert board_cache._csrf_placeholder() not in text
        token = _csrf_token_in(text)
        assert f'"X-CSRFToken": "{token}"' in text
        tokens.append(token)
        # The page's token works with this visitor's cookie: the language switch accepts it.
        response = visitor.post(
            "/i18n/setlang/", {"language": "en", "next": BOARD, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
    assert tokens[0] != tokens[1]


def test_the_cached_page_keeps_the_visitors_own_path(make_proposal):
    make_proposal()
    for query in ("sort=recent&q=friche", "q=friche&sort=recent"):
        text = html.unescape(ANONYMOUS.get(f"{BOARD}?{query}").content.decode())
        assert f'name="next" type="hidden" value="{BOARD}?{query}"' in text


def test_messages_are_shown_to_their_visitor_only(make_proposal, client, user):
    make_proposal()
    board()  # cached
    client.force_login(user)
    client.post("/accounts/logout/")  # leaves a message for the next page, signed out
    text = board(client)
    assert 'class="message message--' in text
    assert 'class="message message--' not in board(client)
    assert 'class="message message--' not in board()


# --- every write shows at once --------------------------------------------------------------


def test_a_new_proposal_shows_at_once(make_proposal):
    make_proposal(title="Première idée")
    assert "1 proposition" in board()
    make_proposal(title="Deuxième idée")
    text = board()
    assert "Deuxième idée" in text and "2 propositions" in text


def test_an_edit_shows_at_once(make_proposal, user):
    proposal = make_proposal(author=user, title="Titre de départ")
    assert "Titre de départ" in board()
    services.proposal_update(proposal=proposal, actor=user, title="Titre corrigé de l'idée")
    text = board()
    assert "Titre corrigé de l'idée" in text and "Titre de départ" not in text


def test_a_status_change_shows_at_once(make_proposal, facilitator):
    proposal = make_proposal()
    assert "En cours d'examen" not in cards(board())
    services.proposal_status_change(proposal=proposal, actor=facilitator, new_status="under_review")
    assert "En cours d'examen" in cards(board())
    assert board_ids(ANONYMOUS.get(BOARD, {"status": "under_review"})) == [proposal.pk]


def test_a_merge_shows_at_once(make_proposal, moderator, user):
    source = make_proposal(title="Le doublon de l'idée")
    target = make_proposal(title="L'idée qui reste")
    services.support_add(proposal=source, user=user)
    text = board()
    assert "Le doublon de l'idée" in text and "2 propositions" in text
    services.proposal_merge(source=source, target=target, actor=moderator)
    text = board()
    assert "Le doublon de l'idée" not in text and "1 proposition" in text
    assert "1 soutien" in text


def test_hiding_and_restoring_show_at_once(make_proposal, moderator):
    proposal = make_proposal(title="Une idée signalée")
    assert "Une idée signalée" in board()
    services.proposal_hide(proposal=proposal, actor=moderator, reason="Hors sujet")
    assert "Une idée signalée" not in board()
    services.proposal_restore(proposal=proposal, actor=moderator, reason="Erreur")
    assert "Une idée signalée" in board()


def test_supports_show_at_once(make_proposal, user):
    proposal = make_proposal()
    assert "0 soutien" in board()
    services.support_add(proposal=proposal, user=user)
    assert "1 soutien" in board()
    services.support_remove(proposal=proposal, user=user)
    assert "0 soutien" in board()


def test_comment_counts_show_at_once(make_proposal, user, moderator):
    proposal = make_proposal()
    assert "0 commentaire" in board()
    comment = services.comment_create(proposal=proposal, author=user, body="Bonne idée.")
    assert "1 commentaire" in board()
    services.comment_hide(comment=comment, actor=moderator, reason="Insultant")
    assert "0 commentaire" in board()
    services.comment_restore(comment=comment, actor=moderator, reason="Erreur")
    assert "1 commentaire" in board()
    services.comment_delete(comment=comment, actor=user)
    assert "0 commentaire" in board()


def test_an_axis_rename_shows_at_once(make_proposal, axis):
    make_proposal()
    assert axis.short_title in cards(board())
    axis.short_title = "Industries de demain"
    axis.save()
    text = board()
    assert "Industries de demain" in cards(text)
    assert "Industries de demain" in text.split('id="id_axis"')[1].split("</select>")[0]


def test_an_author_rename_and_deletion_show_at_once(make_proposal):
    from accounts.privacy import account_delete
    from accounts.services import profile_update

    author = UserFactory(display_name="Camille Petit")
    make_proposal(author=author)
    assert "Camille Petit" in board()
    profile_update(user=author, display_name="Camille P.", college=author.college)
    assert "Camille P.," in board()
    account_delete(user=author)
    text = board()
    assert "Camille" not in text and "Participant·e supprimé·e" in text


def test_a_login_does_not_empty_the_cache(make_proposal, user, client):
    make_proposal()
    board()
    before = board_cache.generation()
    client.force_login(user)
    assert board_cache.generation() == before


# --- private workshops, viewers, languages ----------------------------------------------


def test_a_members_board_never_reaches_the_public(private_world, client):
    client.force_login(private_world["member"])
    for params in ({}, {"sort": "recent"}, {"q": "confidentielle"}):
        assert "Idée confidentielle" in board(client, **params)
    for params in ({}, {"sort": "recent"}, {"q": "confidentielle"}):
        text = board(**params)
        assert "Idée confidentielle" not in text and "Atelier fermé" not in text


def test_a_workshop_made_public_or_private_shows_at_once(private_world):
    workshop = private_world["workshop"]
    text = board()
    assert "Idée confidentielle" not in text and "Atelier fermé" not in text
    workshop.visibility = "public"
    workshop.save(update_fields=["visibility"])
    text = board()
    # On the list and in the workshop filter.
    assert "Idée confidentielle" in text and "Atelier fermé" in text.split('id="id_workshop"')[1]
    workshop.visibility = "private"
    workshop.save(update_fields=["visibility"])
    assert "Idée confidentielle" not in board()


def test_a_signed_in_visitor_sees_their_own_supports(make_proposal, user, client):
    proposal = make_proposal()
    services.support_add(proposal=proposal, user=user)
    board()  # the anonymous page is cached first
    client.force_login(user)
    assert "Vous soutenez" in board(client)
    assert "Vous soutenez" not in board()


def test_each_language_has_its_own_board(make_proposal):
    from django.conf import settings

    make_proposal()
    assert "1 proposition" in board() and "Rechercher" in board()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = board(english)
    assert "1 proposal" in text and "Search" in text and "Rechercher" not in text
    assert "Rechercher" in board()


def test_htmx_results_and_full_page_are_cached_apart(make_proposal):
    make_proposal(title="Idée au tableau")
    htmx = ANONYMOUS.get(BOARD, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-results")
    assert "<html" not in htmx.content.decode()
    page = board()
    assert "<html" in page and "Idée au tableau" in page
    htmx = ANONYMOUS.get(BOARD, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-results")
    assert "<html" not in htmx.content.decode() and "hx-swap-oob" in htmx.content.decode()


# --- the generation --------------------------------------------------------------------


def test_a_write_bumps_again_after_commit(make_proposal, user, django_capture_on_commit_callbacks):
    proposal = make_proposal()
    start = board_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.support_add(proposal=proposal, user=user)
        # Bumped at once: a reader of this instant may still see the rows before the
        # commit and store them under this generation...
        during = board_cache.generation()
        assert during > start
    # ...which the bump after the commit leaves behind.
    assert board_cache.generation() > during


def test_an_evicted_generation_never_comes_back(make_proposal):
    from django.core.cache import cache

    first = board_cache.generation()
    board_cache.changed()
    cache.delete(board_cache.GENERATION_KEY)
    assert board_cache.generation() not in {first, first + 1}


def test_without_the_cache_the_board_is_computed_each_time(make_proposal, settings, user):
    """Redis away: project.cache answers like an empty cache, and the board stays right."""
    settings.CACHES = {
        "default": {
            "BACKEND": "project.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    proposal = make_proposal(title="Idée sans cache")
    assert board_cache.generation() is None
    assert "Idée sans cache" in board() and "0 soutien" in board()
    services.support_add(proposal=proposal, user=user)
    assert "1 soutien" in board()


def test_the_board_cache_is_off_with_a_per_process_cache(settings, make_proposal):
    settings.BOARD_CACHE = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not board_cache.enabled() and board_cache.generation() is None
    settings.CACHES = {
        "default": {"BACKEND": "project.cache.ResilientRedisCache", "LOCATION": "redis://x"}
    }
    assert board_cache.enabled()


def test_generate_load_bumps_the_generation(db, axis):
    from django.core.management import call_command

    start = board_cache.generation()
    call_command("generate_load", proposals=3, users=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert board_cache.generation() > start
    assert Axis.objects.exists()
