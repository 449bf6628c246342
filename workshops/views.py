"""Workshop pages: list, join by code, the room (with the facilitator console), the projector.

Every form posts to a view that calls one service and redirects back to the
room, so the room works without JavaScript; the socket only makes it live.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import College
from opinions import rules as opinion_rules
from opinions import selectors as opinion_selectors
from project import ratelimit
from project.errors import DomainError, PermissionDeniedError, add_form_error
from project.ids import parse_id
from realtime.broadcast import room_last_seq
from votes import rules as vote_rules
from votes.models import Method, SessionState, VoteSession
from workshops import commands, events, grouping, qr, selectors, services
from workshops.forms import IdeaForm, JoinForm
from workshops.models import Participant, Phase, PhaseKind, ReactionKind, WorkshopState
from workshops.steps import step_conversation


def or_http_error(lookup, *args):
    """A selector's lookup (``selectors.get_workshop_*``) for a page: its NotFoundError is the
    404 page, its PermissionDeniedError the 403 page (a participant removed by the
    facilitators, a non-facilitator at the console), not a server error."""
    try:
        return lookup(*args)
    except DomainError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        raise


def _access(request: HttpRequest, slug: str) -> selectors.RoomAccess:
    return or_http_error(selectors.get_workshop_for_user, request.user, slug)


@require_GET
def workshop_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "workshops/workshop_list.html", selectors.workshops_for_list(request.user)
    )


# A signed cookie naming this browser, so that a removal holds for it even after its
# guest signs out (docs/security.md). Strictly necessary for security: no consent asked.
DEVICE_COOKIE = "agir_device"
DEVICE_COOKIE_SALT = "workshops.device"


def _device(request: HttpRequest) -> tuple[str, bool]:
    """(this browser's token, whether it is new)."""
    token = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT)
    if token and len(token) == 32 and token.isalnum():
        return token, False
    return uuid.uuid4().hex, True


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    guest = not request.user.is_authenticated
    if request.method == "GET":
        form = JoinForm(guest=guest, initial={"code": request.GET.get("code", "")})
        return render(request, "workshops/workshop_join.html", {"form": form})
    form = JoinForm(request.POST, guest=guest)
    status = 400
    device, new_device = _device(request)
    client = ratelimit.client_address(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if guest:
                user, participant = services.guest_join(
                    code=data["code"],
                    display_name=data["display_name"],
                    college=data["college"],
                    attendance=data["attendance"],
                    client=client,
                    device=device,
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                participant = services.member_join(
                    code=data["code"],
                    user=request.user,
                    attendance=data["attendance"],
                    client=client,
                    device=device,
                )
        except DomainError as error:
            add_form_error(form, error)
            status = 429 if error.status == 429 else 400
        else:
            messages.success(
                request,
                _("Bienvenue dans l'atelier « %(title)s » !")
                % {"title": participant.workshop.title},
            )
            response = redirect(participant.workshop.get_absolute_url())
            if new_device:
                response.set_signed_cookie(
                    DEVICE_COOKIE,
                    device,
                    salt=DEVICE_COOKIE_SALT,
                    max_age=services.DEVICE_MEMORY_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
    return render(request, "workshops/workshop_join.html", {"form": form}, status=status)


def _room_context(
    request: HttpRequest, access: selectors.RoomAccess, idea_form=None, *, console: bool = True
) -> dict:
    workshop = access.workshop
    phases = list(workshop.phases.order_by("order", "pk"))
    current = next((p for p in phases if p.pk == workshop.current_phase_id), None)
    counts = selectors.participant_counts(workshop)
    hands = list(workshop.hands.waiting().select_related("participant__user"))
    context = {
        "workshop": workshop,
        "access": access,
        "participant": access.participant,
        "is_facilitator": access.is_facilitator,
        "can_participate": access.participant is not None
        and access.participant.removed_at is None
        and workshop.state == WorkshopState.LIVE,
        "phases": phases,
        "current_phase": current,
        "ideas": selectors.room_ideas(workshop, facilitator=access.is_facilitator),
        "spotlight": workshop.spotlight
        if workshop.spotlight_id and not workshop.spotlight.is_hidden
        else None,
        "hands": hands,
        "my_hand": access.participant is not None
        and any(hand.participant_id == access.participant.pk for hand in hands),
        "counts": counts,
        "college_counts": [
            (value, label, counts["colleges"].get(value, 0)) for value, label in College.choices
        ],
        "seq": room_last_seq(workshop.pk),
        "idea_form": idea_form
        or IdeaForm(workshop=workshop, initial={"client_key": uuid.uuid4().hex}),
        "reaction_kinds": ReactionKind.choices,
        "phase_kinds": PhaseKind.choices,
        "states": WorkshopState,
        "next_states": sorted(services.TRANSITIONS[WorkshopState(workshop.state)]),
        "ws_path": f"/ws/workshops/{workshop.slug}/",
    }
    context["opinion_step"] = _opinion_step(request, current)
    # The groups of ideas, as ``idea_groups.changed`` sends them: the state a page starts from.
    context["idea_groups"] = events.idea_groups(workshop)
    # The phones show the groups too (read-only; room.js keeps them current).
    context["room_groups"] = _stage_groups(context["idea_groups"]["groups"], context["ideas"])
    if access.is_facilitator:
        context["participants"] = list(
            Participant.objects.filter(workshop=workshop, removed_at__isnull=True)
            .select_related("user")
            .order_by("joined_at")
        )
    return context


def _opinion_step(request: HttpRequest, current) -> dict | None:
    """During an opinion step, what the phone's vote card needs (one statement at a time)."""
    conversation = step_conversation(current)
    if conversation is None:
        return None
    participant = opinion_selectors.participant_of(conversation, request.user)
    return {
        "conversation": conversation,
        "statement": opinion_selectors.next_statement(conversation, participant),
        "remaining": opinion_selectors.remaining_count(conversation, participant),
        "can_take_part": opinion_rules.can_take_part(request.user, conversation),
    }


@require_GET
def room(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    context = _room_context(request, access)
    # The welcome and the description show in full on the first visit only.
    seen = request.session.get("rooms_seen", [])
    context["first_visit"] = slug not in seen
    if context["first_visit"]:
        request.session["rooms_seen"] = [*seen[-49:], slug]
    context["activity_first"] = access.workshop.state == WorkshopState.LIVE and bool(
        context.get("participant") or context.get("is_facilitator")
    )
    return render(request, "workshops/workshop_room.html", context)


# Which screen the stage shows for a phase of each kind when nothing else is going on.
STAGE_PHASE_SCREENS = {
    PhaseKind.WELCOME: "join",
    PhaseKind.IDEATION: "wall",
    PhaseKind.CLUSTERING: "wall",
    PhaseKind.OPINIONS: "opinions",
}


def stage_opinions_context(workshop, current_phase) -> dict:
    """The opinion map of the current step, for the stage (from the stored analysis: the
    analysis itself runs in the background, opinions.services.analysis_schedule)."""
    conversation = step_conversation(current_phase)
    if conversation is None:
        return {"opinion_conversation": None, "opinion_map": {}}
    analysis = opinion_selectors.analysis_of(conversation)
    return {
        "opinion_conversation": conversation,
        # Nobody's own dot on the stage: everyone looks at the same screen.
        "opinion_map": opinion_selectors.map_context(
            conversation, None, analysis, participant=None
        ),
    }


@require_GET
def stage_opinions(request: HttpRequest, slug: str) -> HttpResponse:
    """The stage's opinion map alone: stage.js fetches it again when the analysis changes."""
    access = _access(request, slug)
    workshop = access.workshop
    current = Phase.objects.filter(pk=workshop.current_phase_id).first()
    context = {"workshop": workshop, **stage_opinions_context(workshop, current)}
    response = render(request, "workshops/_stage_opinions.html", context)
    response["Cache-Control"] = "no-store"
    return response


def stage_state(workshop, current_phase, spotlight) -> dict:
    """The stage's first screen, by the rules static/js/stage.js applies to live events:
    before the start the join screen; then an open vote, a spotlighted idea, the results
    revealed during this phase, the wall (ideation, grouping), the timer with the phase title
    (other phases), the join screen between phases."""
    sessions = list(VoteSession.objects.for_workshop(workshop).current()[:3])
    open_vote = any(s.state == SessionState.OPEN for s in sessions)
    finished = next((s for s in sessions if s.state != SessionState.OPEN), None)
    started = current_phase.started_at if current_phase else None
    results_fresh = bool(
        finished is not None
        and vote_rules.results_revealed(finished)
        and started is not None
        and (finished.revealed_at or finished.closed_at or finished.opened_at or started) >= started
    )
    if workshop.state != WorkshopState.LIVE:
        mode = "join"
    elif open_vote:
        mode = "vote"
    elif spotlight is not None:
        mode = "spotlight"
    elif results_fresh:
        mode = "vote"
    elif current_phase is None:
        mode = "join"
    else:
        mode = STAGE_PHASE_SCREENS.get(current_phase.kind, "timer")
    return {"mode": mode, "results_fresh": results_fresh}


def _stage_groups(groups, ideas) -> list[dict]:
    """Named groups of ideas (``{"id", "name", "idea_ids"}`` or objects alike), with their ideas."""
    by_id = {idea.pk: idea for idea in ideas}
    out = []
    for group in groups or []:
        get = group.get if isinstance(group, dict) else lambda key, g=group: getattr(g, key, None)
        ids = get("idea_ids") or []
        out.append(
            {
                "id": get("id"),
                "name": get("name"),
                "ideas": [by_id[i] for i in ids if i in by_id],
            }
        )
    return out


@require_GET
def projector(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    context = _room_context(request, access, console=False)
    context["join_url"] = qr.join_url(request, access.workshop)
    # The stage shows what the room sees, even on a facilitator's laptop: no hidden idea.
    context["ideas"] = selectors.room_ideas(access.workshop, facilitator=False)
    context["stage"] = stage_state(access.workshop, context["current_phase"], context["spotlight"])
    context.update(stage_opinions_context(access.workshop, context["current_phase"]))
    groups = context["idea_groups"]["groups"]
    context["stage_groups"] = _stage_groups(groups, context["ideas"])
    context["groups_json"] = (
        [
            {"id": g["id"], "name": g["name"], "idea_ids": [i.pk for i in g["ideas"]]}
            for g in context["stage_groups"]
        ]
        if groups
        else None
    )
    return render(request, "workshops/workshop_projector.html", context)


@require_GET
def qr_code(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    svg = qr.join_qr_svg(request, access.workshop)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _back(access: selectors.RoomAccess, anchor: str = "") -> HttpResponse:
    return redirect(access.workshop.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@require_POST
def idea_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    form = IdeaForm(request.POST, workshop=access.workshop)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.idea_post(
                workshop=access.workshop,
                user=request.user,
                axis=data["axis"],
                title=data["title"],
                body=data["body"],
                client_key=data["client_key"],
            )
        except PermissionDeniedError as error:
            # Not something to correct in the form (which they may not even see): say it on
            # the room page, as the reactions and hands do.
            messages.error(request, error.message)
            return _back(access, "idees")
        except DomainError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("Votre idée est au mur."))
            return _back(access, "idees")
    # Re-display what they typed, with the errors.
    return render(
        request,
        "workshops/workshop_room.html",
        _room_context(request, access, idea_form=form),
        status=400,
    )


def _run(request: HttpRequest, access, anchor: str, call) -> HttpResponse:
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    return _back(access, anchor)


@require_POST
def reaction(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    # The room's buttons share one form for the page and say « <idea>:<kind> » in their own
    # value (workshops/_idea.html); the similar ideas' form sends ``id`` and ``kind``.
    if "reaction" in request.POST:
        raw_id, _sep, kind = request.POST["reaction"].partition(":")
    else:
        raw_id, kind = request.POST.get("id", ""), request.POST.get("kind", "")
    idea_id = parse_id(raw_id)
    return _run(
        request,
        access,
        f"idee-{idea_id}" if idea_id is not None else "idees",
        lambda: services.reaction_toggle(
            workshop=access.workshop, user=request.user, proposal_id=idea_id, kind=kind
        ),
    )


@require_GET
def idea_similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Up to three ideas of this wall like the one being typed (htmx, debounced by the form),
    with « Soutenir plutôt »: the « D'accord » reaction on it, for those not given it yet."""
    access = _access(request, slug)
    if access.participant is None and not access.is_facilitator:
        return HttpResponse(status=403)
    text = f"{request.GET.get('title', '')[:200]}. {request.GET.get('body', '')[:2000]}"
    ideas = selectors.similar_wall_ideas(access.workshop, request.user, text)
    return render(
        request,
        "workshops/_similar_ideas.html",
        {"workshop": access.workshop, "similar": ideas, "agree": ReactionKind.AGREE},
    )


@require_POST
def hand(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug)
    if request.POST.get("op") == "lower":
        return _run(
            request,
            access,
            "mains",
            lambda: services.hand_lower(workshop=access.workshop, user=request.user),
        )
    return _run(
        request,
        access,
        "mains",
        lambda: services.hand_raise(workshop=access.workshop, user=request.user),
    )


@require_POST
def console(request: HttpRequest, slug: str, op: str) -> HttpResponse:
    """One facilitator command of ``workshops.commands`` (checked there: the user facilitates
    this workshop), by its ``op``; the answer is the room, with the error if any."""
    access = _access(request, slug)
    command = commands.WEB.get(op)
    if command is None:
        raise Http404
    return _run(
        request,
        access,
        "console",
        lambda: commands.execute(
            command,
            workshop=access.workshop,
            actor=request.user,
            params=request.POST,
            client=request,
        ),
    )


# --- grouping the ideas of the wall ----------------------------------------------------------


def grouping_context(workshop, request=None) -> dict:
    """What ``workshops/_grouping_panel.html`` needs (the room and the presenter console),
    with the suggested groups this facilitator has not ignored."""
    ignored = (
        grouping.suggestions_ignored(workshop=workshop, store=request.session)
        if request is not None and hasattr(request, "session")
        else ()
    )
    return {
        **selectors.grouping_panel(workshop),
        "suggestions": selectors.suggested_wall_groups(workshop, ignored=ignored),
        "grouping_vote_methods": [
            (value, label) for value, label in Method.choices if value != Method.OPEN_QUESTION
        ],
    }


@require_GET
def grouping_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The grouping panel alone: grouping.js fetches it again after each change of the room."""
    access = _access(request, slug)
    if not access.is_facilitator:
        raise Http404
    context = {"workshop": access.workshop, **grouping_context(access.workshop, request)}
    response = render(request, "workshops/_grouping_panel.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def grouping_action(request: HttpRequest, slug: str, op: str) -> HttpResponse:
    """The panel's forms without JavaScript (the service checks that the user facilitates)."""
    access = _access(request, slug)
    if op == "vote":
        try:
            session = grouping.idea_groups_vote_create(
                workshop=access.workshop,
                actor=request.user,
                title=request.POST.get("title", ""),
                method=request.POST.get("method", ""),
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return _to_console(access)
        messages.success(
            request,
            _("Vote « %(title)s » créé avec un groupe par option : relisez-le, puis ouvrez-le.")
            % {"title": session.title},
        )
        return redirect("votes:manage", pk=session.pk)
    command = commands.WEB.get(f"group-{op}")
    if command is None:
        raise Http404
    # grouping.js sends « Ignorer » with fetch: an answer without the console page.
    quiet = request.headers.get("X-Grouping") == "1"
    try:
        commands.execute(
            command,
            workshop=access.workshop,
            actor=request.user,
            params=request.POST,
            client=request,
        )
    except DomainError as error:
        if quiet:
            return JsonResponse({"code": error.code, "message": error.message}, status=400)
        messages.error(request, error.message)
    if quiet:
        return HttpResponse(status=204)
    return _to_console(access)


def _to_console(access) -> HttpResponse:
    """The grouping panel lives on the presenter console: its no-JS forms come back there."""
    return redirect(
        reverse("workshops:console_page", args=[access.workshop.slug]) + "#regroupement"
    )
