"""One's own proposal: no support from its author, no « Signaler » on it (a comment on it
can still be reported by its author, and others still support and report the proposal)."""

from __future__ import annotations

import pytest

from project.errors import DomainError
from proposals.services import comment_create, report_create, support_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_author_cannot_support_their_own_proposal(make_proposal, client):
    author = UserFactory()
    proposal = make_proposal(author=author)
    with pytest.raises(DomainError) as refused:
        support_add(proposal=proposal, user=author)
    assert refused.value.code == "own_proposal"
    proposal.refresh_from_db()
    assert proposal.support_count == 0
    client.force_login(author)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Soutenir cette proposition" not in html
    assert "Signaler cette proposition" not in html
    response = client.post(f"/propositions/{proposal.pk}/soutien/", {"action": "add"})
    assert response.status_code < 500
    proposal.refresh_from_db()
    assert proposal.support_count == 0
    api = client.post(f"/api/v1/proposals/{proposal.pk}/support")
    assert api.status_code in (400, 403, 409), api.content
    proposal.refresh_from_db()
    assert proposal.support_count == 0


def test_the_author_cannot_report_their_own_proposal(make_proposal):
    author = UserFactory()
    proposal = make_proposal(author=author)
    with pytest.raises(DomainError) as refused:
        report_create(reporter=author, reason="Doublon", proposal=proposal)
    assert refused.value.code == "own_content"
    assert not proposal.reports.exists()


def test_others_still_support_and_report_and_the_author_reports_comments(make_proposal, client):
    author, other = UserFactory(), UserFactory()
    proposal = make_proposal(author=author)
    support_add(proposal=proposal, user=other)
    report_create(reporter=other, reason="Hors sujet", proposal=proposal)
    comment = comment_create(proposal=proposal, author=other, body="Plutôt au nord.")
    client.force_login(author)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert f"/commentaires/{comment.pk}/signaler/" in html  # someone else's comment
    client.force_login(other)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Retirer mon soutien" in html and "Signaler cette proposition" in html
    assert f"/commentaires/{comment.pk}/signaler/" not in html  # their own comment
