"""Commands of the room: the workshop's state, code and arrivals; agenda, timer, wall, hands, participants."""

from __future__ import annotations

from django.utils.translation import gettext as _

from workshops import events
from workshops.commands.base import (
    FLAG,
    ID,
    NUMBER,
    PARTICIPANT,
    PHASE,
    TEXT,
    Arg,
    Command,
    ack_id,
)
from workshops.models import PhaseKind, WorkshopState
from workshops.services import agenda, board, hands, joining, lifecycle, participants, timer


def minutes_seconds(seconds: int) -> str:
    return _("%(m)d min %(s)02d s") % {"m": seconds // 60, "s": seconds % 60}


# --- the workshop: state, join code, arrivals --------------------------------------------------


def _say_state(workshop, args) -> str:
    if workshop.state == WorkshopState.LIVE:
        current = workshop.current_phase
        return _(
            "Atelier ouvert en direct : les participant·es peuvent rejoindre avec le code %(code)s. "
            "Étape en cours : « %(title)s »."
        ) % {"code": workshop.join_code, "title": current.title if current else "—"}
    if workshop.state == WorkshopState.CLOSED:
        return _("Atelier clos : plus d'idées ni de votes ; les résultats restent consultables.")
    return _("L'atelier est maintenant « %(state)s ».") % {"state": workshop.get_state_display()}


def _say_code(workshop, args) -> str:
    return _("Nouveau code d'accès : %(code)s. L'ancien ne fonctionne plus.") % {
        "code": workshop.join_code
    }


def _say_joins(workshop, args) -> str:
    if args["closed"]:
        return _("Atelier fermé aux nouvelles arrivées : les participant·es déjà là reviennent.")
    return _("Atelier rouvert : le code permet de nouveau de rejoindre.")


WORKSHOP = [
    Command(
        "workshop.state",
        lambda c: lifecycle.workshop_state_change(
            workshop=c.workshop, actor=c.actor, to=c.args["to"], request=c.client
        ),
        args=(Arg("to", TEXT, default="", max_length=20),),
        web="state",
        ack=events.state,
        say=_say_state,
    ),
    Command(
        "workshop.code",
        lambda c: joining.join_code_regenerate(
            workshop=c.workshop, actor=c.actor, request=c.client
        ),
        web="code",
        ack=lambda w: {"code": w.join_code},
        say=_say_code,
    ),
    Command(
        "workshop.joins",
        lambda c: joining.joins_close(
            workshop=c.workshop, actor=c.actor, closed=c.args["closed"], request=c.client
        ),
        args=(Arg("closed", FLAG, default=False),),
        web="joins",
        ack=lambda w: {"closed": w.joins_closed},
        say=_say_joins,
    ),
]


# --- the agenda (phases) and the timer ----------------------------------------------------------


def _say_timer(verb: str):
    def say(phase, args) -> str:
        left = minutes_seconds(phase.seconds_left())
        if verb == "start":
            return _("Minuteur lancé : %(left)s restantes.") % {"left": left}
        if verb == "pause":
            return _("Minuteur en pause : %(left)s restantes.") % {"left": left}
        return _("Minuteur prolongé : %(left)s restantes.") % {"left": left}

    return say


AGENDA = [
    Command(
        "phase.start",
        lambda c: agenda.phase_start(
            workshop=c.workshop, actor=c.actor, phase=c.args["id"], request=c.client
        ),
        args=(Arg("id", PHASE),),
        web="phase-start",
        ack=ack_id,
    ),
    Command(
        "phase.next",
        lambda c: agenda.phase_next(workshop=c.workshop, actor=c.actor, request=c.client),
        web="phase-next",
        ack=ack_id,
    ),
    Command(
        "phase.add",
        lambda c: agenda.phase_add(
            workshop=c.workshop,
            actor=c.actor,
            title=c.args["title"],
            kind=c.args["kind"],
            planned_minutes=c.args["planned_minutes"],
        ),
        args=(
            Arg("title", TEXT, default="", max_length=300),
            Arg("kind", TEXT, default=PhaseKind.OTHER, max_length=20),
            Arg("planned_minutes", NUMBER),
        ),
        web="phase-add",
        ack=ack_id,
    ),
    Command(
        "phase.update",
        lambda c: agenda.phase_update(
            workshop=c.workshop,
            actor=c.actor,
            phase=c.args["id"],
            title=c.args["title"],
            planned_minutes=c.args["planned_minutes"],
        ),
        args=(
            Arg("id", PHASE),
            Arg("title", TEXT, default="", max_length=300),
            Arg("planned_minutes", NUMBER),
        ),
        web="phase-update",
        ack=ack_id,
    ),
    Command(
        "phase.move",
        lambda c: agenda.phase_move(
            workshop=c.workshop, actor=c.actor, phase=c.args["id"], direction=c.args["direction"]
        ),
        args=(Arg("id", PHASE), Arg("direction", TEXT, default="", max_length=10)),
        web="phase-move",
    ),
    Command(
        "timer.start",
        lambda c: timer.timer_start(workshop=c.workshop, actor=c.actor),
        web="timer-start",
        ack=events.timer,
        say=_say_timer("start"),
    ),
    Command(
        "timer.pause",
        lambda c: timer.timer_pause(workshop=c.workshop, actor=c.actor),
        web="timer-pause",
        ack=events.timer,
        say=_say_timer("pause"),
    ),
    Command(
        "timer.extend",
        lambda c: timer.timer_extend(workshop=c.workshop, actor=c.actor, minutes=c.args["minutes"]),
        args=(Arg("minutes", NUMBER),),
        web="timer-extend",
        ack=events.timer,
        say=_say_timer("extend"),
    ),
]


# --- the wall of ideas, hands, participants -----------------------------------------------------


def _say_lock(workshop, args) -> str:
    if workshop.board_locked:
        return _("Mur d'idées verrouillé : plus de nouvelles idées pour l'instant.")
    return _("Mur d'idées ouvert : les participant·es peuvent poster des idées.")


def _say_hand(hand, args) -> str:
    if hand is None:
        return _("Personne n'attend la parole.")
    return _("Parole donnée à %(name)s.") % {"name": hand.participant.user.public_name}


ROOM = [
    Command(
        "idea.spotlight",
        lambda c: board.idea_spotlight(
            workshop=c.workshop, actor=c.actor, proposal_id=c.args["id"]
        ),
        args=(Arg("id", ID),),
        web="spotlight",
        ack=ack_id,
    ),
    Command(
        "board.lock",
        lambda c: board.board_lock(workshop=c.workshop, actor=c.actor, locked=c.args["locked"]),
        args=(Arg("locked", FLAG, default=False),),
        web="lock",
        ack=lambda w: {"locked": w.board_locked},
        say=_say_lock,
    ),
    Command(
        "idea.hide",
        lambda c: board.idea_hide(
            workshop=c.workshop,
            actor=c.actor,
            proposal_id=c.args["id"],
            reason=c.args["reason"],
            request=c.client,
        ),
        args=(Arg("id", ID, required=True), Arg("reason", TEXT, default="", max_length=1000)),
        web="hide",
        ack=ack_id,
    ),
    Command(
        "idea.merge",
        lambda c: board.idea_merge(
            workshop=c.workshop,
            actor=c.actor,
            source_id=c.args["source"],
            target_id=c.args["target"],
            request=c.client,
        ),
        args=(Arg("source", ID, required=True), Arg("target", ID, required=True)),
        web="merge",
        ack=ack_id,
    ),
    Command(
        "hand.take",
        lambda c: hands.hand_take(workshop=c.workshop, actor=c.actor, hand_id=c.args["id"]),
        args=(Arg("id", ID),),
        web="hand-take",
        ack=ack_id,
        say=_say_hand,
    ),
    Command(
        "participant.remove",
        lambda c: participants.participant_remove(
            workshop=c.workshop,
            actor=c.actor,
            participant=c.args["id"],
            reason=c.args["reason"],
            request=c.client,
        ),
        args=(Arg("id", PARTICIPANT), Arg("reason", TEXT, default="", max_length=500)),
        web="remove",
        ack=ack_id,
    ),
]
