"""Publishing a summary answers without writing 50 e-mails or rendering the PDF: both are
tasks, run by the worker process (``manage.py run_worker``) after the request.

The request is measured in bench (bench/README.md), not here: here, what it does is
bounded (queries) and what it must not do is checked (no e-mail, no PDF)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from outbox.models import OutboxMessage
from summaries.models import SummaryPdf
from summaries.services import summary_create_for_workshop
from tests.factories import UserFactory
from tests.servers import ROOT, server_env
from tests.workshops.factories import ParticipantFactory

RECIPIENTS = 50


@pytest.fixture
def database_tasks(settings):
    """The production set-up: tasks stored in the database, run by a worker process."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SUMMARY_PDF_ON_PUBLISH = True


@pytest.mark.django_db(transaction=True)
def test_publishing_defers_the_emails_and_the_pdf_to_the_worker(
    held_workshop, editor, client, database_tasks, django_assert_max_num_queries, tmp_path
):
    for n in range(RECIPIENTS - 4):  # the workshop has 4 opted-in participants already
        user = UserFactory(email=f"participant{n}@example.org", email_opt_in=True)
        ParticipantFactory(workshop=held_workshop, user=user)
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    client.force_login(editor)

    # The request: a bounded number of queries whatever the number of recipients (it was
    # one per recipient and two renders per e-mail), no e-mail, no PDF.
    with django_assert_max_num_queries(40):
        response = client.post(
            f"/syntheses/{summary.slug}/modifier/", {"action": "publish", "change_note": ""}
        )
    assert response.status_code == 302
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()
    assert not SummaryPdf.objects.exists()
    queued = sorted(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert queued == [
        "summaries.tasks.render_version_pdf",
        "summaries.tasks.send_publication_emails",
    ]
    page = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "PDF en préparation" in page and f"/syntheses/{summary.slug}.pdf" not in page

    # The worker, a real process, as `make serve` runs it: it empties the queue and stops.
    mail_dir = tmp_path / "mail"
    env = server_env({"TASKS_BACKEND": "database", "TEST_EMAIL_FILE_PATH": str(mail_dir)})
    subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--batch"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=240,
        capture_output=True,
    )
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == RECIPIENTS
    sent = "\n".join(p.read_text(errors="replace") for p in mail_dir.iterdir())
    assert sent.count("Subject: ") == RECIPIENTS
    assert "participant45@example.org" in sent
    assert set(SummaryPdf.objects.values_list("language", flat=True)) == {"fr", "en"}
    assert bytes(SummaryPdf.objects.get(language="fr").content).startswith(b"%PDF")

    page = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "PDF en préparation" not in page and f"/syntheses/{summary.slug}.pdf" in page
