"""The facilitator's command table (workshops.commands): one parser, one permission, the
same service and the same result from the presenter console's form, the grouping panel's
form and the room socket."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from project.errors import DomainError
from proposals.models import Proposal
from realtime.actions import ActionContext, get_handler
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops import commands, grouping, steps
from workshops.commands.base import parse_flag, parse_id_arg, parse_number
from workshops.models import HandRaise, IdeaGroup, Participant, Phase, Workshop, WorkshopState
from workshops.services import board, hands, lifecycle

SOCKET_SCOPE = {"client": ("203.0.113.9", 50000), "headers": [(b"user-agent", b"pytest")]}


@pytest.fixture
def people(db):
    return [UserFactory() for _ in range(3)]


def _scene(facilitator, axis, people) -> SimpleNamespace:
    """A live workshop at its first phase: three ideas, two groups, a raised hand."""
    workshop = WorkshopFactory(facilitators=[facilitator], state=WorkshopState.SCHEDULED)
    workshop.axes.add(axis)
    workshop = lifecycle.workshop_state_change(
        workshop=workshop, actor=facilitator, to=WorkshopState.LIVE
    )
    members = [ParticipantFactory(workshop=workshop, user=person) for person in people]
    titles = (
        "Des pistes cyclables dans chaque quartier",
        "Un marché de producteurs locaux le samedi",
        "Plus de bancs et d'ombre dans les parcs",
    )
    ideas = [
        board.idea_post(workshop=workshop, user=member.user, axis=axis, title=title)
        for member, title in zip(members, titles, strict=True)
    ]
    hands.hand_raise(workshop=workshop, user=members[0].user)
    groups = [
        grouping.idea_group_create(
            workshop=workshop, actor=facilitator, name="Mobilité", idea_ids=[ideas[0].pk]
        ),
        grouping.idea_group_create(
            workshop=workshop, actor=facilitator, name="Alimentation", idea_ids=[ideas[1].pk]
        ),
    ]
    phases = list(workshop.phases.order_by("order", "pk"))
    return SimpleNamespace(
        facilitator=facilitator,
        workshop=workshop,
        code=workshop.join_code,
        phases=phases,
        ideas=ideas,
        groups=groups,
        members=members,
    )


# Each command with the arguments it is given, as a socket frame sends them (JSON types);
# the forms send the same as strings.
CASES = {
    "workshop.state": lambda s: {"to": "closed"},
    "workshop.code": lambda s: {},
    "workshop.joins": lambda s: {"closed": True},
    "phase.start": lambda s: {"id": s.phases[2].pk},
    "phase.next": lambda s: {},
    "phase.add": lambda s: {"title": "Pause café", "kind": "other", "planned_minutes": 10},
    "phase.update": lambda s: {"id": s.phases[1].pk, "title": "Idées", "planned_minutes": 12},
    "phase.move": lambda s: {"id": s.phases[1].pk, "direction": "down"},
    "timer.start": lambda s: {},
    "timer.pause": lambda s: {},
    "timer.extend": lambda s: {"minutes": 5},
    "idea.spotlight": lambda s: {"id": s.ideas[0].pk},
    "board.lock": lambda s: {"locked": True},
    "idea.hide": lambda s: {"id": s.ideas[2].pk, "reason": "Hors sujet"},
    "idea.merge": lambda s: {"source": s.ideas[1].pk, "target": s.ideas[0].pk},
    "hand.take": lambda s: {},
    "participant.remove": lambda s: {"id": s.members[2].pk, "reason": "Propos insultants"},
    "step.next": lambda s: {},
    "step.previous": lambda s: _one_step_on(s),
    "step.start": lambda s: {"id": s.phases[3].pk},
    "step.add": lambda s: {"kind": "ideation", "title": "Deuxième tour", "planned_minutes": 5},
    "step.skip": lambda s: {"id": s.phases[3].pk, "skipped": True},
    "step.move": lambda s: {"id": s.phases[2].pk, "direction": "up"},
    "step.update": lambda s: {
        "id": s.phases[1].pk,
        "title": "Tempête d'idées",
        "planned_minutes": 7,
        "instructions": "Une idée par carte",
    },
    "runsheet.template": lambda s: {"template": "brainstorm"},
    "group.create": lambda s: {"name": "Nature", "ideas": [s.ideas[2].pk]},
    "group.rename": lambda s: {"id": s.groups[0].pk, "name": "Déplacements"},
    "group.move_idea": lambda s: {"idea": s.ideas[0].pk, "group": s.groups[1].pk},
    "group.merge": lambda s: {"source": s.groups[1].pk, "target": s.groups[0].pk},
    "group.dissolve": lambda s: {"id": s.groups[0].pk},
    "group.reorder": lambda s: {"id": s.groups[1].pk, "position": 0},
}
# A run sheet's template applies before the start only: both doors refuse it alike.
REFUSED = {"runsheet.template": "started"}


def _one_step_on(scene) -> dict:
    steps.step_next(workshop=scene.workshop, actor=scene.facilitator)
    return {}


BOTH_DOORS = sorted(
    name for name, command in commands.COMMANDS.items() if command.web and command.socket
)


def test_every_command_of_both_doors_has_a_case():
    assert sorted(CASES) == BOTH_DOORS
    # Web only: the vote of the step (the socket's vote.* are the votes app's), and « Ignorer »
    # a suggested group (remembered in the page's session).
    assert sorted(set(commands.COMMANDS) - set(BOTH_DOORS)) == [
        "group.ignore",
        "vote.close",
        "vote.publish",
        "vote.reveal",
    ]


def _form(params: dict) -> dict:
    def spelled(value):
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, list):
            return [str(item) for item in value]
        return str(value)

    return {key: spelled(value) for key, value in params.items()}


def _over_the_web(name: str, scene, facilitator, params: dict) -> tuple:
    command = commands.COMMANDS[name]
    client = Client()
    client.force_login(facilitator)
    slug = scene.workshop.slug
    if name.startswith("group."):
        op = command.web.removeprefix("group-")
        url = reverse("workshops:grouping_action", args=[slug, op])
        response = client.post(url, _form(params), HTTP_X_GROUPING="1")
        if response.status_code == 204:
            return ("ok",)
        return ("error", response.json()["code"], response.json()["message"])
    url = reverse("workshops:console_action", args=[slug, command.web])
    response = client.post(url, _form(params), HTTP_X_REQUESTED_WITH="fetch")
    body = response.json()
    return ("ok",) if body["ok"] else ("error", body["code"], body["message"])


def _over_the_socket(name: str, scene, facilitator, params: dict) -> tuple:
    ctx = ActionContext(
        user=facilitator,
        workshop=scene.workshop,
        participant=None,
        is_facilitator=True,
        scope=SOCKET_SCOPE,
    )
    try:
        get_handler(name)(ctx, params)
    except DomainError as error:
        return ("error", error.code, str(error.message))
    return ("ok",)


def _state(scene) -> dict:
    """What a command may change, by titles and names (the two scenes' ids differ)."""
    workshop = Workshop.objects.select_related("spotlight", "current_phase").get(
        pk=scene.workshop.pk
    )
    return {
        "workshop": (
            workshop.state,
            workshop.joins_closed,
            workshop.board_locked,
            workshop.join_code != scene.code,
            workshop.spotlight.title if workshop.spotlight else None,
            workshop.current_phase.title if workshop.current_phase else None,
        ),
        "phases": [
            (
                p.title,
                p.kind,
                p.planned_minutes,
                p.instructions,
                p.started_at is not None,
                p.ended_at is not None,
                p.skipped_at is not None,
                p.timer_ends_at is not None,
                p.timer_remaining,
            )
            for p in Phase.objects.filter(workshop=workshop).order_by("order", "pk")
        ],
        "ideas": [
            (p.title, p.is_hidden, p.merged_into.title if p.merged_into else None)
            for p in Proposal.objects.filter(origin_workshop=workshop)
            .select_related("merged_into")
            .order_by("pk")
        ],
        "groups": [
            (g.name, g.position, sorted(g.members.values_list("proposal__title", flat=True)))
            for g in IdeaGroup.objects.filter(workshop=workshop).order_by("position", "pk")
        ],
        "hands": [
            (h.taken_at is not None, h.lowered_at is not None)
            for h in HandRaise.objects.filter(workshop=workshop).order_by("pk")
        ],
        "removed": sorted(
            Participant.objects.filter(workshop=workshop, removed_at__isnull=False).values_list(
                "user__username", flat=True
            )
        ),
    }


def _audit_since(marker: int) -> list[tuple[str, bool]]:
    return [
        (event.action, event.ip_address is not None)
        for event in AuditEvent.objects.filter(pk__gt=marker).order_by("pk")
    ]


def _marker() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


@pytest.mark.parametrize("name", BOTH_DOORS)
def test_a_command_gives_the_same_result_from_the_web_and_the_socket(
    name, facilitator, axis, people
):
    by_web = _scene(facilitator, axis, people)
    by_socket = _scene(facilitator, axis, people)

    web_params, socket_params = CASES[name](by_web), CASES[name](by_socket)

    marker = _marker()
    web = _over_the_web(name, by_web, facilitator, web_params)
    web_audit = _audit_since(marker)
    marker = _marker()
    socket = _over_the_socket(name, by_socket, facilitator, socket_params)
    socket_audit = _audit_since(marker)

    assert web == socket
    if name in REFUSED:
        assert web[:2] == ("error", REFUSED[name]) and web[2]
    else:
        assert web == ("ok",)
    assert _state(by_web) == _state(by_socket)
    untouched = _scene(facilitator, axis, people)
    if name not in REFUSED and name != "timer.pause":  # a timer not running: nothing to pause
        assert _state(by_web) != _state(untouched)
    # Audited the same, with the client's address from either door.
    assert web_audit == socket_audit
    assert all(has_ip for _action, has_ip in socket_audit)


@pytest.mark.parametrize(
    ("name", "params", "code"),
    [
        ("board.lock", {"locked": "peut-être"}, "invalid"),
        ("idea.hide", {"id": "abc"}, "invalid"),
        ("idea.merge", {"source": "", "target": "1"}, "invalid"),
        ("phase.start", {"id": "999999"}, "not_found"),
        ("timer.extend", {"minutes": "beaucoup"}, "invalid_minutes"),
        ("group.reorder", {"id": "1", "position": "premier"}, "invalid_position"),
    ],
)
def test_bad_arguments_give_the_same_translated_error_from_every_door(
    name, params, code, facilitator, axis, people
):
    scene = _scene(facilitator, axis, people)
    web = _over_the_web(name, scene, facilitator, params)
    socket = _over_the_socket(name, scene, facilitator, params)
    assert web == socket
    assert web[:2] == ("error", code)
    assert web[2]  # a sentence, not a code


def test_the_permission_is_checked_before_the_arguments(facilitator, axis, people):
    scene = _scene(facilitator, axis, people)
    outsider = UserFactory()
    for door in (_over_the_web, _over_the_socket):
        if door is _over_the_web:
            client = Client()
            client.force_login(outsider)
            response = client.post(
                reverse("workshops:console", args=[scene.workshop.slug, "spotlight"]),
                {"id": "pas un nombre"},
            )
            assert response.status_code in (302, 404)
            continue
        ctx = ActionContext(user=outsider, workshop=scene.workshop, participant=None)
        with pytest.raises(DomainError) as raised:
            get_handler("idea.spotlight")(ctx, {"id": "pas un nombre"})
        assert raised.value.code == "forbidden"
    scene.workshop.refresh_from_db()
    assert scene.workshop.spotlight_id is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (1, True),
        ("1", True),
        ("true", True),
        ("True", True),
        ("on", True),
        ("yes", True),
        (False, False),
        (0, False),
        ("0", False),
        ("false", False),
        ("off", False),
        ("no", False),
        ("", False),
    ],
)
def test_a_flag_is_spelled_the_same_way_everywhere(value, expected):
    assert parse_flag(value, "locked", default=False) is expected


