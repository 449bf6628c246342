"""Pages: the board (filters, htmx, no-JavaScript path, constant queries), writing, the proposal page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import College
from proposals import services
from proposals.models import Proposal, Support
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def board_ids(response) -> list[int]:
    """The proposals listed on a board page, in order (read from the HTML: a cached list has
    no template context)."""
    return [int(pk) for pk in CARD_LINK.findall(response.content.decode())]


CARD_LINK = re.compile(r'class="proposal-card__title"><a href="/propositions/(\d+)/"')


def _make_many(make_proposal, n, **kwargs):
    return [make_proposal(title=f"Idée numéro {i} pour le territoire", **kwargs) for i in range(n)]


@pytest.mark.parametrize("page_size_rows", [3, 25])
def test_board_queries_do_not_grow_with_rows(
    client, make_proposal, user, page_size_rows, django_assert_max_num_queries
):
    for p in _make_many(make_proposal, page_size_rows):
        services.support_add(proposal=p, user=user)
    client.force_login(user)
    client.get(reverse("proposals:board"))  # warm the session
    # session, user, axes (filter), workshops (filter), the user's roles (moderators see
    # hidden items), COUNT, page rows (axis, author and workshop joined), the visitor's
    # supports on the page; the layout: unread notifications, the axis nav
    with django_assert_max_num_queries(10):
        response = client.get(reverse("proposals:board"), {"sort": "supported"})
    assert response.status_code == 200
    assert response.content.decode().count('class="card proposal-card') == min(page_size_rows, 20)


@pytest.mark.parametrize("rows", [3, 25])
def test_random_board_queries_do_not_grow_with_rows(
    client, make_proposal, rows, django_assert_max_num_queries
):
    _make_many(make_proposal, rows)
    client.get(reverse("proposals:board"))
    # session, axes, workshops, COUNT, the page's ids in the visitor's order, those rows
    # (axis, author, workshop joined), the axis nav
    with django_assert_max_num_queries(7):
        response = client.get(reverse("proposals:board"), {"sort": "random"})
    assert len(board_ids(response)) == min(rows, 20)


def test_board_filters_by_axis_college_status_and_search(client, make_proposal, axis):
    from proposals.models import Axis

    other_axis = Axis.objects.get(slug="marketing-territorial")
    make_proposal(
        title="Requalifier la friche Peugeot", author=UserFactory(college=College.ENTERPRISES)
    )
    make_proposal(title="Campagne d'image du territoire", axis=other_axis)
    html = client.get(reverse("proposals:board"), {"axis": other_axis.slug}).content.decode()
    assert "Campagne d&#x27;image" in html and "friche Peugeot" not in html
    html = client.get(reverse("proposals:board"), {"college": "enterprises"}).content.decode()
    assert "friche Peugeot" in html and "Campagne" not in html
    html = client.get(reverse("proposals:board"), {"q": "friches"}).content.decode()
    assert "friche Peugeot" in html and "Campagne" not in html
    html = client.get(reverse("proposals:board"), {"status": "retained"}).content.decode()
    assert "Aucune proposition" in html


def test_an_invalid_filter_is_dropped_and_the_others_kept(client, make_proposal, axis):
    make_proposal(title="Hydrogène à Étupes", author=UserFactory(college=College.ENTERPRISES))
    make_proposal(title="Autre idée citoyenne")
    response = client.get(
        reverse("proposals:board"), {"axis": "n-existe-pas", "college": "enterprises"}
    )
    assert response.status_code == 200
    assert board_ids(response) == [Proposal.objects.get(title="Hydrogène à Étupes").pk]


def test_anonymous_board_writes_no_session(client, make_proposal, django_assert_max_num_queries):
    from django.contrib.sessions.models import Session

    make_proposal()
    response = client.get(reverse("proposals:board"))
    assert "board_seed" in response.cookies
    assert not Session.objects.exists()


def test_board_without_javascript_is_a_full_page_with_a_get_form(client, make_proposal):
    make_proposal()
    html = client.get(reverse("proposals:board")).content.decode()
    assert "<html" in html and 'method="get"' in html and 'type="submit"' in html


def test_board_htmx_request_gets_only_the_results(client, make_proposal):
    make_proposal(title="Une idée visible ici")
    response = client.get(
        reverse("proposals:board"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-results"
    )
    html = response.content.decode()
    assert "<html" not in html and "Une idée visible ici" in html


def test_random_order_is_stable_for_a_visitor_and_paginates_without_overlap(client, make_proposal):
    _make_many(make_proposal, 30)
    ids = []
    for page in (1, 2):
        response = client.get(reverse("proposals:board"), {"sort": "random", "page": page})
        ids += board_ids(response)
    again = board_ids(client.get(reverse("proposals:board"), {"sort": "random"}))
    assert again == ids[:20]
    assert len(set(ids)) == 30
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True)


def test_random_order_differs_between_visitors(client, make_proposal):
    from django.test import Client

    _make_many(make_proposal, 30)
    orders = {tuple(board_ids(Client().get(reverse("proposals:board")))) for _ in range(4)}
    assert len(orders) > 1


def test_hidden_proposals_are_not_on_the_board_for_the_public(client, make_proposal, moderator):
    hidden = make_proposal(title="Contenu masqué ici")
    services.proposal_hide(proposal=hidden, actor=moderator, reason="Hors charte")
    assert "Contenu masqué ici" not in client.get(reverse("proposals:board")).content.decode()
    # Its page says it was hidden and why, without the content.
    tombstone = client.get(hidden.get_absolute_url()).content.decode()
    assert "Proposition masquée" in tombstone and "Hors charte" in tombstone
    assert "Contenu masqué ici" not in tombstone
    # Its author still sees it, with the reason.
    client.force_login(hidden.author)
    assert "Contenu masqué ici" in client.get(hidden.get_absolute_url()).content.decode()
    client.force_login(moderator)
    assert "Contenu masqué ici" in client.get(reverse("proposals:board")).content.decode()
    page = client.get(hidden.get_absolute_url()).content.decode()
    assert "Hors charte" in page


def test_create_requires_sign_in(client):
    response = client.get(reverse("proposals:create"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_create_keeps_the_draft_on_error_and_says_why_in_french(client, user, axis):
    client.force_login(user)
    draft = "Mon **long** brouillon\n\n- point 1\n- point 2"
    response = client.post(
        reverse("proposals:create"), {"axis": axis.pk, "title": "Non", "body": draft}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Mon **long** brouillon" in html
    assert "Donnez un titre d&#x27;au moins 5 caractères." in html
    # The preview shows the draft too.
    assert "<strong>long</strong>" in html
    assert Proposal.objects.count() == 0


def test_create_then_double_submit_creates_one_proposal(client, user, axis):
    client.force_login(user)
    data = {
        "axis": axis.pk,
        "title": "Un fonds territorial d'épargne",
        "body": "Texte",
        "client_key": "form-1",
    }
    first = client.post(reverse("proposals:create"), data)
    second = client.post(reverse("proposals:create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Proposal.objects.count() == 1
    proposal = Proposal.objects.get()
    assert proposal.author == user and proposal.author_college == user.college


def test_preview_goes_through_the_sanitiser(client):
    response = client.post(reverse("proposals:preview"), {"body": "**ok** <script>x()</script>"})
    html = response.content.decode()
    assert "<strong>ok</strong>" in html and "<script" not in html


def test_detail_page_shows_timeline_comments_and_support(client, proposal, editor, other_user):
    services.proposal_status_change(proposal=proposal, actor=editor, new_status="under_review")
    services.comment_create(proposal=proposal, author=other_user, body="Très *bonne* idée")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Historique" in html and "En cours d&#x27;examen" in html
    assert "<em>bonne</em>" in html
    assert "Connectez-vous pour soutenir" in html


def test_detail_page_query_count_is_constant(client, proposal, django_assert_max_num_queries):
    for i in range(10):
        author = UserFactory()
        root = services.comment_create(proposal=proposal, author=author, body=f"Commentaire {i}")
        services.comment_create(proposal=proposal, author=author, body="Réponse", parent=root)
    # proposal (+axis, author, workshop, merged_into), timeline, root comments,
    # replies (prefetch), merged-from, axis nav, session
    with django_assert_max_num_queries(9):
        assert client.get(proposal.get_absolute_url()).status_code == 200


def test_support_without_javascript_redirects_back(client, proposal, other_user):
    client.force_login(other_user)
    response = client.post(reverse("proposals:support", args=[proposal.pk]), {"action": "add"})
    assert response.status_code == 302
    assert Support.objects.filter(proposal=proposal, user=other_user).exists()
    client.post(reverse("proposals:support", args=[proposal.pk]), {"action": "remove"})
    assert not Support.objects.filter(proposal=proposal).exists()


def test_support_with_htmx_returns_the_box(client, proposal, other_user):
    client.force_login(other_user)
    response = client.post(
        reverse("proposals:support", args=[proposal.pk]), {"action": "add"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Retirer mon soutien" in html and "<html" not in html


def test_participant_cannot_edit_anothers_proposal_or_change_status(client, proposal, other_user):
    client.force_login(other_user)
    assert client.get(reverse("proposals:edit", args=[proposal.pk])).status_code == 403
    response = client.post(
        reverse("proposals:status", args=[proposal.pk]), {"new_status": "under_review"}
    )
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == "submitted"


def test_status_form_error_keeps_what_was_typed(client, proposal, editor):
    client.force_login(editor)
    response = client.post(
        reverse("proposals:status", args=[proposal.pk]),
        {"new_status": "not_retained", "reason": ""},
    )
    assert response.status_code == 400
    assert "Indiquez un motif." in response.content.decode()


def test_merge_through_the_page(client, make_proposal, facilitator):
    a, b = make_proposal(title="Doublon de l'agence"), make_proposal(title="Agence de souveraineté")
    client.force_login(facilitator)
    response = client.post(
        reverse("proposals:merge", args=[a.pk]), {"target": b.pk, "reason": "Même idée"}
    )
    assert response.status_code == 302
    page = client.get(a.get_absolute_url()).content.decode()
    assert "fusionnée dans" in page and "Agence de souveraineté" in page


def test_comment_report_and_moderation_queue(client, proposal, user, other_user, moderator):
    client.force_login(user)
    client.post(
        reverse("proposals:comment_create", args=[proposal.pk]), {"body": "Un commentaire limite"}
    )
    comment = proposal.comments.get()
    client.force_login(other_user)  # one's own comment cannot be reported
    client.post(reverse("proposals:comment_report", args=[comment.pk]), {"reason": "Agressif"})
    client.post(reverse("proposals:report", args=[proposal.pk]), {"reason": "Hors sujet"})
    assert client.get(reverse("proposals:moderation")).status_code == 403
    client.force_login(moderator)
    html = client.get(reverse("proposals:moderation")).content.decode()
    assert "Agressif" in html and "Hors sujet" in html
    client.post(reverse("proposals:comment_hide", args=[comment.pk]), {"reason": "Ton agressif"})
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Commentaire masqué par la modération : Ton agressif" in page


def test_comment_delete_leaves_a_mark(client, proposal, other_user):
    client.force_login(other_user)
    client.post(reverse("proposals:comment_create", args=[proposal.pk]), {"body": "Je retire ça"})
    comment = proposal.comments.get()
    client.post(reverse("proposals:comment_delete", args=[comment.pk]))
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Commentaire supprimé" in html and "Je retire ça" not in html


def test_axis_page_shows_proposals_and_counts_by_college(client, make_proposal, axis):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_proposal(title="Hydrogène vert à Étupes", author=UserFactory(college=College.ENTERPRISES))
    make_proposal(title="Maroquinerie d'art", author=UserFactory(college=College.CITIZENS))
    # Ours: axis, counts by college, supports by college, top proposals, axis nav (other
    # apps may add their sections to the page: the count must not grow with rows either way).
    with CaptureQueriesContext(connection) as few:
        response = client.get(axis.get_absolute_url())
    html = response.content.decode()
    assert "Hydrogène vert à Étupes" in html
    rows = {r["college"]: r["proposals"] for r in response.context["overview"]["rows"]}
    assert rows == {"citizens": 1, "enterprises": 1, "elected": 0, "civil_society": 0}
    for i in range(12):
        p = make_proposal(title=f"Autre idée {i}", author=UserFactory(college=College.ELECTED))
        services.support_add(proposal=p, user=UserFactory())
    with CaptureQueriesContext(connection) as many:
        response = client.get(axis.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)
    by_college = {r["college"]: r for r in response.context["overview"]["rows"]}
    assert by_college["elected"]["proposals"] == 12
    # Supports are counted by the supporter's college (the factory's citizens).
    assert by_college["citizens"]["supports"] == 12


def test_active_filters_show_as_chips_that_each_remove_one_filter(client, make_proposal, axis):
    from proposals.models import Axis

    other_axis = Axis.objects.get(slug="marketing-territorial")
    make_proposal(title="Campagne d'image", axis=other_axis)
    response = client.get(
        reverse("proposals:board"),
        {"axis": other_axis.slug, "college": "citizens", "sort": "recent", "page": "1"},
    )
    html = response.content.decode()
    chips = re.findall(r'<a class="filter-chip" href="\?([^"]*)">([^<]*)<', html)
    labels = [label for _, label in chips]
    assert labels == [f"Axe\u202f: {other_axis}", "Collège\u202f: Citoyen·nes"]
    queries = [query.replace("&amp;", "&") for query, _ in chips]
    assert queries == ["college=citizens&sort=recent", f"axis={other_axis.slug}&sort=recent"]
    assert "retirer ce filtre" in html
    # No filter, no chips; the sort order alone is not a filter.
    html = client.get(reverse("proposals:board"), {"sort": "recent"}).content.decode()
    assert "filter-chip" not in html
