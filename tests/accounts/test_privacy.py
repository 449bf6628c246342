"""RGPD self-service: download my data, delete my account, consents, guests' retention."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import privacy
from accounts.models import ApiToken, AuditEvent, User
from accounts.services import guest_create, role_grant
from project.errors import DomainError
from tests.accounts.helpers import give_totp
from tests.factories import UserFactory


def _proposal(author, axis, title="Une idée", **kwargs):
    from proposals.models import Proposal

    return Proposal.objects.create(
        author=author, axis=axis, title=title, author_college=author.college, **kwargs
    )


def _workshop(title="Atelier mobilité", **kwargs):
    from workshops.models import Workshop

    return Workshop.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), join_code="ABC123", **kwargs
    )


def _join(workshop, user):
    from workshops.models import Participant

    return Participant.objects.create(workshop=workshop, user=user, college=user.college)


def _download(client) -> dict[str, object]:
    response = client.post("/compte/mes-donnees/")
    assert response.status_code == 302
    download = client.get(response["Location"])
    assert download.status_code == 200, download.content[:500]
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    files = {}
    for name in archive.namelist():
        raw = archive.read(name).decode()
        files[name] = json.loads(raw) if name.endswith(".json") else raw
    return files


# --- Download my data ---------------------------------------------------------


@pytest.mark.django_db
def test_my_data_zip_has_my_profile_contributions_and_workshops(client, user, axis):
    mine = _proposal(user, axis, title="Navette autonome Sochaux")
    workshop = _workshop()
    _join(workshop, user)
    give_totp(user)
    client.force_login(user)

    files = _download(client)

    assert {"profile.json", "contributions.json", "workshops.json", "votes.json"} <= set(files)
    profile = files["profile.json"]
    assert profile["email"] == user.email
    assert profile["display_name"] == user.display_name
    assert profile["consents"]["terms_accepted_at"]
    assert profile["second_factors"][0]["type"] == "totp"
    assert "secret" not in json.dumps(profile["second_factors"])
    assert [p["title"] for p in files["contributions.json"]] == [mine.title]
    assert files["workshops.json"][0]["workshop"]["title"] == workshop.title
    assert "vote est secret" in files["LISEZMOI.txt"]
    assert AuditEvent.objects.filter(action="account.exported", target_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_my_data_never_contains_other_peoples_data(client, user, other_user, axis):
    theirs = _proposal(other_user, axis, title="Idée de quelqu'un d'autre", body="secret voisin")
    # I acted on their proposal as a moderator: only a reference may appear.
    workshop = _workshop()
    workshop.facilitators.add(user, other_user)
    _join(workshop, other_user)
    client.force_login(user)

    files = _download(client)
    dump = json.dumps(files, ensure_ascii=False)

    assert other_user.email not in dump
    assert other_user.display_name not in dump
    assert theirs.title not in dump and "secret voisin" not in dump
    assert files["contributions.json"] == []
    assert files["workshops.json"] == []  # joined by them, not by me
    assert files["workshops_facilitated.json"][0]["title"] == workshop.title


@pytest.mark.django_db
def test_my_data_has_my_comments_and_supports_but_not_the_comments_i_answered(
    client, user, other_user, axis
):
    from proposals.services import comment_create, proposal_create, report_create, support_add

    theirs = proposal_create(author=other_user, axis=axis, title="Tramway de nuit", body="…")
    their_comment = comment_create(proposal=theirs, author=other_user, body="Commentaire privé X")
    comment_create(proposal=theirs, author=user, body="Ma réponse", parent=their_comment)
    support_add(proposal=theirs, user=user)
    report_create(reporter=user, reason="Doublon", comment=their_comment)
    client.force_login(user)

    files = _download(client)
    dump = json.dumps(files, ensure_ascii=False)

    assert [c["body"] for c in files["comments.json"]] == ["Ma réponse"]
    assert files["comments.json"][0]["parent"] == {
        "type": "proposals.comment",
        "id": their_comment.pk,
    }
    assert files["supports.json"][0]["proposal"]["title"] == "Tramway de nuit"
    assert any(r.get("reason") == "Doublon" for r in files["other.json"])
    assert "Commentaire privé X" not in dump
    assert other_user.display_name not in dump and other_user.email not in dump
    assert "body_html" not in dump and "client_key" not in dump


@pytest.mark.django_db
def test_deleting_my_account_keeps_supports_and_comments_in_the_counts(
    client, user, other_user, axis
):
    from proposals.services import comment_create, proposal_create, support_add

    # Someone else's proposal: one cannot support one's own.
    proposal = proposal_create(author=other_user, axis=axis, title="Covoiturage PSA", body="…")
    comment_create(proposal=proposal, author=user, body="Je précise")
    support_add(proposal=proposal, user=user)
    proposal.refresh_from_db()
    counts = (proposal.support_count, proposal.comment_count)

    privacy.account_delete(user=user)

    proposal.refresh_from_db()
    assert (proposal.support_count, proposal.comment_count) == counts
    assert proposal.supports.count() == 1
    assert str(proposal.comments.get().author) == "Participant·e supprimé·e"


@pytest.mark.django_db
def test_the_download_link_is_only_for_its_owner(client, user, other_user):
    token = privacy.export_token_make(user=user)
    other = Client()
    other.force_login(other_user)
    response = other.get(f"/compte/mes-donnees/{token}/")
    assert response.status_code == 403
    assert "pas le vôtre" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_download_link_needs_a_login(client, user):
    token = privacy.export_token_make(user=user)
    response = client.get(f"/compte/mes-donnees/{token}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_download_link_expires(client, user, monkeypatch):
    token = privacy.export_token_make(user=user)
    client.force_login(user)
    later = timezone.now().timestamp() + privacy.EXPORT_MAX_AGE.total_seconds() + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.get(f"/compte/mes-donnees/{token}/")
    assert response.status_code == 410
    assert "expiré" in response.content.decode()


@pytest.mark.django_db
def test_a_tampered_download_link_is_refused(client, user):
    client.force_login(user)
    token = privacy.export_token_make(user=user)
    response = client.get(f"/compte/mes-donnees/{token[:-2]}xx/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_link_made_before_a_password_change_is_dead(client, user):
    client.force_login(user)
    token = privacy.export_token_make(user=user)
    user.set_password("un-tout-nouveau-mot-de-passe-77")
    user.save()
    client.force_login(user)
    assert client.get(f"/compte/mes-donnees/{token}/").status_code == 403


@pytest.mark.django_db
def test_export_is_get_only_after_a_post(client, user):
    client.force_login(user)
    # The link is made by a POST (CSRF-protected), never by a GET.
    assert client.get("/compte/mes-donnees/").status_code == 405


# --- Delete my account --------------------------------------------------------


@pytest.mark.django_db
def test_deleting_my_account_anonymises_me_and_keeps_my_contributions(client, user, axis):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    proposal = _proposal(user, axis, title="Idée qui reste")
    workshop = _workshop()
    _join(workshop, user)
    give_totp(user)
    role_grant(user=user, role="moderators")
    ApiToken.objects.create(user=user, name="script", prefix="abc", digest="d" * 64)
    elsewhere = Client()
    elsewhere.force_login(user)  # a second session, on another device
    client.force_login(user)
    email = user.email

    page = client.get("/compte/supprimer/")
    assert page.status_code == 200
    response = client.post("/compte/supprimer/", {"confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.deleted_at is not None and not user.is_active
    assert user.public_name == "Participant·e supprimé·e"
    assert user.email == "" and user.display_name == "" and user.organisation == ""
    assert user.username == f"supprime-{user.pk}"
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(email__iexact=email).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not ApiToken.objects.active().filter(user=user).exists()
    # Contributions stay, attributed to the anonymous row.
    proposal.refresh_from_db()
    assert proposal.author_id == user.pk and str(proposal.author) == "Participant·e supprimé·e"
    assert workshop.participants.filter(user=user).exists()
    # Every session is gone: this one and the other device's.
    assert "_auth_user_id" not in client.session
    assert elsewhere.get("/compte/").status_code == 302
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all()
    )
    event = AuditEvent.objects.get(action="account.deleted")
    assert event.target_id == str(user.pk)
    assert event.data["by_self"] is True and event.data["roles"] == ["moderators"]
    # The audit log itself does not keep the name or the address.
    assert email not in json.dumps(event.data) and email not in event.target_repr


@pytest.mark.django_db
def test_the_address_of_a_deleted_account_can_sign_up_again(user):
    email = user.email
    privacy.account_delete(user=user)
    UserFactory(email=email)  # no unique clash left behind


@pytest.mark.django_db
def test_deleting_an_account_drops_the_e_mails_to_its_addresses_from_the_outbox(user):
    from outbox.models import OutboxMessage
    from outbox.services import Email, outbox_enqueue

    other = UserFactory()
    outbox_enqueue(
        kind="test",
        emails=[
            Email(to=user.email.upper(), subject="À vous", body="…"),
            Email(to=other.email, subject="À l'autre", body="…"),
        ],
        send_after_commit=False,
    )
    OutboxMessage.objects.create(
        kind="test", to=user.email, subject="Déjà parti", body="…", sent_at=timezone.now()
    )
    privacy.account_delete(user=user)
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [other.email]


@pytest.mark.django_db
def test_deleting_needs_the_confirmation_box_and_changes_nothing_without_it(client, user):
    client.force_login(user)
    response = client.post("/compte/supprimer/", {})
    assert response.status_code == 400
    assert "Cochez la case" in response.content.decode()
    user.refresh_from_db()
    assert user.deleted_at is None and user.is_active


@pytest.mark.django_db
def test_deletion_is_one_transaction(user, monkeypatch):
    from allauth.account.models import EmailAddress

    def broken(**kwargs):
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(privacy, "audit_record", broken)
    with pytest.raises(RuntimeError):
        privacy.account_delete(user=user)
    user.refresh_from_db()
    assert user.deleted_at is None and user.is_active and user.email
    assert EmailAddress.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_an_account_cannot_be_deleted_twice(user):
    privacy.account_delete(user=user)
    with pytest.raises(DomainError) as exc:
        privacy.account_delete(user=user)
    assert exc.value.code == "already_deleted"


@pytest.mark.django_db(transaction=True)
def test_deletion_tells_the_users_sockets_to_close():
    user = UserFactory()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user.pk}", channel)

    privacy.account_delete(user=user)

    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "user.disconnect"
    assert message["reason"] == "account_deleted"


@pytest.mark.django_db(transaction=True)
def test_logout_tells_the_users_sockets_to_close(client):
    user = UserFactory()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"user.{user.pk}", channel)
    client.force_login(user)

    client.post("/accounts/logout/")

    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "user.disconnect", "reason": "logout"}


@pytest.mark.django_db
def test_logout_still_works_when_the_channel_layer_is_down(client, user, monkeypatch):
    class DeadLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *a, **k: DeadLayer())
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- Consents -----------------------------------------------------------------


@pytest.mark.django_db
def test_email_consent_is_dated_and_audited(client, user):
    client.force_login(user)
    response = client.post(
        "/compte/",
        {"display_name": "Lucie", "college": "citizens", "organisation": "", "email_opt_in": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_opt_in and user.email_opt_in_changed_at is not None
    assert AuditEvent.objects.filter(action="consent.email_opt_in", actor=user).exists()
    page = client.get("/compte/").content.decode()
    assert "choix fait le" in page
    # Saving again without a change does not move the date.
    first = user.email_opt_in_changed_at
    client.post(
        "/compte/",
        {"display_name": "Lucie", "college": "citizens", "organisation": "", "email_opt_in": "on"},
    )
    user.refresh_from_db()
    assert user.email_opt_in_changed_at == first


@pytest.mark.django_db
def test_a_bad_profile_keeps_what_was_typed_and_changes_nothing(client, user):
    client.force_login(user)
    before = user.display_name
    response = client.post(
        "/compte/", {"display_name": "\u200b\u202e", "college": "martians", "organisation": "ACME"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "ACME" in html
    user.refresh_from_db()
    assert user.display_name == before and user.organisation == ""


@pytest.mark.django_db
def test_a_guest_accepts_the_terms_from_the_account_page(client, guest):
    client.force_login(guest)
    page = client.get("/compte/").content.decode()
    assert "Pas encore acceptées" in page
    assert client.post("/compte/conditions/", {}).status_code == 400
    response = client.post("/compte/conditions/", {"accept_terms": "on"})
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.terms_accepted_at is not None
    assert AuditEvent.objects.filter(action="consent.terms_accepted", actor=guest).exists()


# --- Guests' retention --------------------------------------------------------


def _age(user, days):
    then = timezone.now() - timedelta(days=days)
    User.objects.filter(pk=user.pk).update(date_joined=then, last_login=then)


@pytest.mark.django_db
def test_purge_guests_deletes_old_silent_guests_and_anonymises_old_contributors(
    axis, settings, user
):
    settings.GUEST_RETENTION_DAYS = 30
    silent = guest_create(display_name="Silencieux", college="citizens")
    contributor = guest_create(display_name="Contributrice", college="enterprises")
    recent = guest_create(display_name="Récente", college="citizens")
    idea = _proposal(contributor, axis, title="Idée d'invitée")
    _age(silent, 31)
    _age(contributor, 40)
    _age(recent, 5)
    _age(user, 400)  # full accounts are never purged

    out = io.StringIO()
    call_command("purge_guests", stdout=out)

    assert "supprimés : 1, anonymisés : 1" in out.getvalue()
    assert not User.objects.filter(pk=silent.pk).exists()
    contributor.refresh_from_db()
    assert contributor.deleted_at and contributor.display_name == "" and not contributor.is_active
    assert contributor.college == "enterprises"  # still counted by college
    idea.refresh_from_db()
    assert str(idea.author) == "Participant·e supprimé·e"
    assert User.objects.filter(pk=recent.pk, deleted_at__isnull=True).exists()
    assert User.objects.filter(pk=user.pk, deleted_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="guests.purged")
    assert event.data == {"deleted": 1, "anonymised": 1, "retention_days": 30}


@pytest.mark.django_db
def test_purge_guests_keeps_a_guest_seen_recently(settings):
    settings.GUEST_RETENTION_DAYS = 30
    guest = guest_create(display_name="Fidèle", college="citizens")
    User.objects.filter(pk=guest.pk).update(
        date_joined=timezone.now() - timedelta(days=90), last_login=timezone.now()
    )
    call_command("purge_guests", stdout=io.StringIO())
    assert User.objects.filter(pk=guest.pk).exists()


@pytest.mark.django_db
def test_purge_guests_dry_run_and_days_option(settings):
    guest = guest_create(display_name="Ancienne", college="citizens")
    _age(guest, 10)
    out = io.StringIO()
    call_command("purge_guests", "--days", "7", "--dry-run", stdout=out)
    assert "à traiter : 1" in out.getvalue()
    assert User.objects.filter(pk=guest.pk).exists()
    call_command("purge_guests", "--days", "7", stdout=io.StringIO())
    assert not User.objects.filter(pk=guest.pk).exists()
    # A second run finds nothing and writes nothing more to the log.
    call_command("purge_guests", "--days", "7", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="guests.purged").count() == 1


# --- Votes: secret in the export, unlinked on deletion ------------------------------


def _voted_session(user, facilitator):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from votes.services import ballot_cast, session_create, session_open

    workshop = WorkshopFactory(facilitators=[facilitator])
    ParticipantFactory(workshop=workshop, user=user)
    session = session_create(
        actor=facilitator,
        title="Priorité mobilité",
        method="poll",
        workshop=workshop,
        labels=["Tramway secret", "Vélo secret"],
        question="Un mot pour l'avenir ?",
    )
    session_open(session=session, actor=facilitator)
    option = session.options.order_by("order", "pk").last()
    ballot_cast(
        session=session, voter=user, choices={option.pk: 1}, answer="hydrogène confidentiel"
    )
    return session, option


@pytest.mark.django_db
def test_my_data_names_the_votes_i_took_part_in_but_never_what_i_voted(client, user, facilitator):
    session, option = _voted_session(user, facilitator)
    client.force_login(user)

    files = _download(client)
    dump = json.dumps(files, ensure_ascii=False)

    assert len(files["votes.json"]) == 1
    vote = files["votes.json"][0]
    assert vote["session"] == {
        "type": "votes.votesession",
        "id": session.pk,
        "title": session.title,
    }
    assert "created_at" in vote
    for secret in (
        "Vélo secret",
        "Tramway secret",
        "hydrogène",
        "confidentiel",
        f'"option": {option.pk}',
    ):
        assert secret not in dump
    assert not any(k in vote for k in ("answer", "college", "choices", "option"))


@pytest.mark.django_db
def test_deleting_my_account_unlinks_my_ballots_and_keeps_the_results(user, facilitator):
    from votes.models import Ballot
    from votes.selectors import results_compute

    session, _option = _voted_session(user, facilitator)
    before = results_compute(session).as_dict()

    privacy.account_delete(user=user)

    assert Ballot.objects.filter(session=session).count() == 1
    assert Ballot.objects.get(session=session).voter_id is None
    assert results_compute(session).as_dict() == before
    # The audit log still points at the (anonymised) account.
    assert AuditEvent.objects.filter(action="account.deleted", target_id=str(user.pk)).exists()
