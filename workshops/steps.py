"""The run sheet of a workshop: steps prepared in advance, « Étape suivante », templates, copies.

A step is a ``Phase`` (see its docstring) with, for a vote step, a prepared activity:
``vote_session`` (a draft with fixed options) or ``config`` (a vote whose options are
the room's ideas, built when the step starts). ``step_next`` moves the room, the stage
and the phones in one transaction: the phase changes (``phase_start``), the
vote of the step left behind closes, the prepared vote opens or the results are shown,
and the wall opens or locks; each of those services broadcasts after the commit, in
that order. The console's button, its HTTP form and the ``step.next`` socket action
(the stage's → key) all call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.services import audit_record
from opinions.models import Conversation
from project.errors import DomainError, PermissionDeniedError
from proposals.models import Proposal
from realtime.broadcast import broadcast_on_commit
from votes import services as vote_services
from votes.models import Method, Reveal, SessionState, VoteOption, VoteSession
from workshops import events, rules
from workshops.models import Participant, Phase, PhaseKind, Workshop, WorkshopState
from workshops.services.agenda import (
    clean_minutes,
    clean_phase_title,
    phase_move,
    phase_start,
    phase_update,
)
from workshops.services.board import board_lock
from workshops.services.editing import workshop_create

VOTE_OPTION_SOURCES = ("ideas", "labels")
INSTRUCTIONS_MAX = 500


@dataclass
class StepOutcome:
    """What « Étape suivante » did, in words for the facilitator (``message``)."""

    phase: Phase
    messages: list[str] = field(default_factory=list)
    vote_session_id: int | None = None

    @property
    def message(self) -> str:
        return " ".join(self.messages)

    def as_dict(self) -> dict:
        return {
            "id": self.phase.pk,
            "title": self.phase.title,
            "kind": self.phase.kind,
            "vote_session": self.vote_session_id,
            "message": self.message,
        }


def _require_facilitator(actor, workshop: Workshop) -> None:
    if not rules.is_workshop_facilitator(actor, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )


def _steps(workshop: Workshop) -> list[Phase]:
    return list(Phase.objects.filter(workshop=workshop).order_by("order", "pk"))


def step_neighbours(workshop: Workshop, steps: list[Phase] | None = None):
    """(previous, current, next) steps around the current one; skipped steps are passed over."""
    steps = _steps(workshop) if steps is None else steps
    ids = [s.pk for s in steps]
    current_id = workshop.current_phase_id
    if current_id in ids:
        i = ids.index(current_id)
        before, current, after = steps[:i], steps[i], steps[i + 1 :]
    else:
        before, current, after = [], None, steps
    if current is None and workshop.current_phase_id is None and any(s.started_at for s in steps):
        # The agenda ran already (workshop closed): nothing comes next.
        after = []
    previous = next((s for s in reversed(before) if s.skipped_at is None), None)
    following = next((s for s in after if s.skipped_at is None), None)
    return previous, current, following


# --- one action: next / previous -------------------------------------------------------------


def step_next(*, workshop: Workshop, actor, request=None) -> StepOutcome:
    """Move everyone to the next step that is not skipped, and start its prepared activity."""
    return _step_go(workshop=workshop, actor=actor, direction="next", request=request)


def step_previous(*, workshop: Workshop, actor, request=None) -> StepOutcome:
    """Back to the step before (a vote already closed stays closed: ballots are final)."""
    return _step_go(workshop=workshop, actor=actor, direction="previous", request=request)


def step_go_to(*, workshop: Workshop, actor, phase: Phase, request=None) -> StepOutcome:
    """Start a given step now (« Lancer maintenant »), with its prepared activity."""
    _require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette étape n'est pas dans cet atelier."))
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        return _enter(locked, actor, phase, request)


def _step_go(*, workshop: Workshop, actor, direction: str, request=None) -> StepOutcome:
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if locked.state != WorkshopState.LIVE:
            raise DomainError(
                "not_live", _("Ouvrez l'atelier (en direct) avant de passer d'une étape à l'autre.")
            )
        previous, _current, following = step_neighbours(locked)
        target = following if direction == "next" else previous
        if target is None:
            if direction == "next":
                raise DomainError(
                    "last_step", _("C'est la dernière étape : il n'y a pas d'étape suivante.")
                )
            raise DomainError("first_step", _("C'est la première étape."))
        return _enter(locked, actor, target, request)


def _enter(locked: Workshop, actor, target: Phase, request) -> StepOutcome:
    """Inside the caller's transaction: leave the current step, start ``target``'s activity."""
    if locked.state != WorkshopState.LIVE:
        raise DomainError("not_live", _("Ouvrez l'atelier (en direct) avant de lancer une étape."))
    leaving = (
        Phase.objects.select_related("vote_session").filter(pk=locked.current_phase_id).first()
    )
    target = Phase.objects.select_related("vote_session").get(pk=target.pk)
    outcome = StepOutcome(phase=target)
    if leaving is not None and leaving.pk == target.pk:
        raise DomainError("already_current", _("Cette étape est déjà en cours."))
    phase = phase_start(workshop=locked, actor=actor, phase=target, request=request)
    outcome.phase = phase
    outcome.messages.append(_("Étape en cours : « %(title)s ».") % {"title": phase.title})
    # The vote of the step left behind ends with it (unless the next step is its results).
    if (
        leaving is not None
        and leaving.vote_session_id
        and leaving.vote_session.state == SessionState.OPEN
    ):
        session = vote_services.session_close(
            session=leaving.vote_session, actor=actor, request=request
        )
        outcome.messages.append(_("Vote « %(title)s » clos.") % {"title": session.title})
    if target.kind == PhaseKind.VOTE:
        _enter_vote(locked, actor, target, request, outcome)
    elif target.kind == PhaseKind.RESULTS:
        _enter_results(locked, actor, target, request, outcome)
    _board_for(locked, actor, target, outcome)
    audit_record(
        actor=actor,
        action="workshop.step_started",
        target=locked,
        data={"step": phase.pk, "kind": phase.kind, "vote": outcome.vote_session_id},
        request=request,
    )
    return outcome


def _enter_vote(locked: Workshop, actor, target: Phase, request, outcome: StepOutcome) -> None:
    """A vote step: its prepared session opens (once: a closed vote does not reopen)."""
    session = _prepared_session(locked, actor, target, request)
    outcome.vote_session_id = session.pk
    if session.state == SessionState.DRAFT:
        session = vote_services.session_open(session=session, actor=actor, request=request)
        eligible = _eligible(locked)
        outcome.messages.append(
            ngettext(
                "Vote ouvert : %(n)d participant·e peut voter.",
                "Vote ouvert : %(n)d participant·es peuvent voter.",
                eligible,
            )
            % {"n": eligible}
        )
    elif session.state == SessionState.OPEN:
        outcome.messages.append(_("Le vote est toujours ouvert."))
    else:
        outcome.messages.append(_("Ce vote est déjà clos : il ne se rouvre pas."))


def _enter_results(locked: Workshop, actor, target: Phase, request, outcome: StepOutcome) -> None:
    """A results step: the vote before it closes if need be and its results are shown."""
    session = _results_session(locked, target)
    if session is None:
        outcome.messages.append(_("Aucun vote avant cette étape : pas de résultats à montrer."))
        return
    outcome.vote_session_id = session.pk
    if session.state == SessionState.OPEN:
        session = vote_services.session_close(session=session, actor=actor, request=request)
    if session.revealed_at is None:
        vote_services.session_reveal(session=session, actor=actor, request=request)
    outcome.messages.append(
        _("Résultats du vote « %(title)s » montrés sur l'écran et les téléphones.")
        % {"title": session.title}
    )


def _board_for(locked: Workshop, actor, target: Phase, outcome: StepOutcome) -> None:
    """The wall opens for ideation and locks for grouping and votes."""
    if target.kind == PhaseKind.IDEATION and locked.board_locked:
        board_lock(workshop=locked, actor=actor, locked=False)
        outcome.messages.append(_("Le mur d'idées est ouvert."))
    elif target.kind in (PhaseKind.CLUSTERING, PhaseKind.VOTE) and not locked.board_locked:
        board_lock(workshop=locked, actor=actor, locked=True)
        outcome.messages.append(_("Le mur d'idées est verrouillé pendant cette étape."))


def _eligible(workshop: Workshop) -> int:
    return Participant.objects.filter(workshop=workshop, removed_at__isnull=True).count()


def _prepared_session(workshop: Workshop, actor, step: Phase, request):
    """The step's vote: its prepared draft, or one built now from the room's ideas."""
    if step.vote_session_id:
        return step.vote_session
    config = step.config or {}
    ideas = list(
        Proposal.objects.filter(
            origin_workshop=workshop, is_hidden=False, merged_into__isnull=True
        ).order_by("created_at", "pk")[: vote_services.MAX_OPTIONS]
    )
    if not ideas:
        raise DomainError(
            "no_ideas",
            _(
                "Ce vote porte sur les idées du mur, et le mur est vide : "
                "ajoutez des idées ou préparez des options avant de lancer le vote."
            ),
        )
    session = vote_services.session_create(
        actor=actor,
        title=step.title,
        question=config.get("question", ""),
        method=config.get("method", "majority_judgment"),
        reveal=config.get("reveal", "at_close"),
        workshop=workshop,
        max_choices=config.get("max_choices"),
        dot_budget=config.get("dot_budget", 5),
        dot_cap=config.get("dot_cap", 3),
        proposals=ideas,
        request=request,
    )
    step.vote_session = session
    step.save(update_fields=["vote_session"])
    return session


def _results_session(workshop: Workshop, step: Phase):
    """The vote of the nearest vote step before ``step`` (or the workshop's latest vote)."""
    before = (
        Phase.objects.filter(workshop=workshop, vote_session__isnull=False, order__lte=step.order)
        .exclude(pk=step.pk)
        .exclude(vote_session__state=SessionState.DRAFT)
        .select_related("vote_session")
        .order_by("-order", "-pk")
        .first()
    )
    if before is not None:
        return before.vote_session
    return (
        VoteSession.objects.filter(workshop=workshop)
        .exclude(state=SessionState.DRAFT)
        .order_by("-opened_at", "-pk")
        .first()
    )


# --- preparing the run sheet -----------------------------------------------------------------


def clean_vote_config(data: dict) -> dict:
    """The prepared vote of a step, checked: method, reveal, where the options come from."""
    method = data.get("method") or ""
    if method not in Method.values:
        raise DomainError("invalid_method", _("Choisissez une méthode de vote."), field="method")
    reveal = data.get("reveal") or Reveal.AT_CLOSE
    if reveal not in Reveal.values:
        raise DomainError(
            "invalid_reveal", _("Choisissez quand montrer les résultats."), field="reveal"
        )
    source = data.get("options") or "ideas"
    if method == Method.OPEN_QUESTION:
        source = "none"
    elif source not in VOTE_OPTION_SOURCES:
        raise DomainError(
            "invalid_options", _("Choisissez d'où viennent les options."), field="options"
        )
    config = {
        "method": method,
        "reveal": reveal,
        "options": source,
        "question": " ".join(str(data.get("question") or "").split())[:500],
    }
    if method == Method.DOTS:
        config["dot_budget"] = _bounded(data.get("dot_budget"), 5, "dot_budget")
        config["dot_cap"] = _bounded(data.get("dot_cap"), 3, "dot_cap")
    if method == Method.SUPPORT and data.get("max_choices") not in (None, ""):
        config["max_choices"] = _bounded(data.get("max_choices"), None, "max_choices")
    if source == "labels":
        labels = data.get("labels") or []
        if isinstance(labels, str):
            labels = labels.splitlines()
        config["labels"] = [
            " ".join(str(label).split())[:200] for label in labels if str(label).strip()
        ]
    return config


def _bounded(value, default, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 100:
        raise DomainError("invalid_number", _("Indiquez un nombre entre 1 et 100."), field=name)
    return number


def _clean_instructions(instructions: str) -> str:
    instructions = " ".join((instructions or "").split())
    if len(instructions) > INSTRUCTIONS_MAX:
        raise DomainError(
            "invalid_instructions",
            _("La consigne fait au plus %(n)d caractères.") % {"n": INSTRUCTIONS_MAX},
            field="instructions",
        )
    return instructions


def step_add(
    *,
    workshop: Workshop,
    actor,
    kind: str,
    title: str,
    planned_minutes=10,
    instructions: str = "",
    vote: dict | None = None,
    position: str = "end",
    conversation=None,
    request=None,
) -> Phase:
    """A new step, at the end or right after the current one (« ajoutée à la volée »).

    An opinion map step (``kind=opinions``) shows ``conversation`` (an id of one of this
    workshop's opinion maps); without one, a new map of this workshop asks the step's title.

    A vote step with fixed options gets its draft session now (checked now: an error
    here, not in front of the room); one on the room's ideas gets it when it starts.
    """
    _require_facilitator(actor, workshop)
    if kind not in PhaseKind.values:
        raise DomainError("invalid_kind", _("Choisissez un type d'étape."), field="kind")
    title = clean_phase_title(title)
    minutes = clean_minutes(planned_minutes)
    instructions = _clean_instructions(instructions)
    if position not in ("end", "after_current"):
        raise DomainError("invalid_position", _("Choisissez où placer l'étape."), field="position")
    config = clean_vote_config(vote or {}) if kind == PhaseKind.VOTE else {}
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if locked.state in (WorkshopState.CLOSED, WorkshopState.PUBLISHED):
            raise DomainError("closed", _("L'atelier est clos : son déroulé ne change plus."))
        steps = _steps(locked)
        session = None
        if kind == PhaseKind.VOTE and config["options"] != "ideas":
            session = _fixed_options_session(locked, actor, title, config, request)
        if kind == PhaseKind.OPINIONS:
            config = {"conversation": _step_conversation(locked, actor, title, conversation)}
        step = Phase(
            workshop=locked,
            kind=kind,
            title=title,
            planned_minutes=minutes,
            instructions=instructions,
            config=config,
            vote_session=session,
        )
        _insert_step(locked, steps, step, position)
        audit_record(
            actor=actor,
            action="workshop.step_added",
            target=locked,
            data={"step": step.pk, "kind": kind, "position": position},
            request=request,
        )
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return step


def _fixed_options_session(locked: Workshop, actor, title: str, config: dict, request):
    """The draft vote of a step whose options are fixed (checked now, not in front of the room)."""
    return vote_services.session_create(
        actor=actor,
        title=title,
        question=config["question"],
        method=config["method"],
        reveal=config["reveal"],
        workshop=locked,
        max_choices=config.get("max_choices"),
        dot_budget=config.get("dot_budget", 5),
        dot_cap=config.get("dot_cap", 3),
        labels=config.get("labels", []),
        request=request,
    )


def _insert_step(locked: Workshop, steps: list[Phase], step: Phase, position: str) -> None:
    """Save ``step`` at the end, or right after the current step, and renumber the run sheet."""
    ids = [s.pk for s in steps]
    if position == "after_current" and locked.current_phase_id in ids:
        index = ids.index(locked.current_phase_id) + 1
    else:
        index = len(steps)
    steps.insert(index, step)
    step.order = index
    step.save()
    for order, s in enumerate(steps):
        s.order = order
    Phase.objects.bulk_update(steps, ["order"])


def _step_conversation(workshop: Workshop, actor, title: str, conversation) -> int:
    """The opinion map an opinion step shows: one of this workshop's, or a new one."""
    if conversation not in (None, ""):
        try:
            pk = int(conversation)
        except (TypeError, ValueError):
            pk = None
        found = Conversation.objects.filter(pk=pk, workshop=workshop).first() if pk else None
        if found is None:
            raise DomainError(
                "invalid_conversation",
                _("Choisissez une carte des opinions de cet atelier."),
                field="conversation",
            )
        return found.pk
    created = Conversation.objects.create(
        question=title,
        workshop=workshop,
        axis=workshop.axes.order_by("order", "pk").first(),
        created_by=actor,
    )
    return created.pk


def step_conversation(step: Phase | None):
    """The opinion map of an opinion step (None for any other step)."""
    if step is None or step.kind != PhaseKind.OPINIONS:
        return None
    pk = (step.config or {}).get("conversation")
    return Conversation.objects.filter(pk=pk, workshop_id=step.workshop_id).first() if pk else None


def step_skip(
    *, workshop: Workshop, actor, phase: Phase, skipped: bool = True, request=None
) -> Phase:
    """Mark a step to be passed over by « Étape suivante » (or bring it back)."""
    _require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette étape n'est pas dans cet atelier."))
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if skipped and locked.current_phase_id == phase.pk:
            raise DomainError(
                "current",
                _("C'est l'étape en cours : passez à la suivante plutôt que de la sauter."),
            )
        phase = Phase.objects.select_for_update().get(pk=phase.pk)
        phase.skipped_at = timezone.now() if skipped else None
        phase.save(update_fields=["skipped_at"])
        audit_record(
            actor=actor,
            action="workshop.step_skipped" if skipped else "workshop.step_restored",
            target=locked,
            data={"step": phase.pk},
            request=request,
        )
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return phase


def step_update(
    *, workshop: Workshop, actor, phase: Phase, title: str, planned_minutes, instructions: str = ""
) -> Phase:
    """Rename a step, change its planned length and its instructions."""
    instructions = _clean_instructions(instructions)
    with transaction.atomic():
        phase = phase_update(
            workshop=workshop,
            actor=actor,
            phase=phase,
            title=title,
            planned_minutes=planned_minutes,
        )
        if phase.instructions != instructions:
            phase.instructions = instructions
            phase.save(update_fields=["instructions"])
            broadcast_on_commit(workshop, "phase.changed", events.agenda(workshop))
    return phase


def step_move(*, workshop: Workshop, actor, phase: Phase, direction: str) -> None:
    """Up or down the run sheet (the existing agenda service)."""
    phase_move(workshop=workshop, actor=actor, phase=phase, direction=direction)


# --- templates -------------------------------------------------------------------------------

MJ_ON_IDEAS = {"method": "majority_judgment", "options": "ideas", "reveal": "at_close"}
DOTS_ON_IDEAS = {
    "method": "dots",
    "options": "ideas",
    "reveal": "at_close",
    "dot_budget": 5,
    "dot_cap": 2,
}

# (kind, title, minutes, instructions, vote config)
TEMPLATES: dict[str, dict] = {
    "brainstorm": {
        "label": gettext_lazy("Brainstorm → regroupement → vote"),
        "description": gettext_lazy(
            "Chacun·e propose des idées, l'équipe les regroupe, la salle les évalue "
            "au jugement majoritaire, puis les résultats s'affichent."
        ),
        "steps": [
            (PhaseKind.WELCOME, gettext_lazy("Accueil"), 10, "", None),
            (
                PhaseKind.IDEATION,
                gettext_lazy("Brainstorm"),
                20,
                gettext_lazy("Une idée par message, courte et concrète."),
                None,
            ),
            (PhaseKind.CLUSTERING, gettext_lazy("Regroupement des idées"), 15, "", None),
            (
                PhaseKind.VOTE,
                gettext_lazy("Vote au jugement majoritaire"),
                10,
                gettext_lazy("Donnez une mention à chaque idée."),
                MJ_ON_IDEAS,
            ),
            (PhaseKind.RESULTS, gettext_lazy("Résultats"), 10, "", None),
            (PhaseKind.SYNTHESIS, gettext_lazy("Synthèse et suites"), 10, "", None),
        ],
    },
    "world_cafe": {
        "label": gettext_lazy("World Café"),
        "description": gettext_lazy(
            "Des tables de 4 à 6 personnes, trois tours, un·e rapporteur·e par table "
            "qui reste et accueille la table suivante, puis une restitution."
        ),
        "steps": [
            (
                PhaseKind.WELCOME,
                gettext_lazy("Accueil et consignes du World Café"),
                10,
                gettext_lazy(
                    "Formez des tables de 4 à 6 ; chaque table désigne un·e rapporteur·e."
                ),
                None,
            ),
            (
                PhaseKind.DEBATE,
                gettext_lazy("Tour 1 aux tables"),
                20,
                gettext_lazy("Le ou la rapporteur·e de chaque table note les idées au mur."),
                None,
            ),
            (
                PhaseKind.DEBATE,
                gettext_lazy("Tour 2 : changement de table"),
                20,
                gettext_lazy("Les rapporteur·es restent ; les autres changent de table."),
                None,
            ),
            (
                PhaseKind.DEBATE,
                gettext_lazy("Tour 3 : changement de table"),
                20,
                gettext_lazy("Les rapporteur·es restent ; les autres changent de table."),
                None,
            ),
            (
                PhaseKind.SYNTHESIS,
                gettext_lazy("Restitution des rapporteur·es"),
                20,
                gettext_lazy("Chaque rapporteur·e présente les idées de sa table en 3 minutes."),
                None,
            ),
            (PhaseKind.VOTE, gettext_lazy("Vote par gommettes"), 10, "", DOTS_ON_IDEAS),
            (PhaseKind.RESULTS, gettext_lazy("Résultats"), 5, "", None),
        ],
    },
    "open_forum": {
        "label": gettext_lazy("Forum ouvert"),
        "description": gettext_lazy(
            "La salle propose ses sujets, des ateliers libres les traitent en parallèle, "
            "puis la salle choisit ses priorités."
        ),
        "steps": [
            (PhaseKind.WELCOME, gettext_lazy("Cercle d'ouverture"), 15, "", None),
            (
                PhaseKind.IDEATION,
                gettext_lazy("Place du marché : proposer un sujet"),
                20,
                gettext_lazy("Proposez un sujet qui vous tient à cœur et que vous animerez."),
                None,
            ),
            (PhaseKind.CLUSTERING, gettext_lazy("Regroupement des sujets"), 10, "", None),
            (
                PhaseKind.DEBATE,
                gettext_lazy("Sessions en parallèle"),
                45,
                gettext_lazy("Allez où vous êtes utile ; chaque session note ses conclusions."),
                None,
            ),
            (PhaseKind.VOTE, gettext_lazy("Priorités (gommettes)"), 10, "", DOTS_ON_IDEAS),
            (PhaseKind.RESULTS, gettext_lazy("Résultats"), 5, "", None),
            (PhaseKind.SYNTHESIS, gettext_lazy("Cercle de clôture"), 10, "", None),
        ],
    },
}


def template_choices() -> list[tuple[str, str, str]]:
    return [(key, str(t["label"]), str(t["description"])) for key, t in TEMPLATES.items()]


def runsheet_apply_template(
    *, workshop: Workshop, actor, template: str, request=None
) -> list[Phase]:
    """Replace the run sheet with a template's, before the workshop has started any step."""
    _require_facilitator(actor, workshop)
    spec = TEMPLATES.get(template)
    if spec is None:
        raise DomainError(
            "invalid_template", _("Choisissez un modèle de déroulé."), field="template"
        )
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if (
            locked.current_phase_id
            or Phase.objects.filter(workshop=locked, started_at__isnull=False).exists()
        ):
            raise DomainError(
                "started",
                _("L'atelier a commencé : ajoutez des étapes plutôt que de remplacer le déroulé."),
            )
        old = list(Phase.objects.filter(workshop=locked).select_related("vote_session"))
        for phase in old:
            if phase.vote_session_id and phase.vote_session.state == "draft":
                phase.vote_session.delete()
        Phase.objects.filter(workshop=locked).delete()
        steps = Phase.objects.bulk_create(
            [
                Phase(
                    workshop=locked,
                    kind=kind,
                    title=str(title),
                    order=i,
                    planned_minutes=minutes,
                    instructions=str(instructions),
                    config=dict(config or {}),
                )
                for i, (kind, title, minutes, instructions, config) in enumerate(spec["steps"])
            ]
        )
        audit_record(
            actor=actor,
            action="workshop.template_applied",
            target=locked,
            data={"template": template, "steps": len(steps)},
            request=request,
        )
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return steps


# --- duplicate -------------------------------------------------------------------------------


def workshop_duplicate(*, workshop: Workshop, actor, request=None) -> Workshop:
    """A new draft workshop with the same details and run sheet (no dates, ideas, votes cast).

    Prepared votes with fixed options are copied as drafts; votes on the room's
    ideas stay prepared (``config``) and are built from the new room's ideas.
    """
    if not (rules.can_create_workshop(actor) and rules.can_edit_workshop(actor, workshop)):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    title = _("%(title)s (copie)") % {"title": workshop.title}
    copy = workshop_create(
        actor=actor,
        title=title[:200],
        description=workshop.description,
        axes=list(workshop.axes.all()),
        place=workshop.place,
        location=workshop.location,
        capacity=workshop.capacity,
        visibility=workshop.visibility,
        video_url=workshop.video_url,
        livestream_url=workshop.livestream_url,
        request=request,
    )
    with transaction.atomic():
        Phase.objects.filter(workshop=copy).delete()
        for step in (
            Phase.objects.filter(workshop=workshop)
            .select_related("vote_session")
            .order_by("order", "pk")
        ):
            session = None
            source = step.vote_session
            if source is not None and (step.config or {}).get("options") != "ideas":
                session = VoteSession.objects.create(
                    title=source.title,
                    question=source.question,
                    method=source.method,
                    reveal=source.reveal,
                    workshop=copy,
                    max_choices=source.max_choices,
                    dot_budget=source.dot_budget,
                    dot_cap=source.dot_cap,
                    created_by=actor,
                )
                VoteOption.objects.bulk_create(
                    [
                        VoteOption(session=session, label=o.label, order=o.order)
                        for o in source.options.filter(proposal__isnull=True)
                    ]
                )
            Phase.objects.create(
                workshop=copy,
                kind=step.kind,
                title=step.title,
                order=step.order,
                planned_minutes=step.planned_minutes,
                instructions=step.instructions,
                config=step.config,
                vote_session=session,
            )
        copy.facilitators.add(*workshop.facilitators.all())
        audit_record(
            actor=actor,
            action="workshop.duplicated",
            target=copy,
            data={"source": workshop.pk, "source_slug": workshop.slug},
            request=request,
        )
    return copy
