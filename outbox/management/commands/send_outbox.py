"""Send the queued e-mails that are due; run it every few minutes (cron/systemd timer)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from outbox.services import outbox_send


class Command(BaseCommand):
    help = (
        "Envoie les e-mails en attente (publications, récapitulatifs) et réessaie ceux qui "
        "ont échoué."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Au plus tant d'e-mails.")

    def handle(self, *args, limit: int | None, **options) -> None:
        result = outbox_send(limit=limit)
        self.stdout.write(f"{result.sent} e-mail(s) envoyé(s), {result.failed} en échec.")
        if result.failed:
            raise SystemExit(1)
