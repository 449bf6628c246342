"""Who may do what on opinion maps; the room hears when a workshop's map changes."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from opinions import rules, services
from opinions.services import analysis_run


def test_roles(user, guest, facilitator, moderator, editor, conversation):
    anonymous = AnonymousUser()
    assert rules.can_view_conversation(anonymous, conversation)
    assert not rules.can_take_part(anonymous, conversation)
    assert rules.can_take_part(user, conversation) and rules.can_take_part(guest, conversation)
    assert not rules.can_create_conversation(user)
    assert rules.can_create_conversation(facilitator) and rules.can_create_conversation(moderator)
    assert rules.can_moderate(moderator) and not rules.can_moderate(editor)
    assert rules.can_promote(editor) and rules.can_promote(moderator)
    assert not rules.can_promote(user) and not rules.can_promote(guest)


def test_unpublished_and_closed(user, facilitator, conversation):
    conversation.is_published = False
    conversation.save()
    assert not rules.can_view_conversation(user, conversation)
    assert rules.can_view_conversation(facilitator, conversation)
    conversation.is_published = True
    conversation.is_open = False
    conversation.save()
    assert rules.can_view_conversation(user, conversation)
    assert not rules.can_take_part(user, conversation)


def test_hidden_statements_are_for_moderators(user, moderator, write, other_user):
    statement = write(other_user, "Un propos")
    services.statement_hide(statement=statement, actor=moderator, reason="Hors sujet")
    assert not rules.can_view_statement(user, statement)
    assert rules.can_view_statement(moderator, statement)


def test_a_workshop_map_tells_its_room_when_it_changes(facilitator, people):
    from realtime.models import RoomEvent
    from tests.workshops.factories import WorkshopFactory

    workshop = WorkshopFactory(facilitators=[facilitator])
    conversation = services.conversation_create(
        actor=facilitator, question="Question en atelier ?", workshop=workshop
    )
    statement = services.statement_create(conversation=conversation, author=people[0], text="Idée")
    services.vote_cast(statement=statement, user=people[1], value=1)
    analysis = analysis_run(conversation)
    event = RoomEvent.objects.get(workshop=workshop, type="opinions.analysis")
    assert f'"version":{analysis.version}' in event.frame
    # Nothing changed: no new event.
    analysis_run(conversation)
    assert RoomEvent.objects.filter(workshop=workshop, type="opinions.analysis").count() == 1
