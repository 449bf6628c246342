"""generate_load: realistic volume, exact counters, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from proposals.models import Axis, Comment, Proposal, StatusChange, Support

pytestmark = pytest.mark.django_db


def test_generate_load_creates_realistic_rows_with_exact_counters():
    call_command("generate_load", proposals=120, users=30, stdout=StringIO())
    load = Proposal.objects.filter(client_key__startswith="load-")
    assert load.count() == 120
    assert set(load.values_list("axis__slug", flat=True)) == set(
        Axis.objects.values_list("slug", flat=True)
    )
    assert len(set(load.values_list("status", flat=True))) == 6
    assert len(set(load.values_list("author_college", flat=True))) == 4
    assert Support.objects.exists() and Comment.objects.filter(parent__isnull=False).exists()
    for p in load:
        assert p.support_count == p.supports.count()
        assert p.comment_count == p.comments.count()
        assert p.status_changes.last().new_status == p.status
        if p.status == "merged":
            assert p.merged_into_id and p.support_count == 0
        assert p.body_html.startswith("<p><strong>Pourquoi ?</strong>")
        assert p.search_text == p.search_text.lower()


def test_generate_load_is_idempotent_and_tops_up():
    call_command("generate_load", proposals=50, users=10, stdout=StringIO())
    counts = (Proposal.objects.count(), Support.objects.count(), StatusChange.objects.count())
    call_command("generate_load", proposals=50, users=10, stdout=StringIO())
    assert (
        Proposal.objects.count(),
        Support.objects.count(),
        StatusChange.objects.count(),
    ) == counts
    call_command("generate_load", proposals=80, users=10, stdout=StringIO())
    assert Proposal.objects.count() == 80


def test_generated_proposals_are_searchable(client):
    call_command("generate_load", proposals=80, users=10, stdout=StringIO())
    data = client.get("/api/v1/proposals", {"q": "hydrogène"}).json()
    assert data["count"] > 0
