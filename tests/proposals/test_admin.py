"""The admin shows proposals and their history; lifecycle, moderation and counters stay with the services."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from proposals import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_render_and_history_is_read_only(client, proposal, moderator, other_user):
    comment = services.comment_create(proposal=proposal, author=other_user, body="Bravo")
    services.support_add(proposal=proposal, user=other_user)
    services.report_create(reporter=UserFactory(), comment=comment, reason="Test")
    services.proposal_hide(proposal=proposal, actor=moderator, reason="Test")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # Staff need a second factor on the site; that is the accounts tests' business.
    without_mfa = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.StaffMFARequiredMiddleware"
    ]
    with override_settings(MIDDLEWARE=without_mfa):
        for model in [
            "proposal",
            "comment",
            "support",
            "statuschange",
            "report",
            "moderationaction",
        ]:
            assert client.get(f"/admin/proposals/{model}/").status_code == 200, model
        page = client.get(f"/admin/proposals/proposal/{proposal.pk}/change/")
        assert page.status_code == 200
        assert 'name="support_count"' not in page.content.decode()
        assert client.get(f"/admin/proposals/comment/{comment.pk}/delete/").status_code == 403
        change_url = f"/admin/proposals/statuschange/{proposal.status_changes.first().pk}/change/"
        assert client.get(change_url).status_code == 200
        assert client.post(change_url, {"reason": "réécrit"}).status_code == 403
