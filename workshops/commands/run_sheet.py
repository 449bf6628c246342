"""Commands of the run sheet (workshops.steps) and of the current step's vote."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from votes import selectors as vote_selectors
from votes import services as vote_services
from workshops import steps
from workshops.commands.base import (
    FLAG,
    NUMBER,
    SESSION,
    STEP,
    TEXT,
    Arg,
    Call,
    Command,
    ack_id,
)

# --- the run sheet (workshops.steps) --------------------------------------------------------------

VOTE_CONFIG_KEYS = (
    "method",
    "question",
    "options",
    "labels",
    "reveal",
    "dot_budget",
    "dot_cap",
    "max_choices",
)


def _step_add(c: Call):
    return steps.step_add(
        workshop=c.workshop,
        actor=c.actor,
        kind=c.args["kind"],
        title=c.args["title"],
        planned_minutes=c.args["planned_minutes"],
        instructions=c.args["instructions"],
        vote={key: c.args[key] for key in VOTE_CONFIG_KEYS},
        position=c.args["position"],
        conversation=c.args["conversation"] or None,
        request=c.client,
    )


def _say_step_add(step, args) -> str:
    if args["position"] == "after_current":
        return _("Étape « %(title)s » ajoutée juste après l'étape en cours.") % {
            "title": step.title
        }
    return _("Étape « %(title)s » ajoutée à la fin du déroulé.") % {"title": step.title}


def _say_step_skip(step, args) -> str:
    if args["skipped"]:
        return _("Étape « %(title)s » sautée : « Étape suivante » la passera.") % {
            "title": step.title
        }
    return _("Étape « %(title)s » remise au déroulé.") % {"title": step.title}


def _step_move(c: Call):
    steps.step_move(
        workshop=c.workshop, actor=c.actor, phase=c.args["id"], direction=c.args["direction"]
    )
    return c.args["id"]


def _say_step_move(step, args) -> str:
    if args["direction"] == "up":
        return _("Étape « %(title)s » avancée d'un rang.") % {"title": step.title}
    return _("Étape « %(title)s » reculée d'un rang.") % {"title": step.title}


def _say_step_update(step, args) -> str:
    return ngettext(
        "Étape « %(title)s » enregistrée : %(n)d min prévue.",
        "Étape « %(title)s » enregistrée : %(n)d min prévues.",
        step.planned_minutes,
    ) % {"title": step.title, "n": step.planned_minutes}


def _say_template(created, args) -> str:
    label = steps.TEMPLATES[args["template"]]["label"]
    return ngettext(
        "Déroulé « %(name)s » appliqué : %(n)d étape.",
        "Déroulé « %(name)s » appliqué : %(n)d étapes.",
        len(created),
    ) % {"name": label, "n": len(created)}


def _outcome(outcome) -> dict:
    return outcome.as_dict()


def _said(outcome, args) -> str:
    return outcome.message


STEP_TEXT = Arg("title", TEXT, default="", max_length=300)
INSTRUCTIONS = Arg("instructions", TEXT, default="", max_length=5000)

RUN_SHEET = [
    Command(
        "step.next",
        lambda c: steps.step_next(workshop=c.workshop, actor=c.actor, request=c.client),
        web="step-next",
        ack=_outcome,
        say=_said,
    ),
    Command(
        "step.previous",
        lambda c: steps.step_previous(workshop=c.workshop, actor=c.actor, request=c.client),
        web="step-previous",
        ack=_outcome,
        say=_said,
    ),
    Command(
        "step.start",
        lambda c: steps.step_go_to(
            workshop=c.workshop, actor=c.actor, phase=c.args["id"], request=c.client
        ),
        args=(Arg("id", STEP),),
        web="step-start",
        ack=_outcome,
        say=_said,
    ),
    Command(
        "step.add",
        _step_add,
        args=(
            Arg("kind", TEXT, default="", max_length=20),
            STEP_TEXT,
            Arg("planned_minutes", NUMBER),
            INSTRUCTIONS,
            *(Arg(key, TEXT) for key in VOTE_CONFIG_KEYS),
            Arg("position", TEXT, default="end", max_length=20),
            Arg("conversation", TEXT, max_length=20),
        ),
        web="step-add",
        ack=ack_id,
        say=_say_step_add,
    ),
    Command(
        "step.skip",
        lambda c: steps.step_skip(
            workshop=c.workshop,
            actor=c.actor,
            phase=c.args["id"],
            skipped=c.args["skipped"],
            request=c.client,
        ),
        args=(Arg("id", STEP), Arg("skipped", FLAG, default=True)),
        web="step-skip",
        ack=lambda step: {"id": step.pk, "skipped": step.skipped_at is not None},
        say=_say_step_skip,
    ),
    Command(
        "step.move",
        _step_move,
        args=(Arg("id", STEP), Arg("direction", TEXT, default="", max_length=10)),
        web="step-move",
        say=_say_step_move,
    ),
    Command(
        "step.update",
        lambda c: steps.step_update(
            workshop=c.workshop,
            actor=c.actor,
            phase=c.args["id"],
            title=c.args["title"],
            planned_minutes=c.args["planned_minutes"],
            instructions=c.args["instructions"],
        ),
        args=(Arg("id", STEP), STEP_TEXT, Arg("planned_minutes", NUMBER), INSTRUCTIONS),
        web="step-update",
        ack=ack_id,
        say=_say_step_update,
    ),
    Command(
        "runsheet.template",
        lambda c: steps.runsheet_apply_template(
            workshop=c.workshop, actor=c.actor, template=c.args["template"], request=c.client
        ),
        args=(Arg("template", TEXT, default="", max_length=50),),
        web="template",
        ack=lambda created: {"steps": [step.pk for step in created]},
        say=_say_template,
    ),
]


# --- the current step's vote (its socket actions, vote.*, are votes.socket_actions') ---


def _say_vote_close(session, args) -> str:
    voted = vote_selectors.ballot_count(session)
    return ngettext(
        "Vote clos : %(n)d bulletin enregistré.",
        "Vote clos : %(n)d bulletins enregistrés.",
        voted,
    ) % {"n": voted}


VOTE = [
    Command(
        "vote.close",
        lambda c: vote_services.session_close(
            session=c.args["session"], actor=c.actor, request=c.client
        ),
        args=(Arg("session", SESSION),),
        web="vote-close",
        socket=False,
        ack=lambda session: {"id": session.pk, "state": session.state},
        say=_say_vote_close,
    ),
    Command(
        "vote.reveal",
        lambda c: vote_services.session_reveal(
            session=c.args["session"], actor=c.actor, request=c.client
        ),
        args=(Arg("session", SESSION),),
        web="vote-reveal",
        socket=False,
        ack=lambda session: {"id": session.pk, "state": session.state},
        say=lambda session, args: _("Résultats montrés sur l'écran et les téléphones."),
    ),
    Command(
        "vote.publish",
        lambda c: vote_services.session_publish(
            session=c.args["session"], actor=c.actor, request=c.client
        ),
        args=(Arg("session", SESSION),),
        web="vote-publish",
        socket=False,
        ack=lambda session: {"id": session.pk, "state": session.state},
        say=lambda session, args: _(
            "Résultats publiés sur le site : chacun·e peut les consulter après l'atelier."
        ),
    ),
]
