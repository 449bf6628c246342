"""« Ce que sont devenues mes idées » : in-app notifications, the header badge, the daily digest."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import College
from decisions import services
from decisions.models import Notification
from outbox.services import outbox_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _messages(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("message", flat=True)
    )


def test_the_author_is_told_when_their_proposal_is_shortlisted_and_retained(
    make_proposal, make_recommendation, publish, django_capture_on_commit_callbacks
):
    author = UserFactory()
    p = make_proposal(author=author, title="Une navette hydrogène")
    with django_capture_on_commit_callbacks(execute=True):
        rec = make_recommendation(proposals=[p])
    messages = _messages(author)
    assert any("présélectionnée" in m for m in messages)
    assert any("retenue" in m for m in messages)
    # A draft recommendation is not public: not announced yet.
    assert not any("fait partie de la recommandation" in m for m in messages)
    with django_capture_on_commit_callbacks(execute=True):
        publish(rec)
    assert any(
        "fait partie de la recommandation" in m and rec.title in m for m in _messages(author)
    )


def test_merged_authors_hear_of_the_merge_and_then_of_the_target(
    make_proposal, make_recommendation, publish, moderator, django_capture_on_commit_callbacks
):
    from proposals.services import proposal_merge

    alice, bob = UserFactory(), UserFactory()
    target = make_proposal(author=alice, title="Cible")
    dup = make_proposal(author=bob, title="Doublon")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_merge(source=dup, target=target, actor=moderator)
    assert any("fusionnée dans « Cible »" in m for m in _messages(bob))
    with django_capture_on_commit_callbacks(execute=True):
        publish(make_recommendation(proposals=[target]))
    # Bob's idea lives on in the target: he is told too, once.
    assert sum("fait partie de la recommandation" in m for m in _messages(bob)) == 1


def test_contributors_are_told_when_an_action_built_from_their_idea_changes_status(
    make_proposal, make_recommendation, make_action, publish, editor
):
    author = UserFactory()
    rec = make_recommendation(
        proposals=[make_proposal(author=author), make_proposal(author=author)]
    )
    publish(rec)
    action = make_action(rec)
    before = Notification.objects.filter(recipient=author).count()
    services.action_report(
        action=action, actor=editor, text="On avance", progress=20
    )  # no status change
    assert Notification.objects.filter(recipient=author).count() == before
    services.action_report(action=action, actor=editor, text="Lancée", status="in_progress")
    new = Notification.objects.filter(recipient=author, kind="action_status")
    assert new.count() == 1  # one per person, not one per proposal
    assert "En cours" in new.get().message
    assert new.get().url == action.get_absolute_url()


def test_header_badge_counts_unread_and_the_list_marks_them_read(
    client, make_proposal, make_recommendation, publish
):
    author = UserFactory()
    publish(make_recommendation(proposals=[make_proposal(author=author)]))
    unread = Notification.objects.filter(recipient=author, read_at__isnull=True).count()
    assert unread >= 1
    client.force_login(author)
    html = client.get("/actions/").content.decode()
    assert 'class="notification-badge__count">' + str(unread) in html
    page = client.get("/notifications/").content.decode()
    assert "Ce que sont devenues mes idées" in page
    client.post("/notifications/")
    assert not Notification.objects.filter(recipient=author, read_at__isnull=True).exists()
    assert "notification-badge__count" not in client.get("/actions/").content.decode()


def test_notifications_page_needs_an_account(client):
    response = client.get("/notifications/")
    assert response.status_code == 302


def test_daily_digest_goes_once_in_french_to_those_who_opted_in(
    settings, make_proposal, make_recommendation, publish
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    opted_in = UserFactory(email_opt_in=True, display_name="Lucie Perrin")
    not_opted = UserFactory(email_opt_in=False)
    no_email = UserFactory(email_opt_in=True, email="")
    publish(
        make_recommendation(
            proposals=[make_proposal(author=u) for u in (opted_in, not_opted, no_email)]
        )
    )
    call_command("send_notification_digest", stdout=StringIO())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [opted_in.email]
    assert "Ce qu'est devenue votre idée — 1 nouvelle" in message.subject  # agreed in number
    assert "Bonjour Lucie Perrin" in message.alternatives[0][0]
    assert "Bonjour Lucie Perrin" in message.body
    assert "fait partie de la recommandation" in message.body
    assert "/recommandations/" in message.body
    assert message.content_subtype == "plain"
    # Second run: nothing new, nothing sent.
    call_command("send_notification_digest", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_digest_is_french_even_from_an_english_request_context(
    settings, make_proposal, make_recommendation, publish
):
    from django.utils import translation

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    person = UserFactory(email_opt_in=True, college=College.ENTERPRISES)
    publish(make_recommendation(proposals=[make_proposal(author=person)]))
    with translation.override("en"):
        assert services.notifications_send_digest(send_after_commit=False) == 1
        outbox_send()
    assert "Bonjour" in mail.outbox[0].body
