"""Ideas of live rooms and the public board's cache (proposals.board_cache.changed_soon):
they reach the board within COALESCE_SECONDS, however many, with one rebuild; anything else
about a room's idea still shows at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from proposals import board_cache, services
from tests.proposals.test_board_cache import ANONYMOUS, board

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _board_cache_on(settings):
    settings.BOARD_CACHE = True
    ANONYMOUS.cookies.clear()


@pytest.fixture
def live_workshop(db):
    from workshops.models import Workshop

    return Workshop.objects.create(
        title="Table ronde des filières",
        slug="table-ronde",
        join_code="TABL42",
        visibility="public",
        state="live",
    )


# The authors exist beforehand: a new user's factory saves it again (a board write).


def test_a_room_idea_reaches_the_board_within_the_window(
    make_proposal, live_workshop, monkeypatch, user, django_capture_on_commit_callbacks
):
    make_proposal(title="Idée de départ du tableau")
    assert "Idée de départ du tableau" in board()
    before = board_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(
            author=user, title="Idée posée à la table ronde", origin_workshop=live_workshop
        )
    # Within the window: the board is not rebuilt (the room shows the idea live).
    assert board_cache.generation() == before
    assert "Idée posée à la table ronde" not in board()
    # Once the window has passed, the next reader folds the mark into one bump.
    monkeypatch.setattr(board_cache, "COALESCE_SECONDS", 0.0)
    text = board()
    assert "Idée posée à la table ronde" in text and "2 propositions" in text
    assert board_cache.generation() == before + 1


def test_many_room_ideas_make_one_rebuild(
    make_proposal, live_workshop, monkeypatch, user, django_capture_on_commit_callbacks
):
    make_proposal()
    board()
    before = board_cache.generation()
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            make_proposal(
                author=user, title=f"Idée de la table numéro {i}", origin_workshop=live_workshop
            )
    assert board_cache.generation() == before
    monkeypatch.setattr(board_cache, "COALESCE_SECONDS", 0.0)
    assert board_cache.generation() == before + 1
    assert board_cache.generation() == before + 1  # folded once, the mark is gone
    assert "6 propositions" in board()


def test_a_room_idea_is_marked_once_committed(
    make_proposal, live_workshop, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(board_cache, "COALESCE_SECONDS", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(origin_workshop=live_workshop)
        # Before the commit no reader can see the idea: nothing to fold yet...
        assert cache.get(board_cache.PENDING_KEY) is None
    # ...once committed, the mark makes the next reader rebuild.
    assert cache.get(board_cache.PENDING_KEY) is not None
    before = cache.get(board_cache.GENERATION_KEY)
    assert board_cache.generation() == before + 1


def test_an_edit_of_a_room_idea_shows_at_once(make_proposal, live_workshop, user):
    idea = make_proposal(author=user, title="Titre posé à la table", origin_workshop=live_workshop)
    before = board_cache.generation()
    services.proposal_update(proposal=idea, actor=user, title="Titre corrigé après la table")
    assert board_cache.generation() > before
