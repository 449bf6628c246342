"""Conversations, statements, votes, moderation, promotion and the next statement."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from opinions import selectors, services
from opinions.models import ConversationParticipant, Statement, StatementVote
from project.errors import DomainError, PermissionDeniedError


def test_only_facilitators_and_moderators_open_a_conversation(user, facilitator):
    with pytest.raises(PermissionDeniedError):
        services.conversation_create(actor=user, question="Une question ?")
    conversation = services.conversation_create(actor=facilitator, question="  Une   question ? ")
    assert conversation.question == "Une question ?"
    with pytest.raises(DomainError) as error:
        services.conversation_create(actor=facilitator, question="   ")
    assert error.value.code == "empty_question"


def test_statement_is_at_most_140_characters_and_not_a_duplicate(conversation, user, write):
    with pytest.raises(DomainError) as error:
        write(user, "x" * 141)
    assert error.value.code == "statement_too_long"
    with pytest.raises(DomainError):
        write(user, "   ")
    statement = write(user, "Des stages dans les usines dès le collège")
    assert len(statement.text) <= 140
    with pytest.raises(DomainError) as error:
        write(user, "des stages dans les usines dès le collège")
    assert error.value.code == "duplicate_statement"
    assert Statement.objects.filter(conversation=conversation).count() == 1
    participant = ConversationParticipant.objects.get(conversation=conversation, user=user)
    assert participant.college == user.college


def test_a_retry_with_the_same_client_key_returns_the_first_statement(conversation, user):
    first = services.statement_create(
        conversation=conversation, author=user, text="Une idée", client_key="k1"
    )
    again = services.statement_create(
        conversation=conversation, author=user, text="Une idée", client_key="k1"
    )
    assert again.pk == first.pk


def test_anonymous_and_closed_conversations_refuse_writes(conversation, user, facilitator):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        services.statement_create(conversation=conversation, author=AnonymousUser(), text="Idée")
    services.conversation_set_open(conversation=conversation, actor=facilitator, is_open=False)
    with pytest.raises(PermissionDeniedError) as error:
        services.statement_create(conversation=conversation, author=user, text="Idée")
    assert error.value.code == "closed"
    with pytest.raises(PermissionDeniedError):
        services.conversation_set_open(conversation=conversation, actor=user, is_open=True)


def test_a_new_vote_replaces_the_previous_one_and_counts_once(write, user, other_user):
    statement = write(user, "Une navette vers la zone industrielle")
    services.vote_cast(statement=statement, user=other_user, value=1)
    services.vote_cast(statement=statement, user=other_user, value="-1")
    vote = StatementVote.objects.get(statement=statement)
    assert vote.value == -1
    statement.refresh_from_db()
    assert statement.vote_count == 1


def test_votes_are_checked(write, user, other_user):
    statement = write(user, "Une navette vers la zone industrielle")
    with pytest.raises(DomainError) as error:
        services.vote_cast(statement=statement, user=other_user, value=2)
    assert error.value.code == "invalid_vote"
    with pytest.raises(DomainError) as error:
        services.vote_cast(statement=statement, user=user, value=1)
    assert error.value.code == "own_statement"
    assert not StatementVote.objects.exists()


def test_moderation_hides_with_a_reason_audited_and_stops_votes(write, user, other_user, moderator):
    statement = write(user, "Un propos hors sujet")
    with pytest.raises(PermissionDeniedError):
        services.statement_hide(statement=statement, actor=other_user, reason="hors sujet")
    with pytest.raises(DomainError) as error:
        services.statement_hide(statement=statement, actor=moderator, reason=" ")
    assert error.value.code == "reason_required"
    services.statement_hide(statement=statement, actor=moderator, reason="Hors sujet")
    statement.refresh_from_db()
    assert statement.is_hidden and statement.hidden_reason == "Hors sujet"
    assert AuditEvent.objects.filter(action="statement.hidden").exists()
    with pytest.raises(DomainError) as error:
        services.vote_cast(statement=statement, user=other_user, value=1)
    assert error.value.code == "hidden_statement"
    with pytest.raises(DomainError) as error:
        services.statement_hide(statement=statement, actor=moderator, reason="encore")
    assert error.value.code == "already_hidden"
    services.statement_restore(statement=statement, actor=moderator, reason="Erreur")
    statement.refresh_from_db()
    assert not statement.is_hidden


def test_next_statement_is_the_least_voted_never_ones_own_nor_voted_nor_hidden(
    conversation, people, write, moderator
):
    me, a, b, c = people[:4]
    mine = write(me, "La mienne")
    popular = write(a, "Déjà très votée")
    quiet = write(b, "Peu votée")
    hidden = write(c, "Masquée")
    for voter in people[4:8]:
        services.vote_cast(statement=popular, user=voter, value=1)
    services.vote_cast(statement=quiet, user=people[8], value=0)
    services.statement_hide(statement=hidden, actor=moderator, reason="Hors sujet")
    participant = selectors.participant_of(conversation, me)
    assert selectors.next_statement(conversation, participant) == quiet
    services.vote_cast(statement=quiet, user=me, value=1)
    assert selectors.next_statement(conversation, participant) == popular
    services.vote_cast(statement=popular, user=me, value=-1)
    assert selectors.next_statement(conversation, participant) is None
    assert selectors.remaining_count(conversation, participant) == 0
    # Someone who never took part sees the least voted of all.
    assert selectors.next_statement(conversation, None) == mine


def test_next_statement_costs_one_query(conversation, people, write, django_assert_num_queries):
    for i, person in enumerate(people[:6]):
        write(person, f"Affirmation {i}")
    participant = selectors.participant_of(conversation, people[0])
    with django_assert_num_queries(1):
        selectors.next_statement(conversation, participant)


def test_promotion_makes_a_proposal_with_provenance(conversation, people, write, editor, user):
    from opinions.services import analysis_run

    statement = write(people[0], "Ouvrir les ateliers aux familles")
    for voter in people[1:]:
        services.vote_cast(statement=statement, user=voter, value=1)
    analysis_run(conversation)
    with pytest.raises(PermissionDeniedError):
        services.statement_promote(statement=statement, actor=user)
    proposal = services.statement_promote(statement=statement, actor=editor)
    assert proposal.title == statement.text
    assert proposal.axis == conversation.axis
    assert conversation.get_absolute_url() in proposal.body
    statement.refresh_from_db()
    assert statement.proposal == proposal
    assert statement.provenance["voters"] == 11
    assert statement.provenance["agree"] == 11
    assert statement.provenance["conversation"] == conversation.pk
    assert set(statement.provenance["colleges"]) <= {
        "citizens",
        "enterprises",
        "elected",
        "civil_society",
        "others",
    }
    # Once only.
    assert services.statement_promote(statement=statement, actor=editor) == proposal
