"""Staff: TOTP required (middleware and at login), the admin behind allauth, audited roles, the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import audit_record, role_grant, role_revoke
from tests.accounts.helpers import SECRETS, give_totp, totp_code
from tests.factories import UserFactory

PASSWORD = "motdepasse-test-123"


# --- TOTP for staff -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/compte/", "/admin/", "/compte/journal/"])
def test_staff_without_totp_is_sent_to_set_it_up(client, path):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_staff_without_totp_can_still_reach_the_totp_setup_and_logout(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("mfa_activate_totp"))
    # allauth may first ask for the password again; it never loops back to the middleware.
    assert response.status_code == 200 or response["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    assert client.post(reverse("account_logout")).status_code == 302


@pytest.mark.django_db
def test_a_superuser_without_totp_is_sent_to_set_it_up_too(client):
    root = UserFactory(is_superuser=True)
    client.force_login(root)
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_participants_are_not_asked_for_totp(client, user):
    client.force_login(user)
    assert client.get("/compte/").status_code == 200


@pytest.mark.django_db
def test_staff_login_asks_for_the_totp_code_before_logging_in(client, staff):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not logged in yet: the password alone is not enough.
    assert "_auth_user_id" not in client.session
    assert client.get("/compte/").status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    ok = client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRETS[staff.pk])})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get("/compte/").status_code == 200


# --- Admin login --------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_has_no_login_form_of_its_own(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # A password posted to the admin's own form is not checked there.
    staff = UserFactory(is_staff=True)
    give_totp(staff)
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_is_rate_limited_through_allauth(client):
    staff = UserFactory(is_staff=True)
    give_totp(staff)
    url = reverse("account_login") + "?next=/admin/"
    for _ in range(5):
        response = client.post(url, {"login": staff.email, "password": "wrong-password"})
        assert response.status_code == 200
    # login_failed is "10/m/ip,5/5m/key": after five failures on one account even
    # the right password is refused for a while.
    response = client.post(url, {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_non_staff_user_cannot_enter_the_admin(client, user):
    client.force_login(user)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302  # to the (refusing) login


# --- Role changes audited -----------------------------------------------------


@pytest.mark.django_db
def test_role_changes_by_service_are_audited_with_who_and_what(rf, user, staff):
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    role_grant(user=user, role="moderators", actor=staff, request=request)
    role_grant(user=user, role="moderators", actor=staff)  # no change, no event
    role_revoke(user=user, role="moderators", actor=staff)
    events = list(AuditEvent.objects.filter(target_id=str(user.pk)).order_by("pk"))
    assert [e.action for e in events] == ["role.granted", "role.revoked"]
    assert events[0].actor == staff and events[0].data == {"role": "moderators"}
    assert events[0].ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_role_and_staff_changes_made_in_the_admin_are_audited(client, staff, user):
    staff.is_superuser = True
    staff.save()
    moderators = Group.objects.get(name="moderators")
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "college": user.college,
            "groups": [moderators.pk],
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("terms_accepted_at", None)
    data.pop("deleted_at", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    actions = set(
        AuditEvent.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"role.granted", "user.is_staff_changed"} <= actions
    event = AuditEvent.objects.get(action="role.granted", target_id=str(user.pk))
    assert event.actor == staff and event.data == {"role": "moderators", "via": "admin"}


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(user):
    event = audit_record(actor=user, action="proposal.hidden", data={"reason": "spam"})
    event.action = "nothing.happened"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


# --- Audit log page -----------------------------------------------------------


@pytest.mark.django_db
def test_the_audit_log_is_for_staff_only(client, user, moderator):
    assert client.get("/compte/journal/").status_code == 302  # anonymous: to login
    for person in (user, moderator):
        client.force_login(person)
        assert client.get("/compte/journal/").status_code == 403
        assert client.get("/compte/journal/export.csv").status_code == 403


@pytest.mark.django_db
def test_the_audit_log_shows_who_when_what_from_where_and_filters(client, staff, user):
    audit_record(actor=user, action="proposal.hidden", data={"reason": "spam"}, ip="198.51.100.7")
    audit_record(actor=staff, action="workshop.phase_changed", target=user)
    client.force_login(staff)
    html = client.get("/compte/journal/").content.decode()
    assert "proposal.hidden" in html and "workshop.phase_changed" in html
    assert "198.51.100.7" in html and user.public_name in html
    filtered = client.get("/compte/journal/", {"action": "proposal.hidden"}).content.decode()
    assert "proposal.hidden" in filtered and "<code>workshop.phase_changed</code>" not in filtered


@pytest.mark.django_db
def test_the_audit_log_list_costs_the_same_whatever_its_length(
    client, staff, user, django_assert_max_num_queries
):
    client.force_login(staff)
    for i in range(3):
        audit_record(actor=user, action="proposal.hidden", data={"n": i})
    with django_assert_max_num_queries(9) as small:
        client.get("/compte/journal/")
    for i in range(60):
        audit_record(actor=user if i % 2 else staff, action=f"thing.{i % 7}", data={"n": i})
    # session, user, TOTP check (middleware), groups? no; actions for the filter,
    # count, one page of events joined with their actor.
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/compte/journal/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_audit_log_exports_as_csv_with_spreadsheet_formulas_defused(client, staff, user):
    audit_record(actor=user, action="proposal.hidden", target=user, data={"reason": "spam"})
    user.display_name = '=HYPERLINK("http://evil")'
    user.save()
    audit_record(actor=user, action="comment.hidden", target=user)
    client.force_login(staff)
    response = client.get("/compte/journal/export.csv", {"action": "comment.hidden"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["date", "action", "actor_id"]
    assert len(rows) == 2 and rows[1][1] == "comment.hidden"
    assert rows[1][3].startswith("'=") and rows[1][6].startswith("'=")
