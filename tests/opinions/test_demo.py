"""The opinion map demo: idempotent, with groups and a consensus to show."""

from __future__ import annotations

import pytest

from accounts import demo as accounts_demo
from opinions import demo as opinions_demo
from opinions.models import Conversation, Statement, StatementVote

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_a_map():
    ctx: dict = {}
    accounts_demo.seed(ctx)
    opinions_demo.seed(ctx)
    counts = (
        Conversation.objects.count(),
        Statement.objects.count(),
        StatementVote.objects.count(),
    )
    opinions_demo.seed(ctx)
    assert counts == (
        Conversation.objects.count(),
        Statement.objects.count(),
        StatementVote.objects.count(),
    )
    assert counts[:2] == (1, 8)
    result = ctx["conversation"].analysis.result
    assert result["k"] >= 2
    assert result["consensus"]["agree"]
