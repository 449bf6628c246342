"""A summary's first publication reaches the followers of its workshop (decisions.follows)."""

from __future__ import annotations

import pytest

from decisions.follows import follow_set
from decisions.models import Notification, NotificationKind
from summaries.services import summary_create_for_workshop, summary_draft_update, summary_publish
from tests.factories import UserFactory


@pytest.mark.django_db
def test_first_publication_tells_the_workshop_followers_not_the_editor(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    follower = UserFactory()
    follow_set(user=follower, target=held_workshop, on=True)
    follow_set(user=editor, target=held_workshop, on=True)
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)

    with django_capture_on_commit_callbacks(execute=True):
        version = summary_publish(summary=summary, actor=editor)

    news = Notification.objects.get(recipient=follower, kind=NotificationKind.FOLLOW)
    assert news.message == (
        f"La synthèse de l'atelier « {held_workshop.title} » que vous suivez est publiée."
    )
    assert news.url == version.get_absolute_url()
    assert not Notification.objects.filter(recipient=editor).exists()

    # A correction is not news again.
    summary_draft_update(
        summary=summary, actor=editor, title=summary.title, intro="", sections=summary.sections
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary_publish(summary=summary, actor=editor, change_note="Coquille corrigée.")
    assert Notification.objects.filter(recipient=follower).count() == 1
