"""Counters stay exact when many people act at once (real PostgreSQL, real threads)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from proposals import services
from proposals.models import Proposal, Support
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_concurrent_supports_and_withdrawals_keep_the_count_exact(make_proposal):
    proposal = make_proposal()
    users = [UserFactory() for _ in range(16)]

    @_in_thread
    def act(user):
        services.support_add(proposal=Proposal.objects.get(pk=proposal.pk), user=user)
        services.support_add(proposal=Proposal.objects.get(pk=proposal.pk), user=user)
        if user.pk % 2:
            services.support_remove(proposal=Proposal.objects.get(pk=proposal.pk), user=user)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(act, users))
    proposal.refresh_from_db()
    assert proposal.support_count == Support.objects.filter(proposal=proposal).count()
    assert proposal.support_count == sum(1 for u in users if not u.pk % 2)


def test_merge_racing_with_supports_counts_each_person_once(make_proposal, moderator):
    a, b = make_proposal(), make_proposal()
    users = [UserFactory() for _ in range(12)]
    for u in users[:6]:
        services.support_add(proposal=a, user=u)
        services.support_add(proposal=b, user=u)

    @_in_thread
    def support(user):
        try:
            services.support_add(proposal=Proposal.objects.get(pk=a.pk), user=user)
        except Exception:  # the merge won the race: supporting a merged proposal is refused
            services.support_add(proposal=Proposal.objects.get(pk=b.pk), user=user)

    @_in_thread
    def merge():
        services.proposal_merge(source=a, target=b, actor=moderator)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(support, u) for u in users[6:]] + [pool.submit(merge)]
        for f in futures:
            f.result()
    b.refresh_from_db()
    assert b.support_count == Support.objects.filter(proposal=b).count() == 12
    assert not Support.objects.filter(proposal=a).exists()


def test_concurrent_comments_keep_the_count_exact(make_proposal):
    proposal = make_proposal()
    users = [UserFactory() for _ in range(10)]

    @_in_thread
    def comment(user):
        c = services.comment_create(proposal=proposal, author=user, body="Oui")
        if user.pk % 3 == 0:
            services.comment_delete(comment=c, actor=user)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(comment, users))
    proposal.refresh_from_db()
    assert proposal.comment_count == proposal.comments.filter(is_deleted=False).count()
