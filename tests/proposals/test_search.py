"""Full-text search in French: accents and plural/singular (PostgreSQL), and the SQLite fallback."""

from __future__ import annotations

import pytest

from proposals.search import normalize, terms
from proposals.selectors import BoardQuery, board_queryset

pytestmark = pytest.mark.django_db


def _titles(user, q: str, sort: str = "relevance") -> set[str]:
    return {p.title for p in board_queryset(user, BoardQuery(q=q, sort=sort).normalized())}


@pytest.fixture
def corpus(make_proposal):
    make_proposal(title="Développer la filière hydrogène", body="Une énergie d'avenir à Étupes.")
    make_proposal(title="Requalifier les friches industrielles", body="Les parcelles mobilisables.")
    make_proposal(
        title="Former massivement aux métiers de l'industrie", body="Reconversion des salariés."
    )
    make_proposal(
        title="Valoriser la maroquinerie", body="Le savoir-faire du luxe et les métiers d'art."
    )


def test_normalize_removes_accents_case_and_ligatures():
    assert normalize("Énergie ŒUVRE Élu·es") == "energie oeuvre elu·es"
    assert terms("  L'énergie, l'hydrogène !") == ["energie", "hydrogene"]


def test_search_ignores_accents_and_case(corpus, user):
    assert _titles(user, "ENERGIE") == {"Développer la filière hydrogène"}
    assert _titles(user, "hydrogene") == {"Développer la filière hydrogène"}
    assert _titles(user, "étupes") == {"Développer la filière hydrogène"}


def test_search_finds_singular_from_plural_and_back(corpus, user):
    assert _titles(user, "friche") == {"Requalifier les friches industrielles"}
    assert _titles(user, "métier") == {
        "Former massivement aux métiers de l'industrie",
        "Valoriser la maroquinerie",
    }


def test_every_word_must_match(corpus, user):
    assert _titles(user, "métiers luxe") == {"Valoriser la maroquinerie"}
    assert _titles(user, "hydrogène maroquinerie") == set()


def test_search_is_safe_with_odd_input(corpus, user):
    for q in ["'", "%", "_", "a & b | !c", "<script>", "))((", "x" * 300]:
        assert isinstance(_titles(user, q, sort="recent"), set)


@pytest.mark.postgres
def test_french_stemming_on_postgres(corpus, user):
    # The French stemmer: conjugations and derived forms meet at the same stem.
    assert _titles(user, "industriel") == {"Requalifier les friches industrielles"}
    assert _titles(user, "requalifier") == {"Requalifier les friches industrielles"}
    assert _titles(user, "forme") == {"Former massivement aux métiers de l'industrie"}
    assert _titles(user, "reconversions") == {"Former massivement aux métiers de l'industrie"}
    assert _titles(user, "énergies") == {"Développer la filière hydrogène"}


@pytest.mark.postgres
def test_relevance_ranks_and_uses_the_gin_index(corpus, user):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'proposal_search_vector_gin'"
        )
        assert "gin" in cursor.fetchone()[0]
    results = list(board_queryset(user, BoardQuery(q="metiers", sort="relevance").normalized()))
    assert len(results) == 2 and all(hasattr(p, "rank") for p in results)
