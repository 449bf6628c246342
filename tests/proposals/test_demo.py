"""The proposals demo: realistic, spread over the axes and colleges, idempotent, counts exact."""

from __future__ import annotations

import pytest

from accounts import demo as accounts_demo
from proposals import demo as proposals_demo
from proposals.models import Axis, Comment, Proposal, StatusChange, Support

pytestmark = pytest.mark.django_db


def _seed() -> dict:
    ctx: dict = {}
    accounts_demo.seed(ctx)
    proposals_demo.seed(ctx)
    return ctx


def _snapshot():
    return (
        Proposal.objects.count(),
        Support.objects.count(),
        Comment.objects.count(),
        StatusChange.objects.count(),
    )


def test_demo_is_idempotent_and_fills_ctx():
    ctx = _seed()
    first = _snapshot()
    again = _seed()
    assert _snapshot() == first
    assert [p.pk for p in again["proposals"]] == [p.pk for p in ctx["proposals"]]
    assert 15 <= len(ctx["proposals"]) <= 25


def test_demo_spreads_over_axes_themes_colleges_and_statuses():
    ctx = _seed()
    proposals = ctx["proposals"]
    assert {p.axis.slug for p in proposals} == set(Axis.objects.values_list("slug", flat=True))
    assert {p.author_college for p in proposals} == {
        "citizens",
        "enterprises",
        "elected",
        "civil_society",
    }
    assert {p.status for p in proposals} >= {
        "submitted",
        "under_review",
        "shortlisted",
        "retained",
        "merged",
        "not_retained",
    }
    titles = " ".join(p.title for p in proposals)
    for words in [
        "Agence Territoriale de Souveraineté",
        "épargne locale",
        "clause de souveraineté",
        "hydrogène",
        "maroquinerie",
        "friches",
    ]:
        assert words.lower() in titles.lower()


def test_demo_counters_match_rows_after_the_merge():
    ctx = _seed()
    for p in Proposal.objects.all():
        assert p.support_count == p.supports.count()
        assert p.comment_count == p.comments.filter(is_deleted=False, is_hidden=False).count()
    agence = ctx["proposals_by_key"]["agence-souverainete"]
    doublon = ctx["proposals_by_key"]["agence-doublon"]
    assert doublon.merged_into_id == agence.pk
    # 6 own supporters + 3 from the duplicate, lucie.citoyenne counted once.
    assert agence.support_count == 8
