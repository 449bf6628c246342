"""Daily digest: run once a day (cron/systemd timer), e.g. ``manage.py send_notification_digest``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from decisions.services import notifications_send_digest


class Command(BaseCommand):
    help = "Envoie le récapitulatif quotidien « ce que sont devenues vos idées » aux personnes qui l'ont demandé."

    def handle(self, *args, **options) -> None:
        sent = notifications_send_digest()
        self.stdout.write(f"{sent} e-mail(s) envoyé(s).")
