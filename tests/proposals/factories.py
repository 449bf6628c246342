"""Builders for proposals: made through the proposals app's own service, as every caller
makes them (a test that needs a row as stored, bypassing the service, writes it with the ORM,
as tests/summaries/factories.py does)."""

from __future__ import annotations

from accounts.models import College
from proposals.services import proposal_create
from tests.factories import UserFactory


def proposal_make(*, axis, title, author=None, college=College.CITIZENS, **kwargs):
    """A proposal by ``author`` (a new person of ``college`` if none); ``kwargs`` go to
    ``proposal_create`` (body, origin_workshop...)."""
    kwargs.setdefault("body", "Un texte **en Markdown**.")
    return proposal_create(
        author=author or UserFactory(college=college), axis=axis, title=title, **kwargs
    )
