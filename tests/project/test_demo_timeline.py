"""The demo tells a process over months: every axis alive, history on real dates."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Min
from django.utils import timezone

from decisions.models import ActionItem, Indicator, Recommendation, RecommendationSource
from proposals.models import Axis, Proposal, Support
from summaries.models import DecisionSummary
from workshops.models import Workshop, WorkshopState

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def test_every_axis_has_proposals_a_recommendation_actions_with_updates_and_a_measured_indicator(
    demo,
):
    for axis in Axis.objects.exclude(number=None):
        assert Proposal.objects.filter(axis=axis).exists(), axis.slug
        recs = Recommendation.objects.filter(axis=axis, status="published")
        assert recs.exists(), axis.slug
        assert ActionItem.objects.filter(recommendation__in=recs, updates__isnull=False).exists()
        assert Indicator.objects.filter(axis=axis, measurements__isnull=False).exists(), axis.slug


def test_workshops_past_live_and_upcoming(demo):
    now = timezone.now()
    past = Workshop.objects.get(state=WorkshopState.CLOSED)
    assert past.closed_at < now - timedelta(days=300)
    assert Proposal.objects.filter(origin_workshop=past, created_at__lt=past.closed_at).count() >= 4
    assert Workshop.objects.filter(state=WorkshopState.LIVE).exists()
    assert Workshop.objects.filter(state=WorkshopState.SCHEDULED, starts_at__gt=now).exists()
    summary = DecisionSummary.objects.get(workshop=past)
    assert summary.current_version.published_at < now - timedelta(days=300)


def test_history_is_spread_over_months_in_a_coherent_order(demo):
    now = timezone.now()
    board = Proposal.objects.filter(origin_workshop__isnull=True)
    dates = sorted(board.values_list("created_at", flat=True))
    assert dates[-1] - dates[0] > timedelta(days=365)
    assert board.filter(created_at__gt=now - timedelta(days=60)).exists(), "the board is alive"
    # A recommendation comes after the proposals it took up from the board, is adopted
    # before it is published, and is published before its actions start being reported.
    assert not RecommendationSource.objects.filter(
        proposal__origin_workshop__isnull=True,
        proposal__created_at__gt=F("recommendation__created_at"),
    ).exists()
    for rec in Recommendation.objects.filter(status="published"):
        assert rec.created_at <= rec.adopted_at <= rec.published_at < now
        first = ActionItem.objects.filter(recommendation=rec).aggregate(d=Min("updates__date"))["d"]
        if first:
            assert rec.published_at.date() <= first
    # Supports follow their proposal; nothing is dated in the future.
    assert not Support.objects.filter(created_at__lt=F("proposal__created_at")).exists()
    assert not Support.objects.filter(created_at__gt=now).exists()
    spread = Recommendation.objects.values_list("published_at", flat=True)
    assert max(spread) - min(spread) > timedelta(days=300)


def test_a_second_run_changes_no_date(demo):
    before = list(Proposal.objects.order_by("pk").values_list("pk", "created_at"))
    recs = list(Recommendation.objects.order_by("pk").values_list("pk", "published_at"))
    call_command("seed_demo", stdout=StringIO())
    assert list(Proposal.objects.order_by("pk").values_list("pk", "created_at")) == before
    assert list(Recommendation.objects.order_by("pk").values_list("pk", "published_at")) == recs
