"""Daily digest: run once a day (cron/systemd timer), e.g. ``manage.py send_notification_digest``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from decisions.services.digest import notifications_send_digest
from outbox.services import outbox_send


class Command(BaseCommand):
    help = "Envoie le récapitulatif quotidien « ce que sont devenues vos idées » aux personnes qui l'ont demandé."

    def handle(self, *args, **options) -> None:
        # Queued first (the notifications are stamped with their e-mail), then sent from
        # here; what fails stays in the outbox for send_outbox.
        queued = notifications_send_digest(send_after_commit=False)
        result = outbox_send()
        self.stdout.write(
            f"{queued} e-mail(s) mis en file, {result.sent} envoyé(s), {result.failed} en échec."
        )
