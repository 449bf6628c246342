"""Send the queued e-mails that are due, then delete the settled ones older than
``OUTBOX_KEEP_DAYS``; run it every few minutes (cron/systemd timer)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from outbox.services import outbox_prune, outbox_send


class Command(BaseCommand):
    help = (
        "Envoie les e-mails en attente (publications, récapitulatifs) et réessaie ceux qui "
        "ont échoué ; supprime ensuite les e-mails réglés (envoyés ou abandonnés) plus anciens "
        "que OUTBOX_KEEP_DAYS jours."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Au plus tant d'e-mails.")

    def handle(self, *args, limit: int | None, **options) -> None:
        result = outbox_send(limit=limit)
        self.stdout.write(f"{result.sent} e-mail(s) envoyé(s), {result.failed} en échec.")
        pruned = outbox_prune()
        if pruned:
            self.stdout.write(f"{pruned} e-mail(s) ancien(s) supprimé(s).")
        if result.failed:
            raise SystemExit(1)
