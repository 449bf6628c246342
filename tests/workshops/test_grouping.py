"""Grouping the ideas of the wall: services, permissions, broadcasts, the panel and its forms."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditEvent
from project.errors import DomainError, NotFoundError, PermissionDeniedError
from proposals.services import proposal_create
from realtime.models import RoomEvent
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops import events, grouping, services
from workshops.models import IdeaGroup, IdeaGroupMember, WorkshopState


def group_events(workshop):
    return [
        json.loads(e.frame)
        for e in RoomEvent.objects.for_room(workshop.pk).filter(type="idea_groups.changed")
    ]


def idea(workshop, author, axis, title):
    return proposal_create(author=author, axis=axis, title=title, body="", origin_workshop=workshop)


@pytest.fixture
def ideas(live, participant, axis):
    return [idea(live, participant.user, axis, f"Idée {i}") for i in range(4)]


def test_create_rename_move_and_the_whole_list_is_broadcast(live, facilitator, ideas):
    a = grouping.idea_group_create(workshop=live, actor=facilitator, name="  Mobilités   douces ")
    b = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Emploi", idea_ids=[ideas[2].pk]
    )
    assert (a.name, a.position, b.position) == ("Mobilités douces", 0, 1)
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=a.pk
    )
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[1].pk, group_id=a.pk
    )
    grouping.idea_group_rename(workshop=live, actor=facilitator, group_id=a.pk, name="Vélo")
    last = group_events(live)[-1]
    assert last["data"] == {
        "groups": [
            {"id": a.pk, "name": "Vélo", "position": 0, "idea_ids": [ideas[0].pk, ideas[1].pk]},
            {"id": b.pk, "name": "Emploi", "position": 1, "idea_ids": [ideas[2].pk]},
        ]
    }
    assert len(group_events(live)) == 5
    # The same dictionary is the state a page starts from.
    assert events.idea_groups(live) == last["data"]
    assert set(
        AuditEvent.objects.filter(action__startswith="idea_group.").values_list("action", flat=True)
    ) == {"idea_group.created", "idea_group.idea_moved", "idea_group.renamed"}


def test_an_idea_is_in_one_group_at_most(live, facilitator, ideas):
    a = grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    b = grouping.idea_group_create(workshop=live, actor=facilitator, name="B")
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=a.pk
    )
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=b.pk
    )
    assert list(IdeaGroupMember.objects.values_list("group_id", flat=True)) == [b.pk]
    # Out of any group.
    grouping.idea_group_move_idea(workshop=live, actor=facilitator, idea_id=ideas[0].pk)
    assert not IdeaGroupMember.objects.exists()
    # The database refuses a second group for the same idea too.
    IdeaGroupMember.objects.create(workshop=live, group=a, proposal=ideas[1])
    with pytest.raises(IntegrityError), transaction.atomic():
        IdeaGroupMember.objects.create(workshop=live, group=b, proposal=ideas[1])


def test_moving_where_it_already_is_changes_and_broadcasts_nothing(live, facilitator, ideas):
    a = grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=a.pk
    )
    before = len(group_events(live))
    grouping.idea_group_move_idea(
        workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=a.pk
    )
    grouping.idea_group_move_idea(workshop=live, actor=facilitator, idea_id=ideas[1].pk)
    assert len(group_events(live)) == before


def test_merge_keeps_every_idea_and_renumbers(live, facilitator, ideas):
    a = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="A", idea_ids=[ideas[0].pk]
    )
    b = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="B", idea_ids=[ideas[1].pk]
    )
    c = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="C", idea_ids=[ideas[2].pk]
    )
    grouping.idea_group_merge(workshop=live, actor=facilitator, source_id=a.pk, target_id=c.pk)
    data = group_events(live)[-1]["data"]["groups"]
    assert [(g["id"], g["position"]) for g in data] == [(b.pk, 0), (c.pk, 1)]
    assert sorted(data[1]["idea_ids"]) == sorted([ideas[0].pk, ideas[2].pk])
    assert not IdeaGroup.objects.filter(pk=a.pk).exists()
    audit = AuditEvent.objects.get(action="idea_group.merged")
    assert audit.data["name"] == "A" and audit.data["ideas"] == [ideas[0].pk]
    with pytest.raises(DomainError) as error:
        grouping.idea_group_merge(workshop=live, actor=facilitator, source_id=b.pk, target_id=b.pk)
    assert error.value.code == "same_group"


def test_dissolve_sends_the_ideas_back_to_the_wall(live, facilitator, ideas):
    a = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="A", idea_ids=[ideas[0].pk, ideas[1].pk]
    )
    b = grouping.idea_group_create(workshop=live, actor=facilitator, name="B")
    grouping.idea_group_dissolve(workshop=live, actor=facilitator, group_id=a.pk)
    assert group_events(live)[-1]["data"] == {
        "groups": [{"id": b.pk, "name": "B", "position": 0, "idea_ids": []}]
    }
    assert not IdeaGroupMember.objects.exists()
    assert len(ideas) == 4  # the ideas themselves stay
    assert AuditEvent.objects.get(action="idea_group.dissolved").data["ideas"] == [
        ideas[0].pk,
        ideas[1].pk,
    ]


def test_reorder_moves_a_group_and_clamps_the_position(live, facilitator):
    a, b, c = (grouping.idea_group_create(workshop=live, actor=facilitator, name=n) for n in "ABC")
    grouping.idea_group_reorder(workshop=live, actor=facilitator, group_id=c.pk, position=0)
    assert [g["name"] for g in events.idea_groups(live)["groups"]] == ["C", "A", "B"]
    grouping.idea_group_reorder(workshop=live, actor=facilitator, group_id=c.pk, position=99)
    assert [(g["name"], g["position"]) for g in events.idea_groups(live)["groups"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 2),
    ]
    with pytest.raises(DomainError):
        grouping.idea_group_reorder(workshop=live, actor=facilitator, group_id=a.pk, position="x")


def test_only_the_workshops_facilitators_group(live, facilitator, participant, ideas):
    outsider_facilitator = UserFactory()
    other = WorkshopFactory(facilitators=[outsider_facilitator])
    group = grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    for actor in (participant.user, outsider_facilitator, None):
        with pytest.raises(PermissionDeniedError):
            grouping.idea_group_create(workshop=live, actor=actor, name="B")
        with pytest.raises(PermissionDeniedError):
            grouping.idea_group_move_idea(
                workshop=live, actor=actor, idea_id=ideas[0].pk, group_id=group.pk
            )
        with pytest.raises(PermissionDeniedError):
            grouping.idea_group_dissolve(workshop=live, actor=actor, group_id=group.pk)
    # A group or an idea of another workshop is not found from this one.
    other_group = grouping.idea_group_create(
        workshop=other, actor=outsider_facilitator, name="Ailleurs"
    )
    with pytest.raises(NotFoundError):
        grouping.idea_group_move_idea(
            workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=other_group.pk
        )
    with pytest.raises(NotFoundError):
        grouping.idea_group_move_idea(
            workshop=other, actor=outsider_facilitator, idea_id=ideas[0].pk, group_id=other_group.pk
        )
    assert IdeaGroup.objects.filter(workshop=live).count() == 1
    assert not IdeaGroupMember.objects.exists()


def test_bad_input_changes_nothing(live, facilitator, ideas):
    with pytest.raises(DomainError) as error:
        grouping.idea_group_create(workshop=live, actor=facilitator, name="   ")
    assert error.value.code == "invalid_name"
    with pytest.raises(NotFoundError):
        grouping.idea_group_create(workshop=live, actor=facilitator, name="A", idea_ids=[999999])
    assert not IdeaGroup.objects.exists()
    assert group_events(live) == []


def test_hidden_and_merged_ideas_leave_the_groups_payload(live, facilitator, ideas):
    a = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="A", idea_ids=[i.pk for i in ideas[:3]]
    )
    services.idea_hide(
        workshop=live, actor=facilitator, proposal_id=ideas[0].pk, reason="hors sujet"
    )
    services.idea_merge(
        workshop=live, actor=facilitator, source_id=ideas[1].pk, target_id=ideas[3].pk
    )
    # The hidden one is gone; the merged one's place went to the idea it was merged into.
    assert events.idea_groups(live)["groups"][0]["idea_ids"] == [ideas[2].pk, ideas[3].pk]
    with pytest.raises(NotFoundError):
        grouping.idea_group_move_idea(
            workshop=live, actor=facilitator, idea_id=ideas[0].pk, group_id=a.pk
        )


def test_hiding_or_merging_a_grouped_idea_tells_the_room(live, facilitator, ideas):
    a = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="A", idea_ids=[ideas[0].pk, ideas[1].pk]
    )
    before = len(group_events(live))
    services.idea_hide(workshop=live, actor=facilitator, proposal_id=ideas[0].pk, reason="doublon")
    assert group_events(live)[-1]["data"]["groups"][0]["idea_ids"] == [ideas[1].pk]
    # Merged: the idea it went into takes its place in the group (it had none).
    services.idea_merge(
        workshop=live, actor=facilitator, source_id=ideas[1].pk, target_id=ideas[2].pk
    )
    assert group_events(live)[-1]["data"]["groups"] == [
        {"id": a.pk, "name": "A", "position": 0, "idea_ids": [ideas[2].pk]}
    ]
    assert len(group_events(live)) == before + 2
    # An idea in no group: no group event.
    services.idea_hide(
        workshop=live, actor=facilitator, proposal_id=ideas[3].pk, reason="hors sujet"
    )
    assert len(group_events(live)) == before + 2


def test_a_published_workshop_keeps_its_groups(live, facilitator, ideas):
    grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    live.state = WorkshopState.PUBLISHED
    live.save(update_fields=["state"])
    with pytest.raises(DomainError) as error:
        grouping.idea_group_create(workshop=live, actor=facilitator, name="B")
    assert error.value.code == "workshop_published"


def test_the_event_is_stored_in_the_transaction_and_published_after_commit(
    live, facilitator, ideas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    assert len(group_events(live)) == 1
    assert len(callbacks) == 1  # the publish waits for the commit
    # A change that rolls back leaves no group and no event.
    with pytest.raises(RuntimeError), transaction.atomic():
        grouping.idea_group_create(workshop=live, actor=facilitator, name="B")
        raise RuntimeError("fails after the service")
    assert list(IdeaGroup.objects.values_list("name", flat=True)) == ["A"]
    assert len(group_events(live)) == 1


# --- the panel and its forms ----------------------------------------------------------------


def _clustering(live, facilitator):
    from workshops.models import Phase, PhaseKind

    phase = Phase.objects.get(workshop=live, kind=PhaseKind.CLUSTERING)
    services.phase_start(workshop=live, actor=facilitator, phase=phase)


def test_the_console_shows_the_panel_to_facilitators_in_the_clustering_phase(
    client, live, facilitator, participant, ideas
):
    group = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Mobilités", idea_ids=[ideas[0].pk]
    )
    client.force_login(facilitator)
    html = client.get(live.get_absolute_url()).content.decode()
    assert 'id="regroupement"' not in html  # not the clustering phase yet
    # Everyone's page starts from the groups (the snapshot the stage and phones read).
    assert '<script id="idea-groups" type="application/json">' in html
    _clustering(live, facilitator)
    # The panel is on the presenter console, not on the room page.
    assert 'id="regroupement"' not in client.get(live.get_absolute_url()).content.decode()
    console = reverse("workshops:console_page", args=[live.slug])
    html = client.get(console).content.decode()
    assert 'id="regroupement"' in html and f'data-drop-group="{group.pk}"' in html
    assert html.count("data-move-form") == 4
    client.force_login(participant.user)
    html = client.get(live.get_absolute_url()).content.decode()
    assert 'id="regroupement"' not in html
    snapshot = html.split('<script id="idea-groups" type="application/json">')[1].split(
        "</script>"
    )[0]
    assert json.loads(snapshot) == {
        "groups": [{"id": group.pk, "name": "Mobilités", "position": 0, "idea_ids": [ideas[0].pk]}]
    }


def test_the_projector_starts_from_the_groups_too(client, live, facilitator, ideas):
    group = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Vélo", idea_ids=[ideas[1].pk]
    )
    _clustering(live, facilitator)
    client.force_login(facilitator)
    html = client.get(reverse("workshops:projector", args=[live.slug])).content.decode()
    snapshot = html.split('<script id="idea-groups" type="application/json">')[1].split(
        "</script>"
    )[0]
    assert json.loads(snapshot)["groups"] == [
        {"id": group.pk, "name": "Vélo", "position": 0, "idea_ids": [ideas[1].pk]}
    ]
    assert 'id="regroupement"' not in html


def test_the_panel_alone_is_for_facilitators(client, live, facilitator, participant):
    url = reverse("workshops:grouping", args=[live.slug])
    client.force_login(participant.user)
    assert client.get(url).status_code == 404
    client.force_login(facilitator)
    response = client.get(url)
    assert response.status_code == 200 and b"data-grouping" in response.content


def test_panel_queries_do_not_grow_with_ideas(
    client, live, facilitator, participant, axis, django_assert_max_num_queries
):
    url = reverse("workshops:grouping", args=[live.slug])
    client.force_login(facilitator)
    groups = [
        grouping.idea_group_create(workshop=live, actor=facilitator, name=f"G{i}") for i in range(3)
    ]

    def count_for(n):
        for i in range(n):
            p = idea(live, participant.user, axis, f"Idée {n}-{i}")
            if i % 2:
                grouping.idea_group_move_idea(
                    workshop=live, actor=facilitator, idea_id=p.pk, group_id=groups[i % 3].pk
                )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count_for(2)
    many = count_for(30)
    assert many == few
    # session, user, workshop (+ facilitates), groups, ideas, memberships
    with django_assert_max_num_queries(8):
        client.get(url)


def test_the_forms_work_without_javascript(client, live, facilitator, ideas):
    client.force_login(facilitator)
    post = lambda op, data: client.post(  # noqa: E731
        reverse("workshops:grouping_action", args=[live.slug, op]), data
    )
    response = post("create", {"name": "Vélo"})
    assert response.status_code == 302 and response["Location"].endswith("#regroupement")
    a = IdeaGroup.objects.get(name="Vélo")
    post("create", {"name": "Bus"})
    b = IdeaGroup.objects.get(name="Bus")
    post("move-idea", {"idea": ideas[0].pk, "group": a.pk})
    post("move-idea", {"idea": ideas[1].pk, "group": b.pk})
    post("rename", {"id": a.pk, "name": "Vélo et marche"})
    post("reorder", {"id": b.pk, "position": 0})
    assert [g["name"] for g in events.idea_groups(live)["groups"]] == ["Bus", "Vélo et marche"]
    post("merge", {"source": b.pk, "target": a.pk})
    assert sorted(events.idea_groups(live)["groups"][0]["idea_ids"]) == sorted(
        [ideas[0].pk, ideas[1].pk]
    )
    post("move-idea", {"idea": ideas[0].pk, "group": ""})
    assert events.idea_groups(live)["groups"][0]["idea_ids"] == [ideas[1].pk]
    post("dissolve", {"id": a.pk})
    assert events.idea_groups(live) == {"groups": []}
    # A bad name: an error message, nothing created.
    response = post("create", {"name": ""})
    assert response.status_code == 302
    assert not IdeaGroup.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Donnez un nom au groupe."]


def test_a_participant_posting_the_forms_changes_nothing(client, live, facilitator, ideas):
    group = grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    someone = ParticipantFactory(workshop=live).user
    client.force_login(someone)
    client.post(
        reverse("workshops:grouping_action", args=[live.slug, "move-idea"]),
        {"idea": ideas[0].pk, "group": group.pk},
    )
    client.post(
        reverse("workshops:grouping_action", args=[live.slug, "dissolve"]), {"id": group.pk}
    )
    assert IdeaGroup.objects.count() == 1 and not IdeaGroupMember.objects.exists()


def test_the_demo_live_workshop_has_groups_begun(db):
    from io import StringIO

    from django.core.management import call_command

    from workshops.demo import LIVE_SLUG

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    groups = events.idea_groups(IdeaGroup.objects.get(position=0).workshop)["groups"]
    assert IdeaGroup.objects.get(position=0).workshop.slug == LIVE_SLUG
    assert [len(g["idea_ids"]) for g in groups] == [3, 2]


def test_console_with_the_panel_queries_do_not_grow_with_ideas(
    client, live, facilitator, participant, axis
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _clustering(live, facilitator)
    group = grouping.idea_group_create(workshop=live, actor=facilitator, name="A")
    client.force_login(facilitator)

    def queries_with(n):
        for i in range(n):
            p = idea(live, participant.user, axis, f"Idée {n}-{i}")
            if i % 2:
                grouping.idea_group_move_idea(
                    workshop=live, actor=facilitator, idea_id=p.pk, group_id=group.pk
                )
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("workshops:console_page", args=[live.slug])).content.decode()
        assert html.count("data-move-form") == live.proposals.count()  # every idea listed
        return len(ctx.captured_queries)

    assert queries_with(2) == queries_with(20)


def test_the_phones_show_the_groups_read_only(client, live, facilitator, participant, ideas):
    grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Mobilités", idea_ids=[ideas[0].pk, ideas[1].pk]
    )
    client.force_login(participant.user)
    html = client.get(live.get_absolute_url()).content.decode()
    box = html.split("data-room-groups", 1)[1].split("</div>", 1)[0]
    assert 'Mobilités</span> <span class="muted">(2)</span>' in box
    assert ideas[0].title in box and ideas[1].title in box and ideas[2].title not in box
    assert 'id="regroupement"' not in html  # the panel itself is the facilitator's, on the console