def test_a_missing_flag_takes_its_default_and_a_strange_one_is_refused():
    assert parse_flag(None, "skipped", default=True) is True
    assert parse_flag(None, "locked", default=False) is False
    for strange in ("2", "oui-non", 2, 1.0, [], {}):
        with pytest.raises(DomainError) as raised:
            parse_flag(strange, "locked", default=False)
        assert raised.value.code == "invalid" and raised.value.field == "locked"


def test_ids_and_numbers():
    assert parse_id_arg("12", "id", required=True) == 12
    assert parse_id_arg(12, "id", required=True) == 12
    assert parse_id_arg("", "id", required=False) is None
    assert parse_id_arg(None, "id", required=False) is None
    for bad in ("", None, "0", "-3", "1e3", "²", True, 2**63, "99999999999999999999"):
        with pytest.raises(DomainError) as raised:
            parse_id_arg(bad, "id", required=True)
        assert raised.value.code == "invalid" and "id" in str(raised.value.message)
    with pytest.raises(DomainError):
        parse_id_arg("abc", "id", required=False)  # optional, but not anything
    assert parse_number("5") == 5
    assert parse_number(" 7 ") == 7
    assert parse_number("-1") == -1
    assert parse_number(0) == 0
    for unreadable in (None, "", "cinq", "1.5", 1.5, True, "²", 10**12):
        assert parse_number(unreadable) is None  # the service says which range it wants


def test_the_socket_audits_the_clients_address_from_its_scope(facilitator, axis, people):
    scene = _scene(facilitator, axis, people)
    ctx = ActionContext(
        user=facilitator,
        workshop=scene.workshop,
        participant=None,
        is_facilitator=True,
        scope=SOCKET_SCOPE,
    )
    get_handler("idea.hide")(ctx, {"id": scene.ideas[0].pk, "reason": "Doublon"})
    event = AuditEvent.objects.filter(action="proposal.hidden").latest("pk")
    assert event.ip_address == "203.0.113.9"
