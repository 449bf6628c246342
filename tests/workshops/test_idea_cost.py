"""What posting an idea in a room costs in SQL statements (40 rooms post one a second each).

On PostgreSQL (13 statements in a test's transaction): the workshop and the participation
read now (rights), the client key looked up once, the axis of the room, the savepoints,
the INSERT with its search vector, the author's follow, the status change, the room's
sequence and event. SQLite has no vector."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Proposal
from proposals.search import apply_search
from workshops import services

pytestmark = pytest.mark.django_db


def test_an_idea_costs_13_statements_at_most(
    django_assert_max_num_queries, live, participant, axis
):
    with django_assert_max_num_queries(13):
        idea = services.idea_post(
            workshop=live,
            user=participant.user,
            axis=axis,
            title="Hydrogène vert pour les bus",
            client_key="k1",
        )
    assert idea.pk
    with CaptureQueriesContext(connection) as ctx:
        services.idea_post(
            workshop=live, user=participant.user, axis=axis, title="Autre", client_key="k2"
        )
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum("client_key" in s and s.startswith("SELECT") for s in sqls) == 1
    assert not any(s.startswith("UPDATE") and "search_vector" in s for s in sqls)


def test_an_idea_is_found_by_search_at_once(live, participant, axis):
    idea = services.idea_post(
        workshop=live, user=participant.user, axis=axis, title="Les friches industrielles"
    )
    found = apply_search(Proposal.objects.all(), "friche")
    assert list(found.values_list("pk", flat=True)) == [idea.pk]


@pytest.mark.postgres
def test_the_vector_set_in_the_insert_is_the_one_an_update_sets(live, participant, axis):
    from proposals.search import refresh_search_vector

    idea = services.idea_post(
        workshop=live,
        user=participant.user,
        axis=axis,
        title="Énergies renouvelables",
        body="**Vite** !",
    )
    inserted = Proposal.objects.values_list("search_vector", flat=True).get(pk=idea.pk)
    assert inserted
    refresh_search_vector(Proposal.objects.filter(pk=idea.pk))
    assert Proposal.objects.values_list("search_vector", flat=True).get(pk=idea.pk) == inserted


def test_a_retry_with_a_padded_key_returns_the_first_idea(live, participant, axis):
    first = services.idea_post(
        workshop=live, user=participant.user, axis=axis, title="Première", client_key="k9"
    )
    again = services.idea_post(
        workshop=live, user=participant.user, axis=axis, title="Seconde", client_key=" k9 "
    )
    assert again == first
    assert Proposal.objects.filter(author=participant.user).count() == 1
