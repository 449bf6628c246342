"""Opinion map pages: list, a conversation (vote, write, map), moderation, promotion.

Every page works without JavaScript (plain forms and redirects); with htmx the vote
card is swapped in place and the map is polled (a 204 while nothing changed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opinions import rules, selectors, services
from opinions.forms import ConversationForm, PromoteForm, ReasonForm, StatementForm
from opinions.models import Conversation, Statement
from project.errors import DomainError, add_form_error
from proposals.models import Axis

POLL_SECONDS = 5


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    conversation = get_object_or_404(Conversation.objects.select_related("axis", "workshop"), pk=pk)
    if not rules.can_view_conversation(request.user, conversation):
        raise Http404
    return conversation


def _statement(request: HttpRequest, sid: int) -> Statement:
    statement = get_object_or_404(
        Statement.objects.select_related("conversation", "conversation__workshop"), pk=sid
    )
    if not rules.can_view_conversation(request.user, statement.conversation):
        raise Http404
    return statement


@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    conversations = (
        Conversation.objects.visible_to(request.user)
        .exclude(workshop__visibility="private")
        .select_related("axis")
    )[:100]
    return render(
        request,
        "opinions/conversation_list.html",
        {
            "conversations": conversations,
            "can_create": rules.can_create_conversation(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_create(request: HttpRequest) -> HttpResponse:
    if not rules.can_create_conversation(request.user):
        raise PermissionDenied
    initial = {}
    if request.GET.get("axe"):
        initial["axis"] = Axis.objects.filter(slug=request.GET["axe"]).first()
    form = ConversationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            return redirect(conversation)
    return render(request, "opinions/conversation_form.html", {"form": form})


def _page_context(request: HttpRequest, conversation: Conversation) -> dict:
    participant = selectors.participant_of(conversation, request.user)
    analysis = selectors.analysis_of(conversation)
    return {
        "conversation": conversation,
        "participant": participant,
        "statement": selectors.next_statement(conversation, participant),
        "remaining": selectors.remaining_count(conversation, participant),
        "can_take_part": rules.can_take_part(request.user, conversation),
        "can_moderate": rules.can_moderate(request.user),
        "can_promote": rules.can_promote(request.user),
        "can_recommend": rules.can_recommend(request.user),
        "statement_form": StatementForm(),
        "map": selectors.map_context(conversation, request.user, analysis, participant),
        "poll_seconds": POLL_SECONDS,
        "axes": _axes(),
    }


def _axes():
    return Axis.objects.all()  # lazy: read only when a statement needs an axis to be promoted


@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    return render(
        request, "opinions/conversation_detail.html", _page_context(request, conversation)
    )


@require_GET
def conversation_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The map fragment, polled by htmx: 204 while the analysis has not changed."""
    conversation = _conversation(request, pk)
    analysis = selectors.analysis_of(conversation)
    seen = request.GET.get("v", "")
    if analysis is not None and seen.isdigit() and int(seen) == analysis.version:
        return HttpResponse(status=204)
    return render(
        request,
        "opinions/_map.html",
        {
            "conversation": conversation,
            "map": selectors.map_context(conversation, request.user, analysis),
            "can_promote": rules.can_promote(request.user),
            "can_recommend": rules.can_recommend(request.user),
            "poll_seconds": POLL_SECONDS,
            "axes": _axes(),
        },
    )


def _back(request: HttpRequest, conversation: Conversation, anchor: str = "voter"):
    return redirect(f"{conversation.get_absolute_url()}#{anchor}")


@require_POST
def statement_vote(request: HttpRequest, sid: int) -> HttpResponse:
    statement = _statement(request, sid)
    conversation = statement.conversation
    try:
        services.vote_cast(statement=statement, user=request.user, value=request.POST.get("value"))
    except DomainError as exc:
        if exc.status == 403 and not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={conversation.get_absolute_url()}")
        messages.error(request, exc.message)
    if request.htmx:
        context = _page_context(request, conversation)
        return render(request, "opinions/_vote_card.html", context)
    return _back(request, conversation)


@require_POST
def statement_create(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            services.statement_create(
                conversation=conversation,
                author=request.user,
                text=form.cleaned_data["text"],
                client_key=request.POST.get("client_key", ""),
            )
        except DomainError as exc:
            form.add_error("text", exc.message)
        else:
            messages.success(request, _("Merci : votre affirmation est proposée aux autres."))
            return _back(request, conversation, "ecrire")
    context = _page_context(request, conversation)
    context["statement_form"] = form
    return render(request, "opinions/conversation_detail.html", context, status=400)


@login_required
@require_GET
def moderation(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation(request, pk)
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    statements = conversation.statements.order_by("is_hidden", "-created_at")
    return render(
        request,
        "opinions/moderation.html",
        {"conversation": conversation, "statements": statements, "form": ReasonForm()},
    )


@login_required
@require_POST
def statement_moderate(request: HttpRequest, sid: int, verb: str) -> HttpResponse:
    statement = _statement(request, sid)
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    action = services.statement_hide if verb == "hide" else services.statement_restore
    try:
        action(
            statement=statement,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Affirmation masquée.") if verb == "hide" else _("Affirmation rétablie."),
        )
    return redirect("opinions:moderation", pk=statement.conversation_id)


@login_required
@require_POST
def statement_promote(request: HttpRequest, sid: int) -> HttpResponse:
    statement = _statement(request, sid)
    if not rules.can_promote(request.user):
        raise PermissionDenied
    form = PromoteForm(request.POST)
    axis = form.cleaned_data.get("axis") if form.is_valid() else None
    try:
        proposal = services.statement_promote(
            statement=statement, actor=request.user, axis=axis, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, statement.conversation, "consensus")
    messages.success(request, _("L'affirmation est devenue une proposition."))
    return redirect(proposal)


@login_required
@require_POST
def statement_recommend(request: HttpRequest, sid: int) -> HttpResponse:
    """« En faire une recommandation »: a draft recommendation founded on the statement."""
    statement = _statement(request, sid)
    if not rules.can_recommend(request.user):
        raise PermissionDenied
    form = PromoteForm(request.POST)
    axis = form.cleaned_data.get("axis") if form.is_valid() else None
    try:
        recommendation = services.statement_recommend(
            statement=statement, actor=request.user, axis=axis, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, statement.conversation, "consensus")
    messages.success(
        request,
        _(
            "Recommandation en brouillon créée à partir de l'affirmation : sa traçabilité "
            "montre la carte des opinions et les votes par groupe et par collège."
        ),
    )
    return redirect(recommendation)
